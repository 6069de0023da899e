"""The compare page through a real Chromium against the real server (issue 4).

The page reports what it did on <html> (`data-comparison-id`, `data-frames-shown`, `data-step`,
`data-epoch`, `data-status`); the REST API is the source of truth: the comparison at
/api/v1/comparisons/{id}, each variant as an ordinary session at /api/v1/sessions/{session_id}.

Page loads are few (each parses Plotly's 4.8 MB): the tests of one live race (`race`) run in file
order and carry its state on. Every page goes to about:blank before it closes (pagehide deletes the
comparison; a closed tab would otherwise leave it training until the server pauses it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page
from test_e2e_playground import attr, frames_shown, wait_until

from tests.e2e.conftest import WAIT_MS

pytestmark = pytest.mark.browser

RACE = ["sigmoid", "tanh", "relu", "leaky_relu"]


# ------------------------------------------------------------------ helpers


def get(api: httpx.Client, path: str) -> dict[str, Any]:
    r = api.get(path)
    r.raise_for_status()
    return r.json()  # type: ignore[no-any-return]


def comparison(api: httpx.Client, cid: str) -> dict[str, Any]:
    return get(api, f"comparisons/{cid}")


def variant_sessions(api: httpx.Client, cid: str) -> list[dict[str, Any]]:
    """Every variant read as an ordinary session (its own epoch, step, status, config)."""
    return [get(api, f"sessions/{v['session_id']}") for v in comparison(api, cid)["variants"]]


def weights(api: httpx.Client, sid: str) -> list[dict[str, Any]]:
    return get(api, f"sessions/{sid}/weights")["layers"]  # type: ignore[no-any-return]


def all_weights(api: httpx.Client, cid: str) -> list[list[dict[str, Any]]]:
    return [weights(api, v["session_id"]) for v in comparison(api, cid)["variants"]]


def play_button(page: Page) -> Locator:
    return page.locator("#transport button.play")


def legend_names(page: Page) -> list[str]:
    return [t.text_content() or "" for t in page.locator("#curves .legend .traces .legendtext").all()]


def open_compare(page: Page, url: str) -> str:
    """Load a compare URL; once its comparison exists and its first frame is drawn, its id."""
    page.goto(url)
    wait_until(page, lambda: attr(page, "data-comparison-id") and frames_shown(page) >= 1,
               "the comparison and its first frame")
    return attr(page, "data-comparison-id") or ""


def wait_new_comparison(page: Page, old: str | None) -> str:
    wait_until(page, lambda: (attr(page, "data-comparison-id") or old) != old and frames_shown(page) >= 1,
               "a comparison and its first frame")
    return attr(page, "data-comparison-id") or ""


def pause(page: Page, api: httpx.Client, cid: str) -> None:
    """Pause from the page; returns once the server has stopped every variant."""
    if comparison(api, cid)["status"] == "running":
        play_button(page).click()
    wait_until(page, lambda: comparison(api, cid)["status"] != "running", "the comparison to pause")


def blank_and_close(page: Page) -> None:
    page.goto("about:blank")
    page.close()


@pytest.fixture(scope="module")
def problems() -> list[str]:
    return []


def new_page(context: BrowserContext, problems: list[str]) -> Page:
    p = context.new_page()
    p.set_default_timeout(WAIT_MS)
    p.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    p.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    return p


# ------------------------------------------------------------------ one race, many steps


@pytest.fixture(scope="module")
def race(shared_context: BrowserContext, problems: list[str]) -> Iterator[Page]:
    """One page, from the playground to the compare page and on; the tests below carry it in file order."""
    p = new_page(shared_context, problems)
    yield p
    blank_and_close(p)


@pytest.fixture(scope="module")
def facts() -> dict[str, Any]:
    """What one test of the race learned for the next ones (the initial weights, …)."""
    return {}


def test_compare_opens_from_the_playground(race: Page, server_url: str, api: httpx.Client,
                                           facts: dict[str, Any]) -> None:
    page = race
    page.goto(f"{server_url}/?dataset=moons&layers=8,8")  # not the default: the link must carry it
    wait_until(page, lambda: frames_shown(page) >= 1 and attr(page, "data-session-id"), "the playground")
    link = page.get_by_role("link", name="Compare", exact=True)
    wait_until(page, lambda: "layers=8" in (link.get_attribute("href") or ""), "the Compare link to carry the base")
    link.click()
    page.wait_for_url("**/compare?*")
    cid = wait_new_comparison(page, None)

    c = comparison(api, cid)
    base = c["config"]["base"]
    assert base["dataset"]["name"] == "moons"
    assert [layer["units"] for layer in base["layers"]] == [8, 8]
    assert c["config"]["vary"] == {"field": "activation", "values": RACE}
    assert [v["label"] for v in c["variants"]] and len(c["variants"]) == 4
    assert c["status"] == "idle" and c["step"] == 0
    for v, act in zip(variant_sessions(api, cid), RACE, strict=True):
        assert v["config"]["dataset"]["name"] == "moons"
        assert v["config"]["layers"] == [{"units": 8, "activation": act}] * 2
        assert v["epoch"] == 0 and v["status"] == "idle"
    # the page shows it: the form, the URL, four cards
    assert page.locator("#cmp-field").input_value() == "activation"
    checked = [b.get_attribute("value") for b in page.locator("#compare-form .cmp-values input:checked").all()]
    assert sorted(checked) == sorted(RACE)
    assert "dataset=moons" in page.url and "layers=8,8" in page.url and "vary=activation" in page.url
    assert page.locator("#maps .cmp-card").count() == 4
    assert "moons" in (page.locator("#compare-form .cmp-base-text").text_content() or "").lower()
    facts["cid"] = cid
    facts["initial"] = all_weights(api, cid)


def test_variants_start_from_identical_first_layer_weights(race: Page, api: httpx.Client,
                                                            facts: dict[str, Any]) -> None:
    """Same seed, same shapes: every variant's first layer starts equal (the race is fair)."""
    initial = facts["initial"]
    first = initial[0]
    for w in initial[1:]:
        assert w[0] == first[0], "the variants' first-layer weights differ at creation"
        assert [len(layer["b"]) for layer in w] == [8, 8, 1]
    # and through the API alone: a fresh comparison, stepped, stays in lockstep
    made = api.post("comparisons", json={"base": {"dataset": {"name": "circle"},
                                                  "layers": [{"units": 8}, {"units": 8}]}})
    made.raise_for_status()
    c = made.json()
    try:
        ws = all_weights(api, c["id"])
        assert all(w[0] == ws[0][0] for w in ws)
        r = api.post(f"comparisons/{c['id']}/step", json={"epochs": 3})
        r.raise_for_status()
        vs = variant_sessions(api, c["id"])
        assert {v["epoch"] for v in vs} == {3}
        assert len({v["step"] for v in vs}) == 1
    finally:
        api.delete(f"comparisons/{c['id']}")


def test_race_play_pause_step_reset(race: Page, api: httpx.Client, facts: dict[str, Any]) -> None:
    page = race
    cid = facts["cid"]
    shown = frames_shown(page)
    play_button(page).click()
    wait_until(page, lambda: comparison(api, cid)["status"] == "running", "the race to start")
    wait_until(page, lambda: frames_shown(page) >= shown + 10, "frames to be drawn")
    wait_until(page, lambda: attr(page, "data-status") == "running", "data-status running")

    # four maps, each with its output grid painted
    cards = page.locator("#maps .cmp-card")
    assert cards.count() == 4
    for i in range(4):
        card = cards.nth(i)
        assert card.locator("canvas.cmp-map-points").count() == 1
        wait_until(page, lambda card=card: card.locator("canvas.cmp-map-grid").is_visible(),
                   f"map {i}'s output to be painted")
    # one curve a variant (the legend names them) and a table row a variant, with costs
    wait_until(page, lambda: len(legend_names(page)) == 4, "four legend entries")
    labels = [v["label"] for v in comparison(api, cid)["variants"]]
    assert legend_names(page) == labels
    traces = page.evaluate("() => document.querySelector('#curves .js-plotly-plot').data"
                           ".map((t) => [t.name, t.x.length])")
    assert [t[0] for t in traces] == labels
    wait_until(page, lambda: (n := page.evaluate(
        "() => document.querySelector('#curves .nnp-chart-curves canvas')?.painted?.map((t) => t.x.length)"))
        and len(n) == 4 and min(n) >= 2, "every curve to grow on the canvas")
    # a page that stalls gets the newest frame, not every one: the epochs the stream skipped meanwhile
    # come from the comparison's history?since= (checked once paused: every epoch on every curve)
    page.evaluate("() => { const t0 = performance.now(); while (performance.now() - t0 < 1500); }")
    rows = page.locator("#cmp-table tbody tr")
    assert rows.count() == 4
    for i in range(4):
        cost = rows.nth(i).locator("td.c-train").text_content() or ""
        assert float(cost) > 0, f"row {i} shows no train cost: {cost!r}"
        assert (rows.nth(i).locator("th").text_content() or "").strip() == labels[i]

    wait_until(page, lambda: comparison(api, cid)["variants"][0]["epoch"] >= 10, "10 epochs of the race")
    pause(page, api, cid)
    vs = variant_sessions(api, cid)
    steps = {v["step"] for v in vs}
    assert len(steps) == 1, f"the variants are not in lockstep: {[v['step'] for v in vs]}"
    assert {v["epoch"] for v in vs} == {vs[0]["epoch"]} and vs[0]["epoch"] >= 10
    (step,) = steps
    wait_until(page, lambda: attr(page, "data-step") == str(step), f"the page to show step {step}")
    page.wait_for_timeout(500)
    assert {v["step"] for v in variant_sessions(api, cid)} == {step}, "the step moved after pause"
    assert attr(page, "data-step") == str(step) and attr(page, "data-status") == "idle"
    epochs = list(range(vs[0]["epoch"] + 1))
    wait_until(page, lambda: page.evaluate("() => document.querySelector('#curves .nnp-chart-curves canvas')"
                                           ".painted?.map((t) => t.x)") == [epochs] * 4,
               f"epochs 0…{epochs[-1]} on every curve, none bridged by a straight line")

    # +1: exactly one epoch for every variant
    before = variant_sessions(api, cid)
    page.get_by_role("button", name="+1: one epoch").click()
    wait_until(page, lambda: variant_sessions(api, cid)[0]["epoch"] > before[0]["epoch"], "the epoch step")
    after = variant_sessions(api, cid)
    assert [a["epoch"] for a in after] == [b["epoch"] + 1 for b in before]
    assert len({a["step"] for a in after}) == 1
    wait_until(page, lambda: attr(page, "data-epoch") == str(after[0]["epoch"]), "the page's epoch +1")
    assert all_weights(api, cid) != facts["initial"]

    # reset: epoch 0 and the very same initial weights
    page.get_by_role("button", name="Reset").click()
    wait_until(page, lambda: all(v["epoch"] == 0 for v in variant_sessions(api, cid)), "epoch 0 after reset")
    assert all(v["step"] == 0 and v["status"] == "idle" for v in variant_sessions(api, cid))
    assert all_weights(api, cid) == facts["initial"]
    assert attr(page, "data-comparison-id") == cid  # reset keeps the comparison


def test_screenshots_of_the_running_race(race: Page, api: httpx.Client, facts: dict[str, Any],
                                         screenshot: Callable[[Page, str], Any]) -> None:
    page = race
    cid = facts["cid"]
    play_button(page).click()
    wait_until(page, lambda: comparison(api, cid)["variants"][0]["epoch"] >= 40, "40 epochs")
    for width, height in ((1920, 1080), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(600)  # layout, then a few frames at the new size
        path = screenshot(page, f"compare-{width}x{height}")
        assert path.stat().st_size > 20_000
        box = page.locator("#maps .cmp-card").first.bounding_box()
        assert box and box["width"] >= 90 and box["y"] + box["height"] <= height, f"a map is off-screen: {box}"
    assert comparison(api, cid)["status"] == "running"
    pause(page, api, cid)


def test_reload_brings_the_comparison_back(race: Page, api: httpx.Client, facts: dict[str, Any]) -> None:
    page = race
    old = comparison(api, facts["cid"])
    url = page.url
    page.reload()
    cid = wait_new_comparison(page, None)
    assert page.url == url
    now = comparison(api, cid)
    assert now["config"] == old["config"]
    assert page.locator("#cmp-field").input_value() == "activation"
    checked = [b.get_attribute("value") for b in page.locator("#compare-form .cmp-values input:checked").all()]
    assert sorted(checked) == sorted(RACE)
    if cid != facts["cid"]:  # the old one went with the old page
        wait_until(page, lambda: api.get(f"comparisons/{facts['cid']}").status_code == 404, "the old comparison to go")
    facts["cid"] = cid


def test_open_a_variant_as_playground(race: Page, api: httpx.Client, facts: dict[str, Any]) -> None:
    page = race
    cid = facts["cid"]
    relu = next(v for v in comparison(api, cid)["variants"] if v["value"] == "relu")
    card = page.locator("#maps .cmp-card").filter(has_text="relu").filter(has_not_text="leaky")
    assert card.count() == 1
    card.get_by_role("link", name="open relu as playground").click()
    wait_until(page, lambda: frames_shown(page) >= 1 and attr(page, "data-session-id"), "the playground")
    assert "/compare" not in page.url
    config = get(api, f"sessions/{attr(page, 'data-session-id')}")["config"]
    assert config["layers"] == [{"units": 8, "activation": "relu"}] * 2
    assert config["dataset"]["name"] == "moons"
    assert config == relu["config"]
    wait_until(page, lambda: api.get(f"comparisons/{cid}").status_code == 404, "the comparison to go with its page")


# ------------------------------------------------------------------ a page of its own


def test_a_diverging_variant(shared_context: BrowserContext, server_url: str, api: httpx.Client,
                             problems: list[str]) -> None:
    page = new_page(shared_context, problems)
    try:
        cid = open_compare(page, f"{server_url}/compare?dataset=spiral&act=sigmoid&vary=learning_rate&values=0.03,100")
        c = comparison(api, cid)
        assert c["config"]["vary"] == {"field": "learning_rate", "values": [0.03, 100]}
        assert {layer["activation"] for v in c["variants"] for layer in v["config"]["layers"]} == {"sigmoid"}
        play_button(page).click()
        wait_until(page, lambda: comparison(api, cid)["variants"][1]["status"] == "diverged", "lr 100 to diverge")
        bad = page.locator("#maps .cmp-card").nth(1)
        overlay = bad.locator(".cmp-map-overlay")
        wait_until(page, lambda: overlay.is_visible() and "diverged" in (overlay.text_content() or ""),
                   "“diverged” on the map")
        row = page.locator("#cmp-table tbody tr").nth(1)
        wait_until(page, lambda: (row.locator("td.c-diverged").text_content() or "").startswith("at epoch"),
                   "“at epoch …” in the table's Diverged column")
        assert "is-diverged" in (row.get_attribute("class") or "")
        ok_row = page.locator("#cmp-table tbody tr").nth(0)
        assert ok_row.locator("td.c-diverged").text_content() == "no"
        assert page.locator("#maps .cmp-card").nth(0).locator(".cmp-map-overlay").is_hidden()
        # the other keeps training
        c = comparison(api, cid)
        at = c["variants"][0]["epoch"]
        assert c["status"] == "running" and c["variants"][0]["status"] == "running"
        wait_until(page, lambda: comparison(api, cid)["variants"][0]["epoch"] >= at + 15, "lr 0.03 to keep training")
        assert play_button(page).is_enabled()
        pause(page, api, cid)
        assert comparison(api, cid)["variants"][1]["status"] == "diverged"
    finally:
        blank_and_close(page)


def test_the_form_offers_exactly_the_catalogs_vary_fields(shared_context: BrowserContext, server_url: str,
                                                          api: httpx.Client, problems: list[str]) -> None:
    """The Vary menu is GET api/v1/catalog's vary_fields (names, labels, order); choosing each starts the
    comparison the server gets with that field's default values, offered as check boxes for a registry's
    names or as text with the catalog's hint."""
    fields = get(api, "catalog")["vary_fields"]
    page = new_page(shared_context, problems)
    try:
        cid = open_compare(page, f"{server_url}/compare?dataset=circle&n=100&layers=3&act=relu")
        options = page.locator("#cmp-field option")
        assert [(o.get_attribute("value"), o.text_content()) for o in options.all()] == \
            [(f["name"], f["label"]) for f in fields]
        for f in fields:
            if f["name"] != page.locator("#cmp-field").input_value():
                page.locator("#cmp-field").select_option(f["name"])
                cid = wait_new_comparison(page, cid)
            vary = comparison(api, cid)["config"]["vary"]
            assert vary["field"] == f["name"] and f"vary={f['name']}" in page.url
            expected = [[{"activation": "relu", **layer} for layer in v] if f["kind"] == "layers" else v
                        for v in f["default_values"]]  # a layer list without activations takes the base's
            assert vary["values"] == expected, (f["name"], vary["values"])
            boxes = page.locator("#compare-form .cmp-values input[type=checkbox]")
            if f["kind"] == "name":
                names = [e["name"] for e in get(api, "catalog")[f["registry"]]]
                assert [b.get_attribute("value") for b in boxes.all()] == names
                assert [b.get_attribute("value") for b in boxes.all() if b.is_checked()] == \
                    [n for n in names if n in f["default_values"]]
            else:
                assert boxes.count() == 0
                assert page.locator("#cmp-values-hint").text_content() == f["hint"]
                assert page.locator("#compare-form .cmp-values-text").input_value()
    finally:
        blank_and_close(page)


def test_no_page_errors(problems: list[str]) -> None:
    """Placed last: no console error or page error on any page of this file."""
    assert problems == [], problems
