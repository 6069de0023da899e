"""bench.heavy runs end to end in its quick form (a real server, a small "heavy" network, 5 MB and
200 kB bodies) and reports what it should. Structure only: no timing or threshold is asserted, since
the machines running the tests are shared and noisy."""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, str(ROOT))

from bench import heavy  # noqa: E402


def test_the_most_updates_are_read_from_the_422_and_the_catalog():
    msg = ("epochs: 1000000 updates asked; one request may do at most 187 updates at this network's size and "
           "batch (= 187 epochs, limits in /api/v1/catalog); split it into requests of at most 187 updates")
    assert heavy.allowed_by_message(msg) == 187
    assert heavy.allowed_by_message("something else") is None
    sizes = [7, *[64] * 8, 1]
    assert heavy.parameters(sizes) == 29_697
    limits = {"max_updates_per_request": 200_000, "max_example_updates_per_request": 20_000_000,
              "max_work_per_request": 10_000_000_000}
    assert heavy.allowed_by_catalog(limits, 29_697, 1800) == 187


def test_bodies_have_the_size_asked_and_are_valid_json():
    assert sum(len(c) for c in heavy.huge_body(1_000_003)) == 1_000_003
    rng = random.Random(1)
    weights = {"layers": [{"W": [[rng.uniform(-1, 1) for _ in range(7)] for _ in range(64)],
                           "b": [rng.uniform(-1, 1) for _ in range(64)]},
                          {"W": [[rng.uniform(-1, 1) for _ in range(64)]], "b": [0.0]}]}
    body = heavy.big_weights(weights, 200_000)
    assert 150_000 < len(body) <= 200_000
    back = json.loads(body)
    assert len(back["layers"][0]["W"]) == 64 and back["layers"][1]["b"] == [0.0]
    assert math.isclose(back["layers"][0]["W"][3][5], weights["layers"][0]["W"][3][5], rel_tol=1e-12)
    predict = heavy.predict_body(100_000)
    assert 90_000 < len(predict) <= 100_000 and len(json.loads(predict)["points"]) > 7000


@pytest.mark.slow  # starts a real server, trains a small network, sends 5 MB bodies: ~15 s
def test_quick_run_reports_both_parts(tmp_path, capsys):
    path = tmp_path / "heavy.json"
    assert heavy.main(["--quick", "--json", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "Load average at start" in printed and "Load average at end" in printed
    assert "The heaviest allowed step vs a quiet server" in printed and "A huge body vs a small one" in printed
    data = json.loads(path.read_text())
    assert set(data) >= {"machine", "loadavg_start", "profile", "heaviest_step", "bodies", "server_errors"}
    one = data["heaviest_step"]
    assert one["allowed"]["status_asking_too_many"] == 422 and one["allowed"]["by_422"] >= 1
    h = one["heavy"]
    assert h["status"] == 200 and h["updates_done"] == h["updates_asked"] == heavy.QUICK.updates
    assert h["heavy_slices"] >= 1 and h["work_after"]["slices"] > h["work_before"]["slices"]
    for window in (one["quiet"], one["during"]):
        assert window["seconds"] > 0 and window["fps"] >= 0 and window["epochs_per_s"] >= 0
        assert "/healthz" in window["probes"] and "GET the heavy session" in window["probes"]
        for probe in window["probes"].values():
            assert probe["n"] >= 1 and 0 <= probe["errors"] <= probe["n"]  # a 5 s timeout: not asserted
            assert 0 <= probe["p50"] <= probe["p99"] <= probe["max"]
    two = data["bodies"]
    assert two["limit_bytes"] > 0
    huge = [r for name, r in two["huge"].items() if "MB" in name]
    assert len(huge) == 2 and all(r["status"] == 413 and r["ms"] > 0 for r in huge)
    assert all(r["rss_peak_kb"] >= r["rss_before_kb"] > 0 for r in two["huge"].values())
    assert {r["status"] for r in two["alone"].values()} == {200, 422}
    assert all(r["status"] == r["expected"] for r in two["alone"].values())
    assert len(two["concurrent"]) == 3 and all(c["healthz"]["n"] >= 1 for c in two["concurrent"].values())
