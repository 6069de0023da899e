"""bench.slow_clients runs end to end in a small form (50 half-sent heads, a 1 s timeout) and reports
both servers. What it asserts is what the servers did (fds, connections closed), with a generous wait,
never how fast."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import slow_clients


@pytest.mark.slow  # starts a real server twice and waits for the timeouts: ~20 s
def test_slow_clients_bench_reports_both_servers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "slow.json"
    assert slow_clients.main(["--connections", "50", "--header-timeout", "1", "--wait", "10", "--probes", "3",
                              "--json", str(path)]) == 0  # 0: the command's server closed every connection
    printed = capsys.readouterr().out
    assert "50 half-sent request heads" in printed and "stock uvicorn (reference)" in printed
    stock, ours = json.loads(path.read_text())["rows"]
    assert stock["closed_by_server"] == 0 and stock["fds_after"] >= stock["fds_before"] + 50  # held
    assert ours["closed_by_server"] == 50 and ours["head_timeouts"] >= 50
    assert ours["fds_after"] <= ours["fds_before"] + 5  # released
