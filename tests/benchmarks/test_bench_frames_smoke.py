"""bench.frames' smoothness matrix (issue 12, item 3) runs end to end in a tiny form (a real server,
headless chromium, one network at max speed, 1× and 4× CPU, 1 s windows) and reports what it should.
Structure only: no timing or threshold is asserted, since the machines running the tests are shared
and noisy."""

from __future__ import annotations

import math

import pytest

from bench import frames
from bench.server import start_server, stop_server


def test_the_table_has_a_row_a_cell_and_the_issues_targets():
    cells = [frames.Cell("[8×6]", "max", t, fps_drawn=60.0, fps_sent=60.0, epochs_per_s=1000.0, longtask_share=0.1,
                         click_p95_ms=50.0, event_p95_ms=16.0, clicks=10, seconds=1.0) for t in frames.THROTTLES]
    text = frames.report_matrix(cells)
    assert "[8×6] max CPU 1×" in text and "[8×6] max CPU 4×" in text
    assert "≥55 PASS" in text and "≥25 PASS" in text and "<100 PASS" in text and "<250 PASS" in text
    cells[0].fps_drawn = 10.0
    assert "≥55 MISS" in frames.report_matrix(cells)
    assert "cores: server + browser" in text and "—" in text
    cells[0].server_cores, cells[0].browser_cores = 0.95, 0.87
    assert "0.95 + 0.87" in frames.report_matrix(cells)


def test_profile_shares_rank_self_and_inclusive_time():
    # (root) → draw (views/boundary.js) → react (plotly) ; (root) → decode (frame.js) ; (root) → (program)
    frame = lambda fn, url="": {"functionName": fn, "url": url, "lineNumber": 9}  # noqa: E731
    profile = {"nodes": [
        {"id": 1, "callFrame": frame("(root)"), "children": [2, 4, 5]},
        {"id": 2, "callFrame": frame("draw", "http://h/static/js/views/boundary.js"), "children": [3]},
        {"id": 3, "callFrame": frame("react", "http://h/static/js/vendor/plotly-7.1.0.min.js")},
        {"id": 4, "callFrame": frame("decode", "http://h/static/js/frame.js")},
        {"id": 5, "callFrame": frame("(program)")},
    ], "samples": [3, 3, 2, 4, 5, 5, 5, 5], "timeDeltas": [100] * 8}
    p = frames.profile_shares(profile)
    assert p.own[0] == (0.5, "(program)")
    assert (0.25, "react plotly-7.1.0.min.js:10") in p.own
    assert p.inclusive == [(0.375, "draw boundary.js:10"), (0.125, "decode frame.js:10")]  # Plotly's own not listed
    cell = frames.Cell("[4,2]", "max", 4.0, fps_drawn=9.0, fps_sent=60.0, epochs_per_s=1.0, longtask_share=0.5,
                       click_p95_ms=1.0, event_p95_ms=1.0, clicks=1, seconds=1.0, profile=p)
    text = frames.report_profiles([cell])
    assert "CPU profile: [4,2] max CPU 4×" in text and "draw boundary.js:10" in text and "37.5%" in text


@pytest.mark.browser
@pytest.mark.slow  # a server, a browser and two page loads: ~15 s
def test_a_tiny_matrix_measures_every_number():
    proc, base = start_server()
    try:
        cells = frames.run_matrix(base, 1.0, nets=("[4,2]",), speeds=("max",), throttles=(1.0, 4.0),
                                  server_pid=proc.pid)
    finally:
        stop_server(proc)
    assert [(c.net, c.speed, c.throttle) for c in cells] == [("[4,2]", "max", 1.0), ("[4,2]", "max", 4.0)]
    for c in cells:
        assert c.clicks >= 1 and c.seconds > 0
        for v in (c.fps_drawn, c.fps_sent, c.epochs_per_s, c.longtask_share):
            assert math.isfinite(v) and v >= 0
        assert math.isfinite(c.click_p95_ms) and c.click_p95_ms >= 0  # every click was timed
        # the server trained at full speed and the browser drew: both used some CPU over the window
        assert c.server_cores is not None and c.browser_cores is not None
        assert c.server_cores > 0 and c.browser_cores > 0
    assert "[4,2] max CPU 4×" in frames.report_matrix(cells)


def test_cells_at_any_speed_and_busy_loops_beside_them():
    assert [frames.speed_query(s) for s in ("max", "30/s", "100/s")] == ["max", "30", "100"]
    cell = frames.Cell("[8×6]", "100/s", 4.0, fps_drawn=27.0, fps_sent=30.0, epochs_per_s=100.0, longtask_share=0.1,
                       click_p95_ms=50.0, event_p95_ms=16.0, clicks=10, seconds=1.0)
    text = frames.report_matrix([cell], busy=1)
    assert "[8×6] 100/s CPU 4×" in text and "1 busy loop(s), a core each, beside the run" in text
    assert "≥25" not in text, "the fps target is for max speed only"
    with frames.busy_loops(2) as procs:
        assert len(procs) == 2 and all(p.poll() is None for p in procs), "the loops run inside the block"
    assert all(p.poll() is not None for p in procs), "and are gone after it"
    with pytest.raises(SystemExit):
        frames.main(["--matrix-only", "--nets", "[3,3]", "--url", "http://127.0.0.1:9"])
