"""bench.cohort runs (tiny repeats, no timing assertions) and checks its two sides agree."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, str(ROOT))

from bench import cohort  # noqa: E402


def test_cohort_bench_runs_and_reports_every_size():
    lines: list[str] = []
    results = cohort.report(repeats=1, ticks=1, sizes=(1, 3), out=lines.append)
    assert set(results) == {1, 3}
    assert all(r["solo_tick_s"] > 0 and r["cohort_tick_s"] > 0 and r["engine_cohort_update_s"] > 0
               and r["updates_per_tick"] == 25
               for r in results.values())
    text = "\n".join(lines)
    assert "cohort µs/upd" in text and "sessions/core" in text
