"""The playground page through a real Chromium against the real server (issue 3).

What the page did is checked where it lands: on the page (counters, the data attributes
`data-frames-shown`, `data-session-id`, `data-epoch` on <html>) and through the REST API (httpx),
which is the source of truth for config, status, epoch, step, weights and data.

Page loads are few (each parses Plotly's 4.8 MB): the tests of one live page (`playground`) run
in file order and carry its state on, each starting from what the last one left.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from playwright.sync_api import BrowserContext, Locator, Page

from tests.e2e.conftest import WAIT_MS

pytestmark = pytest.mark.browser

APPLY = "Apply the chosen tool at these coordinates"


# ------------------------------------------------------------------ helpers


def wait_until(page: Page, cond: Callable[[], Any], what: str, timeout: float = WAIT_MS / 1000) -> Any:
    """Poll `cond` (Python side, no script in the page) until truthy; its value, or AssertionError.
    The timeout bounds the wait, it claims nothing about speed (see WAIT_MS): a loaded machine may
    take many seconds to draw what a quiet one draws at once."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        page.wait_for_timeout(50)


def attr(page: Page, name: str) -> str | None:
    return page.locator("html").get_attribute(name)


def frames_shown(page: Page) -> int:
    return int(attr(page, "data-frames-shown") or 0)


def shown_epoch(page: Page) -> int:
    return int(page.locator("#transport .epoch-value").text_content().replace(",", ""))


def shown_step(page: Page) -> int:
    text = page.locator("#transport .epoch-steps").text_content()
    return int(text.removeprefix("step ").replace(",", ""))


def train_cost(page: Page) -> float:
    return float(page.locator("#metrics tbody tr").first.locator("td.m-cost").text_content())


def open_app(page: Page, server_url: str, query: str = "") -> str:
    """Load the page and wait for its first frame; the session id it shows."""
    page.goto(f"{server_url}/{query}")
    wait_until(page, lambda: frames_shown(page) >= 1, "the first frame")
    return attr(page, "data-session-id") or ""


def session(api: httpx.Client, sid: str) -> dict[str, Any]:
    r = api.get(f"sessions/{sid}")
    r.raise_for_status()
    return r.json()  # type: ignore[no-any-return]


def weights(api: httpx.Client, sid: str) -> list[dict[str, Any]]:
    r = api.get(f"sessions/{sid}/weights")
    r.raise_for_status()
    return r.json()["layers"]  # type: ignore[no-any-return]


def point_set(api: httpx.Client, sid: str) -> set[tuple[float, float, float]]:
    d = api.get(f"sessions/{sid}/data").json()
    return {(round(x1, 2), round(x2, 2), float(y)) for part in ("train", "test")
            for (x1, x2), y in zip(d[part]["x"], d[part]["y"], strict=True)}


def wait_session(page: Page, api: httpx.Client, ok: Callable[[dict[str, Any]], bool], what: str,
                 timeout: float = 15.0) -> str:
    """The id the page shows once its session (per the API) satisfies `ok`."""
    def check() -> str | None:
        sid = attr(page, "data-session-id")
        if not sid:
            return None
        r = api.get(f"sessions/{sid}")
        return sid if r.status_code == 200 and ok(r.json()) else None

    return wait_until(page, check, what, timeout)  # type: ignore[no-any-return]


def status(api: httpx.Client, sid: str) -> str:
    return session(api, sid)["status"]  # type: ignore[no-any-return]


def play_button(page: Page) -> Locator:
    return page.locator("#transport button.play")


def pause_and_settle(page: Page, api: httpx.Client, sid: str) -> int:
    """Pause from the page; once the server is idle and the page shows its epoch, that epoch."""
    if status(api, sid) == "running":
        play_button(page).click()
    wait_until(page, lambda: status(api, sid) == "idle", "status idle after pause")
    epoch = session(api, sid)["epoch"]
    wait_until(page, lambda: shown_epoch(page) == epoch, f"the page to show epoch {epoch}")
    return epoch  # type: ignore[no-any-return]


def fresh_weights(api: httpx.Client, config: dict[str, Any]) -> list[dict[str, Any]]:
    """The initial weights of `config`, from a throwaway session (the seed decides them)."""
    s = api.post("sessions", json=config).json()
    try:
        return weights(api, s["id"])
    finally:
        api.delete(f"sessions/{s['id']}")


def focus_body(page: Page) -> None:
    """Keyboard focus back on the page body (a click on the non-interactive title)."""
    page.locator("h1.brand").click()


def plot_click(page: Page, x1: float, x2: float) -> None:
    """A mouse click on the boundary plot at data coordinates (x1, x2) in [−6, 6]²."""
    box = page.locator("#boundary .nsewdrag").bounding_box()  # Plotly's plotting area
    assert box, "the boundary plot has no plotting area"
    page.mouse.click(box["x"] + (x1 + 6) / 12 * box["width"], box["y"] + (6 - x2) / 12 * box["height"])


def apply_point(page: Page, x1: float, x2: float) -> None:
    page.get_by_label("x₁ of the point").fill(str(x1))
    page.get_by_label("x₂ of the point").fill(str(x2))
    page.get_by_role("button", name=APPLY).click()


def tool(page: Page, name: str) -> None:
    """Choose a point tool ("Add points of class A", "Erase the nearest point"), if not chosen yet."""
    b = page.get_by_role("button", name=name, exact=True)
    if b.get_attribute("aria-pressed") != "true":
        b.click()


MAP_CANVAS = "#boundary .nnp-boundary-map canvas"  # the output map: a canvas laid under the plot's points


def heatmap_ok(page: Page) -> bool:
    """The boundary plot shows its output map: its canvas on screen, painted (a grid's worth of pixels)."""
    c = page.locator(MAP_CANVAS)
    return c.count() > 0 and c.is_visible() and int(c.evaluate("c => c.width")) > 1


# ------------------------------------------------------------------ one page, many steps


@pytest.fixture(scope="module")
def playground(shared_context: BrowserContext, server_url: str) -> Iterator[Page]:
    """The default page, loaded once; the tests below carry its state on in file order."""
    p = shared_context.new_page()
    p.set_default_timeout(WAIT_MS)
    open_app(p, server_url)
    yield p
    p.close()


def test_build_network_play_pause_step_reset(playground: Page, api: httpx.Client) -> None:
    page = playground
    # build: a third hidden layer, one more unit in it, ReLU for it
    page.get_by_role("button", name="add a hidden layer").click()
    page.get_by_role("button", name="add a unit to layer 3").click()
    page.get_by_label("Activation of hidden layer 3").select_option("relu")
    want = [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "tanh"},
            {"units": 3, "activation": "relu"}]
    sid = wait_session(page, api, lambda s: s["config"]["layers"] == want, "a session of [4, 2, 3 relu]")
    initial = weights(api, sid)  # right after creation: nothing has trained it
    assert [len(layer["b"]) for layer in initial] == [4, 2, 3, 1]
    assert session(api, sid)["epoch"] == 0
    cost0 = train_cost(page)

    # play: the counter moves, the cost falls
    play_button(page).click()
    wait_until(page, lambda: shown_epoch(page) >= 40, "epoch 40 on the page")
    assert status(api, sid) == "running"
    assert play_button(page).get_attribute("aria-label") == "Pause (space)"

    # pause holds, on the page and on the server
    epoch = pause_and_settle(page, api, sid)
    assert train_cost(page) < cost0, "the train cost did not fall while playing"
    page.wait_for_timeout(500)
    assert shown_epoch(page) == epoch
    assert session(api, sid)["epoch"] == epoch and status(api, sid) == "idle"

    # step: exactly one batch; "+1 ep": exactly one epoch
    before = session(api, sid)
    page.get_by_role("button", name="Step: one batch (→)").click()
    wait_until(page, lambda: session(api, sid)["step"] > before["step"], "the step to reach the server")
    after = session(api, sid)
    assert after["step"] == before["step"] + 1
    wait_until(page, lambda: shown_step(page) == before["step"] + 1, "the page's step counter +1")
    page.get_by_role("button", name="+1 ep: step one epoch (shift+→)").click()
    wait_until(page, lambda: session(api, sid)["epoch"] > after["epoch"], "the epoch step to reach the server")
    assert session(api, sid)["epoch"] == after["epoch"] + 1
    wait_until(page, lambda: shown_epoch(page) == after["epoch"] + 1, "the page's epoch +1")
    assert weights(api, sid) != initial

    # reset: the very same initial weights
    page.get_by_role("button", name="Reset to the initial weights (r)").click()
    wait_until(page, lambda: session(api, sid)["epoch"] == 0, "epoch 0 after reset")
    assert weights(api, sid) == initial
    wait_until(page, lambda: shown_epoch(page) == 0 and shown_step(page) == 0, "the page's counters at 0")
    assert attr(page, "data-session-id") == sid  # reset keeps the session


# the map canvas's pixel (row 0 at the top: x2 = +extent) against the colour paint.js gives P(class 1)
# (the page's own lookup table, at the map's strength 0.7): how far apart, per channel, at most
MAP_PIXELS_OFF = """async ([cells, ps]) => {
  const { divergingLUT } = await import('/static/js/views/paint.js');
  const { classColors } = await import('/static/js/plot.js');
  const lut = divergingLUT(...classColors(document.querySelector('#boundary')).slice(0, 2), 0.7);
  const c = document.querySelector('#boundary .nnp-boundary-map canvas');
  const g = c.getContext('2d');
  return cells.map(([i, j], k) => {
    const px = g.getImageData(j, c.height - 1 - i, 1, 1).data;
    const idx = Math.max(0, Math.min(255, Math.round(127.5 + (ps[k] - 0.5) * 255)));
    return Math.max(...[0, 1, 2].map((ch) => Math.abs(px[ch] - lut[idx * 4 + ch])));
  });
}"""


def test_the_map_canvas_carries_the_output_grid(playground: Page, api: httpx.Client) -> None:
    """The output map is painted on a canvas under the points (not a Plotly image): its pixels are
    the session's P(class 1) at the grid points, in the map's colours."""
    page = playground
    sid = attr(page, "data-session-id")
    assert sid
    play_button(page).click()  # away from the initial weights' pale map
    wait_until(page, lambda: shown_epoch(page) >= 30, "epoch 30 on the page")
    pause_and_settle(page, api, sid)
    b = api.get(f"sessions/{sid}/boundary", params={"resolution": 100}).json()
    p = np.asarray(b["output"])
    cells = [(i, j) for i in (0, 17, 50, 83, 99) for j in (0, 31, 50, 68, 99)]
    assert np.ptp([p[i, j] for i, j in cells]) > 0.05, "a map of one colour would prove nothing"
    off = lambda: page.evaluate(MAP_PIXELS_OFF, [cells, [float(p[i, j]) for i, j in cells]])  # noqa: E731
    wait_until(page, lambda: max(off()) <= 3, "the canvas to show the paused session's map")
    assert heatmap_ok(page)
    # laid over the plotting area, under the points: Plotly's own layout has no image
    assert page.evaluate("document.querySelector('#boundary .nnp-boundary-plot')._fullLayout.images.length") == 0


def boundary_lines(page: Page) -> list[list[tuple[float, float]]]:
    """The ŷ = 0.5 line as the page draws it: its path's subpaths, in data coordinates (the svg's
    viewBox is the plotting area's data range, y flipped)."""
    d = page.locator("#boundary svg.nnp-boundary-line path").last.get_attribute("d") or ""
    lines = []
    for sub in d.split("M")[1:]:
        v = [float(t) for t in sub.replace("L", " ").split()]
        lines.append([(v[k], -v[k + 1]) for k in range(0, len(v), 2)])
    return lines


@pytest.mark.parametrize("preset", ["logistic-regression", "feature-engineering"])
def test_the_boundary_line_lies_where_the_weights_put_it(page: Page, server_url: str, api: httpx.Client,
                                                         preset: str) -> None:
    """With no hidden layer ŷ = σ(wᵀφ(x) + b), so the line the page draws is wᵀφ(x) + b = 0 in closed
    form: a straight line across the map (φ = x₁, x₂) or an ellipse w₁x₁² + w₂x₂² + b = 0 (φ = x₁²,
    x₂²), each drawn as one stroke (a segment a grid cell drew a notch at every joint), the ellipse a
    closed one. Every point drawn is checked against the paused session's exact weights."""
    sid = open_app(page, server_url, f"?preset={preset}")
    play_button(page).click()
    wait_until(page, lambda: shown_epoch(page) >= 40, "epoch 40 on the page")
    pause_and_settle(page, api, sid)
    [layer] = weights(api, sid)
    (w1, w2), b = layer["W"][0], layer["b"][0]
    extent = api.get(f"sessions/{sid}/boundary", params={"resolution": 100}).json()["extent"]
    square = preset == "feature-engineering"
    phi = (lambda x1, x2: (x1 * x1, x2 * x2)) if square else (lambda x1, x2: (x1, x2))

    def off(x1: float, x2: float) -> float:
        """How far (x₁, x₂) is from the line, to first order: |z| / |∇z|."""
        f1, f2 = phi(x1, x2)
        g1, g2 = (2 * w1 * x1, 2 * w2 * x2) if square else (w1, w2)
        return abs(w1 * f1 + w2 * f2 + b) / max(1e-9, float(np.hypot(g1, g2)))

    def drawn_on_the_weights() -> bool:  # the last frame drawn is the paused epoch's
        lines = boundary_lines(page)
        return bool(lines) and all(off(*pt) < 0.05 for line in lines for pt in line)

    wait_until(page, drawn_on_the_weights, "every point of the drawn line on wᵀφ(x) + b = 0 (within 0.05)")
    lines = boundary_lines(page)
    on_border = lambda pt: max(abs(pt[0]), abs(pt[1])) > extent - 1e-3  # noqa: E731
    inside = square and -b / w1 > 0 and -b / w2 > 0 and max(-b / w1, -b / w2) < extent ** 2  # an ellipse in the map
    if not square or inside:
        assert len(lines) == 1, f"{len(lines)} strokes: the line is drawn in pieces"
    if inside:
        assert lines[0][0] == lines[0][-1], "an ellipse is a closed line"
        assert 12 <= len(lines[0]) < 200, f"{len(lines[0])} points for an ellipse"
    else:  # a straight line across the map, or the pieces of an ellipse (a hyperbola) the map's edge cuts
        for line in lines:
            assert on_border(line[0]) and on_border(line[-1]), "an open line runs from edge to edge"


def test_learning_rate_change_while_running(playground: Page, api: httpx.Client) -> None:
    page = playground
    sid = attr(page, "data-session-id") or ""
    assert session(api, sid)["config"]["optimizer"]["learning_rate"] == 0.03
    play_button(page).click()
    wait_until(page, lambda: session(api, sid)["epoch"] >= 15, "epoch 15")
    page.locator("select[aria-label='Learning rate α']").select_option("0.1")
    wait_until(page, lambda: session(api, sid)["config"]["optimizer"]["learning_rate"] == 0.1,
               "the PATCH with learning rate 0.1 to reach the server")
    at_change = session(api, sid)
    assert at_change["status"] == "running" and at_change["epoch"] >= 15, "the change reset or stopped training"
    wait_until(page, lambda: session(api, sid)["epoch"] >= at_change["epoch"] + 15, "the epoch to keep growing")
    wait_until(page, lambda: shown_epoch(page) >= at_change["epoch"] + 15, "the page's epoch to keep growing")
    assert attr(page, "data-session-id") == sid, "a live setting made a new session"
    wait_until(page, lambda: "lr=0.1" in page.url, "the URL to follow the learning rate")
    pause_and_settle(page, api, sid)


def test_keyboard_space_arrow_r(playground: Page, api: httpx.Client) -> None:
    page = playground
    sid = attr(page, "data-session-id") or ""
    focus_body(page)
    page.keyboard.press("Space")
    wait_until(page, lambda: status(api, sid) == "running", "space to start training")
    wait_until(page, lambda: session(api, sid)["epoch"] >= 5, "a few epochs")
    page.keyboard.press("Space")
    wait_until(page, lambda: status(api, sid) == "idle", "space to pause")
    before = session(api, sid)
    page.keyboard.press("ArrowRight")
    wait_until(page, lambda: session(api, sid)["step"] != before["step"], "→ to step")
    assert session(api, sid)["step"] == before["step"] + 1
    page.keyboard.press("r")
    wait_until(page, lambda: session(api, sid)["step"] == 0, "r to reset")
    s = session(api, sid)
    assert s["epoch"] == 0 and s["status"] == "idle"
    assert weights(api, sid) == fresh_weights(api, s["config"])  # r restores the seed's initial weights


def test_custom_points_keyboard_mouse_erase_clear(playground: Page, api: httpx.Client) -> None:
    page = playground
    old = attr(page, "data-session-id") or ""
    page.get_by_role("button", name="Your own (custom)").click()  # the drawing tools come with your own data
    page.get_by_role("button", name="Clear all points").click()
    status_line = page.locator("#custom-tools .custom-status")
    wait_until(page, lambda: (status_line.text_content() or "").startswith("0 points"), "“0 points”")
    assert page.get_by_role("button", name="Your own (custom)").get_attribute("aria-pressed") == "true"
    wait_until(page, lambda: api.get(f"sessions/{old}").status_code == 404, "the old session to be deleted")

    # keyboard entry: x1, x2 + Apply with the chosen class; the last one drawn as a test point
    pts = [(-3.0, -3.0, 0.0), (-2.0, -3.0, 0.0), (3.0, 3.0, 1.0), (2.0, 3.0, 1.0), (3.0, 2.0, 1.0)]
    for i, (x1, x2, y) in enumerate(pts):
        if i == len(pts) - 1:
            page.get_by_role("button", name="Draw test points", exact=False).click()
        tool(page, f"Add points of class {'AB'[int(y)]}")
        apply_point(page, x1, x2)
    sid = wait_session(page, api, lambda s: s["data"]["n_train"] + s["data"]["n_test"] == 5, "a session of 5 points")
    assert point_set(api, sid) == set(pts)
    assert (status_line.text_content() or "").startswith("5 points (2 A, 3 B)")

    # a mouse click on the plot with class B
    plot_click(page, -3.0, 3.0)
    sid = wait_session(page, api, lambda s: s["data"]["n_train"] + s["data"]["n_test"] == 6,
                       "a click on the plot to add a point")
    added = point_set(api, sid) - set(pts)
    assert len(added) == 1
    (x1, x2, y), = added
    assert abs(x1 + 3) < 0.15 and abs(x2 - 3) < 0.15 and y == 1.0, f"the click landed at ({x1}, {x2}), class {y}"

    # erase by keyboard: the nearest point within reach goes
    tool(page, "Erase the nearest point")
    apply_point(page, -2.1, -2.9)
    sid = wait_session(page, api, lambda s: s["data"]["n_train"] + s["data"]["n_test"] == 5, "the erase")
    assert point_set(api, sid) == (set(pts) | added) - {(-2.0, -3.0, 0.0)}

    # clear all: no points, no session
    page.get_by_role("button", name="Clear all points").click()
    wait_until(page, lambda: (status_line.text_content() or "").startswith("0 points"), "“0 points” after clear")
    wait_until(page, lambda: api.get(f"sessions/{sid}").status_code == 404, "the session to go with its points")
    erase = page.get_by_role("button", name="Erase the nearest point")
    erase.click()  # a second click puts the tool down
    assert erase.get_attribute("aria-pressed") == "false"


BAD_CSV = b"x1,x2,label\n1,2,0\nabc,1,1\n0,0,1\n3,3,0\n"


def test_bad_csv_error_names_the_line(playground: Page) -> None:
    page = playground
    page.locator("#custom-tools input[type=file]").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD_CSV}])
    error = page.locator("#custom-tools p.error")
    error.wait_for(state="visible")
    text = error.text_content() or ""
    assert "abc" in text  # the message, next to the upload control
    assert "line 3" in text, f"the error does not name the line: {text!r}"


def test_good_csv_trains(playground: Page, api: httpx.Client) -> None:
    page = playground
    rng = np.random.default_rng(3)
    rows = [(round(float(a), 2), round(float(b), 2), k) for k in (0, 1)
            for a, b in rng.normal(2.0 if k else -2.0, 0.6, size=(20, 2))]
    csv = "x1,x2,label\n" + "".join(f"{a},{b},{k}\n" for a, b, k in rows)
    page.locator("#custom-tools input[type=file]").set_input_files(
        files=[{"name": "good.csv", "mimeType": "text/csv", "buffer": csv.encode()}])
    sid = wait_session(page, api, lambda s: s["data"]["n_train"] + s["data"]["n_test"] == 40, "the CSV's session")
    assert point_set(api, sid) == {(a, b, float(k)) for a, b, k in rows}
    assert not page.locator("#custom-tools p.error").is_visible()  # the bad file's message is gone
    shown = frames_shown(page)
    play_button(page).click()
    wait_until(page, lambda: session(api, sid)["epoch"] >= 20, "the CSV data to train")
    wait_until(page, lambda: frames_shown(page) >= shown + 5, "frames to be drawn")
    assert session(api, sid)["metrics"]["train"]["accuracy"] >= 0.9  # two well separated blobs
    pause_and_settle(page, api, sid)


@pytest.mark.parametrize(("label", "kind"), [("Blobs (multiclass)", "multiclass"),
                                             ("Plane (regression)", "regression")])
def test_multiclass_and_regression_train_and_draw(playground: Page, api: httpx.Client, label: str, kind: str) -> None:
    page = playground
    page.locator(f"#datasets button.thumb[aria-label='{label}']").click()
    sid = wait_session(page, api, lambda s: s["data"]["kind"] == kind, f"a {kind} session")
    cost0 = session(api, sid)["metrics"]["train"]["cost"]
    shown = frames_shown(page)
    play_button(page).click()
    wait_until(page, lambda: frames_shown(page) >= shown + 10, "frames to be drawn")
    wait_until(page, lambda: session(api, sid)["epoch"] >= 20, "20 epochs")
    assert heatmap_ok(page), "no output map under the points"
    assert page.locator(".problem-kind").text_content() == (  # in "More settings", closed or not
        "Multi-class" if kind == "multiclass" else "Regression")
    pause_and_settle(page, api, sid)
    assert session(api, sid)["metrics"]["train"]["cost"] < cost0


# ------------------------------------------------------------------ pages of their own


def test_diverging_run_shows_banner_and_reset_recovers(page: Page, server_url: str, api: httpx.Client) -> None:
    sid = open_app(page, server_url, "?dataset=spiral&act=sigmoid&lr=100")
    cfg = session(api, sid)["config"]
    assert cfg["dataset"]["name"] == "spiral" and cfg["optimizer"]["learning_rate"] == 100
    assert {layer["activation"] for layer in cfg["layers"]} == {"sigmoid"}
    play_button(page).click()
    banner = page.locator("#banner")
    banner.wait_for(state="visible")
    wait_until(page, lambda: "Diverged" in (banner.text_content() or ""), "the diverged banner")
    assert "banner-danger" in (banner.get_attribute("class") or "")
    assert status(api, sid) == "diverged"
    assert play_button(page).is_disabled()

    banner.get_by_role("button", name="Reset to the initial weights").click()
    wait_until(page, lambda: status(api, sid) == "idle", "status idle after reset")
    assert session(api, sid)["epoch"] == 0
    banner.wait_for(state="hidden")
    assert play_button(page).is_enabled()
    # training works again (at a learning rate that does not blow up)
    page.locator("select[aria-label='Learning rate α']").select_option("0.03")
    wait_until(page, lambda: session(api, sid)["config"]["optimizer"]["learning_rate"] == 0.03, "lr 0.03")
    play_button(page).click()
    wait_until(page, lambda: session(api, sid)["epoch"] >= 20, "training to run again")
    assert status(api, sid) == "running" and banner.is_hidden()
    pause_and_settle(page, api, sid)


def open_share(page: Page) -> None:
    """Open the “Share ▾” menu (Copy link, with weights, exports, classroom) unless it is open."""
    share = page.get_by_role("button", name="Share", exact=True)
    if share.get_attribute("aria-expanded") != "true":
        share.click()


def copy_link(page: Page) -> str:
    """Click “Copy link”; the link from the visible fallback field, or (clipboard worked) the page URL."""
    before = page.url
    open_share(page)
    fallback = page.get_by_label("Link to this experiment: copy it with ctrl+C")
    page.get_by_role("button", name="Copy a link to this experiment").click()
    wait_until(page, lambda: fallback.is_visible() or "Copied" in (
        page.get_by_role("button", name="Copy a link to this experiment").text_content() or ""), "the link")
    link = fallback.input_value() if fallback.is_visible() else page.url
    assert link.startswith(before.split("?")[0])
    return link


def test_copy_link_rebuilds_the_experiment(page: Page, shared_context: BrowserContext, server_url: str,
                                           api: httpx.Client) -> None:
    sid = open_app(page, server_url, "?dataset=moons&noise=0.2&layers=5,3&act=relu&lr=0.1&seed=7&dseed=4")
    config = session(api, sid)["config"]
    initial = weights(api, sid)
    play_button(page).click()
    wait_until(page, lambda: session(api, sid)["epoch"] >= 20, "some training")
    pause_and_settle(page, api, sid)
    trained = weights(api, sid)
    assert trained != initial

    link = copy_link(page)
    assert "w=" not in link
    other = shared_context.new_page()
    try:
        sid2 = _open_link(other, link)
        assert sid2 != sid
        assert session(api, sid2)["config"] == config
        assert weights(api, sid2) == initial  # same seed, same initial weights
    finally:
        other.close()

    open_share(page)
    page.get_by_text("with weights").click()
    copy_link(page)
    # the weights are fetched from the server first: wait for the link that carries them
    fallback = page.get_by_label("Link to this experiment: copy it with ctrl+C")
    wait_until(page, lambda: "w=" in (fallback.input_value() or page.url), "the link with the weights")
    link_w = fallback.input_value() if "w=" in fallback.input_value() else page.url
    other = shared_context.new_page()
    try:
        sid3 = _open_link(other, link_w)
        assert session(api, sid3)["config"] == config
        got = weights(api, sid3)
        for a, b in zip(got, trained, strict=True):  # the link carries float32
            np.testing.assert_array_equal(np.float32(a["W"]), np.float32(b["W"]))
            np.testing.assert_array_equal(np.float32(a["b"]), np.float32(b["b"]))
        assert session(api, sid3)["epoch"] == 0
    finally:
        other.close()


def _open_link(p: Page, link: str) -> str:
    p.set_default_timeout(WAIT_MS)
    p.goto(link)
    wait_until(p, lambda: frames_shown(p) >= 1, "the linked page's first frame")
    return attr(p, "data-session-id") or ""


def test_screenshots_spiral_8x8(page: Page, shared_context: BrowserContext, server_url: str, api: httpx.Client,
                                screenshot: Callable[[Page, str], Any]) -> None:
    """Spiral with [8, 8] after ~300 epochs, at 1366×768 and 1920×1080 (look at them: the report says what)."""
    def train_and_shoot(p: Page, width: int, height: int) -> None:
        p.set_viewport_size({"width": width, "height": height})
        sid = open_app(p, server_url, "?dataset=spiral&layers=8,8&speed=300")
        play_button(p).click()
        wait_until(p, lambda: session(api, sid)["epoch"] >= 300, "300 epochs")
        pause_and_settle(p, api, sid)
        assert heatmap_ok(p)
        p.wait_for_timeout(300)  # the charts' last redraw
        path = screenshot(p, f"spiral-8x8-{width}x{height}")
        assert path.stat().st_size > 20_000

    train_and_shoot(page, 1366, 768)
    big = shared_context.new_page()
    try:
        big.set_default_timeout(WAIT_MS)
        train_and_shoot(big, 1920, 1080)
    finally:
        big.close()


# ------------------------------------------------------------------ the page as shipped: CSP, origin


def test_page_works_under_its_csp_without_console_errors(context_factory: Callable[..., BrowserContext],
                                                          server_url: str, api: httpx.Client) -> None:
    ctx = context_factory(bypass_csp=False)
    seen: list[str] = []
    problems: list[str] = []
    ctx.on("request", lambda r: seen.append(r.url))
    p = ctx.new_page()
    p.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    p.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    p.set_default_timeout(WAIT_MS)
    r = p.goto(f"{server_url}/")
    assert r is not None and "script-src 'self'" in (r.header_value("content-security-policy") or "")
    wait_until(p, lambda: frames_shown(p) >= 1, "the first frame under the CSP")
    sid = attr(p, "data-session-id") or ""
    assert heatmap_ok(p)
    play_button(p).click()
    wait_until(p, lambda: shown_epoch(p) >= 10, "training under the CSP")
    pause_and_settle(p, api, sid)
    # the data-set thumbnails load after the first draw (GET datasets/{name}/preview each): let them finish
    n_sets = len(api.get("catalog").json()["datasets"])
    wait_until(p, lambda: sum(u.endswith("/preview") for u in seen) >= n_sets, "the thumbnails' data")
    p.wait_for_timeout(500)
    p.close()
    assert problems == [], problems
    foreign = [u for u in seen if not u.startswith(f"{server_url}/")]
    assert foreign == [], foreign


# what each data-set thumbnail shows: colours filling more than a few pixels (a point's inside, not the
# blended edges of anti-aliasing) other than the most common one (the background); the picture is an
# image (a canvas would be a compositor layer every frame commits): read back through a canvas
THUMB_COLOURS = """() => Object.fromEntries([...document.querySelectorAll('#datasets button.thumb')].map((b) => {
  const img = b.querySelector('img');
  if (!img.complete || !img.naturalWidth) return [b.getAttribute('aria-label'), 0];
  const c = document.createElement('canvas');
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  c.getContext('2d').drawImage(img, 0, 0);
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const counts = new Map();
  for (let i = 0; i < px.length; i += 4) {
    const k = `${px[i]},${px[i + 1]},${px[i + 2]},${px[i + 3]}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const bg = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  return [b.getAttribute('aria-label'), [...counts.entries()].filter(([k, n]) => k !== bg && n >= 12).length];
}))"""


def test_thumbnails_come_from_the_preview_endpoint_not_sessions(context_factory: Callable[..., BrowserContext],
                                                                server_url: str, api: httpx.Client) -> None:
    """The data-set picker draws every set's thumbnail from GET datasets/{name}/preview: loading the page
    makes no session but its own (it used to make and delete a throwaway one per data set)."""
    ctx = context_factory()  # storage of its own: no thumbnail kept from an earlier page
    calls: list[tuple[str, str]] = []
    ctx.on("request", lambda r: calls.append((r.method, r.url.removeprefix(f"{server_url}/"))))
    sets = api.get("catalog").json()["datasets"]
    health = f"{server_url}/healthz"
    before = api.get(health).json()["sessions"]
    p = ctx.new_page()
    p.set_default_timeout(WAIT_MS)
    sid = open_app(p, server_url)
    wait_until(p, lambda: sum(u.endswith("/preview") for _, u in calls) >= len(sets), "a preview per data set")

    def drawn() -> dict[str, int] | None:
        shown: dict[str, int] = p.evaluate(THUMB_COLOURS)
        need = {"binary": 2, "multiclass": 3, "regression": 3}  # classes, or a colour scale of targets
        ok = all(shown.get(f"{d['label']} ({d['kind']})", 0) >= need[d["kind"]] for d in sets)
        return shown if ok else None

    shown = wait_until(p, drawn, "every thumbnail drawn, in the colours of its classes or targets")
    assert len(shown) == len(sets) + 1  # and "Your own"
    previews = sorted(u for m, u in calls if m == "GET" and u.startswith("api/v1/datasets/"))
    assert previews == sorted(f"api/v1/datasets/{d['name']}/preview" for d in sets)
    made = [(m, u) for m, u in calls if u.startswith("api/v1/sessions") and m in ("POST", "DELETE")
            and not u.endswith(("/play", "/pause", "/step", "/reset"))]
    assert made == [("POST", "api/v1/sessions")], made
    assert api.get(f"sessions/{sid}").status_code == 200
    assert api.get(health).json()["sessions"] == before + 1, "the page's own session, and no other"
    p.close()


def test_nothing_requested_from_another_origin(recorder: Any, server_url: str) -> None:
    """Every request of every page of this session (placed last: it sees all of them), and no
    console error on any of them but the bad CSV's expected 422."""
    assert len(recorder.requested) > 20
    foreign = sorted({u for u in recorder.requested if not u.startswith(f"{server_url}/")})
    assert foreign == [], foreign
    unexpected = [m for m in recorder.problems if "status of 422" not in m]
    assert unexpected == [], unexpected
