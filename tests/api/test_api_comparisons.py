"""/api/v1/comparisons: 2–6 variants of one experiment that differ in one field, in lockstep.

The central claim is checked through the API only: every variant's trajectory is exactly
(bit for bit, via GET …/weights) the trajectory of the same config trained alone as an ordinary
session, whether the variants share one stacked pass (Lockstep) or are stepped one after another.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.training.encoding import decode_grid
from bench.owners import keep_owner_tokens

API = "/api/v1"
CIRCLE = {"dataset": {"name": "circle", "n_samples": 100}}  # 50 training examples: 5 batches of 10
VARIANT_KEYS = {"label", "value", "session_id", "config", "status", "epoch", "step", "metrics",
                "target_epoch", "first_layer_grad", "diverged_at"}
RACE = ["sigmoid", "tanh", "relu", "leaky_relu"]


# ---------------------------------------------------------------- helpers


def _create(client: TestClient, base: dict | None = None, field: str | None = None,
            values: list | None = None, **extra: Any) -> dict:
    body: dict[str, Any] = {**extra}
    if base is not None:
        body["base"] = base
    if field is not None:
        body["vary"] = {"field": field, "values": values}
    r = client.post(f"{API}/comparisons", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _step(client: TestClient, cid: str, **how: int) -> dict:
    r = client.post(f"{API}/comparisons/{cid}/step", json=how)
    assert r.status_code == 200, r.text
    return r.json()


def _weights(client: TestClient, sid: str) -> dict:
    r = client.get(f"{API}/sessions/{sid}/weights")
    assert r.status_code == 200, r.text
    return r.json()


def _history(client: TestClient, sid: str) -> dict:
    r = client.get(f"{API}/sessions/{sid}/history")
    assert r.status_code == 200, r.text
    return r.json()


def _solo(client: TestClient, config: dict, updates: int) -> tuple[dict, dict, dict]:
    """An ordinary session of the variant's config, stepped `updates` times: (session, weights, history)."""
    r = client.post(f"{API}/sessions", json=config)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    out = r.json()
    if updates:
        r = client.post(f"{API}/sessions/{sid}/step", json={"steps": updates})
        assert r.status_code == 200, r.text
        out = r.json()
    return out, _weights(client, sid), _history(client, sid)


def _assert_matches_solo(client: TestClient, variant: dict) -> None:
    solo, w, h = _solo(client, variant["config"], variant["step"])
    label = variant["label"]
    assert w == _weights(client, variant["session_id"]), f"{label}: weights differ from a solo run"
    assert solo["metrics"] == variant["metrics"], f"{label}: metrics differ from a solo run"
    assert h == _history(client, variant["session_id"]), f"{label}: history differs from a solo run"
    assert (solo["step"], solo["epoch"], solo["status"]) == (variant["step"], variant["epoch"],
                                                             variant["status"])
    assert solo["diverged_at"] == variant["diverged_at"]


def _lockstep_used(client: TestClient, cid: str) -> bool:
    return client.app.state.comparisons.get(cid).lockstep is not None  # type: ignore[attr-defined]


def _sse(client: TestClient, url: str) -> list[tuple[str, str]]:
    """(event, data) pairs of a finite stream."""
    events, event = [], None
    with client.stream("GET", url) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((event, line.removeprefix("data: ")))
    return events


# ---------------------------------------------------------------- creating


@pytest.mark.parametrize("body", [None, {}], ids=["no-body", "empty-object"])
def test_the_default_comparison_is_the_activation_race(client, body):
    r = client.post(f"{API}/comparisons", json=body) if body is not None else client.post(f"{API}/comparisons")
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["config"]["vary"] == {"field": "activation", "values": RACE}
    assert c["status"] == "idle" and c["step"] == 0
    assert [v["label"] for v in c["variants"]] == RACE
    assert [v["value"] for v in c["variants"]] == RACE
    for v in c["variants"]:
        assert set(v) == VARIANT_KEYS
        assert v["status"] == "idle" and v["epoch"] == 0 and v["step"] == 0
        assert v["target_epoch"] is None and v["first_layer_grad"] is None and v["diverged_at"] is None
        layers = v["config"]["layers"]
        assert len(layers) == 2 and all(layer["activation"] == v["value"] for layer in layers)
        assert v["metrics"]["train"]["cost"] > 0
    assert len({v["session_id"] for v in c["variants"]}) == 4
    assert _lockstep_used(client, c["id"])


def test_activation_changes_every_hidden_layer_and_nothing_else(client):
    base = {**CIRCLE, "layers": [{"units": 3, "activation": "relu"}, {"units": 4, "activation": "tanh"},
                                 {"units": 2, "activation": "elu"}]}
    c = _create(client, base, "activation", ["gelu", "swish"])
    for v in c["variants"]:
        assert v["config"]["layers"] == [{"units": u, "activation": v["value"]} for u in (3, 4, 2)]
    a, b = (dict(v["config"]) for v in c["variants"])
    a.pop("layers"), b.pop("layers")
    assert a == b


@pytest.mark.parametrize("field, values, expect", [
    ("learning_rate", [0.01, 2.5], lambda v, cfg: cfg["optimizer"]["learning_rate"] == v),
    ("optimizer", ["momentum", "adam"],
     lambda v, cfg: cfg["optimizer"]["name"] == v and cfg["optimizer"]["learning_rate"] == 0.05),
    ("optimizer", [{"name": "adam", "learning_rate": 0.01}, {"name": "rmsprop", "rho": 0.8}],
     lambda v, cfg: cfg["optimizer"]["name"] == v["name"]
     and cfg["optimizer"]["learning_rate"] == v.get("learning_rate", 0.05)
     and all(cfg["optimizer"][k] == x for k, x in v.items())),
    ("init", ["he", "uniform"], lambda v, cfg: cfg["init"] == v),
    ("layers", [[{"units": 3}], [{"units": 5, "activation": "relu"}, {"units": 2}]],
     lambda v, cfg: [layer["units"] for layer in cfg["layers"]] == [x["units"] for x in v]),
    ("batch_size", [7, None], lambda v, cfg: cfg["batch_size"] == v),
    ("regularization", ["l2", {"kind": "l1", "rate": 0.003}],
     lambda v, cfg: cfg["regularization"] == ({"kind": v, "rate": 0.01} if isinstance(v, str) else v)),
    ("dropout", [0.0, 0.25], lambda v, cfg: cfg["dropout"] == v),
])
def test_each_field_lands_in_the_variant_config(client, field, values, expect):
    base = {**CIRCLE, "optimizer": {"name": "sgd", "learning_rate": 0.05}}
    c = _create(client, base, field, values)
    assert c["config"]["vary"] == {"field": field, "values": values}
    assert [v["value"] for v in c["variants"]] == values
    for v in c["variants"]:
        assert expect(v["value"], v["config"]), (v["value"], v["config"])
    labels = [v["label"] for v in c["variants"]]
    assert len(set(labels)) == len(labels) and all(isinstance(x, str) and x for x in labels)


def test_regularization_kind_string_keeps_the_base_rate(client):
    c = _create(client, {**CIRCLE, "regularization": {"kind": "l1", "rate": 0.2}}, "regularization",
                ["l2", "none"])
    assert [v["config"]["regularization"] for v in c["variants"]] == [
        {"kind": "l2", "rate": 0.2}, {"kind": "none", "rate": 0.2}]


def test_six_values_are_allowed(client):
    values = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"]
    c = _create(client, CIRCLE, "activation", values)
    assert [v["value"] for v in c["variants"]] == values


# ---------------------------------------------------------------- lockstep and identity with solo runs

LOCKSTEP_CASES = {
    "activation": ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"],
    "learning_rate": [0.01, 0.1, 1.0],
    "optimizer": ["sgd", "momentum", {"name": "adam", "learning_rate": 0.01}, {"name": "rmsprop", "rho": 0.8}],
    "init": ["xavier", "he", "uniform"],
    "regularization": ["l2", {"kind": "l1", "rate": 0.003}, "none"],
}
SEQUENTIAL_CASES = {
    "layers": [[{"units": 3}], [{"units": 5, "activation": "relu"}, {"units": 2}]],
    "batch_size": [7, None, 25],
    "dropout": [0.0, 0.2, 0.5],
}


@pytest.mark.parametrize("field, values", [*LOCKSTEP_CASES.items(), *SEQUENTIAL_CASES.items()],
                         ids=[*LOCKSTEP_CASES, *SEQUENTIAL_CASES])
def test_every_variant_equals_its_config_trained_alone(client, field, values):
    c = _create(client, CIRCLE, field, values)
    assert _lockstep_used(client, c["id"]) == (field in LOCKSTEP_CASES)
    after_epochs = _step(client, c["id"], epochs=2)
    steps = {v["step"] for v in after_epochs["variants"]}
    assert len(steps) == 1 and after_epochs["step"] == steps.pop() > 0
    c = _step(client, c["id"], steps=7)  # and into the middle of an epoch
    steps = {v["step"] for v in c["variants"]}
    assert len(steps) == 1 and c["step"] == steps.pop() == after_epochs["step"] + 7
    for v in c["variants"]:
        assert v["status"] == "idle"
        _assert_matches_solo(client, v)


def test_epochs_are_counted_in_the_first_variants_batches(client):
    # batch sizes differ, so "2 epochs" cannot mean 2 epochs for everyone: every variant takes the
    # same number of updates, the first variant's 2 epochs
    c = _step(client, _create(client, CIRCLE, "batch_size", [10, 25, None])["id"], epochs=2)
    assert [v["step"] for v in c["variants"]] == [10, 10, 10]
    assert [v["epoch"] for v in c["variants"]] == [2, 5, 10]


def test_epochs_are_counted_in_the_first_live_variants_batches(client):
    # variant 0 diverges mid-epoch and stands still there; "1 epoch" must then end the epoch of
    # the variants still training, not count from where the diverged one stopped
    base = {"dataset": {"name": "spiral", "n_samples": 200}, "layers": [{"units": 8, "activation": "relu"},
                                                                        {"units": 4}]}
    c = _create(client, base, "learning_rate", [100, 0.03])
    _step(client, c["id"], steps=3)
    c = _step(client, c["id"], steps=4)
    diverged, live = c["variants"]
    assert diverged["status"] == "diverged" and live["status"] == "idle"
    assert diverged["step"] < live["step"] == 7
    c = _step(client, c["id"], epochs=1)
    live = c["variants"][1]
    per_epoch = client.get(f"{API}/sessions/{live['session_id']}").json()["updates_per_epoch"]
    assert (live["epoch"], live["step"]) == (1, per_epoch)


def test_initial_weights_are_shared_where_shapes_agree(client):
    race = _create(client, CIRCLE)
    first = [_weights(client, v["session_id"]) for v in race["variants"]]
    assert all(w == first[0] for w in first)
    rates = _create(client, CIRCLE, "learning_rate", [0.01, 0.3])
    assert [_weights(client, v["session_id"]) for v in rates["variants"]] == [first[0]] * 2
    inits = _create(client, CIRCLE, "init", ["xavier", "he", "uniform"])
    w = [_weights(client, v["session_id"]) for v in inits["variants"]]
    assert w[0] == first[0]
    assert w[0] != w[1] and w[1] != w[2] and w[0] != w[2]
    # …and once trained, activation variants part ways
    race = _step(client, race["id"], epochs=1)
    after = [_weights(client, v["session_id"]) for v in race["variants"]]
    assert len({json.dumps(x) for x in after}) == 4


def test_history_has_one_set_of_columns_per_variant(client):
    c = _step(client, _create(client, CIRCLE, "learning_rate", [0.03, 0.3])["id"], epochs=3)
    r = client.get(f"{API}/comparisons/{c['id']}/history")
    assert r.status_code == 200
    rows = r.json()["variants"]
    assert [row["label"] for row in rows] == [v["label"] for v in c["variants"]]
    for row, v in zip(rows, c["variants"], strict=True):
        assert row["session_id"] == v["session_id"]
        assert row["epoch"] == [1, 2, 3]
        own = _history(client, v["session_id"])
        assert {k: row[k] for k in own} == own
        assert row["train_cost"][-1] == v["metrics"]["train"]["cost"]
    assert rows[0]["train_cost"] != rows[1]["train_cost"]


def test_history_since_has_only_the_later_epochs_of_every_variant(client):
    """What a page whose stream skipped epochs asks for: the rows after the last one it charted."""
    c = _step(client, _create(client, CIRCLE, "learning_rate", [0.03, 0.3])["id"], epochs=4)
    whole = client.get(f"{API}/comparisons/{c['id']}/history").json()["variants"]
    r = client.get(f"{API}/comparisons/{c['id']}/history?since=2")
    assert r.status_code == 200, r.text
    for row, full in zip(r.json()["variants"], whole, strict=True):
        assert row["label"] == full["label"] and row["session_id"] == full["session_id"]
        assert row["epoch"] == [3, 4]
        assert row["train_cost"] == full["train_cost"][2:] and row["grad_norms"] == full["grad_norms"][2:]
    later = client.get(f"{API}/comparisons/{c['id']}/history?since=4").json()["variants"]
    assert [v["epoch"] for v in later] == [[], []]
    assert client.get(f"{API}/comparisons/{c['id']}/history?since=-1").json()["variants"] == whole


@pytest.mark.parametrize("since", ["-2", "1000000001", "two", "1.5", "nan"])
def test_history_since_out_of_range_is_422_naming_since(client, since):
    c = _create(client, CIRCLE)
    r = client.get(f"{API}/comparisons/{c['id']}/history?since={since}")
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["field"] == "since", r.text


def test_read_returns_the_same_as_step(client):
    c = _step(client, _create(client, CIRCLE)["id"], steps=3)
    r = client.get(f"{API}/comparisons/{c['id']}")
    assert r.status_code == 200 and r.json() == c


def test_target_epoch_and_first_layer_grad_are_reported(client):
    base = {"dataset": {"name": "circle"}, "layers": [{"units": 8}, {"units": 8}]}
    c = _create(client, base, "activation", ["relu", "sigmoid"], target_loss=0.3)
    c = _step(client, c["id"], epochs=30)
    relu, sigmoid = c["variants"]
    assert relu["target_epoch"] is not None and 1 <= relu["target_epoch"] <= 30
    h = _history(client, relu["session_id"])
    first = next(e for e, cost in zip(h["epoch"], h["train_cost"], strict=True) if cost <= 0.3)
    assert relu["target_epoch"] == first
    assert sigmoid["target_epoch"] is None or sigmoid["target_epoch"] > relu["target_epoch"]
    assert all(isinstance(v["first_layer_grad"], float) and v["first_layer_grad"] > 0 for v in c["variants"])


# ---------------------------------------------------------------- divergence

SPIRAL = {"dataset": {"name": "spiral", "n_samples": 200},
          "layers": [{"units": 8, "activation": "relu"}, {"units": 4, "activation": "tanh"}]}


def test_a_diverging_variant_leaves_the_other_untouched(client):
    c = _create(client, SPIRAL, "learning_rate", [0.03, 100])
    cid = c["id"]
    initial = [_weights(client, v["session_id"]) for v in c["variants"]]
    c = _step(client, cid, epochs=3)
    good, bad = c["variants"]
    assert bad["status"] == "diverged" and bad["diverged_at"] is not None
    assert good["status"] == "idle" and good["diverged_at"] is None
    assert c["status"] == "idle"  # not every variant diverged
    _assert_matches_solo(client, good)
    _assert_matches_solo(client, bad)  # a solo run diverges at the same place, keeping the same weights
    stuck = (bad["step"], _weights(client, bad["session_id"]))

    # the comparison keeps stepping the live one; the diverged one stays where it stopped
    c = _step(client, cid, epochs=2)
    good, bad = c["variants"]
    assert good["step"] > stuck[0] and good["epoch"] == 5 and c["step"] == good["step"]
    assert (bad["step"], _weights(client, bad["session_id"])) == stuck
    _assert_matches_solo(client, good)

    # playing with one diverged variant runs the other
    r = client.post(f"{API}/comparisons/{cid}/play", json={"epochs_per_second": 200})
    assert r.status_code == 200 and r.json()["status"] == "running"
    assert [v["status"] for v in r.json()["variants"]] == ["running", "diverged"]
    _wait_for_step(client, cid, c["step"] + 1)
    r = client.post(f"{API}/comparisons/{cid}/pause")
    assert r.status_code == 200 and r.json()["status"] == "idle"
    assert r.json()["variants"][1]["step"] == stuck[0]

    # reset brings everyone back
    r = client.post(f"{API}/comparisons/{cid}/reset")
    assert r.status_code == 200
    c = r.json()
    assert c["status"] == "idle" and c["step"] == 0
    for v, w0 in zip(c["variants"], initial, strict=True):
        assert (v["status"], v["step"], v["epoch"], v["diverged_at"], v["target_epoch"]) == ("idle", 0, 0, None,
                                                                                            None)
        assert _weights(client, v["session_id"]) == w0
        assert _history(client, v["session_id"])["epoch"] == []
    # and after the reset the trajectories are the solo ones again
    c = _step(client, cid, epochs=2)
    for v in c["variants"]:
        _assert_matches_solo(client, v)


def test_when_every_variant_diverged_step_and_play_answer_409_until_reset(client):
    cid = _create(client, SPIRAL, "learning_rate", [50, 100])["id"]
    c = _step(client, cid, epochs=3)
    assert c["status"] == "diverged"
    assert [v["status"] for v in c["variants"]] == ["diverged", "diverged"]
    for path, body in (("step", {"epochs": 1}), ("step", {"steps": 1}), ("play", None)):
        r = client.post(f"{API}/comparisons/{cid}/{path}", json=body)
        assert r.status_code == 409, (path, r.text)
        assert r.json()["detail"][0]["field"] == "status"
    assert client.get(f"{API}/comparisons/{cid}").json()["status"] == "diverged"
    r = client.post(f"{API}/comparisons/{cid}/reset")
    assert r.status_code == 200 and r.json()["status"] == "idle"
    assert _step(client, cid, steps=1)["step"] == 1


def test_a_first_variant_diverging_mid_epoch_leaves_the_other_untouched(client):
    cid = _create(client, SPIRAL, "learning_rate", [100, 0.03])["id"]
    c = _step(client, cid, steps=3)
    assert c["variants"][0]["status"] == "diverged"
    assert c["variants"][0]["diverged_at"] == {"epoch": 0, "step": 3}
    c = _step(client, cid, steps=4)
    good = c["variants"][1]
    assert good["status"] == "idle" and good["step"] == 7
    _assert_matches_solo(client, good)


# ---------------------------------------------------------------- variants are read-only sessions


def test_variants_read_like_sessions_but_only_the_comparison_changes_them(client):
    c = _create(client, CIRCLE)
    cid, sid = c["id"], c["variants"][1]["session_id"]
    w0 = _weights(client, sid)
    r = client.get(f"{API}/sessions/{sid}")
    assert r.status_code == 200 and r.json()["id"] == sid and r.json()["config"] == c["variants"][1]["config"]
    for path in ("history", "boundary?resolution=10", "weights", "data", "export", "gradcheck"):
        assert client.get(f"{API}/sessions/{sid}/{path}").status_code == 200, path
    assert client.post(f"{API}/sessions/{sid}/predict", json={"points": [[0, 0]]}).status_code == 200

    attempts = [
        ("POST", "step", {"steps": 1}), ("POST", "step", {"epochs": 1}), ("POST", "play", None),
        ("POST", "pause", None), ("POST", "reset", None), ("POST", "reset", {"seed": 5}),
        ("PATCH", "", {"optimizer": {"learning_rate": 0.5}}), ("PUT", "weights", w0), ("DELETE", "", None),
    ]
    for method, path, body in attempts:
        url = f"{API}/sessions/{sid}/{path}".rstrip("/")
        r = client.request(method, url, json=body)
        assert r.status_code == 409, (method, path, r.status_code, r.text)
        detail = r.json()["detail"][0]
        assert detail["field"] == "status" and cid in detail["msg"]
    s = client.get(f"{API}/sessions/{sid}").json()
    assert (s["status"], s["step"]) == ("idle", 0)
    assert _weights(client, sid) == w0

    plain = client.post(f"{API}/sessions", json=CIRCLE).json()["id"]  # others are unaffected
    r = client.delete(f"{API}/comparisons/{cid}")
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"{API}/comparisons/{cid}").status_code == 404
    assert client.delete(f"{API}/comparisons/{cid}").status_code == 404
    assert client.post(f"{API}/comparisons/{cid}/step", json={"steps": 1}).status_code == 404
    for v in c["variants"]:
        assert client.get(f"{API}/sessions/{v['session_id']}").status_code == 404
        assert client.get(f"{API}/sessions/{v['session_id']}/weights").status_code == 404
    assert client.get(f"{API}/sessions/{plain}").status_code == 200


def test_unknown_comparison_is_404_everywhere(client):
    for method, path in (("GET", ""), ("GET", "/history"), ("GET", "/stream?frames=1"), ("POST", "/step"),
                         ("POST", "/reset"), ("POST", "/play"), ("POST", "/pause"), ("DELETE", "")):
        body = {"steps": 1} if path == "/step" else None
        r = client.request(method, f"{API}/comparisons/nope{path}", json=body)
        assert r.status_code == 404, (method, path, r.text)


# ---------------------------------------------------------------- run control and the stream


def _wait_for_step(client: TestClient, cid: str, at_least: int, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        c = client.get(f"{API}/comparisons/{cid}").json()
        if c["step"] >= at_least:
            return c
        assert time.monotonic() < deadline, f"step stayed at {c['step']}"
        time.sleep(0.01)


def test_play_advances_every_variant_and_pause_leaves_them_equal(client):
    c = _create(client, CIRCLE)
    cid = c["id"]
    r = client.post(f"{API}/comparisons/{cid}/play", json={"epochs_per_second": 100})
    assert r.status_code == 200
    assert r.json()["status"] == "running" and {v["status"] for v in r.json()["variants"]} == {"running"}
    _wait_for_step(client, cid, 20)
    r = client.post(f"{API}/comparisons/{cid}/pause")
    assert r.status_code == 200
    c = r.json()
    assert c["status"] == "idle" and {v["status"] for v in c["variants"]} == {"idle"}
    steps = {v["step"] for v in c["variants"]}
    assert len(steps) == 1 and c["step"] == steps.pop() >= 20
    assert client.app.state.scheduler.alive() == 0  # type: ignore[attr-defined]  # nothing left to train it
    assert client.get(f"{API}/comparisons/{cid}").json() == c  # really stopped
    for v in c["variants"]:  # played in chunks, still exactly the solo trajectory
        _assert_matches_solo(client, v)
    # a second play and pause keeps them in lockstep too
    assert client.post(f"{API}/comparisons/{cid}/play").status_code == 200
    _wait_for_step(client, cid, c["step"] + 1)
    c = client.post(f"{API}/comparisons/{cid}/pause").json()
    assert len({v["step"] for v in c["variants"]}) == 1


def test_play_validates_its_body(client):
    cid = _create(client, CIRCLE)["id"]
    for body in ({"epochs_per_second": 0}, {"epochs_per_second": "fast"}, {"speed": 3}):
        r = client.post(f"{API}/comparisons/{cid}/play", json=body)
        assert r.status_code == 422, r.text
    assert client.get(f"{API}/comparisons/{cid}").json()["status"] == "idle"


def test_stream_sends_frames_of_every_variant_then_done(client):
    base = {"dataset": {"name": "circle"}}
    c = _create(client, base)
    cid = c["id"]
    assert client.post(f"{API}/comparisons/{cid}/play", json={"epochs_per_second": 50}).status_code == 200
    try:
        events = _sse(client, f"{API}/comparisons/{cid}/stream?frames=3&fps=60")
    finally:
        client.post(f"{API}/comparisons/{cid}/pause")
    assert [e for e, _ in events] == ["frame", "frame", "frame", "done"]
    frames = [json.loads(d) for _, d in events[:3]]
    for f in frames:
        assert f["id"] == cid
        assert [v["label"] for v in f["variants"]] == RACE
        assert [v["session_id"] for v in f["variants"]] == [v["session_id"] for v in c["variants"]]
        for v in f["variants"]:
            assert "config" not in v
            assert v["output"]["kind"] == "binary"
            p = decode_grid(v["output"]["p"])
            assert p.shape == (100, 100) and np.isfinite(p).all()
            assert 0.0 <= p.min() <= p.max() <= 1.0
        assert len({v["step"] for v in f["variants"]}) == 1  # a frame never shows variants out of step
    assert frames[0]["version"] < frames[1]["version"] < frames[2]["version"]

    # a frame for 4 variants costs no more than 4 frames of one session of the same base config
    sid = client.post(f"{API}/sessions", json=base).json()["id"]
    single = _sse(client, f"{API}/sessions/{sid}/stream?frames=1")
    assert [e for e, _ in single] == ["frame", "done"]
    one = len(single[0][1].encode())
    biggest = max(len(d.encode()) for _, d in events[:3])
    assert biggest <= 4 * one, (biggest, one)


def test_stream_of_a_deleted_comparison_is_404(client):
    cid = _create(client, CIRCLE)["id"]
    assert client.delete(f"{API}/comparisons/{cid}").status_code == 204
    assert client.get(f"{API}/comparisons/{cid}/stream?frames=1").status_code == 404


def test_reset_with_a_seed_gives_every_variant_the_same_new_weights(client):
    c = _create(client, CIRCLE)
    cid = c["id"]
    before = _weights(client, c["variants"][0]["session_id"])
    _step(client, cid, epochs=1)
    r = client.post(f"{API}/comparisons/{cid}/reset", json={"seed": 7})
    assert r.status_code == 200
    c = r.json()
    w = [_weights(client, v["session_id"]) for v in c["variants"]]
    assert all(x == w[0] for x in w) and w[0] != before
    assert all(v["config"]["seed"] == 7 and v["step"] == 0 for v in c["variants"])
    c = _step(client, cid, epochs=1)
    for v in c["variants"]:
        _assert_matches_solo(client, v)
    assert client.post(f"{API}/comparisons/{cid}/reset", json={"seed": -1}).status_code == 422


def test_deleting_a_playing_comparison_stops_its_training(client):
    c = _create(client, CIRCLE)
    assert client.post(f"{API}/comparisons/{c['id']}/play").status_code == 200
    runners = client.app.state.scheduler  # type: ignore[attr-defined]
    assert runners.alive() == 1
    assert client.delete(f"{API}/comparisons/{c['id']}").status_code == 204
    deadline = time.monotonic() + 5
    while runners.alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert runners.alive() == 0
    assert all(client.get(f"{API}/sessions/{v['session_id']}").status_code == 404 for v in c["variants"])


# ---------------------------------------------------------------- bounded store


def _app(**settings: Any) -> TestClient:
    return keep_owner_tokens(TestClient(create_app(Settings(**settings))))


def test_the_least_recently_used_comparison_makes_room_and_takes_its_variants():
    with _app(max_comparisons=2) as client:
        a, b = _create(client, CIRCLE), _create(client, CIRCLE)
        assert client.get(f"{API}/comparisons/{a['id']}").status_code == 200  # a is now the most recent
        c = _create(client, CIRCLE)
        assert client.get(f"{API}/comparisons/{b['id']}").status_code == 404
        assert all(client.get(f"{API}/sessions/{v['session_id']}").status_code == 404 for v in b["variants"])
        for kept in (a, c):
            assert client.get(f"{API}/comparisons/{kept['id']}").status_code == 200
            assert all(client.get(f"{API}/sessions/{v['session_id']}").status_code == 200
                       for v in kept["variants"])


def test_when_every_comparison_is_running_a_new_one_is_503_and_leaves_nothing():
    with _app(max_comparisons=2) as client:
        ids = [_create(client, CIRCLE)["id"] for _ in range(2)]
        for cid in ids:
            assert client.post(f"{API}/comparisons/{cid}/play", json={"epochs_per_second": 5}).status_code == 200
        before = len(client.app.state.store)  # type: ignore[attr-defined]
        r = client.post(f"{API}/comparisons", json={"base": CIRCLE})
        assert r.status_code == 503 and r.headers.get("retry-after")
        assert len(client.app.state.store) == before  # type: ignore[attr-defined]
        for cid in ids:
            assert client.post(f"{API}/comparisons/{cid}/pause").status_code == 200
            assert client.get(f"{API}/comparisons/{cid}").json()["status"] == "idle"


def test_a_full_session_store_never_leaves_a_comparison_with_missing_variants():
    with _app(max_sessions=9) as client:
        _create(client, CIRCLE), _create(client, CIRCLE)  # 8 sessions, all owned
        r = client.post(f"{API}/comparisons", json={"base": CIRCLE})
        assert r.status_code in (201, 503), r.text
        if r.status_code == 201:
            missing = [v["label"] for v in r.json()["variants"]
                       if client.get(f"{API}/sessions/{v['session_id']}").status_code != 200]
            assert missing == []


# ---------------------------------------------------------------- bad input: 4xx naming the field, never 500


@pytest.mark.parametrize("body, field", [
    ({"vary": {"field": "activation", "values": ["relu"]}}, "vary.values"),
    ({"vary": {"field": "activation", "values": [*RACE, "elu", "gelu", "swish"]}}, "vary.values"),
    ({"vary": {"field": "activation", "values": []}}, "vary.values"),
    ({"vary": {"field": "momentum", "values": [0.1, 0.2]}}, "vary.field"),
    ({"vary": {"field": "seed", "values": [1, 2]}}, "vary.field"),
    ({"vary": {"field": "activation", "values": "relu"}}, "vary.values"),
    ({"vary": {"field": "activation", "values": {"0": "relu", "1": "tanh"}}}, "vary.values"),
    ({"vary": {"field": "activation", "values": None}}, "vary.values"),
    ({"vary": {"field": "activation", "values": ["relu", "tanh"], "also": 1}}, "vary.also"),
    ({"vary": ["activation"]}, "vary"),
    ({"base": {"layers": [{"units": 1000}]}}, "base.layers.0.units"),
    ({"base": {"nope": 1}}, "base.nope"),
    ({"base": {"dataset": {"name": "nope"}}}, "base.dataset.name"),
    ({"base": {"optimizer": {"learning_rate": 0}}}, "base.optimizer.learning_rate"),
    ({"base": "spiral"}, "base"),
    ({"target_loss": 0}, "target_loss"),
    ({"target_loss": "low"}, "target_loss"),
    ({"extra": True}, "extra"),
    ({"base": {"dataset": {"name": "xor", "n_samples": 20}, "output": {"activation": "linear"}}},
     "base.output.activation"),
    ({"base": {"dataset": {"name": "xor", "n_samples": 10}}}, "base.batch_size"),  # batch 10 > 5 examples
])
def test_bad_bodies_are_422_naming_the_field(client, body, field):
    before = len(client.app.state.store)  # type: ignore[attr-defined]
    r = client.post(f"{API}/comparisons", json=body)
    assert r.status_code == 422, r.text
    assert field in [d["field"] for d in r.json()["detail"]], r.json()
    assert len(client.app.state.store) == before  # type: ignore[attr-defined]  # no session left behind


@pytest.mark.parametrize("field, values, i", [
    ("activation", ["relu", "softmax"], 1),
    ("activation", ["bogus", "relu"], 0),
    ("activation", ["relu", 3], 1),
    ("learning_rate", [0.1, 0.2, -1], 2),
    ("learning_rate", [0.1, 101], 1),
    ("learning_rate", [0.1, "fast"], 1),
    ("learning_rate", [0.1, None], 1),
    ("optimizer", ["sgd", "nope"], 1),
    ("optimizer", ["sgd", {"name": "adam", "rho": 0.3}], 1),
    ("optimizer", ["sgd", 5], 1),
    ("optimizer", [{"name": "sgd", "speed": 1}, "adam"], 0),
    ("init", ["he", "nope"], 1),
    ("layers", [[{"units": 3}], [{"units": 0}]], 1),
    ("layers", [[{"units": 3}], "x"], 1),
    ("layers", [[{"units": 3}], [{"units": 3, "activation": "softmax"}]], 1),
    ("layers", [[{"units": 3}], [{"units": 3}] * 9], 1),
    ("batch_size", [10, 0], 1),
    ("batch_size", [10, 100000], 1),
    ("batch_size", [10, 2.5], 1),
    ("regularization", ["l2", "l3"], 1),
    ("regularization", ["l2", {"kind": "l2", "rate": -1}], 1),
    ("regularization", ["l2", 5], 1),
    ("dropout", [0.1, 0.95], 1),
    ("dropout", [0.1, {"a": 1}], 1),
])
def test_an_invalid_value_is_422_naming_vary_values_i(client, field, values, i):
    before = len(client.app.state.store)  # type: ignore[attr-defined]
    r = client.post(f"{API}/comparisons", json={"base": CIRCLE, "vary": {"field": field, "values": values}})
    assert r.status_code == 422, r.text
    msgs = [d["field"] + ": " + d["msg"] for d in r.json()["detail"]]
    assert any(f"vary.values.{i}" in m for m in msgs), msgs
    assert len(client.app.state.store) == before  # type: ignore[attr-defined]


def test_activation_on_a_network_without_hidden_layers_is_422(client):
    r = client.post(f"{API}/comparisons", json={"base": {**CIRCLE, "layers": []}})
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "base.layers"
    # other fields work on such a network
    c = _create(client, {**CIRCLE, "layers": []}, "learning_rate", [0.1, 1.0])
    c = _step(client, c["id"], epochs=2)
    for v in c["variants"]:
        _assert_matches_solo(client, v)


def test_a_batch_larger_than_the_training_set_names_vary_values_i(client):
    r = client.post(f"{API}/comparisons", json={"base": CIRCLE, "vary": {"field": "batch_size",
                                                                          "values": [10, 60]}})
    assert r.status_code == 422
    msgs = [d["field"] + ": " + d["msg"] for d in r.json()["detail"]]
    assert any("vary.values.1" in m for m in msgs), msgs


@pytest.mark.parametrize("field, values", [("activation", ["tanh", "relu"]), ("learning_rate", [0.1, 0.3])])
def test_a_full_batch_base_stays_full_batch(client, field, values):
    c = _create(client, {**CIRCLE, "batch_size": None}, field, values)
    assert c["config"]["base"]["batch_size"] is None
    assert [v["config"]["batch_size"] for v in c["variants"]] == [None] * len(values)
    c = _step(client, c["id"], epochs=1)
    assert [v["step"] for v in c["variants"]] == [1] * len(values)


@pytest.mark.parametrize("body, field", [
    ({}, "body"),
    ({"steps": 1, "epochs": 1}, "body"),
    ({"steps": 0}, "steps"),
    ({"epochs": -1}, "epochs"),
    ({"steps": "many"}, "steps"),
    ({"steps": 200_001}, "steps"),
    ({"epochs": 1, "speed": 2}, "speed"),
])
def test_bad_step_requests_are_422(client, body, field):
    cid = _create(client, CIRCLE)["id"]
    r = client.post(f"{API}/comparisons/{cid}/step", json=body)
    assert r.status_code == 422, r.text
    assert field in [d["field"] for d in r.json()["detail"]], r.json()
    assert client.get(f"{API}/comparisons/{cid}").json()["step"] == 0


@pytest.mark.parametrize("how", ["steps", "epochs"])
def test_too_much_work_in_one_step_request_is_422_and_nothing_runs(client, how):
    # batches of 250 × 4 variants: far fewer updates fit in one request than for a session
    cid = _create(client, {"dataset": {"name": "circle"}, "batch_size": 250})["id"]
    r = client.post(f"{API}/comparisons/{cid}/step", json={how: 20_001})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"][0]
    assert detail["field"] == how and "split" in detail["msg"]
    c = client.get(f"{API}/comparisons/{cid}").json()
    assert c["step"] == 0 and all(v["step"] == 0 for v in c["variants"])


def test_the_stream_validates_its_query(client):
    cid = _create(client, CIRCLE)["id"]
    for q in ("frames=-1", "fps=0", "fps=1000", "frames=x"):
        r = client.get(f"{API}/comparisons/{cid}/stream?{q}")
        assert r.status_code == 422, (q, r.text)


# ---------------------------------------------------------------- known bugs


@pytest.mark.parametrize("field, values", [("activation", ["tanh", "relu"]), ("learning_rate", [0.03, 0.1])])
def test_multiclass_variants_equal_their_config_trained_alone(client, field, values):
    c = _create(client, {"dataset": {"name": "blobs", "n_samples": 100}}, field, values)
    c = _step(client, c["id"], epochs=2)
    for v in c["variants"]:
        _assert_matches_solo(client, v)


@pytest.mark.parametrize("base", [
    {"dataset": {"name": "circle", "n_samples": 100}, "batch_size": 1},
    {"dataset": {"name": "circle", "n_samples": 102}, "batch_size": 10},  # 51 training examples
], ids=["batch1", "last-batch-of-one"])
def test_batches_of_one_example_equal_their_config_trained_alone(client, base):
    base = {**base, "layers": [{"units": 8}, {"units": 8}]}
    c = _step(client, _create(client, base, "activation", ["tanh", "relu"])["id"], epochs=3)
    for v in c["variants"]:
        _assert_matches_solo(client, v)
