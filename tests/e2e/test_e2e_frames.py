"""The frames a teacher uses, in a real Chromium (issue 10): projector screens, small embeds, a slide deck.

- The playground in the projector theme at 1024×768, 1280×720 and 1920×1080: the map is larger than
  the normal theme's at the same size, the map, the network (every unit) and the cost curve (with its
  axis) are whole on screen, nothing overlaps, nothing scrolls, and at 1280×720 no visible text is
  under 16 px.
- /embed at 520×300, 800×500 and 1920×1080 with each combination of `caption` and `curve`: the named
  parts inside the frame and apart, the map as large as the frame allows, the curve beside it. The same
  for comparison lessons' /embed (4, 6 and 2 variants), both themes: every variant's map whole and of a
  usable size (≥ 60 px at 520×300), no panel scrolling, the caption on screen when asked for.
- A reveal.js deck on another origin with the playground as a full-bleed background (keys=0): after a
  click inside the frame, → and PageDown still move the deck; keys given to the frame are forwarded.
- keys on: Space, → and r work after a click anywhere in the frame, the map included.

Screenshots go to tests/e2e/screenshots/ (git-ignored): look at them. The contexts come from
pytest-playwright's `browser` directly: the deck is on another origin, which the playground file's
recorder (conftest's context_factory) must not see.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from itertools import combinations
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, FrameLocator, Page
from test_e2e_playground import attr, frames_shown, open_app, session, status, wait_until

from tests.e2e.conftest import WAIT_MS

E2E = Path(__file__).resolve().parent
SCREENSHOTS = E2E / "screenshots"  # git-ignored
REVEAL = E2E.parent.parent / ".node" / "node_modules" / "reveal.js" / "dist"  # scripts/setup.sh --browser
PROJECTOR_SIZES = [(1024, 768), (1280, 720), (1920, 1080)]
FRAME_SIZES = [(520, 300), (800, 500), (1920, 1080)]
LESSON = "logistic-regression"  # a session lesson: no hidden layer, cheap to train
DECK_LESSONS = [LESSON, "activation-race"]  # one session embed, one comparison embed

# --------------------------------------------------------------------------- measuring in the page

# Boxes as [left, top, right, bottom]; `shown(el)` is the share of an element's box on screen: cut by
# the viewport and by every ancestor that clips (a panel that scrolls, the network's own box).
GEOMETRY = """
window.__nnp = (() => {
  const box = (r) => [r.left, r.top, r.right, r.bottom];
  const cut = (a, b) => [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  const area = (a) => Math.max(0, a[2] - a[0]) * Math.max(0, a[3] - a[1]);
  function onScreen(el) {
    let seen = cut(box(el.getBoundingClientRect()), [0, 0, innerWidth, innerHeight]);
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.overflowX !== 'visible' || cs.overflowY !== 'visible') seen = cut(seen, box(a.getBoundingClientRect()));
    }
    return seen;
  }
  function shown(el) {
    const whole = area(box(el.getBoundingClientRect()));
    return whole ? area(onScreen(el)) / whole : 0;
  }
  const visible = (el) => {
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && Number(cs.opacity) > 0 && area(onScreen(el)) > 0
      && !el.closest('.sr-only, .nnp-visually-hidden');
  };
  /** Every piece of text on screen whose type is under `least` px: [size, what, text]. */
  function smallText(least) {
    const out = [];
    const check = (el, text) => {
      const size = parseFloat(getComputedStyle(el).fontSize);
      const what = el.tagName.toLowerCase() + '.' + (el.getAttribute('class') || '');
      if (size < least && visible(el)) out.push([size, what, text]);
    };
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n; (n = walk.nextNode());) {
      if (n.textContent.trim() && n.parentElement) check(n.parentElement, n.textContent.trim().slice(0, 30));
    }
    for (const el of document.querySelectorAll('select, input[type=text], input[type=number], textarea')) {
      check(el, el.value);
    }
    return out;
  }
  return { box: (el) => box(el.getBoundingClientRect()), shown, smallText };
})();
"""

PLAYGROUND = """() => {
  const g = window.__nnp, $ = (s) => document.querySelector(s), all = (s) => [...document.querySelectorAll(s)];
  const parts = { map: '#boundary', network: '#network', curve: '#loss-chart', grad: '#grad-chart',
                  metrics: '#metrics', options: '#view-options' };
  const boxes = {}, shown = {};
  for (const [name, sel] of Object.entries(parts)) { boxes[name] = g.box($(sel)); shown[name] = g.shown($(sel)); }
  // the pieces that were clipped before: every unit of the network, the curve's axis (ticks and title)
  const pieces = {
    units: all('#network .nnp-node').map(g.shown),
    curveAxis: all('#loss-chart .xtick text, #loss-chart .g-xtitle text, #loss-chart .ytick text').map(g.shown),
    gradAxis: all('#grad-chart .g-xtitle text, #grad-chart .g-ytitle text').map(g.shown),
  };
  const page = document.scrollingElement;
  return { boxes, shown, pieces, scroll: [page.scrollWidth, page.scrollHeight], viewport: [innerWidth, innerHeight] };
}"""

EMBED = """() => {
  const g = window.__nnp, $ = (s) => document.querySelector(s);
  const parts = { caption: '#lesson', banner: '#banner', map: '#boundary', chart: '#loss-chart .main-svg',
                  buttons: '#embed-controls', status: '#embed-status', open: '#embed-open' };
  const boxes = {}, shown = {};
  for (const [name, sel] of Object.entries(parts)) {
    const el = $(sel);
    if (!el || !el.getClientRects().length || el.closest('[hidden]')) continue;
    boxes[name] = g.box(el); shown[name] = g.shown(el);
  }
  return { boxes, shown, bar: g.box($('.embed-bar')), viewport: [innerWidth, innerHeight] };
}"""


def measure(page: Page, script: str) -> dict[str, Any]:
    page.evaluate(GEOMETRY)
    return page.evaluate(script)  # type: ignore[no-any-return]


def side(b: list[float]) -> float:
    return min(b[2] - b[0], b[3] - b[1])


def overlaps(boxes: dict[str, list[float]]) -> list[str]:
    """Pairs of named boxes that share more than a pixel's width."""
    def meet(a: list[float], b: list[float]) -> bool:
        return min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1
    return [f"{x} × {y}" for x, y in combinations(boxes, 2) if meet(boxes[x], boxes[y])]


def whole(shown: dict[str, float] | list[float]) -> list[Any]:
    """What is not wholly on screen (≥ 99% of its box: sub-pixel edges)."""
    items = shown.items() if isinstance(shown, dict) else enumerate(shown)
    return [(k, round(v, 3)) for k, v in items if v < 0.99]


@pytest.fixture(scope="module")
def context(browser: Browser) -> Iterator[BrowserContext]:
    """This file's context (bypass_csp: evaluate needs it); its cache keeps Plotly between pages."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    p = context.new_page()
    p.set_default_timeout(WAIT_MS)
    yield p
    p.close()


def train_a_little(page: Page, api: httpx.Client, sid: str, epochs: int) -> None:
    """Play until `epochs`, then pause: the curves, the unit statistics and the gradients are drawn."""
    page.keyboard.press("Space")
    wait_until(page, lambda: session(api, sid)["epoch"] >= epochs, f"{epochs} epochs")
    page.keyboard.press("Space")
    wait_until(page, lambda: status(api, sid) == "idle", "the pause")
    page.wait_for_timeout(500)


# --------------------------------------------------------------------------- the projector theme


@pytest.mark.browser
@pytest.mark.parametrize("size", PROJECTOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lesson", ["flower-one-hidden-layer", "softmax-multiclass"])
def test_projector_fits_and_the_map_is_larger(page: Page, server_url: str, api: httpx.Client,
                                              size: tuple[int, int], lesson: str) -> None:
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    open_app(page, server_url, f"?preset={lesson}")
    page.wait_for_timeout(300)
    normal = measure(page, PLAYGROUND)["boxes"]["map"]

    sid = open_app(page, server_url, f"?preset={lesson}&theme=projector&speed=300")
    assert attr(page, "data-theme") == "projector"
    train_a_little(page, api, sid, 60)  # softmax-multiclass: a 16-unit layer with dead units marked
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"frames-projector-{lesson}-{w}x{h}.png"))
    m = measure(page, PLAYGROUND)

    # the map: larger than the normal theme's here, and still the biggest thing on screen
    assert side(m["boxes"]["map"]) > side(normal) + 10, (m["boxes"]["map"], normal)
    assert side(m["boxes"]["map"]) >= 0.35 * h, m["boxes"]["map"]
    # nothing below the fold or beside it; nothing clipped; nothing on top of anything else
    assert m["scroll"] == m["viewport"], m
    assert whole(m["shown"]) == [], m["shown"]
    assert m["pieces"]["units"] and whole(m["pieces"]["units"]) == [], "units of the network cut off"
    assert len(m["pieces"]["curveAxis"]) >= 4 and whole(m["pieces"]["curveAxis"]) == [], "the cost curve's axis cut off"
    assert whole(m["pieces"]["gradAxis"]) == [], "the gradient chart's axis titles cut off"
    assert overlaps(m["boxes"]) == [], m["boxes"]

    if (w, h) == (1280, 720):
        small = page.evaluate("window.__nnp.smallText(16)")
        assert small == [], f"text under 16 px at 1280×720: {small[:10]}"


# Each text of the diagram's hidden-layer heads (the ± row, the activation, "3% sat.") as a box, by column.
HEAD_TEXTS = """() => [...document.querySelectorAll('#network .nnp-net-hidden .nnp-net-head')].map((head) =>
  [...head.querySelectorAll('.nnp-net-units, .nnp-net-act, .nnp-net-stat > span')]
    .filter((e) => e.textContent.trim())
    .map((e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.textContent]; }))"""


@pytest.mark.browser
def test_six_layers_on_a_projector_keep_their_heads_apart(page: Page, server_url: str, api: httpx.Client) -> None:
    # six sigmoid layers at 1920×1080: the heads' "sigmoid" and "3% sat." ran into the next column's
    # ("3% sat0% sat0% sat"); one shared activation is now said once, a narrow column's figures stand
    # over their word
    page.set_viewport_size({"width": 1920, "height": 1080})
    sid = open_app(page, server_url, "?dataset=spiral&layers=8,8,8,8,8,8&act=sigmoid&lr=3&theme=projector&speed=300")
    train_a_little(page, api, sid, 30)
    wait_until(page, lambda: all(any("sat" in t[4] for t in col) for col in page.evaluate(HEAD_TEXTS)),
               "every layer's saturation under its head")
    assert page.locator("#network .nnp-net-count").text_content() == "6 hidden layers · sigmoid"
    cols = page.evaluate(HEAD_TEXTS)
    assert len(cols) == 6
    hits = [(a[4], b[4]) for left, right in itertools.pairwise(cols) for a in left for b in right
            if a[2] > b[0] + 0.5 and b[2] > a[0] + 0.5 and a[3] > b[1] + 0.5 and b[3] > a[1] + 0.5]
    # the ± rows are buttons wider than a column: they may touch, never the words
    words = [(a, b) for a, b in hits if not (a.replace("−", "").replace("+", "").strip().isdigit()
                                             and b.replace("−", "").replace("+", "").strip().isdigit())]
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#network").screenshot(path=str(SCREENSHOTS / "frames-projector-six-layers.png"))
    assert words == [], f"heads run into each other: {words}"
    # a follower's diagram has no toolbar (no count): each head says its activation
    follower = page.context.new_page()
    follower.set_viewport_size({"width": 1920, "height": 1080})  # its columns as wide as the teacher's
    try:
        follower.goto(f"{server_url}/?follow={sid}&theme=projector")
        wait_until(follower, lambda: follower.locator("#network .nnp-net-hidden").count() == 6, "its diagram")
        assert not follower.locator("#network .nnp-net-count").is_visible()
        acts = follower.locator("#network .nnp-net-hidden .nnp-net-act")
        wait_until(follower, lambda: acts.all_text_contents() == ["sigmoid"] * 6, "each head's activation")
        assert [a.get_attribute("title") for a in acts.all()] == ["Sigmoid"] * 6
    finally:
        follower.close()


UNIT_ROWS = """() => [...document.querySelectorAll('#network .nnp-net-hidden .nnp-net-units button')].map((b) => {
  const r = b.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, b.getAttribute('aria-label')]; })"""


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_projectors_narrow_columns_stack_their_unit_buttons(page: Page, server_url: str, api: httpx.Client,
                                                              size: tuple[int, int]) -> None:
    # four layers in the projector theme at a projector's resolution: the "− 8 +" rows overlapped by
    # 13–18 px (a "+" under the next column's "−"); narrow columns now stack them, + over 8 over −
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    sid = open_app(page, server_url, "?dataset=spiral&layers=8,8,8,8&act=tanh&theme=projector")
    stacked = lambda: page.evaluate("document.querySelector('.nnp-net-stacked') !== null")  # noqa: E731
    wait_until(page, stacked, "the steppers stacked")
    boxes = page.evaluate(UNIT_ROWS)
    assert len(boxes) == 8
    hits = [(a[4], b[4]) for a, b in itertools.combinations(boxes, 2)
            if a[2] > b[0] + 0.5 and b[2] > a[0] + 0.5 and a[3] > b[1] + 0.5 and b[3] > a[1] + 0.5]
    assert hits == [], f"unit buttons on top of each other: {hits}"
    page.get_by_role("button", name="add a unit to layer 2").click()
    wait_until(page, lambda: attr(page, "data-session-id") not in (None, "", sid), "the new network's session")
    layers = session(api, attr(page, "data-session-id") or "")["config"]["layers"]
    assert [layer["units"] for layer in layers] == [8, 9, 8, 8], "the + clicked was layer 2's"
    page.set_viewport_size({"width": 1920, "height": 1080})  # room again: "− 8 +" side by side
    wait_until(page, lambda: not stacked(), "the steppers side by side again")


# The diagram's words (heads, feature labels, the body's buttons: [kind, text, left, right]) and nodes
# (["node", label]) outside its scrolling box, and words on top of each other (["overlap", a, b]).
DIAGRAM_CUTS = """() => {
  const body = document.querySelector('#network .nnp-net-body').getBoundingClientRect();
  const words = [...document.querySelectorAll('#network .nnp-net-head span, #network .nnp-feature-label, '
                                              + '#network .nnp-net-body .nnp-net-btn')]
    .filter((e) => e.getClientRects().length && e.textContent.trim() && !e.closest('.nnp-visually-hidden'))
    .filter((e, _, all) => ![...e.children].some((c) => all.includes(c)))
    .map((e) => { const r = document.createRange(); r.selectNodeContents(e); const b = r.getBoundingClientRect();
                  return [b.left, b.top, b.right, b.bottom, e.textContent.trim()]; });
  const out = [];
  const outside = (l, t, r, b) => l < body.left - 0.5 || r > body.right + 0.5
    || t < body.top - 0.5 || b > body.bottom + 0.5;
  for (const [l, t, r, b, text] of words) if (outside(l, t, r, b)) out.push(['word', text, l, r]);
  for (const n of document.querySelectorAll('#network .nnp-node')) {
    const b = n.getBoundingClientRect();
    if (outside(b.left, b.top, b.right, b.bottom)) out.push(['node', n.getAttribute('aria-label') || n.title]);
  }
  for (let i = 0; i < words.length; i++) for (let j = i + 1; j < words.length; j++) {
    const [a, c] = [words[i], words[j]];
    if (a[2] > c[0] + 1 && c[2] > a[0] + 1 && a[3] > c[1] + 3 && c[3] > a[1] + 3) out.push(['overlap', a[4], c[4]]);
  }
  return out;
}"""

FEATURES7 = "features=x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2"


def diagram_cuts(page: Page) -> list[Any]:
    """DIAGRAM_CUTS once the diagram has settled (a resize is laid out at the next animation frame, a
    narrow head's decision may take one more): [] as soon as it is whole, else its last answer."""
    last: list[Any] = []

    def whole() -> bool:
        nonlocal last
        last = page.evaluate(DIAGRAM_CUTS)
        return last == []
    with contextlib.suppress(AssertionError):  # the assertion after it says what is cut
        wait_until(page, whole, "the diagram whole", timeout=10)
    return last


MIXED = "relu,sigmoid,tanh,leaky_relu,tanh,relu"


@pytest.mark.browser
@pytest.mark.parametrize(("size", "layers", "acts"), [
    ((1024, 768), 4, "mixed"), ((1280, 720), 4, "tanh"), ((1280, 720), 6, "mixed"), ((1366, 768), 6, "mixed"),
    ((1920, 1080), 6, "tanh")], ids=lambda v: "x".join(map(str, v)) if isinstance(v, tuple) else str(v))
def test_a_projectors_diagram_is_whole(page: Page, server_url: str, size: tuple[int, int], layers: int,
                                       acts: str) -> None:
    # the projector theme with seven features: "features", "sin(X₁)" and the output's "sigmoid" were cut at
    # the diagram's edges (its edge columns shrank under their words), 4–13 units ran off its bottom (the
    # nodes were sized under the features' one-line head, not the hidden layers' five lines), and mixed
    # activations ran into each other ("relusigmoidtanhleaky_relu"); at 1024×768 six layers may scroll
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    act = ",".join(MIXED.split(",")[:layers]) if acts == "mixed" else acts
    units = ",".join(["8"] * layers)
    open_app(page, server_url, f"?dataset=spiral&layers={units}&act={act}&theme=projector&{FEATURES7}")
    wait_until(page, lambda: page.locator("#network .nnp-net-hidden").count() == layers, "the diagram")
    cuts = diagram_cuts(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#network").screenshot(path=str(SCREENSHOTS / f"frames-diagram-{w}x{h}-{layers}-{acts}.png"))
    assert cuts == [], f"the diagram cut or overlapping at {w}×{h}, {layers} layers: {cuts}"
    if acts == "mixed":  # too narrow for "leaky_relu": the symbols
        want = {"relu": "ReLU", "sigmoid": "σ", "tanh": "tanh", "leaky_relu": "LReLU"}
        heads = page.locator("#network .nnp-net-hidden .nnp-net-act")
        assert heads.all_text_contents() == [want[a] for a in act.split(",")]


@pytest.mark.browser
@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_lesson_without_hidden_layers_shows_all_seven_features(page: Page, server_url: str,
                                                                 size: tuple[int, int]) -> None:
    # a lesson's caption over the columns, seven features and no hidden layer: "features" and "output"
    # kept heads three lines tall and "sin(X₂)" went under the diagram's legend (197 px in 178)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    open_app(page, server_url, "?preset=feature-engineering&theme=projector")
    wait_until(page, lambda: page.locator("#network .nnp-feature-btn").count() == 7, "seven features")
    assert diagram_cuts(page) == []
    body = page.evaluate("(() => { const b = document.querySelector('#network .nnp-net-body'); "
                         "return [b.scrollHeight, b.clientHeight]; })()")
    assert body[0] <= body[1], f"the diagram scrolls: {body}"


@pytest.mark.browser
def test_narrow_heads_say_symbols_and_wide_ones_names(page: Page, server_url: str) -> None:
    # three mixed layers on a 1024×768 projector: "relu", "sigmoid", "tanh" do not fit their columns;
    # their symbols do, the names in the tooltips; the output says "ŷ σ"; on a wider screen, the names
    page.set_viewport_size({"width": 1024, "height": 768})
    open_app(page, server_url, "?dataset=spiral&layers=8,8,8&act=relu,sigmoid,tanh&theme=projector")
    heads = page.locator("#network .nnp-net-hidden .nnp-net-act")
    output = page.locator("#network .nnp-net-output .nnp-net-head span")
    wait_until(page, lambda: heads.all_text_contents() == ["ReLU", "σ", "tanh"], "the activations' symbols")
    assert [h.get_attribute("title") for h in heads.all()] == ["ReLU", "Sigmoid", "Tanh"]
    assert output.all_text_contents() == ["ŷ", "σ"]
    assert [o.get_attribute("title") for o in output.all()] == ["output", "Sigmoid"]
    assert page.evaluate(DIAGRAM_CUTS) == []
    page.set_viewport_size({"width": 1920, "height": 1080})
    wait_until(page, lambda: heads.all_text_contents() == ["relu", "sigmoid", "tanh"], "the activations' names")
    assert output.all_text_contents() == ["output", "sigmoid"]
    assert page.evaluate(DIAGRAM_CUTS) == []


# A chart's readable parts as boxes: its tick labels per axis, its plotting area, Plotly's legend (if
# shown) and the compact key (if shown).
CHART_PARTS = """(id) => {
  const el = document.getElementById(id);
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.textContent]; };
  const shown = (e) => e && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden';
  return {
    x: [...el.querySelectorAll('.xtick text')].filter(shown).map(box),
    y: [...el.querySelectorAll('.ytick text')].filter(shown).map(box),
    area: box(el.querySelector('.nsewdrag')),
    legend: [...el.querySelectorAll('.legend .traces')].filter(shown).map(box),
    key: shown(el.querySelector('.nnp-chart-key')) ? box(el.querySelector('.nnp-chart-key')) : null,
  };
}"""


def _hits(boxes: list[list[Any]], slack: float = 0.5) -> list[tuple[str, str]]:
    return [(a[4], b[4]) for a, b in itertools.combinations(boxes, 2)
            if a[2] > b[0] + slack and b[2] > a[0] + slack and a[3] > b[1] + slack and b[3] > a[1] + slack]


@pytest.mark.browser
def test_small_charts_stay_readable_on_a_1024x768_projector(page: Page, server_url: str, api: httpx.Client) -> None:
    # the gradient chart (~125 px tall) had Plotly's two legend rows over half its plot and seven
    # crowded log ticks (1, 0.5, 0.2, …); the cost curve (~100 px wide) stood its epochs on end and ran
    # them together ("100150"). Now: a one-line key over the plot, ticks with room, labels level.
    page.set_viewport_size({"width": 1024, "height": 768})
    sid = open_app(page, server_url, "?dataset=spiral&layers=8,8,8,8&act=tanh&theme=projector&speed=300")
    train_a_little(page, api, sid, 150)
    grad = page.evaluate(CHART_PARTS, "grad-chart")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "frames-projector-1024-charts.png"))
    assert grad["legend"] == [], "Plotly's legend is replaced by the key"
    assert grad["key"] is not None and "layer 1–4" in grad["key"][4] and "output" in grad["key"][4]
    assert grad["key"][3] <= grad["area"][1] + 1, f"the key over the plot: {grad['key']} / {grad['area']}"
    loss = page.evaluate(CHART_PARTS, "loss-chart")
    for name, chart in (("gradient", grad), ("cost", loss)):
        for axis in ("x", "y"):
            assert len(chart[axis]) >= 2, f"the {name} chart's {axis} axis has labels"
            assert _hits(chart[axis]) == [], f"the {name} chart's {axis} labels run together: {chart[axis]}"
    level = [b for b in loss["x"] if b[3] - b[1] > (b[2] - b[0]) * 1.5 and len(b[4]) > 1]
    assert level == [], f"the cost curve's epochs stand on end: {level}"


# The compare page's table and cost chart: type sizes of the shown cells and heads, the heads' lines,
# the table's width beside its box's, and the cost chart's plotting area beside the chart's height.
COMPARE_TABLE = """() => {
  const shown = (e) => e.getClientRects().length && getComputedStyle(e).display !== 'none';
  const px = (e) => parseFloat(getComputedStyle(e).fontSize);
  const lines = (e) => { const r = document.createRange(); r.selectNodeContents(e);
    return new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.bottom))).size; };
  const table = document.querySelector('.cmp-table'), wrap = document.querySelector('.cmp-table-wrap');
  const heads = [...table.querySelectorAll('thead th')].filter(shown);
  const cells = [...table.querySelectorAll('tbody th, tbody td')].filter(shown);
  const curves = document.getElementById('curves');
  return {
    heads: heads.map((e) => [e.textContent, Math.min(px(e), ...[...e.querySelectorAll('.cmp-th-note')].map(px)),
                             lines(e)]),  // a head's least type: its note's
    cellPx: Math.min(...cells.map(px)), rows: table.tBodies[0].rows.length,
    width: [table.getBoundingClientRect().width, wrap.clientWidth],
    plot: curves.querySelector('.nsewdrag').getBoundingClientRect().height, chart: curves.clientHeight,
    scroll: [document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight],
    lesson: (() => { const sel = document.getElementById('cmp-lesson'), cs = getComputedStyle(sel);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const row = (e) => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; };
      return { need: ctx.measureText(sel.options[sel.selectedIndex].text).width, have: sel.clientWidth,
               row: row(sel), play: row(document.querySelector('#transport .btn.play')) }; })(),
  };
}"""


@pytest.mark.browser
@pytest.mark.parametrize("size", PROJECTOR_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_projectors_comparison_table_reads_and_fits(page: Page, server_url: str, size: tuple[int, int]) -> None:
    # At 1280×720 and 1024×768 the table was the normal theme's 0.88em (14 px, its heads 12 px) and
    # "Epochs to target (cost ≤ 0.3)" stood in four lines; at 16 px its last column ran off the panel;
    # six variants' legend (two rows) took most of the short cost chart's height; the lesson menu was
    # cut to 7.4em ("Hidden lay") with half the bar empty beside it. The table of every comparison
    # lesson (their key columns differ), the rest on the six-variant one.
    from app.presets import PRESETS
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    lessons = sorted(name for name, p in PRESETS.items() if p.kind == "comparison")
    assert "flower-hidden-sizes" in lessons and len(lessons) >= 10
    for name in lessons:
        page.goto(f"{server_url}/compare?preset={name}&theme=projector")
        costs = page.locator(".cmp-table tbody td.c-train")
        wait_until(page, lambda c=costs: c.count() >= 2 and "" not in c.all_text_contents(), f"{name}'s costs")
        page.locator("#curves .nsewdrag").wait_for(state="attached")  # the chart laid out
        t = page.evaluate(COMPARE_TABLE)
        what = f"{name} at {w}×{h}: {t}"
        assert t["cellPx"] >= 16, f"the table's numbers under 16 px: {what}"
        assert min(px for _, px, _ in t["heads"]) >= 14, f"a head under 14 px: {what}"
        assert max(n for _, _, n in t["heads"]) <= 3, f"a column head over three lines: {what}"
        # the target's epochs kept, or at 1024×768 given up for a column of the lesson's own
        extra = any(text.startswith(("Dead", "Saturated", "Distinct", "‖dW[1]‖ ÷")) for text, _, _ in t["heads"])
        kept = any(text.startswith("Epochs to target") for text, _, _ in t["heads"])
        assert kept or (extra and w < 1280), f"the target column: {what}"
        assert t["width"][0] <= t["width"][1] + 1, f"the table runs off its panel: {what}"
        assert t["scroll"] == [w, h], f"the page fits the projector: {what}"
        if name != "flower-hidden-sizes":
            continue
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"frames-projector-compare-{w}x{h}.png"))
        assert t["rows"] == 6
        # the legend is decided on the chart's height at each layout, which the table's rows have set by now
        assert t["plot"] >= 0.6 * t["chart"], f"the cost chart's plot squeezed by its legend: {what}"
        lesson = t["lesson"]
        least = lesson["need"] + 16 if w >= 1280 else 0.8 * lesson["need"]  # 1024 px: the bar's room, most of it
        assert lesson["have"] >= least, f"the lesson's name cut: {lesson}"
        row, play = lesson["row"], lesson["play"]
        assert row[0] < play[1] and play[0] < row[1], f"the bar in one row: {lesson}"


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["", "projector"])
def test_every_lessons_formula_fits_its_box(page: Page, server_url: str, theme: str) -> None:
    # the formula's box scrolled sideways only, which made it scroll up and down too: its scripts' ink
    # (wᵀ, e⁻ᶻ) reached 1–6 px past it, a vertical scrollbar beside every lesson's formula in a browser
    # that shows scrollbars (and a sideways one for two in the projector theme, 1 px too wide)
    from app.presets import PRESETS
    page.set_viewport_size({"width": 1366, "height": 768})
    over = []
    # the playground's caption for every lesson; the embed's (its own formula size) for three
    pages = [f"/?preset={name}" for name in PRESETS] + [
        f"/embed?preset={name}&caption=1" for name in ("logistic-regression", "softmax-multiclass", "activation-race")]
    for path in pages:
        page.goto(f"{server_url}{path}{theme and '&theme=' + theme}")
        page.locator(".lesson-formula math").first.wait_for()
        d = page.evaluate("""async () => {
          await document.fonts.ready;  // MathML laid out in the page's fonts, then a frame drawn
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
          const f = document.querySelector('.lesson-formula');
          return [f.scrollWidth - f.clientWidth, f.scrollHeight - f.clientHeight]; }""")
        if d != [0, 0]:
            over.append((path, d))
    assert over == [], f"formulas larger than their box (px wide, px high): {over}"


# --------------------------------------------------------------------------- /embed in small frames


@pytest.mark.browser
@pytest.mark.parametrize("size", FRAME_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", ["", "projector"])
def test_embed_lays_out_for_every_frame(page: Page, server_url: str, size: tuple[int, int], theme: str) -> None:
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    for caption in (0, 1):
        for curve in (0, 1):
            query = f"preset=flower-one-hidden-layer&caption={caption}&curve={curve}{theme and '&theme=' + theme}"
            page.goto(f"{server_url}/embed?{query}")
            wait_until(page, lambda: frames_shown(page) >= 1, f"the first frame of /embed?{query}")
            if curve:
                page.locator("#loss-chart .main-svg").first.wait_for()
            page.wait_for_timeout(300)
            SCREENSHOTS.mkdir(exist_ok=True)
            name = f"frames-embed{theme and '-' + theme}-{w}x{h}-caption{caption}-curve{curve}.png"
            page.screenshot(path=str(SCREENSHOTS / name))
            m = measure(page, EMBED)
            what = f"{w}×{h} {query}: {m}"
            named = {"map", "buttons", "status", "open"} | ({"caption"} if caption and h > 260 else set()) \
                | ({"chart"} if curve else set())
            assert named <= set(m["boxes"]), what
            assert whole(m["shown"]) == [], what  # inside the frame, none cut off
            assert overlaps(m["boxes"]) == [], what
            # the map is as large as the frame allows: as tall as the room between the caption (when
            # it is on top) and the bar, or as wide as its share (beside a curve or a caption: 58-62 %)
            mp, bar = m["boxes"]["map"], m["bar"]
            beside = [k for k in ("chart", "caption") if k in m["boxes"] and m["boxes"][k][0] >= mp[2]]
            top = m["boxes"]["caption"][3] if "caption" in m["boxes"] and "caption" not in beside else 0
            most = min(bar[1] - top - 16, (0.58 if beside else 1) * w - 16)  # less gaps and padding
            assert side(mp) >= most, what
            if curve:  # these frames are landscape: the curve beside the map, never under it
                assert "chart" in beside, what
                assert m["boxes"]["chart"][3] - m["boxes"]["chart"][1] >= 0.3 * h, what


@pytest.mark.browser
@pytest.mark.parametrize("size", [(800, 450), (960, 540)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", ["", "projector"])
def test_a_slides_16_9_frame_puts_the_caption_beside_the_map(page: Page, server_url: str, size: tuple[int, int],
                                                             theme: str) -> None:
    # an 800×450 frame (a slide's 16:9 box) had the caption on top, cut mid-line at a quarter of the
    # height, over a 180-px map; beside the map (as a 520×300 cell's) the caption is whole and the map
    # takes the height the bar leaves
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    query = f"preset=flower-one-hidden-layer&caption=1{theme and '&theme=' + theme}"
    page.goto(f"{server_url}/embed?{query}")
    wait_until(page, lambda: frames_shown(page) >= 1, f"the first frame of /embed?{query}")
    page.wait_for_timeout(300)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"frames-embed{theme and '-' + theme}-{w}x{h}-slide.png"))
    m = measure(page, EMBED)
    text = page.evaluate("(c) => [c.scrollHeight, c.clientHeight]", page.locator("#lesson").element_handle())
    what = f"{w}×{h} {query}: {m} caption {text}"
    mp, caption, bar = m["boxes"]["map"], m["boxes"]["caption"], m["bar"]
    assert caption[0] >= mp[2], f"the caption beside the map: {what}"
    assert caption[3] <= bar[1], f"the caption over the bar: {what}"  # a longer one scrolls in its area
    assert text[0] <= text[1] + 1, f"the caption's text cut: {what}"
    assert side(mp) >= bar[1] - 16, f"the map as tall as the bar leaves: {what}"
    assert whole(m["shown"]) == [] and overlaps(m["boxes"]) == [], what


# --------------------------------------------------------------------------- /embed of a comparison lesson

COMPARE_LESSONS = ["activation-race", "flower-hidden-sizes", "dead-relu"]  # 4, 6 and 2 variants
# the least side of every variant's map: 6 maps and the curves in a 520×300 notebook cell (3 × 2 of 67-72 px)
LEAST_MAP = {520: 60, 800: 110, 1920: 280}

COMPARE_EMBED = """() => {
  const g = window.__nnp, $ = (s) => document.querySelector(s), all = (s) => [...document.querySelectorAll(s)];
  const parts = { caption: '#caption', banner: '#banner', chart: '#curves .main-svg', table: '.cmp-table-wrap',
                  buttons: '#embed-controls', status: '#embed-status', open: '#embed-open' };
  const on = (el) => el && el.getClientRects().length && !el.closest('[hidden]');
  const boxes = {}, shown = {};
  for (const [name, sel] of Object.entries(parts)) {
    const el = $(sel);
    if (!on(el)) continue;
    boxes[name] = g.box(el); shown[name] = g.shown(el);
  }
  all('.cmp-map-box').forEach((el, i) => { boxes['map' + i] = g.box(el); shown['map' + i] = g.shown(el); });
  // a card is its title, its map and the lesson's line under it: whole, or the maps' panel cuts it
  all('.cmp-card').forEach((el, i) => { shown['card' + i] = g.shown(el); });
  const scrolls = all('#maps-panel, #maps, .cmp-side, .cmp-curves-fig, .cmp-table-wrap')
    .filter((el) => on(el) && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1))
    .map((el) => el.id || el.className);
  const text = (sel) => all(sel).filter(on).map((el) => [el.textContent.trim(), g.shown(el)]);
  return { boxes, shown, scrolls, viewport: [innerWidth, innerHeight],
           title: text('#caption .lesson-title'), caption: text('#caption .lesson-caption'),
           labels: text('.cmp-card .cmp-label'), stats: text('.cmp-card .cmp-stat-text'),
           variants: all('.cmp-card').length };
}"""


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["", "projector"])
@pytest.mark.parametrize("lesson", COMPARE_LESSONS)
def test_comparison_embed_lays_out_for_every_frame(page: Page, server_url: str, lesson: str, theme: str) -> None:
    """A comparison lesson's /embed (every variant's map, the overlaid curves, the table while there is
    room) in each frame: nothing overlaps, nothing is cut off or scrolls inside its panel, every map is
    of a usable size, and caption=1 shows the caption (at 520×300 beside the maps, over the curves; its
    text may scroll there, as a session embed's does). A comparison always shows its curves: curve=0/1
    must both lay out."""
    for w, h in FRAME_SIZES:
        page.set_viewport_size({"width": w, "height": h})
        for caption in (0, 1):
            for curve in (0, 1):
                query = f"preset={lesson}&caption={caption}&curve={curve}&autoplay=0{theme and '&theme=' + theme}"
                page.goto(f"{server_url}/embed?{query}")
                wait_until(page, lambda: frames_shown(page) >= 1, f"the first frame of /embed?{query}")
                page.locator("#curves .main-svg").first.wait_for()
                page.wait_for_timeout(300)
                SCREENSHOTS.mkdir(exist_ok=True)
                name = f"frames-compare-{lesson}{theme and '-' + theme}-{w}x{h}-caption{caption}-curve{curve}.png"
                page.screenshot(path=str(SCREENSHOTS / name))
                m = measure(page, COMPARE_EMBED)
                what = f"{w}×{h} {query}: {m}"
                n = m["variants"]
                assert n >= 2, what
                named = {"chart", "buttons", "status"} | {f"map{i}" for i in range(n)} \
                    | ({"open"} if h > 300 else set()) | ({"caption"} if caption and h > 260 else set())
                assert named <= set(m["boxes"]), what
                assert whole(m["shown"]) == [], what  # every card, the curves, the bar: inside the frame
                assert m["scrolls"] == [], what  # the second row of maps used to scroll in its panel
                assert overlaps(m["boxes"]) == [], what
                sides = [side(m["boxes"][f"map{i}"]) for i in range(n)]
                assert min(sides) >= LEAST_MAP[w], (sides, what)
                chart = m["boxes"]["chart"]
                assert chart[3] - chart[1] >= 0.3 * h and chart[2] - chart[0] >= 0.3 * w, what
                # the text: every variant's name and the lesson's quantity under its map, whole
                assert len(m["labels"]) == n and all(t and s >= 0.99 for t, s in m["labels"]), what
                assert all(s >= 0.99 for _, s in m["stats"]), what
                if caption and h > 260:  # the caption shows: its title whole, its text begun on screen
                    assert m["title"] and m["title"][0][0] and m["title"][0][1] >= 0.99, what
                    assert m["caption"] and m["caption"][0][0] and m["caption"][0][1] > 0.2, what
                else:
                    assert "caption" not in m["boxes"], what


# --------------------------------------------------------------------------- the keyboard in a frame


@pytest.mark.browser
def test_keys_work_after_a_click_anywhere_in_the_frame(page: Page, server_url: str, api: httpx.Client) -> None:
    """keys on (the default): a click on the map or a button does not keep Space and → for itself."""
    page.set_viewport_size({"width": 800, "height": 500})
    page.goto(f"{server_url}/embed?preset={LESSON}&speed=20&loop=0")
    wait_until(page, lambda: frames_shown(page) >= 1, "the embed's first frame")
    sid = attr(page, "data-session-id") or ""

    page.locator("#boundary").click()  # the natural way to focus a frame
    page.keyboard.press("Space")
    wait_until(page, lambda: status(api, sid) == "running", "Space after a click on the map to play")
    page.locator("#boundary").click(position={"x": 40, "y": 60})
    page.keyboard.press("Space")
    wait_until(page, lambda: status(api, sid) == "idle", "Space after a click on the map to pause")

    before = session(api, sid)["step"]
    page.keyboard.press("ArrowRight")  # one batch, not the map's crosshair
    wait_until(page, lambda: session(api, sid)["step"] > before, "→ after a click on the map to step")

    epoch = session(api, sid)["epoch"]
    page.get_by_role("button", name="+1: train one epoch").click()
    wait_until(page, lambda: session(api, sid)["epoch"] == epoch + 1, "the +1 button")
    page.keyboard.press("Space")  # plays: it does not press the clicked +1 again
    wait_until(page, lambda: status(api, sid) == "running", "Space after a click on +1 to play")
    page.keyboard.press("Space")
    wait_until(page, lambda: status(api, sid) == "idle", "Space to pause again")
    page.keyboard.press("r")
    wait_until(page, lambda: session(api, sid)["epoch"] == 0, "r after a click on a button to reset")


DECK_JS = """
window.nnp = [];
addEventListener("message", (e) => window.nnp.push(e.data));
// the README's deck-side lines: keys the frame was given (a keyboard user tabbed into it) move the deck
const fromFrame = { ArrowRight: "right", ArrowLeft: "left", ArrowUp: "up", ArrowDown: "down",
                    PageDown: "next", PageUp: "prev", " ": "next" };
addEventListener("message", (e) => {
  if (e.data?.type === "nnp:key" && fromFrame[e.data.key]) Reveal[fromFrame[e.data.key]]();
});
Reveal.initialize({ hash: false, transition: "none", backgroundTransition: "none" })
  .then(() => { window.deckReady = true; });
"""


def deck_html(embed: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Week 3</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="reveal.css"></head>
<body><div class="reveal"><div class="slides">
<section><h2>Week 3: hidden layers</h2></section>
<section data-background-iframe="{embed}" data-background-interactive></section>
<section><h2>What changed?</h2></section>
<section><h2>Next week</h2></section>
</div></div><script src="reveal.js"></script><script src="deck.js"></script></body></html>
"""


@pytest.fixture(scope="module")
def deck_origin(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """reveal.js (from npm, scripts/setup.sh --browser) and a deck, served on another port of 127.0.0.1:
    another origin, as a teacher's deck would be. The deck's slide 2 is the playground, full bleed, keys=0."""
    assert (REVEAL / "reveal.js").is_file(), f"no reveal.js at {REVEAL}: run `bash scripts/setup.sh --browser`"
    root = tmp_path_factory.mktemp("deck")
    for name in ("reveal.js", "reveal.css"):
        (root / name).write_bytes((REVEAL / name).read_bytes())
    for lesson in DECK_LESSONS:
        embed = f"{server_url}/embed?preset={lesson}&theme=projector&keys=0&speed=20&loop=0"
        (root / f"deck-{lesson}.html").write_text(deck_html(embed.replace("&", "&amp;")))
    (root / "deck.js").write_text(DECK_JS)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def on_the_playground_slide(deck: Page) -> FrameLocator:
    """Go to slide 2 and wait for its background frame to draw; the frame."""
    deck.evaluate("Reveal.slide(1)")
    frame = deck.frame_locator(".slide-background.present iframe")
    frame.locator("html[data-frames-shown]").wait_for()
    return frame


def slide(deck: Page) -> int:
    return int(deck.evaluate("Reveal.getIndices().h"))


@pytest.mark.browser
@pytest.mark.parametrize("lesson", DECK_LESSONS)
def test_a_reveal_deck_keeps_its_keys_after_a_click_in_the_frame(browser: Browser, deck_origin: str,
                                                                  lesson: str) -> None:
    # the real CSP (frame-ancestors included) applies to the frame: the deck needs no bypass
    ctx = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        deck = ctx.new_page()
        deck.set_default_timeout(WAIT_MS)
        deck.goto(f"{deck_origin}/deck-{lesson}.html")
        deck.wait_for_function("window.deckReady === true")

        frame = on_the_playground_slide(deck)
        frame.get_by_role("button", name=re.compile(r"^\+1: train")).click()
        status_line = frame.locator("#embed-status")
        wait_until(deck, lambda: re.match(r"Epoch 1\b", status_line.text_content() or ""),
                   "the frame's +1 button to train one epoch")  # the click did its work
        deck.keyboard.press("ArrowRight")
        wait_until(deck, lambda: slide(deck) == 2, "→ to move the deck after a click on a button in the frame")

        frame = on_the_playground_slide(deck)
        frame.locator("#boundary, .cmp-map").first.click()  # the map (a comparison's first)
        deck.keyboard.press("PageDown")
        wait_until(deck, lambda: slide(deck) == 2, "PageDown to move the deck after a click on the map")

        frame = on_the_playground_slide(deck)
        frame.get_by_role("button", name="Play").click()
        deck.keyboard.press("ArrowLeft")
        wait_until(deck, lambda: slide(deck) == 0, "← to move the deck after a click on Play")

        # a keyboard user inside the frame (focus given to one of its links): the frame forwards the key
        frame = on_the_playground_slide(deck)
        frame.locator("#embed-open").focus()
        deck.keyboard.press("PageDown")
        wait_until(deck, lambda: slide(deck) == 2, "PageDown from inside the frame, forwarded as nnp:key")
        keys = [m for m in deck.evaluate("window.nnp") if m.get("type") == "nnp:key"]
        assert keys and keys[-1] == {"type": "nnp:key", "key": "PageDown", "code": "PageDown", "shiftKey": False,
                                     "altKey": False, "ctrlKey": False, "metaKey": False}, keys
    finally:
        ctx.close()
