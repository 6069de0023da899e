"""A first run that succeeds and explains itself (issue 12, item 1), in a real Chromium.

- The default: circle, which the default network solves in seconds; the spiral one click away, named.
- The network diagram explorable like the TF Playground's: hover (or focus, or tap) a hidden unit and
  its map fills the output plot (`#boundary[data-showing]` names what the plot shows, a caption over it
  gives the unit's name and formula), moving away returns to the output; hover or focus a link and a
  card shows its value; a legend says what the colours and line widths mean.
- Progressive disclosure: the week-1 controls up front, the rest behind "More settings", open or closed
  kept in the URL (more=1) across a reload; "Data term" beside "Cost J" only with a regulariser; lesson
  captions say "What we checked (10 seeds)".

The tests of one live page (`explore`) run in file order and carry its state on. Screenshots at
1366×768 and 1280×720 go to tests/e2e/screenshots/ (git-ignored): look at them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from playwright.sync_api import BrowserContext, Locator, Page
from test_e2e_classroom import AXE, WCAG, readable
from test_e2e_playground import attr, open_app, pause_and_settle, play_button, session, wait_until

from tests.e2e.conftest import WAIT_MS

pytestmark = pytest.mark.browser

BIG_MAP = "#boundary .nnp-boundary-map canvas"  # the output plot's map: a canvas laid under the points
# axe on what exploring adds: the output plot (its caption), the diagram (units, cards, legend), the bars
AXE_ON_PARTS = """async (tags) => {
  const r = await axe.run({ include: [["#boundary"], ["#network"], [".subbar"], [".topbar"], ["#metrics"]] },
    { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary,
                                 html: n.html.slice(0, 160) })) }));
}"""


def showing(page: Page) -> str:
    """What the output plot shows: "output", "layer 1 unit 2", "feature x1"."""
    return page.locator("#boundary").get_attribute("data-showing") or ""


def map_href(page: Page) -> str:
    """The output plot's map as a PNG data URL ("" while it shows none)."""
    c = page.locator(BIG_MAP)
    return str(c.first.evaluate("c => c.width > 1 && c.checkVisibility() ? c.toDataURL() : ''")) if c.count() else ""


def title(page: Page) -> Locator:
    return page.locator("#boundary .nnp-map-title")


def unit(page: Page, layer: int, index: int) -> Locator:
    """Hidden unit `index` of hidden layer `layer`, both counted from 1 as the page names them."""
    return page.locator(f"#network [data-unit='{layer - 1}.{index - 1}']")


def link_point(link: Locator, at: float = 0.5) -> tuple[float, float]:
    """A point of a link's curve (or a bias square's centre) in page coordinates."""
    x, y = link.evaluate(
        "(p, t) => { if (p.tagName === 'rect') { const r = p.getBoundingClientRect();"
        " return [r.x + r.width / 2, r.y + r.height / 2]; }"
        " const q = p.getPointAtLength(p.getTotalLength() * t), m = p.getScreenCTM();"
        " return [q.x * m.a + m.e, q.y * m.d + m.f]; }", at)
    return float(x), float(y)


def away(page: Page) -> None:
    """The pointer off the diagram (over the page title)."""
    page.locator("h1.brand").hover()


@pytest.fixture(scope="module")
def explore(shared_context: BrowserContext, server_url: str) -> Iterator[Page]:
    """The default page, loaded once; the tests below carry its state on in file order."""
    p = shared_context.new_page()
    p.set_default_timeout(WAIT_MS)
    open_app(p, server_url)
    yield p
    p.close()


# ------------------------------------------------------------------ the default and the challenge


def test_the_default_is_circle_and_solves_with_the_spiral_one_click_away(explore: Page, api: httpx.Client) -> None:
    page = explore
    sid = attr(page, "data-session-id") or ""
    cfg = session(api, sid)["config"]
    assert cfg["dataset"]["name"] == "circle"
    assert [layer["units"] for layer in cfg["layers"]] == [4, 2]
    # it solves as the student watches (the teaching test holds the claim over 10 seeds)
    play_button(page).click()
    wait_until(page, lambda: (session(api, sid)["metrics"]["test"]["accuracy"] or 0) >= 0.95,
               "≥ 95 % test accuracy on the default")
    pause_and_settle(page, api, sid)
    acc = page.locator("#metrics tbody tr").nth(1).locator("td.m-accuracy")
    wait_until(page, lambda: float((acc.text_content() or "0").rstrip("%")) >= 95, "the page to show it")
    # the challenge: a named thumbnail, on screen
    spiral = page.get_by_role("button", name="Spiral (binary)")
    assert spiral.is_visible()
    assert spiral.locator(".thumb-label").text_content() == "Spiral"
    box, label = spiral.bounding_box(), spiral.locator(".thumb-label").bounding_box()
    assert box and label and label["x"] >= box["x"] - 1 and label["x"] + label["width"] <= box["x"] + box["width"] + 1
    assert box["y"] + box["height"] <= 768, "below the fold at 1366×768"


# ------------------------------------------------------------------ the diagram, explored


def test_the_legend_says_what_colours_and_widths_mean(explore: Page) -> None:
    legend = explore.locator("#network .nnp-net-legend")
    assert legend.is_visible()
    text = legend.text_content() or ""
    assert "orange < 0 < blue" in text and "|w|" in text and "Hover" in text
    assert legend.locator(".nnp-legend-ramp").is_visible() and legend.locator(".nnp-legend-lines line").count() == 3


def test_hover_a_unit_its_map_fills_the_output_plot(explore: Page) -> None:
    page = explore
    assert showing(page) == "output" and title(page).is_hidden()
    output = map_href(page)  # paused: the output's picture stays the same
    unit(page, 1, 2).hover()
    wait_until(page, lambda: showing(page) == "layer 1 unit 2", "the plot to show unit 2 of layer 1")
    assert title(page).is_visible()
    text = title(page).text_content() or ""
    assert "Unit 2 of layer 1" in text and "a[1]₂ = tanh(z[1]₂)" in text and "W[1]₂·x + b[1]₂" in text
    wait_until(page, lambda: map_href(page) not in ("", output), "the unit's map in place of the output's")
    assert "nnp-shown" in (unit(page, 1, 2).get_attribute("class") or "")
    # another unit, of the second layer: its input is a[1]
    unit(page, 2, 1).hover()
    wait_until(page, lambda: showing(page) == "layer 2 unit 1", "unit 1 of layer 2")
    text = title(page).text_content() or ""
    assert "a[2]₁ = tanh(z[2]₁)" in text and "z[2]₁ = W[2]₁·a[1] + b[2]₁" in text
    # a feature too
    page.locator("#network [data-feature='x1']").hover()
    wait_until(page, lambda: showing(page) == "feature x1", "the feature x1's map")
    # moving away: the output again, the same picture as before
    away(page)
    wait_until(page, lambda: showing(page) == "output", "the output again")
    assert title(page).is_hidden()
    wait_until(page, lambda: map_href(page) == output, "the output's own picture back")


def test_keyboard_tab_to_a_unit_arrows_enter_keeps_it(explore: Page) -> None:
    page = explore
    page.get_by_role("button", name="add a unit to layer 1").focus()
    page.keyboard.press("Tab")  # the units are one tab stop: the first unit
    wait_until(page, lambda: showing(page) == "layer 1 unit 1", "focus on unit 1 to show its map")
    assert unit(page, 1, 1).evaluate("n => n === document.activeElement")
    page.keyboard.press("ArrowDown")
    wait_until(page, lambda: showing(page) == "layer 1 unit 2", "↓ to unit 2")
    page.keyboard.press("ArrowRight")
    wait_until(page, lambda: showing(page) == "layer 2 unit 2", "→ to layer 2")
    page.keyboard.press("Enter")  # kept: it stays when the focus goes on
    assert unit(page, 2, 2).get_attribute("aria-pressed") == "true"
    page.locator("h1.brand").click()
    page.wait_for_timeout(200)
    assert showing(page) == "layer 2 unit 2", "Enter should keep the unit in the plot"
    page.get_by_role("button", name="Back to the output in this plot").click()
    wait_until(page, lambda: showing(page) == "output", "× to go back to the output")
    assert unit(page, 2, 2).get_attribute("aria-pressed") == "false"
    # Escape lets go too
    unit(page, 1, 3).focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.locator("h1.brand").click()
    wait_until(page, lambda: showing(page) == "output", "Esc to let the unit go")


def test_a_shown_unit_follows_the_training(explore: Page, api: httpx.Client) -> None:
    page = explore
    sid = attr(page, "data-session-id") or ""
    unit(page, 1, 1).click()  # kept, as a tap would
    wait_until(page, lambda: showing(page) == "layer 1 unit 1", "the clicked unit")
    before = map_href(page)
    play_button(page).click()
    wait_until(page, lambda: map_href(page) != before, "the unit's map to move with the training")
    pause_and_settle(page, api, sid)
    assert showing(page) == "layer 1 unit 1"
    unit(page, 1, 1).click()
    assert unit(page, 1, 1).get_attribute("aria-pressed") == "false", "a second click lets it go"
    away(page)  # the pointer was still on it
    wait_until(page, lambda: showing(page) == "output", "the output once the pointer leaves")


# a node's map as the page shows it: the pixels of the diagram's one canvas inside the node's border, and
# a pixel more on every side (where the map lands depends on how its box's half pixels round)
NODE_PIXELS = """(node) => {
  const c = node.closest('.nnp-net-body').querySelector('canvas.nnp-net-maps');
  const r = node.getBoundingClientRect(), cr = c.getBoundingClientRect(), s = c.width / cr.width;
  const x = Math.round((r.left + node.clientLeft - cr.left) * s) - 1;
  const y = Math.round((r.top + node.clientTop - cr.top) * s) - 1;
  const w = Math.round(node.clientWidth * s) + 2, h = Math.round(node.clientHeight * s) + 2;
  return [w, h, Array.from(c.getContext('2d').getImageData(x, y, w, h).data)];
}"""


def thumb_pixels(page: Page, layer: int, index: int) -> np.ndarray:
    """A unit's map as shown: (h + 2, w + 2, RGBA) around its node's content box."""
    w, h, px = unit(page, layer, index).evaluate(NODE_PIXELS)
    return np.asarray(px, dtype=float).reshape(h, w, 4)


def colour_shift(a: np.ndarray, b: np.ndarray) -> float:
    """How far apart the mean colours of two pictures of a map are, in levels: any two sizes."""
    def mean(p: np.ndarray) -> np.ndarray:
        return p[1:-1, 1:-1, :3].reshape(-1, 3).mean(axis=0)

    return float(np.abs(mean(a) - mean(b)).max())


def map_difference(a: np.ndarray, b: np.ndarray) -> float:
    """How far apart two pictures of a map are, in colour levels: the mean difference of their inner
    parts, at the best of the shifts by up to a pixel (a box's half pixel rounded the other way)."""
    if a.shape != b.shape:
        return float("inf")
    inner = a[1:-1, 1:-1, :3]
    n, m = inner.shape[:2]
    return min(float(np.abs(inner - b[1 + dy:1 + dy + n, 1 + dx:1 + dx + m, :3]).mean())
               for dy in (-1, 0, 1) for dx in (-1, 0, 1))


def test_paused_unit_maps_take_the_projector_colours(explore: Page, api: httpx.Client) -> None:
    """A unit's thumbnail is painted once per map the server sends (a map sent again unchanged is not
    painted again): a theme change repaints it in the new colours all the same, paused or not."""
    page = explore
    sid = attr(page, "data-session-id") or ""
    pause_and_settle(page, api, sid)
    # the paused session's own frame (exact maps) may come after the page shows its epoch: as it stays
    def settled() -> list[np.ndarray]:
        a = thumb_pixels(page, 1, 1)
        page.wait_for_timeout(300)
        return [a] if map_difference(a, thumb_pixels(page, 1, 1)) < 0.5 else []

    [before] = wait_until(page, settled, "the paused unit's map to settle")
    projector = page.get_by_role("button", name="Projector")
    projector.click()
    try:
        wait_until(page, lambda: attr(page, "data-theme") == "projector", "the projector theme")
        # another size of node (the pictures compare by their mean colour), other colours (darker by 30-60 levels)
        wait_until(page, lambda: colour_shift(thumb_pixels(page, 1, 1), before) > 8,
                   "the paused unit's map in the projector colours")
    finally:
        projector.click()
    wait_until(page, lambda: map_difference(thumb_pixels(page, 1, 1), before) < 1,
               "the unit's map in the page's own colours again")


def test_the_diagram_draws_every_map_on_one_canvas(explore: Page, api: httpx.Client) -> None:
    """The maps of the features, the hidden units and the output are drawn on one canvas under the
    nodes (a canvas each was a compositor layer each, committed again at every frame): each node's
    box on it holds its own map, and the output node the session's output in its classes' colours."""
    page = explore
    sid = attr(page, "data-session-id") or ""
    pause_and_settle(page, api, sid)
    assert page.locator("#network canvas").count() == 1
    units = page.locator("#network [data-unit]")
    assert units.count() >= 2
    shown = [thumb_pixels(page, 1, k + 1) for k in range(min(units.count(), 4))]
    for px in shown:
        inner = px[2:-2, 2:-2]
        assert inner[..., 3].min() == 255, "a unit's box is painted all over"
        assert np.ptp(inner[..., :3].reshape(-1, 3), axis=0).max() > 20, "with a map, not one colour"
    assert all(map_difference(a, b) > 1 for i, a in enumerate(shown) for b in shown[i + 1:]), "each its own map"
    # the output node against the server's P(class 1): where it is clearly one class, that class's colour
    p = np.asarray(api.get(f"sessions/{sid}/boundary", params={"resolution": 100}).json()["output"])
    w, h, px = page.locator("#network .nnp-output").first.evaluate(NODE_PIXELS)
    rgb = np.asarray(px, dtype=float).reshape(h, w, 4)[1:-1, 1:-1, :3]  # its content box
    colours = np.asarray([[int(c[k:k + 2], 16) for k in (1, 3, 5)] for c in page.evaluate(
        "['--class0', '--class1'].map((v) => getComputedStyle(document.documentElement).getPropertyValue(v).trim())")],
        dtype=float)
    n, checked = rgb.shape[0], 0
    for i in range(2, n - 2, 3):
        for j in range(2, n - 2, 3):
            # grid row 0 is x2 = −extent, at the bottom
            gi, gj = round((n - 1 - i) / (n - 1) * 99), round(j / (n - 1) * 99)
            near = p[max(0, gi - 5):gi + 6, max(0, gj - 5):gj + 6]
            if near.min() > 0.8 or near.max() < 0.2:  # clearly one class all around the pixel
                d0, d1 = (np.abs(rgb[i, j] - c).sum() for c in colours)
                assert (d1 < d0) == (near.min() > 0.8), (i, j, rgb[i, j], float(p[gi, gj]))
                checked += 1
    assert checked >= 5, "a map with clear regions of both classes"


def test_hover_or_focus_a_link_shows_its_value(explore: Page) -> None:
    page = explore
    card = page.locator("#network .nnp-link-card")
    assert card.is_hidden()
    # the output's bias square, on top of everything
    bias = page.locator("#network .nnp-net-links rect.nnp-bias").last
    page.mouse.move(*link_point(bias))
    wait_until(page, lambda: card.is_visible(), "the bias card")
    assert (card.locator(".nnp-card-what").text_content() or "") == "bias of output"
    value = (card.locator(".nnp-card-value").text_content() or "").replace("−", "-")
    label = bias.get_attribute("aria-label") or ""  # "bias of output: 0.123"
    assert value.startswith("b = ") and float(value[4:]) == pytest.approx(float(label.rsplit(": ", 1)[1]), abs=1e-3)
    # a weight: the card names the link under the pointer and gives its value
    link = page.locator("#network .nnp-net-links [data-item]").nth(0)
    x, y = link_point(link, 0.2)
    page.mouse.move(x, y)
    under = page.evaluate("([x, y]) => document.elementFromPoint(x, y).getAttribute('aria-label')", [x, y]) or ""
    wait_until(page, lambda: (card.locator(".nnp-card-value").text_content() or "").startswith("w = "),
               "a weight's card")
    what = card.locator(".nnp-card-what").text_content() or ""
    frm, to = what.split(" → ")
    assert under.startswith(f"weight from {frm} to {to}: "), (under, what)
    away(page)
    wait_until(page, lambda: card.is_hidden(), "the card to go with the pointer")
    # the keyboard: the links' tab stop shows the card of the focused one
    first = page.locator("#network .nnp-net-links [tabindex='0']")
    first.focus()
    wait_until(page, lambda: card.is_visible(), "the card of the focused link")
    assert (first.get_attribute("aria-label") or "").endswith(
        (card.locator(".nnp-card-value").text_content() or "").split(" = ")[1].replace("−", "-"))
    page.keyboard.press("ArrowDown")
    wait_until(page, lambda: "→" in (card.locator(".nnp-card-what").text_content() or "") or
               "bias" in (card.locator(".nnp-card-what").text_content() or ""), "the next link's card")
    page.locator("h1.brand").click()
    wait_until(page, lambda: card.is_hidden(), "the card to go with the focus")


# ------------------------------------------------------------------ progressive disclosure


def test_more_settings_hides_shows_and_survives_a_reload(explore: Page) -> None:
    page = explore
    more = page.get_by_role("button", name="More settings")
    optimizer = page.locator("select[aria-label='Optimizer']")
    # week 1 up front; the rest one click away
    for week1 in ("select[aria-label='Learning rate α']", "select[aria-label='Activation of every hidden layer']",
                  "#transport button.play", "#features", "#datasets"):
        assert page.locator(week1).first.is_visible(), week1
    assert more.get_attribute("aria-expanded") == "false" and optimizer.is_hidden()
    for later in ("Regularisation", "Mini-batch size", "Dropout rate of hidden units", "Weight initialiser", "Loss"):
        assert page.locator(f"select[aria-label='{later}']").is_hidden(), later
    assert page.get_by_label("Seed of the initial weights").is_hidden()
    more.click()
    assert more.get_attribute("aria-expanded") == "true" and optimizer.is_visible()
    wait_until(page, lambda: "more=1" in page.url, "more=1 in the URL")
    page.reload()
    wait_until(page, lambda: int(attr(page, "data-frames-shown") or 0) >= 1, "the reloaded page")
    more = page.get_by_role("button", name="More settings")
    assert more.get_attribute("aria-expanded") == "true" and optimizer.is_visible(), "open after the reload"
    more.click()
    assert optimizer.is_hidden()
    wait_until(page, lambda: "more=1" not in page.url, "more=1 gone from the URL")
    # closed, the button names what is set there
    page.get_by_role("button", name="More settings").click()
    page.locator("select[aria-label='Optimizer']").select_option("adam")
    page.get_by_role("button", name="More settings").click()
    assert "Adam" in (page.get_by_role("button", name="More settings").text_content() or "")
    page.get_by_role("button", name="More settings").click()
    page.locator("select[aria-label='Optimizer']").select_option("sgd")


def test_data_term_only_with_a_regulariser(explore: Page, api: httpx.Client) -> None:
    page = explore
    head = page.locator("#metrics thead th", has_text="Data term")
    cell = page.locator("#metrics tbody tr").first.locator("td.m-loss")
    assert page.locator("#metrics thead th", has_text="Cost J").is_visible()
    assert head.is_hidden() and cell.is_hidden(), "without regularisation J is the data term: one column"
    page.locator("select[aria-label='Regularisation']").select_option("l2")
    page.locator("select[aria-label='Regularisation rate λ']").select_option("0.01")
    sid = attr(page, "data-session-id") or ""
    wait_until(page, lambda: session(api, sid)["config"]["regularization"] == {"kind": "l2", "rate": 0.01},
               "L2 at λ = 0.01 on the server")
    wait_until(page, lambda: head.is_visible() and cell.is_visible(), "the data term beside J with L2")
    page.locator("select[aria-label='Regularisation']").select_option("none")
    wait_until(page, lambda: head.is_hidden(), "the data term gone with the regulariser")
    page.get_by_role("button", name="More settings").click()  # closed again for the next test


def test_lesson_caption_says_what_we_checked(page: Page, server_url: str) -> None:
    open_app(page, server_url, "?preset=logistic-regression")
    label = page.locator("#lesson .lesson-claim-label")
    assert label.is_visible() and label.text_content() == "What we checked (10 seeds):"
    assert "What the test checks" not in (page.locator("#lesson").text_content() or "")


# ------------------------------------------------------------------ touch, screenshots


def test_touch_tap_a_unit_and_a_link(context_factory: Callable[..., BrowserContext], server_url: str) -> None:
    ctx = context_factory(has_touch=True)
    p = ctx.new_page()
    p.set_default_timeout(WAIT_MS)
    try:
        open_app(p, server_url)
        unit(p, 1, 3).tap()
        wait_until(p, lambda: showing(p) == "layer 1 unit 3", "a tap to show the unit's map")
        p.wait_for_timeout(300)
        assert showing(p) == "layer 1 unit 3", "the map must stay after the finger lifts"
        p.get_by_role("button", name="Back to the output in this plot").tap()
        wait_until(p, lambda: showing(p) == "output", "a tap on × to go back")
        bias = p.locator("#network .nnp-net-links rect.nnp-bias").last
        p.touchscreen.tap(*link_point(bias))
        editor = p.locator("#network .nnp-weight-editor")
        wait_until(p, lambda: editor.is_visible(), "a tap on a bias to open its value")
        assert "bias of output" in (editor.text_content() or "")
    finally:
        p.close()


def test_no_serious_axe_violation_while_exploring(explore: Page) -> None:
    """What exploring adds (the caption over the plot, a link's card, the More row) passes axe too: the
    page-wide test (test_e2e_classroom) sees them hidden."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (scripts/setup.sh --browser)")
    page = explore
    page.add_script_tag(path=str(AXE))
    page.get_by_role("button", name="More settings").click()
    unit(page, 1, 1).focus()
    page.keyboard.press("Enter")  # kept in the plot: the caption and its button stay
    page.locator("#network .nnp-net-links [tabindex='0']").focus()  # a link's card
    wait_until(page, lambda: title(page).is_visible() and page.locator("#network .nnp-link-card").is_visible(),
               "the caption and a card")
    bad = page.evaluate(AXE_ON_PARTS, WCAG)
    page.get_by_role("button", name="Back to the output in this plot").click()
    page.get_by_role("button", name="More settings").click()
    assert bad == [], f"axe found serious or critical WCAG A/AA violations:\n{readable(bad)}"


def test_screenshots_exploring_at_1366_and_1280(explore: Page, screenshot: Callable[[Page, str], Any]) -> None:
    page = explore
    for width, height in ((1366, 768), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)
        unit(page, 1, 2).hover()
        wait_until(page, lambda: showing(page) == "layer 1 unit 2", "the unit's map")
        page.wait_for_timeout(300)
        assert title(page).is_visible()
        box, plot = title(page).bounding_box(), page.locator("#boundary").bounding_box()
        assert box and plot and box["y"] >= plot["y"] - 1, "the caption lies over the plot"
        assert box["y"] + box["height"] <= plot["y"] + plot["height"] / 4, "…over its top, small"
        assert screenshot(page, f"explore-unit-{width}x{height}").stat().st_size > 20_000
        page.get_by_role("button", name="More settings").click()
        away(page)
        wait_until(page, lambda: showing(page) == "output", "the output")
        page.wait_for_timeout(300)
        assert screenshot(page, f"explore-more-{width}x{height}").stat().st_size > 20_000
        page.get_by_role("button", name="More settings").click()
    page.set_viewport_size({"width": 1366, "height": 768})
