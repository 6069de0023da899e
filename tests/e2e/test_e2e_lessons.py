"""Every lesson's claim is on screen from its first frames (issue 10), read as a student reads it.

For each preset, the quantities its claim is about (`shows`, app/presets.py) are checked on the
comparison page and its /embed (the line under each variant's map, the lesson's table columns, the
chart it opens on) or on the playground and its /embed (the metrics table, the embed's status line):
the text drawn, inside the window, against the numbers of the frame the page draws (GET
…/stream?frames=1: the same JSON the page decodes; the pages are paused, so it is the frame on screen).

Then what carries a trained network to the playground: "open as playground" from a comparison (the
variant's weights, epoch and curves, its dead units crossed out on the diagram), a follower's page
(the epoch and the gradient chart) and "Make it mine" (the fork's real epoch and curves at once).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page
from test_e2e_playground import attr, frames_shown, shown_epoch, wait_until

from app.presets import PRESETS
from tests.e2e.conftest import WAIT_MS
from tests.stream_frame import stream_frame

pytestmark = pytest.mark.browser

COMPARISONS = [n for n, p in PRESETS.items() if p.kind == "comparison"]
SESSIONS = [n for n, p in PRESETS.items() if p.kind == "session"]
WINDOW = {"width": 1280, "height": 720}  # a classroom projector
FRAME = {"width": 800, "height": 500}  # an embed on a slide
SMALL = {"width": 520, "height": 300}  # an embed in a notebook
COLUMNS = {"train_cost": "train", "test_cost": "test", "train_accuracy": "trainAcc", "test_accuracy": "testAcc",
           "target_epoch": "target", "diverged": "diverged", "dead_units": "dead", "saturated": "saturated",
           "distinct_units": "distinct", "layer_grads": "layerGrads"}


# ------------------------------------------------------------------ pages and frames


@pytest.fixture(scope="module")
def problems() -> list[str]:
    return []


@pytest.fixture(scope="module")
def contexts(context_factory: Callable[..., BrowserContext]) -> dict[str, BrowserContext]:
    return {"window": context_factory(viewport=WINDOW), "frame": context_factory(viewport=FRAME),
            "small": context_factory(viewport=SMALL)}


@pytest.fixture
def open_page(contexts: dict[str, BrowserContext], problems: list[str]) -> Iterator[Callable[[str, str], Page]]:
    made: list[Page] = []

    def open_(size: str, url: str) -> Page:
        p = contexts[size].new_page()
        p.set_default_timeout(WAIT_MS)
        p.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        p.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        made.append(p)
        p.goto(url)
        return p

    yield open_
    for p in made:
        p.goto("about:blank")  # pagehide deletes the page's session or comparison
        p.close()


def on_screen(page: Page, selector: str) -> bool:
    """Every element of `selector` is visible and inside the window (not scrolled off, not clipped out)."""
    view = page.viewport_size
    assert view is not None
    w, h = view["width"] + 0.5, view["height"] + 0.5
    for el in page.locator(selector).all():
        box = el.bounding_box()
        if not (el.is_visible() and box and box["x"] >= 0 and box["y"] >= 0
                and box["x"] + box["width"] <= w and box["y"] + box["height"] <= h):
            return False
    return page.locator(selector).count() > 0


# ------------------------------------------------------------------ a quantity's text against the frame


def _num(pattern: str, text: str) -> float | None:
    m = re.search(pattern, text)
    return float(m.group(1)) if m else None


def shown_right(key: str, text: str, v: dict[str, Any]) -> str | None:
    """None when `text` (what the page drew for a variant or a session) says quantity `key` of frame part
    `v` correctly; else what is wrong. Numbers are compared within the rounding of their display."""
    m, units = v.get("metrics") or {}, v.get("units") or []
    if key in ("train_accuracy", "test_accuracy"):
        split = key.split("_")[0]
        want = 100 * m[split]["accuracy"]
        got = _num(rf"{split} acc\. ([\d.]+)%", text)
        return None if got is not None and abs(got - want) <= 0.051 else f"{split} accuracy {want:.2f}% not in {text!r}"
    if key in ("train_cost", "test_cost"):
        split = key.split("_")[0]
        want = m[split]["cost"]
        got = _num(rf"{split} cost ([\d.e+-]+)", text)
        ok = got is not None and abs(got - want) <= 5e-3 * abs(want)
        return None if ok else f"{split} cost {want} not in {text!r}"
    if key == "dead_units":
        want = f"{sum(len(u['dead']) for u in units)}/{sum(u['units'] for u in units)} units dead"
        return None if want in text else f"{want!r} not in {text!r}"
    if key == "saturated":
        got = re.search(r"saturated ((?:\d+% · )*\d+%)", text)
        shares = [int(s.rstrip("%")) for s in got.group(1).split(" · ")] if got else []
        ok = len(shares) == len(units) and all(abs(s - 100 * u["saturated"]) <= 0.5 + 1e-9
                                               for s, u in zip(shares, units, strict=True))
        return None if ok else f"saturation {[u['saturated'] for u in units]} not in {text!r}"
    if key == "distinct_units":
        want = "distinct units " + " · ".join(f"{u['distinct']}/{u['units']}" for u in units)
        return None if want in text else f"{want!r} not in {text!r}"
    if key == "layer_grads":
        g = v["layer_grads"]
        got = _num(r"‖dW\[1\]‖ = ([\d.]+)% of ‖dW\[out\]‖", text)
        want = 100 * g[0] / g[-1]
        return None if got is not None and abs(got - want) <= 0.051 * want else f"ratio {want:.3g}% not in {text!r}"
    if key == "target_epoch":
        want = "target: not yet" if v["target_epoch"] is None else f"target at epoch {v['target_epoch']}"
        return None if want in text else f"{want!r} not in {text!r}"
    return None  # diverged: the map's own overlay says it


def card_texts(page: Page) -> list[str]:
    return [t.text_content() or "" for t in page.locator("#maps .cmp-stat-text").all()]


def cards_say(page: Page, shows: tuple[str, ...], frame: dict[str, Any], status: dict[str, str]) -> bool:
    """Each variant's line under its map says each quantity the lesson shows, as the frame has it."""
    texts = card_texts(page)
    if len(texts) != len(frame["variants"]):
        status["why"] = f"{len(texts)} lines for {len(frame['variants'])} variants"
        return False
    for text, v in zip(texts, frame["variants"], strict=True):
        for key in shows:
            if key == "layer_grads" and v["layer_grads"] is None:
                continue  # no update yet: nothing to average (the chart says so)
            if key == "target_epoch" and v["target_epoch"] is not None:
                continue  # the map's badge has it
            wrong = shown_right(key, text, v)
            if wrong:
                status["why"] = wrong
                return False
    return True


def wait_cards(page: Page, api: httpx.Client, name: str) -> dict[str, Any]:
    """Once the page's lines agree with the comparison's frame: that frame."""
    status: dict[str, str] = {}
    frame: dict[str, Any] = {}

    def agree() -> bool:
        frame.update(stream_frame(api, f"comparisons/{attr(page, 'data-comparison-id')}"))
        return str(frame["step"]) == attr(page, "data-step") and cards_say(page, PRESETS[name].shows, frame, status)

    try:
        wait_until(page, agree, f"{name}: the lines under the maps to say what the frame has", timeout=20)
    except AssertionError as e:
        raise AssertionError(f"{e}: {status.get('why')}") from None
    return frame


def whole_run(page: Page, chart: str, epoch: int, traces: int) -> bool:
    """The chart paints `traces` curves, each from epoch ≤ 1 to `epoch` (a long run is thinned to 1000
    points): the lines its canvas painted last (Plotly has their last points only), the visible ones
    (the loss chart's four with its accuracy shown, as by default)."""
    spans = page.locator(f"{chart} .nnp-chart-curves canvas").evaluate(
        "c => (c.painted || []).filter(t => t.x && t.x.length).map(t => [t.x.length, t.x[0], t.x.at(-1)])")
    return len(spans) == traces and all(first <= 1 and last == epoch and n >= min(epoch, 500)
                                        for n, first, last in spans)


def step_epoch(page: Page, epoch: int) -> None:
    page.keyboard.press("ArrowRight")  # → trains one epoch, on the page and in the embed alike
    wait_until(page, lambda: attr(page, "data-epoch") == str(epoch), f"epoch {epoch}")


# ------------------------------------------------------------------ comparison lessons


@pytest.mark.parametrize("name", COMPARISONS)
def test_a_comparison_lesson_shows_its_quantity_from_the_first_frame(open_page: Callable[[str, str], Page],
                                                                     server_url: str, api: httpx.Client,
                                                                     screenshot: Callable[[Page, str], Any],
                                                                     name: str) -> None:
    preset = PRESETS[name]
    page = open_page("window", f"{server_url}/compare?preset={name}")
    wait_until(page, lambda: frames_shown(page) >= 1, "the first frame")
    wait_cards(page, api, name)  # epoch 0: the first frame
    assert on_screen(page, "#maps .cmp-stat"), f"{name}: a variant's line is off the 1280×720 window"
    # the lesson's columns: added where they are not usual, marked, kept on a 1280-px window
    keys = [COLUMNS[k] for k in preset.shows]
    assert sorted(page.locator("#cmp-table thead th.c-key").evaluate_all("hs => hs.map(h => h.className)")) == \
        sorted(f"c-{k} c-key" for k in keys)
    assert on_screen(page, "#cmp-table thead th.c-key"), f"{name}: a key column of the table is hidden or clipped"
    # the chart it opens on: the test cost for overfitting, ‖dW[l]‖ by layer for vanishing gradients
    assert attr(page, "data-chart") == preset.chart
    assert page.locator(f'input[name="cmp-metric"][value="{preset.chart}"]').is_checked()
    step_epoch(page, 1)
    frame = wait_cards(page, api, name)
    for v, row in zip(frame["variants"], page.locator("#cmp-table tbody tr").all(), strict=True):
        for key in keys:
            cell = row.locator(f"td.c-{key}")
            assert (cell.text_content() or "").strip() not in ("", "—"), f"{name}: empty {key} cell for {v['label']}"
    if preset.chart == "layers":
        assert on_screen(page, "#layer-chart") and not page.locator("#curves").is_visible()
        wait_until(page, lambda: page.locator("#layer-chart .nnp-chart-plot").evaluate(
            "d => (d.data || []).map(t => t.y)") == [v["layer_grads"] for v in frame["variants"]],
            "the layer chart to plot the frame's ‖dW[l]‖")
    if "dead_units" in preset.shows:  # the stand-in for a diagram: every unit, a dead one crossed out
        labels = page.locator("#maps canvas.cmp-units").evaluate_all("cs => cs.map(c => c.getAttribute('aria-label'))")
        for label, v in zip(labels, frame["variants"], strict=True):
            for i, u in enumerate(v["units"]):
                assert f"layer {i + 1}: {len(u['dead'])} of {u['units']} dead" in label
    screenshot(page, f"lesson-{name}-1280x720")


@pytest.mark.parametrize("name", COMPARISONS)
def test_a_comparison_lessons_embed_shows_its_quantity(open_page: Callable[[str, str], Page], server_url: str,
                                                       api: httpx.Client, name: str) -> None:
    page = open_page("frame", f"{server_url}/embed?preset={name}")
    wait_until(page, lambda: frames_shown(page) >= 1, "the first frame")
    wait_cards(page, api, name)
    step_epoch(page, 1)
    wait_cards(page, api, name)
    assert on_screen(page, "#maps .cmp-stat"), f"{name}: a variant's line is off the 800×500 embed"
    assert attr(page, "data-chart") == PRESETS[name].chart


# ------------------------------------------------------------------ session lessons


@pytest.mark.parametrize("name", SESSIONS)
def test_a_session_lesson_shows_its_quantity_in_the_playground_and_the_embed(
        open_page: Callable[[str, str], Page], server_url: str, api: httpx.Client, name: str) -> None:
    shows = PRESETS[name].shows
    page = open_page("window", f"{server_url}/?preset={name}")
    wait_until(page, lambda: frames_shown(page) >= 1 and attr(page, "data-session-id"), "the first frame")
    frame = stream_frame(api, f"sessions/{attr(page, 'data-session-id')}")
    for key in shows:  # the metrics table: train and test, cost and accuracy
        split, what = key.split("_")
        row = 1 if split == "train" else 2
        cell = f"#metrics tbody tr:nth-child({row}) td.m-{'accuracy' if what == 'accuracy' else 'cost'}"
        text = f"{split} {'acc.' if what == 'accuracy' else 'cost'} {page.locator(cell).text_content()}"
        assert shown_right(key, text, frame) is None, shown_right(key, text, frame)
        assert on_screen(page, cell)

    embed = open_page("small", f"{server_url}/embed?preset={name}")
    wait_until(embed, lambda: frames_shown(embed) >= 1 and attr(embed, "data-session-id"), "the embed's first frame")
    status: dict[str, str] = {}

    def says() -> bool:
        f = stream_frame(api, f"sessions/{attr(embed, 'data-session-id')}")
        text = embed.locator("#embed-status").text_content() or ""
        wrong = [w for w in (shown_right(k, text, f) for k in shows) if w]
        status["why"] = "; ".join(wrong)
        return not wrong

    wait_until(embed, says, f"{name}: the embed's status line to say {shows}", timeout=20)
    assert on_screen(embed, "#embed-status")


# ------------------------------------------------------------------ trained networks reach the playground


def test_open_as_playground_carries_the_trained_variant_and_its_dead_units(
        open_page: Callable[[str, str], Page], server_url: str, api: httpx.Client) -> None:
    page = open_page("window", f"{server_url}/compare?preset=dead-relu&speed=100")
    wait_until(page, lambda: frames_shown(page) >= 1, "the first frame")
    page.locator("#transport button.play").click()
    wait_until(page, lambda: int(attr(page, "data-epoch") or 0) >= 25, "25 epochs")
    page.locator("#transport button.play").click()
    cid = attr(page, "data-comparison-id")
    wait_until(page, lambda: api.get(f"comparisons/{cid}").json()["status"] == "idle", "the pause")
    relu = stream_frame(api, f"comparisons/{cid}")["variants"][0]
    trained = api.get(f"sessions/{relu['session_id']}/weights").json()  # the variant goes with its page
    page.locator("#maps .cmp-card[data-variant='0'] a.cmp-open").click()
    wait_until(page, lambda: "/compare" not in page.url and frames_shown(page) >= 1, "the playground")
    assert "own=" not in page.url, "the page's own URL: the experiment, with its weights"
    sid = attr(page, "data-session-id")
    assert sid and sid != relu["session_id"], "a copy of the variant, not the variant"
    s = api.get(f"sessions/{sid}").json()
    assert s["epoch"] == relu["epoch"] >= 25 and s["status"] == "idle", "trained as far as in the comparison"
    assert shown_epoch(page) == relu["epoch"]
    assert api.get(f"sessions/{sid}/weights").json() == trained
    # the dead units, crossed out on the diagram and counted over each layer
    mine = stream_frame(api, f"sessions/{sid}")
    assert [u["dead"] for u in mine["units"]] == [u["dead"] for u in relu["units"]]
    wait_until(page, lambda: page.locator("#network .nnp-dead").count() == sum(len(u["dead"]) for u in relu["units"]),
               "the dead units crossed out")
    heads = page.locator("#network .nnp-net-stat").all_text_contents()
    assert heads == [f"{len(u['dead'])} dead" for u in relu["units"]]
    assert sum(len(u["dead"]) for u in relu["units"]) >= 1
    # its curves: every epoch so far, at once
    wait_until(page, lambda: whole_run(page, "#loss-chart", relu["epoch"], 4), "the cost curves of every epoch so far")
    wait_until(page, lambda: whole_run(page, "#grad-chart", relu["epoch"], 3), "the gradient norms of every epoch")


def test_a_follower_sees_the_epoch_and_the_gradients_and_a_fork_reads_right_at_once(
        open_page: Callable[[str, str], Page], context_factory: Callable[..., BrowserContext], server_url: str,
        api: httpx.Client) -> None:
    # spiral: its curves keep moving, so a long run thinned to ~1000 points keeps ≥ 500 of each (the
    # default circle's accuracy sits at 100 % and thins to fewer)
    teacher = open_page("window", f"{server_url}/?dataset=spiral&speed=100")
    wait_until(teacher, lambda: frames_shown(teacher) >= 1 and attr(teacher, "data-session-id"), "the teacher's page")
    teacher.locator("#transport button.play").click()
    sid = attr(teacher, "data-session-id")
    wait_until(teacher, lambda: api.get(f"sessions/{sid}").json()["epoch"] >= 20, "20 epochs")
    student_ctx = context_factory(viewport=WINDOW)  # another browser: none of the teacher's tokens
    student = student_ctx.new_page()
    student.set_default_timeout(WAIT_MS)
    try:
        student.goto(f"{server_url}/?follow={sid}")
        wait_until(student, lambda: frames_shown(student) >= 3, "the follower's frames")
        assert on_screen(student, "#transport .epoch-value")
        wait_until(student, lambda: shown_epoch(student) >= 20, "the follower's epoch counter")
        wait_until(student, lambda: min(student.locator("#grad-chart .nnp-chart-curves canvas").evaluate(
            "c => (c.painted || []).map(t => t.x.length)") or [0]) >= 20, "the follower's gradient chart")
        teacher.locator("#transport button.play").click()
        wait_until(teacher, lambda: api.get(f"sessions/{sid}").json()["status"] == "idle", "the teacher's pause")
        at = api.get(f"sessions/{sid}").json()["epoch"]
        student.locator("#make-mine").click()
        wait_until(student, lambda: attr(student, "data-session-id") not in (None, sid), "the fork")
        fork = api.get(f"sessions/{attr(student, 'data-session-id')}").json()
        assert fork["epoch"] == at and fork["status"] == "idle"
        # at once, without pressing play: the real epoch, the cost curves and the gradient norms
        wait_until(student, lambda: shown_epoch(student) == at, "the fork's epoch on the counter")
        wait_until(student, lambda: whole_run(student, "#grad-chart", at, 3), "the fork's gradient norms, epochs 1 on")
        wait_until(student, lambda: whole_run(student, "#loss-chart", at, 4), "the fork's cost curves, epochs 1 on")
        assert api.get(f"sessions/{attr(student, 'data-session-id')}").json()["epoch"] == at, "nothing trained it"
    finally:
        student.goto("about:blank")
        student.close()


def test_no_page_errors(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)
