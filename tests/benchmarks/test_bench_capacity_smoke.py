"""The capacity bench runs end to end in its quickest form (a real server, 1 and 2 sessions, 1 s
windows) and reports what it should. Structure only: no timing or threshold is asserted, since the
machines running the tests are shared and noisy."""

from __future__ import annotations

import json
import math

import pytest

from bench import capacity

ROW_NUMBERS = ("fps_median", "fps_worst", "epochs_median", "epochs_worst", "healthz_p50_ms", "healthz_p99_ms",
               "server_cpu_cores", "client_cpu_cores", "window_s")


def test_frames_split_anywhere_are_counted_once():
    stream = b": keepalive\n\n" + b"event: frame\nid: 1\ndata: {}\n\n" * 3 + b"event: done\ndata: {}\n\n"
    for cut in range(len(stream) + 1):
        first, carry = capacity.count_frames(b"", stream[:cut])
        second, _ = capacity.count_frames(carry, stream[cut:])
        assert first + second == 3, cut


@pytest.mark.slow  # starts a real server twice: ~6 s
def test_quick_run_reports_every_row_and_a_capacity(tmp_path, capsys):
    path = tmp_path / "capacity.json"
    assert capacity.main(["--quick", "--json", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "Load average at start" in printed and "capacity (1 worker):" in printed
    data = json.loads(path.read_text())
    assert set(data) >= {"machine", "loadavg_start", "profile", "criteria", "workers", "ratios"}
    assert list(data["workers"]) == ["1"] and data["ratios"] == {}
    result = data["workers"]["1"]
    assert result["error"] is None
    assert [r["sessions"] for r in result["rows"]] == [1, 2]
    assert isinstance(result["capacity"], int) and result["capacity"] in (0, 1, 2)
    for row in result["rows"]:
        for key in ROW_NUMBERS:
            assert math.isfinite(row[key]) and row[key] >= 0, key
        assert row["fps_worst"] <= row["fps_median"] and row["epochs_worst"] <= row["epochs_median"]
        assert row["probes"] >= 1 and isinstance(row["ok"], bool)
        assert set(row["errors"]) == {"streams", "play", "probes"}
        assert all(isinstance(v, int) and v >= 0 for v in row["errors"].values())
        assert sum(row["stream_status"].values()) == row["sessions"]  # one viewer per session
