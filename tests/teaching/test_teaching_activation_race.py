"""The course's week-1 claim: ReLU-family activations learn faster than sigmoid.

"Swap sigmoid for ReLU in the hidden layers and the same network, with the same data, the same
initial weights and the same learning rate, gets to a low cost in far fewer epochs" — the point
of the default comparison (the activation race sigmoid / tanh / relu / leaky_relu).

The setting, chosen once and fixed here: the circle data set (500 points, no noise, half for
training), hidden layers [8, 8], plain SGD with α = 0.03, mini-batches of 10, target train cost
0.1, at most 200 epochs. For each of 10 seeds s the data set seed and the network seed are both s.
The claim holds when relu and leaky_relu each reach the target in fewer epochs than sigmoid
(a sigmoid that has not reached it yet counts as infinitely many epochs) in at least 8 of 10 seeds.

Driven through the API (an in-process TestClient) exactly as the page does it.
"""

from __future__ import annotations

import math

import pytest

SEEDS = range(10)
MAX_EPOCHS, CHUNK = 200, 10
TARGET = 0.1
NEEDED = 8


def _race(client, seed: int) -> dict[str, float]:
    """Epochs each activation needs to reach the target train cost (inf: not within MAX_EPOCHS)."""
    base = {"dataset": {"name": "circle", "seed": seed}, "seed": seed,
            "layers": [{"units": 8}, {"units": 8}],
            "optimizer": {"name": "sgd", "learning_rate": 0.03}, "batch_size": 10}
    r = client.post("/api/v1/comparisons", json={"base": base, "target_loss": TARGET})  # default vary: the race
    assert r.status_code == 201, r.text
    c = r.json()
    assert [v["value"] for v in c["variants"]] == ["sigmoid", "tanh", "relu", "leaky_relu"]
    cid = c["id"]
    # Step in chunks and stop early once relu and leaky_relu have arrived: target_epoch is the first
    # epoch with train cost ≤ target whatever the chunking, and a sigmoid not there by then loses.
    for _ in range(MAX_EPOCHS // CHUNK):
        r = client.post(f"/api/v1/comparisons/{cid}/step", json={"epochs": CHUNK})
        assert r.status_code == 200, r.text
        c = r.json()
        done = {v["value"]: v["target_epoch"] is not None for v in c["variants"]}
        if done["relu"] and done["leaky_relu"]:
            break
    assert all(v["status"] == "idle" for v in c["variants"]), "no variant may diverge at α = 0.03"
    assert client.delete(f"/api/v1/comparisons/{cid}").status_code == 204
    return {v["value"]: math.inf if v["target_epoch"] is None else v["target_epoch"] for v in c["variants"]}


@pytest.mark.slow
def test_relu_and_leaky_relu_reach_the_target_before_sigmoid(client):
    results = {s: _race(client, s) for s in SEEDS}
    wins = {name: sum(r[name] < r["sigmoid"] for r in results.values()) for name in ("relu", "leaky_relu")}
    table = "\n".join(f"seed {s}: " + ", ".join(f"{k} {v}" for k, v in r.items()) for s, r in results.items())
    assert wins["relu"] >= NEEDED, f"relu beat sigmoid in {wins['relu']}/10 seeds\n{table}"
    assert wins["leaky_relu"] >= NEEDED, f"leaky_relu beat sigmoid in {wins['leaky_relu']}/10 seeds\n{table}"
    # relu-family epochs are finite in those seeds: they really reached the target
    assert sum(math.isfinite(r["relu"]) for r in results.values()) >= NEEDED
