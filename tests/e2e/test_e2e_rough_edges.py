"""Issue 12's rough edges, each with the browser test that would have caught it (1366×768):

- the output plot keeps its size while you draw and while banners come and go (it went 321 → 280 →
  338 → 263 px);
- a drawn point is a training or a test point as the student chose it, on a toggle they see (half
  of them silently became test points);
- the gradient chart shows "0 (dead)" when every ReLU unit is dead, and goes on (it froze on exact
  zeros on its log axis);
- a bouncing cost (tanh at α = 10) is shown as unstable, a diverged run shows its last good values as
  such, and one button really recovers: α ÷ 10 from the initial weights, training again, the cost falls;
- at 1366×768 nothing hides: no scrolling data panel hiding the status line and the CSV error, no cut
  names, no shrinking plot under a lesson caption, a layout shift while loading under 0.1, axes and
  a hint after "Clear all";
- Regenerate keeps the trained network (new points, the same weights and epoch; Reset still goes back
  to the initial weights);
- the data points are drawn on a canvas of the view's own: "Show test data" repaints it and makes no
  Plotly redraw (~500 SVG markers redrawn on each click took 40–60 ms), and a point hovered shows its card.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route

from tests.e2e.test_e2e_playground import (
    attr,
    open_app,
    pause_and_settle,
    play_button,
    plot_click,
    session,
    shown_epoch,
    status,
    tool,
    wait_session,
    wait_until,
    weights,
)

pytestmark = pytest.mark.browser

Box = tuple[float, float, float, float]
BAD_CSV = b"x1,x2,label\n1,2,0\nabc,1,1\n0,0,1\n3,3,0\n"
POINTS_CANVAS = "#boundary .nnp-boundary-points canvas"

# The cumulative layout-shift score, as Lighthouse counts it (shifts without recent input), from the
# first paint on: an observer set before the page's own scripts run.
CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
}).observe({ type: 'layout-shift', buffered: true });
"""


def plot_box(page: Page) -> Box:
    """Where the output plot is and how big: (x, y, width, height), rounded to a pixel."""
    b = page.locator("#boundary").bounding_box()
    assert b, "no output plot"
    return (round(b["x"]), round(b["y"]), round(b["width"]), round(b["height"]))


def banner_text(page: Page) -> str:
    banner = page.locator("#banner")
    return (banner.text_content() or "") if banner.is_visible() else ""


def owner_token(page: Page, sid: str) -> str:
    """The owner token the page holds for its session (kept in its tab's sessionStorage)."""
    token = page.evaluate("(id) => sessionStorage.getItem(`nnp.owner.${id}`)", sid)
    assert token, "the page holds no owner token"
    return str(token)


def history(api: httpx.Client, sid: str) -> dict[str, Any]:
    r = api.get(f"sessions/{sid}/history")
    r.raise_for_status()
    return r.json()  # type: ignore[no-any-return]


# ------------------------------------------------------------------ drawing points: plot size, train/test


def test_drawing_points_keeps_the_plot_still_and_says_train_or_test(page: Page, server_url: str, api: httpx.Client,
                                                                    screenshot: Callable[[Page, str], Any]) -> None:
    open_app(page, server_url)
    before = plot_box(page)
    page.get_by_role("button", name="Your own (custom)").click()
    page.get_by_role("button", name="Clear all points").click()
    status_line = page.locator("#custom-tools .custom-status")
    wait_until(page, lambda: (status_line.text_content() or "").startswith("0 points"), "“0 points”")
    # an empty plot still has its grid and says what to do
    hint = page.locator("#boundary .annotation-text")
    wait_until(page, lambda: "click here" in (hint.first.text_content() or "") if hint.count() else False, "the hint")
    assert "add at least 4 points" in (page.locator("#boundary .annotation").first.text_content() or "")
    assert page.locator("#boundary .xgrid").count() > 0 and page.locator("#boundary .ygrid").count() > 0
    screenshot(page, "rough-edges-cleared-1366x768")
    assert plot_box(page) == before

    # the choice is on screen: two toggles, training pressed
    train, test = (page.get_by_role("button", name=n) for n in ("Draw training points", "Draw test points (held out: "
                                                                 "the network never trains on them)"))
    assert train.is_visible() and test.is_visible()
    assert train.get_attribute("aria-pressed") == "true" and test.get_attribute("aria-pressed") == "false"

    sizes = set()
    drawn = {"train": [(-3.0, -3.0, 0), (-2.0, -3.5, 0), (3.0, 3.0, 1), (2.0, 3.5, 1)],
             "test": [(-3.0, -2.0, 0), (3.0, 2.0, 1)]}
    for part, button in (("train", train), ("test", test)):
        button.click()
        assert button.get_attribute("aria-pressed") == "true"
        for x1, x2, k in drawn[part]:
            tool(page, f"Add points of class {'AB'[k]}")
            plot_click(page, x1, x2)
            sizes.add(plot_box(page))
            page.wait_for_timeout(100)  # a banner or a redraw would show by now
            sizes.add(plot_box(page))
    assert sizes == {before}, f"the plot moved or resized while drawing: {sizes}"
    sid = wait_session(page, api, lambda s: (s["data"]["n_train"], s["data"]["n_test"]) == (4, 2), "4 train + 2 test")
    assert (status_line.text_content() or "").startswith("6 points (3 A, 3 B): 4 training, 2 test")
    data = api.get(f"sessions/{sid}/data").json()

    def near(got: list[list[float]], want: list[tuple[float, float, int]]) -> bool:
        return len(got) == len(want) and all(abs(a - x1) < 0.15 and abs(b - x2) < 0.15
                                             for (a, b), (x1, x2, _) in zip(got, want, strict=True))
    assert near(data["train"]["x"], drawn["train"]) and near(data["test"]["x"], drawn["test"])
    assert data["test"]["y"] == [0, 1]
    screenshot(page, "rough-edges-drawn-1366x768")
    assert plot_box(page) == before


def test_the_data_panel_keeps_its_status_and_the_csv_error_in_view(page: Page, server_url: str,
                                                                   screenshot: Callable[[Page, str], Any]) -> None:
    open_app(page, server_url)
    page.get_by_role("button", name="Your own (custom)").click()
    page.locator("#custom-tools input[type=file]").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD_CSV}])
    error = page.locator("#custom-tools p.error")
    error.wait_for(state="visible")
    status_line = page.locator("#custom-tools .custom-status")
    wait_until(page, lambda: "points" in (status_line.text_content() or ""), "the status line")
    panel = page.locator("#data")
    scroll, client = panel.evaluate("(e) => [e.scrollHeight, e.clientHeight]")
    assert scroll <= client + 1, f"the data panel scrolls inside itself ({scroll} > {client})"
    box = panel.bounding_box()
    assert box
    for what in (error, status_line):
        b = what.bounding_box()
        assert b and b["y"] >= box["y"] and b["y"] + b["height"] <= min(box["y"] + box["height"], 768), \
            f"{what} is out of sight"
    screenshot(page, "rough-edges-csv-error-1366x768")


# ------------------------------------------------------------------ the gradient chart over dead units


def test_gradient_chart_shows_zero_as_dead_and_goes_on(page: Page, server_url: str, api: httpx.Client) -> None:
    sid = open_app(page, server_url, "?act=relu")
    # every hidden unit dead: W = 0 and b = −1 give z = −1 at every point, so ReLU passes no gradient
    # and every ‖dW[l]‖ is exactly 0 (the output's too: its inputs are all 0)
    sizes = session(api, sid)["sizes"]
    layers = [{"W": [[0.0] * n_in for _ in range(n_out)], "b": [-1.0 if l < len(sizes) - 2 else 0.0] * n_out}
              for l, (n_in, n_out) in enumerate(itertools.pairwise(sizes))]
    r = api.put(f"sessions/{sid}/weights", json={"layers": layers},
                headers={"Authorization": f"Bearer {owner_token(page, sid)}"})
    assert r.status_code == 200, r.text
    play_button(page).click()
    wait_until(page, lambda: session(api, sid)["epoch"] >= 8, "8 epochs")
    norms = [g for g in history(api, sid)["grad_norms"] if g]
    assert norms and all(v == 0 for g in norms for v in g), "not every gradient is zero"
    chart = page.locator("#grad-chart")

    def charted() -> tuple[float, list[str], set[float]]:
        # nothing yet until the chart's first (deferred, budgeted) paint: then no epoch is charted. The
        # curves' canvas keeps the lines it painted (Plotly has their last points only)
        d = chart.evaluate("(e) => { const c = e.querySelector('.nnp-chart-curves canvas'),"
                           " p = e.querySelector('.nnp-chart-plot'); return c?.painted?.length && p._fullLayout ?"
                           " ({x: c.painted.map((t) => Math.max(...t.x)), y: c.painted.flatMap((t) => [...t.y]),"
                           " text: p._fullLayout.yaxis.ticktext ?? []}) : null; }")
        return (min(d["x"]), d["text"], set(d["y"])) if d else (float("-inf"), [], set())

    wait_until(page, lambda: charted()[0] >= 5, "the gradient chart to draw the zeros")
    first, ticks, ys = charted()
    assert "0 (dead)" in ticks and len(ys) == 1, f"zeros not drawn on their own row: {ticks}, {ys}"
    wait_until(page, lambda: charted()[0] >= first + 3, "the chart to go on (not freeze)")
    pause_and_settle(page, api, sid)


# The loss chart's train curve as drawn: its last point's place on the curves' canvas (from Plotly's axes,
# in the same script turn as the read, so no redraw comes between), the opaquest pixel around it, and
# whether Plotly's own copy of the lines is hidden.
CURVE_AT_LAST_POINT = """(el) => {
  const div = el.querySelector('.nnp-chart-plot');
  const canvas = el.querySelector('.nnp-chart-curves canvas');
  const full = div._fullLayout;
  if (!canvas?.painted?.[0]?.x.length || !full?.xaxis || !canvas?.width) return null;
  const t = canvas.painted[0];  // the lines the canvas painted last (Plotly has their last points only)
  const k = t.x.length - 1;
  const s = canvas.width / full.xaxis._length;
  const px = Math.round(full.xaxis.c2p(t.x[k]) * s), py = Math.round(full.yaxis.c2p(t.y[k]) * s);
  const r = Math.round(3 * s);
  const d = canvas.getContext('2d').getImageData(Math.max(0, px - r), Math.max(0, py - r), 2 * r + 1, 2 * r + 1).data;
  let alpha = 0;
  for (let i = 3; i < d.length; i += 4) alpha = Math.max(alpha, d[i]);
  const hidden = [...div.querySelectorAll('.scatterlayer')].every((g) => getComputedStyle(g).visibility === 'hidden');
  return { points: t.x.length, last: t.x[k], alpha, hidden, range: full.xaxis.range.slice() };
}"""


def test_the_charts_paint_their_curves_on_a_canvas_and_plotly_draws_only_when_an_axis_moves(
        page: Page, server_url: str, api: httpx.Client) -> None:
    """Each point appended used to be a Plotly.extendTraces, a whole redraw of the chart (10–15 ms, 4× that
    on a slow laptop); the curves are now canvas strokes, and Plotly draws the axes when they move."""
    # 30 epochs/s: a draw every ~150 ms adds a few epochs, and the x axis, which grows by 1.5–2× a step,
    # holds many draws (at full speed on a loaded machine every rare draw could move it)
    sid = open_app(page, server_url, "?speed=30")
    play_button(page).click()
    wait_until(page, lambda: session(api, sid)["epoch"] >= 120, "120 epochs")
    chart = page.locator("#loss-chart")
    drawn = wait_until(page, lambda: (d := chart.evaluate(CURVE_AT_LAST_POINT)) and d["last"] >= 100 and d,
                       "the loss chart to chart 100 epochs")
    assert drawn["alpha"] > 128, f"no curve on the canvas at the last point charted: {drawn}"
    assert drawn["hidden"], "Plotly's own lines are shown too"
    assert drawn["range"][1] >= drawn["last"], drawn
    pause_and_settle(page, api, sid)
    counts = chart.evaluate("(el) => [Number(el.dataset.plotlyDraws), Number(el.dataset.curvesPainted)]")
    assert counts[1] > counts[0] >= 1, f"every paint was a Plotly draw too: {counts} (Plotly draws, paints)"


# ------------------------------------------------------------------ unstable, diverged, and the one button


def restart_requests(page: Page) -> list[str]:
    """The page's requests that change something (not GETs) from now on: "METHOD sessions/ID[/…]"."""
    calls: list[str] = []
    page.on("request", lambda r: calls.append(f"{r.method} {r.url.split('/api/v1/')[-1].split('?')[0]}")
            if r.method != "GET" else None)
    return calls


def test_a_bouncing_cost_is_shown_and_one_button_recovers(page: Page, server_url: str, api: httpx.Client,
                                                          screenshot: Callable[[Page, str], Any]) -> None:
    sid = open_app(page, server_url, "?dataset=spiral&lr=10")  # tanh: the cost swings between ~1 and ~4
    before = plot_box(page)
    play_button(page).click()
    wait_until(page, lambda: "Unstable" in banner_text(page), "the unstable banner")
    s = session(api, sid)
    assert s["status"] == "running" and s["unstable"] is not None  # the server's rule, not the page's guess
    assert "α = 10 is too large" in banner_text(page)
    assert plot_box(page) == before, "the banner moved or shrank the plot"
    screenshot(page, "rough-edges-unstable-1366x768")

    # the restart is three requests: back to the initial weights, α ÷ 10, play. The α change, held on
    # its way, must find the run already reset (idle at epoch 0, the old α): PATCHed first, the
    # bouncing run trained on from its bad weights at α = 1 with no warning until the reset came, which
    # looks like the recovered run (the student test read it so and then found epoch 0, idle)
    calls = restart_requests(page)
    held: list[Route] = []
    page.route(f"**/api/v1/sessions/{sid}", lambda r: held.append(r) if r.request.method == "PATCH" else r.continue_())
    page.get_by_role("button", name="Start again with α = 1: from the initial weights, the learning rate divided by ten"
                     ).click()
    wait_until(page, lambda: held, "the page's α change")
    s = session(api, sid)
    assert (s["status"], s["epoch"], s["config"]["optimizer"]["learning_rate"]) == ("idle", 0, 10), (
        f"α ÷ 10 went out before the run was reset: {calls}")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(f"/sessions/{sid}/play")):
        held[0].continue_()
    page.unroute(f"**/api/v1/sessions/{sid}")
    assert calls == [f"POST sessions/{sid}/reset", f"PATCH sessions/{sid}", f"POST sessions/{sid}/play"], calls
    assert session(api, sid)["config"]["optimizer"]["learning_rate"] == 1
    # started again from the initial weights: its curve is a fresh run's at α = 1, epoch for epoch
    fresh = api.post("sessions", json=session(api, sid)["config"]).json()
    api.post(f"sessions/{fresh['id']}/step", json={"epochs": 30}).raise_for_status()
    want = history(api, fresh["id"])["train_cost"]
    api.delete(f"sessions/{fresh['id']}")
    wait_until(page, lambda: history(api, sid)["train_cost"][:30] == want, "the run at α = 1 from the initial weights")
    h = history(api, sid)
    assert status(api, sid) == "running" and attr(page, "data-session-id") == sid
    assert min(h["train_cost"][9:]) < h["train_cost"][0] - 0.03, "the cost does not fall after the restart"
    assert session(api, sid)["unstable"] is None
    wait_until(page, lambda: banner_text(page) == "", "the banner to go")
    assert "lr=1" in page.url
    pause_and_settle(page, api, sid)
    assert plot_box(page) == before


def test_a_diverged_run_says_its_numbers_are_the_last_good_ones_and_recovers(
        page: Page, server_url: str, api: httpx.Client, screenshot: Callable[[Page, str], Any]) -> None:
    sid = open_app(page, server_url, "?lr=30")  # the default circle [4, 2] tanh blows up at α = 30
    initial = weights(api, sid)
    cost0 = session(api, sid)["metrics"]["train"]["cost"]
    before = plot_box(page)
    play_button(page).click()
    wait_until(page, lambda: "Diverged" in banner_text(page), "the diverged banner")
    assert status(api, sid) == "diverged"
    text = banner_text(page)
    assert "Last good values" in text and "α = 30 is too large" in text
    # the numbers under it are marked as the last good ones, never "100 %" as if it were now
    assert page.locator("#metrics .metrics-corner").text_content() == "last good"
    assert "stale" in (page.locator("#metrics table").get_attribute("class") or "")
    assert plot_box(page) == before
    screenshot(page, "rough-edges-diverged-1366x768")

    page.locator("#banner").get_by_role("button", name="Start again with α = 3", exact=False).click()
    wait_until(page, lambda: session(api, sid)["config"]["optimizer"]["learning_rate"] == 3, "α = 3")
    wait_until(page, lambda: session(api, sid)["epoch"] >= 20, "training again")
    assert status(api, sid) == "running"
    h = history(api, sid)
    assert h["epoch"][0] == 1 and min(h["train_cost"][9:]) < cost0 - 0.05, "the cost does not fall"
    pause_and_settle(page, api, sid)
    page.locator("#transport").get_by_role("button", name="Reset to the initial weights (r)").click()
    wait_until(page, lambda: session(api, sid)["epoch"] == 0, "reset")
    assert weights(api, sid) == initial  # the same initial weights it started again from


# ------------------------------------------------------------------ Regenerate keeps the network


def test_regenerate_keeps_the_trained_network(page: Page, server_url: str, api: httpx.Client) -> None:
    sid = open_app(page, server_url, "?dataset=moons&noise=0.2")
    initial = weights(api, sid)
    play_button(page).click()
    wait_until(page, lambda: session(api, sid)["epoch"] >= 20, "20 epochs")
    epoch = pause_and_settle(page, api, sid)
    trained = weights(api, sid)
    old = api.get(f"sessions/{sid}/data").json()
    page.get_by_role("button", name="Regenerate: new points from a new data seed").click()
    wait_until(page, lambda: session(api, sid)["data"]["seed"] != 1, "new points on the server")
    s = session(api, sid)
    assert attr(page, "data-session-id") == sid, "Regenerate made a new session"
    assert s["epoch"] == epoch and weights(api, sid) == trained  # the same network, carried on
    new = api.get(f"sessions/{sid}/data").json()
    assert new["train"]["x"] != old["train"]["x"]
    seed_field = page.get_by_label("Data seed", exact=True)
    wait_until(page, lambda: str(s["data"]["seed"]) == seed_field.input_value(), "the seed shown")
    wait_until(page, lambda: f"dseed={s['data']['seed']}" in page.url, "the URL to carry the new data seed")
    # the plot shows the new points
    first = new["train"]["x"][0]
    plotted = page.locator(POINTS_CANVAS)  # the points the view drew on its canvas (views/points.js)
    has_point = "(c, p) => c.points.some((q) => q.x1 === p[0] && q.x2 === p[1])"
    wait_until(page, lambda: plotted.evaluate(has_point, first), "the new points on the plot")
    assert shown_epoch(page) == epoch
    play_button(page).click()
    wait_until(page, lambda: session(api, sid)["epoch"] >= epoch + 5, "training on, on the new points")
    pause_and_settle(page, api, sid)
    assert len(history(api, sid)["epoch"]) >= epoch + 5  # one curve, carried on
    page.locator("#transport").get_by_role("button", name="Reset to the initial weights (r)").click()
    wait_until(page, lambda: session(api, sid)["epoch"] == 0, "reset")
    assert weights(api, sid) == initial and session(api, sid)["data"]["seed"] == s["data"]["seed"]
    # a seed typed in: the points of that seed; one out of range (or not an integer) puts the seed back
    seed_field.fill("4242")
    seed_field.press("Enter")
    wait_until(page, lambda: session(api, sid)["data"]["seed"] == 4242, "the typed data seed on the server")
    for bad in ("-3", "2.5", str(2**31)):
        seed_field.fill(bad)
        seed_field.press("Enter")
        wait_until(page, lambda: seed_field.input_value() == "4242", f"the seed box to put back 4242 after {bad}")
    assert session(api, sid)["data"]["seed"] == 4242 and attr(page, "data-session-id") == sid


# ------------------------------------------------------------------ 1366×768: nothing cut, nothing jumps


def test_loading_shifts_nothing_and_cuts_no_name(page: Page, server_url: str,
                                                 screenshot: Callable[[Page, str], Any]) -> None:
    page.add_init_script(CLS_OBSERVER)
    open_app(page, server_url)
    page.wait_for_timeout(1500)  # the thumbnails, the charts' first draws
    cls = page.evaluate("window.__cls")
    assert cls < 0.1, f"layout shift while loading: {cls:.3f}"
    # every data-set name whole: no ellipsis, no word broken over two lines, at most two lines
    cut = page.evaluate("""() => [...document.querySelectorAll('.thumb-label')].filter((el) => {
      const range = document.createRange();
      const text = el.firstChild, words = text.textContent.split(' ');
      let at = 0, broken = false;
      for (const w of words) {
        range.setStart(text, at); range.setEnd(text, at + w.length); at += w.length + 1;
        if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) broken = true;
      }
      range.selectNodeContents(el);
      const rows = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      return broken || rows > 2 || el.scrollWidth > el.clientWidth + 1;
    }).map((el) => el.textContent)""")
    assert cut == [], f"cut data-set names: {cut}"
    screenshot(page, "rough-edges-default-1366x768")


SELECTS_CUT = """() => [...document.querySelectorAll('select')].filter((e) => e.offsetParent !== null).map((e) => {
  const o = e.options[e.selectedIndex];
  if (!o) return null;
  const c = document.createElement('select');
  c.append(o.cloneNode(true));
  c.style.cssText = 'position:absolute;visibility:hidden;width:auto;min-width:0;max-width:none';
  c.style.font = getComputedStyle(e).font;
  c.style.padding = getComputedStyle(e).padding;
  e.parentElement.append(c);
  const need = c.getBoundingClientRect().width;
  c.remove();
  return need > e.getBoundingClientRect().width + 1 ? `${e.getAttribute('aria-label')}: ${o.text}` : null;
}).filter(Boolean)"""


def test_no_select_cuts_its_choice_and_a_lesson_does_not_shrink_the_plot(
        page: Page, server_url: str, screenshot: Callable[[Page, str], Any]) -> None:
    open_app(page, server_url)
    size = plot_box(page)[2:]
    open_app(page, server_url, "?more=1")  # every setting on show: optimizer, batch, output, loss…
    cut = page.evaluate(SELECTS_CUT)
    assert cut == [], f"selects that cut their choice: {cut}"
    page.get_by_label("Loss", exact=True).select_option("mse")  # a longer name than the default's
    assert page.evaluate(SELECTS_CUT) == []
    screenshot(page, "rough-edges-more-settings-1366x768")
    open_app(page, server_url, "?preset=logistic-regression")
    assert page.locator("#lesson").is_visible()
    assert plot_box(page)[2:] == size, "the lesson caption shrank the output plot"
    screenshot(page, "rough-edges-lesson-1366x768")


# Two isolated points (no other within two marker sizes), one train and one test, and what the points'
# canvas shows there: the train marker's centre pixel against its class colour, the test marker's
# hollow centre and its ring's opaque pixels against the darker shade test points are drawn in.
POINT_PIXELS = """async () => {
  const { classColors, hexRgb } = await import('/static/js/plot.js');
  const { darker } = await import('/static/js/views/points.js');
  const el = document.querySelector('#boundary');
  const c = el.querySelector('.nnp-boundary-points canvas');
  const box = c.getBoundingClientRect();
  const sx = c.width / box.width, sy = c.height / box.height;
  const size = parseFloat(getComputedStyle(el).getPropertyValue('--marker-size')) || 7;
  const pts = c.points;
  const at = (p) => [(p.x1 + 6) / 12 * box.width, (6 - p.x2) / 12 * box.height];
  const alone = (p) => { const [x, y] = at(p);
    return pts.every((q) => q === p || Math.hypot(at(q)[0] - x, at(q)[1] - y) > 2 * size); };
  const g = c.getContext('2d');
  const pixel = (x, y) => Array.from(g.getImageData(Math.round(x * sx), Math.round(y * sy), 1, 1).data);
  const off = (px, color) => Math.max(...hexRgb(color).map((v, i) => Math.abs(v - px[i])));
  const colors = classColors(el);
  const color = (p) => colors[+p.label.split(' ')[1]];
  const train = pts.find((p) => p.set === 'train' && alone(p));
  const test = pts.find((p) => p.set === 'test' && alone(p));
  const [tx, ty] = at(test);
  const r = Math.ceil(size / 2 + 2);
  const box0 = g.getImageData(Math.round((tx - r) * sx), Math.round((ty - r) * sy),
                              Math.round(2 * r * sx), Math.round(2 * r * sy)).data;
  let opaque = 0, near = 0;
  for (let i = 0; i < box0.length; i += 4) {
    if (box0[i + 3] < 250) continue;
    opaque++;
    if (off([box0[i], box0[i + 1], box0[i + 2]], darker(color(test))) <= 10) near++;
  }
  const client = (p) => [box.left + at(p)[0], box.top + at(p)[1]];
  const centre = pixel(...at(train));
  return { train: { ...train, client: client(train), centre, off: off(centre, color(train)) },
           test: { ...test, client: client(test), centre: pixel(tx, ty), opaque, near } };
}"""

# how many of the points' canvas pixels within 6 CSS px of a client position have any ink
INKED_AROUND = """([x, y]) => {
  const c = document.querySelector('#boundary .nnp-boundary-points canvas');
  const b = c.getBoundingClientRect();
  const s = c.width / b.width;
  const d = c.getContext('2d').getImageData(Math.round((x - b.left - 6) * s), Math.round((y - b.top - 6) * s),
                                            Math.round(12 * s), Math.round(12 * s)).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""


def test_points_are_drawn_on_a_canvas_and_test_data_toggles_without_a_plotly_redraw(
        page: Page, server_url: str, api: httpx.Client) -> None:
    sid = open_app(page, server_url)
    pause_and_settle(page, api, sid)
    data = api.get(f"sessions/{sid}/data").json()
    n_train, n_test = len(data["train"]["x"]), len(data["test"]["x"])
    plot = page.locator("#boundary")
    drawn = lambda: int(plot.get_attribute("data-points-drawn") or -1)  # noqa: E731
    wait_until(page, lambda: drawn() == n_train + n_test, "every train and test point drawn")
    # the canvas at the points: the train marker filled in its class colour, the test one hollow, ringed
    px = page.evaluate(POINT_PIXELS)
    assert px["train"]["centre"][3] == 255 and px["train"]["off"] <= 3, px["train"]
    assert px["test"]["centre"][3] == 0, px["test"]  # a test point is a ring
    assert px["test"]["opaque"] > 0 and px["test"]["near"] >= 0.5 * px["test"]["opaque"], px["test"]
    # Plotly draws no marker of its own any more: its point traces carry the legend only
    assert page.evaluate("document.querySelectorAll('#boundary .nnp-boundary-plot .scatterlayer .point').length") == 0
    # "Show test data" off and on, while training: the canvas changes, Plotly redraws nothing
    play_button(page).click()
    wait_until(page, lambda: status(api, sid) == "running", "training")
    draws = plot.get_attribute("data-plotly-draws")
    assert int(draws or 0) >= 1  # the counter counts: the axes and the legend were drawn
    shown = int(attr(page, "data-frames-shown") or 0)
    toggle = page.get_by_label("Show test data", exact=True)
    toggle.click()
    wait_until(page, lambda: drawn() == n_train, "the test points gone from the canvas")
    assert page.evaluate(INKED_AROUND, px["test"]["client"]) == 0, "the test point still on the canvas"
    assert page.evaluate(INKED_AROUND, px["train"]["client"]) > 0
    legend_test = plot.locator(".legend .traces", has_text="test")
    wait_until(page, lambda: legend_test.evaluate("(e) => getComputedStyle(e).visibility") == "hidden",
               "the legend's test entry hidden")
    toggle.click()
    wait_until(page, lambda: drawn() == n_train + n_test, "the test points back")
    wait_until(page, lambda: int(attr(page, "data-frames-shown") or 0) >= shown + 5, "frames drawn meanwhile")
    assert plot.get_attribute("data-plotly-draws") == draws, "a toggle or a frame made Plotly redraw"
    assert legend_test.evaluate("(e) => getComputedStyle(e).visibility") == "visible"
    pause_and_settle(page, api, sid)
    # hovering a point shows its card: what Plotly's hover label said (class, train or test, x₁, x₂)
    card = plot.locator(".nnp-point-card")
    coordinate = lambda v: f"{v:.2f}".replace("-", "−")  # noqa: E731
    for p in (px["train"], px["test"]):
        page.mouse.move(*p["client"])
        text = f"{p['label']} · {p['set']}x₁ {coordinate(p['x1'])}, x₂ {coordinate(p['x2'])}"
        wait_until(page, lambda t=text: card.is_visible() and card.text_content() == t, f"the card of {text}")
    page.mouse.move(5, 5)
    wait_until(page, lambda: not card.is_visible(), "the card gone off the plot")


# Every DOM mutation from here on, as "type attribute @ nearest id > tag.class" (a text node as its element).
MUTATIONS = """
window.__mutations = [];
const where = (n) => {
  const e = n.nodeType === 1 ? n : n.parentElement;
  const owner = e && e.closest('[id]');
  const name = e ? e.tagName.toLowerCase() + (e.classList[0] ? '.' + e.classList[0] : '') : '?';
  return `${owner ? owner.id : '?'} > ${name}`;
};
window.__observer = new MutationObserver((records) => {
  for (const m of records) window.__mutations.push(`${m.type} ${m.attributeName ?? ''} @ ${where(m.target)}`);
});
window.__observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
"""


def test_a_settings_click_writes_only_what_changed(page: Page, server_url: str, api: httpx.Client) -> None:
    # Every store change re-renders each panel that reads the store: they wrote what they already showed
    # (~40 equal values a click: every data set's and drawing tool's aria-pressed, hidden flags, the
    # range outputs' text — a text node put back is a layout), and the boundary repainted its map and
    # re-set its line's path. A toggle now writes the points it hides and the legend entry, no more.
    sid = open_app(page, server_url)
    pause_and_settle(page, api, sid)
    plot = page.locator("#boundary")
    drawn = lambda: int(plot.get_attribute("data-points-drawn") or -1)  # noqa: E731
    everything = drawn()
    # the page settles first: the charts' first draw and the data sets' thumbnails (fetched one by one)
    # come after the map
    wait_until(page, lambda: page.evaluate(
        "[...document.querySelectorAll('#datasets button.thumb img')].every((i) => i.getAttribute('src'))"
        " && ['loss-chart', 'grad-chart'].every((id) => +document.getElementById(id).dataset.plotlyDraws > 0)"),
        "every thumbnail and both charts drawn")
    page.evaluate(MUTATIONS)
    counts = [-1]

    def quiet() -> bool:
        counts.append(page.evaluate("window.__mutations.length"))
        page.wait_for_timeout(500)
        return counts[-1] == counts[-2]
    wait_until(page, quiet, "the page still (no DOM change for 500 ms)")
    page.evaluate("window.__mutations.length = 0")
    toggle = page.get_by_label("Show test data", exact=True)
    toggle.click()
    wait_until(page, lambda: 0 < drawn() < everything, "the test points gone")
    toggle.click()
    wait_until(page, lambda: drawn() == everything, "the test points back")
    page.wait_for_timeout(400)  # the URL and the compare link follow 200 ms later
    seen: list[str] = page.evaluate("window.__observer.disconnect(), window.__mutations")
    allowed = ("attributes style @ boundary > g.traces",  # the legend's test entry hidden and shown
               "attributes data-points-drawn @ boundary > div.plot-area",
               "attributes href @ compare-link > a.btn")  # the comparison link carries the page's state
    assert seen, "the observer saw nothing: it cannot tell"
    assert [m for m in seen if m not in allowed] == [], "a click wrote what it did not change"


MAP_COLOURS = """() => {
  const c = document.querySelector('#boundary .nnp-boundary-map canvas');
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < px.length; i += 4) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
  return seen.size;
}"""


def test_discretise_repaints_the_map_and_the_test_toggle_does_not(page: Page, server_url: str,
                                                                  api: httpx.Client) -> None:
    # the map is repainted only when what it shows changes (a toggle of the test points does not):
    # "Discretise output" must still repaint it, both ways, while paused
    sid = open_app(page, server_url)
    pause_and_settle(page, api, sid)
    soft = page.evaluate(MAP_COLOURS)
    assert soft > 10, f"a probability map has many shades: {soft}"
    toggle = page.get_by_label("Discretise output", exact=True)
    toggle.click()
    wait_until(page, lambda: page.evaluate(MAP_COLOURS) <= 2, "the map in two colours, one a class")
    page.get_by_label("Show test data", exact=True).click()
    page.wait_for_timeout(300)
    assert page.evaluate(MAP_COLOURS) <= 2, "the test toggle repainted the map without discretising"
    toggle.click()
    wait_until(page, lambda: page.evaluate(MAP_COLOURS) == soft, "the shades back")
