"""The first run succeeds: the page's default experiment solves visibly within ~10 s (issue 12).

A student who opens the playground and presses play should see play → watch → success, as on the
TF Playground. The page makes its session from the catalog's `defaults` (static/js/state.js
`defaultState(catalog)` → `toConfig`) and plays it at 30 epochs/s (its default speed), so 10 s is
300 epochs. The claim: that config reaches ≥ 95 % test accuracy within 300 epochs in at least 9 of
the 10 seeds 1…10 (the data set seed and the network seed both s; seed 1 is what the page opens on).

Driven through the API the page uses: GET /api/v1/catalog for the defaults, POST /sessions with them,
POST …/step (what play does, without the wall clock), GET …/history for each epoch's test accuracy
(the page's accuracy chart) and the frame the page draws (GET …/stream?frames=1) for the number under
the plot. Measured when the default became `circle`: reached at epochs 35, 62, 41, 31, 32, 58, 84, 54,
20, 49 (seeds 1…10), and it stays ≥ 95 % from there to epoch 300 in every one. The spiral, the old
default, is the challenge one click away (66 % after 1,200 epochs).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

API = "/api/v1"
SEEDS = range(1, 11)
EPOCHS = 300  # 10 s at the page's default 30 epochs/s
TARGET = 0.95
NEEDED = 9


def _frame(client: Any, sid: str) -> dict[str, Any]:
    """The frame the page draws now (one `event: frame` of the stream)."""
    with client.stream("GET", f"{API}/sessions/{sid}/stream?frames=1") as r:
        assert r.status_code == 200
        event = None
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "frame":
                return json.loads(line.split(":", 1)[1])  # type: ignore[no-any-return]
    raise AssertionError("the stream sent no frame")


def _first_epoch_at_target(client: Any, defaults: dict[str, Any], seed: int) -> int | None:
    config = copy.deepcopy(defaults)
    config["dataset"]["seed"] = seed
    config["seed"] = seed
    r = client.post(f"{API}/sessions", json=config)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r = client.post(f"{API}/sessions/{sid}/step", json={"epochs": EPOCHS})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "idle", "the default must not diverge"
    history = client.get(f"{API}/sessions/{sid}/history").json()
    assert history["epoch"] == list(range(1, EPOCHS + 1))
    shown = _frame(client, sid)["metrics"]["test"]["accuracy"]
    assert shown == pytest.approx(history["test_accuracy"][-1], abs=1e-6), "the frame and the history disagree"
    assert client.delete(f"{API}/sessions/{sid}").status_code == 204
    return next((e for e, a in zip(history["epoch"], history["test_accuracy"], strict=True) if a >= TARGET), None)


@pytest.mark.slow
def test_the_default_reaches_95_percent_test_accuracy_within_10_seconds(client: Any) -> None:
    catalog = client.get(f"{API}/catalog").json()
    defaults = catalog["defaults"]
    assert defaults["dataset"]["name"] == "circle"
    kinds = {d["name"]: d["kind"] for d in catalog["datasets"]}
    assert kinds["spiral"] == "binary", "the challenge, one click away, is still in the catalog"
    reached = {s: _first_epoch_at_target(client, defaults, s) for s in SEEDS}
    table = ", ".join(f"seed {s}: {'—' if e is None else e}" for s, e in reached.items())
    assert sum(e is not None for e in reached.values()) >= NEEDED, \
        f"epochs to {TARGET:.0%} test accuracy (of {EPOCHS}): {table}"
