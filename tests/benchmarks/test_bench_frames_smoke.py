"""bench.frames' smoothness matrix (issue 12, item 3) runs end to end in a tiny form (a real server,
headless chromium, one network at max speed, 1× and 4× CPU, 1 s windows) and reports what it should.
Structure only: no timing or threshold is asserted, since the machines running the tests are shared
and noisy."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

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


AUTOGROUPS = Path("/proc/self/autogroup").exists()  # Linux with CONFIG_SCHED_AUTOGROUP


@pytest.mark.browser
@pytest.mark.slow  # a server, a browser and three page loads: ~20 s
def test_a_tiny_matrix_measures_every_number():
    proc, base = start_server(own_group=True)  # a session of its own: --server-yields lowers its autogroup
    try:
        cells, idle = frames.run_matrix(base, 1.0, nets=("[4,2]",), speeds=("max",), throttles=(1.0, 4.0),
                                        server_pid=proc.pid, server_yields=AUTOGROUPS)
        if AUTOGROUPS:
            assert "nice 0" in Path(f"/proc/{proc.pid}/autogroup").read_text(), "the server's priority is back"
    finally:
        stop_server(proc)
    expected = [("[4,2]", "max", 1.0, 0), ("[4,2]", "max", 4.0, 0)]
    expected += [("[4,2]", "max", 4.0, 19)] if AUTOGROUPS else []
    assert [(c.net, c.speed, c.throttle, c.server_nice) for c in cells] == expected
    for c in cells:
        assert c.clicks >= 1 and c.seconds > 0
        for v in (c.fps_drawn, c.fps_sent, c.epochs_per_s, c.longtask_share):
            assert math.isfinite(v) and v >= 0
        assert math.isfinite(c.click_p95_ms) and c.click_p95_ms >= 0  # every click was timed
        # the server trained at full speed and the browser drew: both used some CPU over the window
        assert c.server_cores is not None and c.browser_cores is not None
        assert c.server_cores > 0 and c.browser_cores > 0
    assert sorted(idle) == [1.0, 4.0] and all(math.isfinite(v) and v >= 0 for v in idle.values())
    text = frames.report_matrix(cells, idle=idle)
    assert "[4,2] max CPU 4×" in text and "the throttle's own cost, an idle page" in text
    assert ("[4,2] max CPU 4×, server nice 19" in text) == AUTOGROUPS


@pytest.mark.skipif(not AUTOGROUPS, reason="no /proc/self/autogroup: the kernel schedules without autogroups")
def test_server_priority_lowers_a_sessions_autogroup_and_puts_it_back():
    own = Path("/proc/self/autogroup").read_text()  # empty when pytest runs in the root group (some CI runners)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    try:
        group = Path(f"/proc/{sleeper.pid}/autogroup")
        assert frames.autogroup_nice(group) == 0
        with frames.server_priority(sleeper.pid, 19):
            assert frames.autogroup_nice(group) == 19
            assert Path("/proc/self/autogroup").read_text() == own, "this process's own group untouched"
        assert frames.autogroup_nice(group) == 0
    finally:
        sleeper.kill()
        sleeper.wait()


def test_autogroup_nice_reads_a_group_and_names_the_root_group(tmp_path):
    group = tmp_path / "autogroup"
    group.write_text("/autogroup-4302 nice 5\n")
    assert frames.autogroup_nice(group) == 5
    group.write_text("/autogroup-7 nice -3\n")
    assert frames.autogroup_nice(group) == -3
    group.write_text("")  # what the kernel shows for a process in the root group
    with pytest.raises(ValueError, match="root autogroup"):
        frames.autogroup_nice(group)


def test_cells_at_any_speed_and_busy_loops_beside_them():
    assert [frames.speed_query(s) for s in ("max", "30/s", "100/s")] == ["max", "30", "100"]
    cell = frames.Cell("[8×6]", "100/s", 4.0, fps_drawn=27.0, fps_sent=30.0, epochs_per_s=100.0, longtask_share=0.1,
                       click_p95_ms=50.0, event_p95_ms=16.0, clicks=10, seconds=1.0)
    text = frames.report_matrix([cell], busy=1)
    assert "[8×6] 100/s CPU 4×" in text and "1 busy loop(s), a core each, beside the run" in text
    assert "≥25" not in text, "the fps target is for max speed only"
    assert "server nice" not in text and "idle page" not in text, "no note for what the run did not measure"
    with frames.busy_loops(2) as procs:
        assert len(procs) == 2 and all(p.poll() is None for p in procs), "the loops run inside the block"
    assert all(p.poll() is not None for p in procs), "and are gone after it"
    with pytest.raises(SystemExit):
        frames.main(["--matrix-only", "--nets", "[3,3]", "--url", "http://127.0.0.1:9"])
    with pytest.raises(SystemExit):  # the server's priority is the run's to change only if the run started it
        frames.main(["--matrix-only", "--server-yields", "--url", "http://127.0.0.1:9"])
