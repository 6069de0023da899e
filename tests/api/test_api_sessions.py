"""The session REST API end to end, through HTTP only.

Expected values are computed here from what the API itself returns (GET …/data and GET …/weights,
then a float64 NumPy forward pass written in this file), never from engine internals.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from bench.owners import keep_owner_tokens

API = "/api/v1"
POINTS = [[0.0, 0.0], [3.0, -2.0], [-4.0, 4.0], [5.5, 5.5], [-1.25, 0.5], [2.0, -5.0]]


# ---------------------------------------------------------------- helpers


def _refuse(token: str) -> Any:
    raise ValueError(f"non-standard JSON constant {token!r} in a response")


def strict(r: Any) -> Any:
    """The body as strict JSON: NaN, Infinity and -Infinity are refused."""
    return json.loads(r.text, parse_constant=_refuse)


def create(client: TestClient, config: dict[str, Any] | None = None) -> dict[str, Any]:
    r = client.post(f"{API}/sessions", json=config or {})
    assert r.status_code == 201, r.text
    return strict(r)  # type: ignore[no-any-return]


def url(sid: str, tail: str = "") -> str:
    return f"{API}/sessions/{sid}{tail}"


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return strict(r)


def weights(client: TestClient, sid: str) -> list[dict[str, Any]]:
    return ok(client.get(url(sid, "/weights")))["layers"]  # type: ignore[no-any-return]


def step(client: TestClient, sid: str, **body: int) -> dict[str, Any]:
    return ok(client.post(url(sid, "/step"), json=body))  # type: ignore[no-any-return]


def predict(client: TestClient, sid: str, points: list[list[float]]) -> dict[str, Any]:
    return ok(client.post(url(sid, "/predict"), json={"points": points}))  # type: ignore[no-any-return]


ACT = {
    "linear": lambda z: z,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "softmax": lambda z: np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0),
}
FEATURE = {"x1": lambda x: x[:, 0], "x2": lambda x: x[:, 1], "x1_sq": lambda x: x[:, 0] ** 2,
           "x2_sq": lambda x: x[:, 1] ** 2, "x1x2": lambda x: x[:, 0] * x[:, 1],
           "sin_x1": lambda x: np.sin(x[:, 0]), "sin_x2": lambda x: np.sin(x[:, 1])}


def forward(session: dict[str, Any], layers: list[dict[str, Any]], points: Any) -> np.ndarray:
    """Our own float64 forward pass from the session's reported config: (n_out, m)."""
    cfg = session["config"]
    x = np.asarray(points, np.float64).reshape(-1, 2)
    a = np.stack([FEATURE[f](x) for f in cfg["features"]])
    acts = [h["activation"] for h in cfg["layers"]] + [cfg["output"]["activation"]]
    for layer, g in zip(layers, acts, strict=True):
        a = ACT[g](np.asarray(layer["W"], np.float64) @ a + np.asarray(layer["b"], np.float64)[:, None])
    return a


def mean_loss(kind: str, out: np.ndarray, y: np.ndarray) -> float:
    if kind == "binary":
        p = np.clip(out[0], 1e-300, 1 - 1e-16)
        return float(np.mean(-(y * np.log(p) + (1 - y) * np.log1p(-p))))
    if kind == "multiclass":
        return float(np.mean(-np.log(out[y.astype(int), np.arange(y.size)])))
    return float(np.mean(0.5 * (out[0] - y) ** 2))


# ---------------------------------------------------------------- health, catalog, defaults


def test_api_healthz_and_catalog(client: TestClient) -> None:
    health = ok(client.get("/healthz"))
    assert health["status"] == "ok" and health["sessions"] == 0 and health["training"] == 0
    assert set(health["scheduler"]) >= {"turns", "updates", "errors", "flock_turns"}
    cat = ok(client.get(f"{API}/catalog"))
    names = {d["name"] for d in cat["datasets"]}
    assert {"spiral", "blobs", "spiral_multi", "plane", "multi_gauss", "circle", "xor"} <= names
    assert {a["name"] for a in cat["activations"]} >= {"tanh", "relu", "sigmoid"}
    # every activation has a short symbol for a narrow column's head, as the course writes it
    symbols = {a["name"]: a["symbol"] for a in cat["activations"] + cat["output_activations"]}
    assert symbols["sigmoid"] == "σ" and symbols["leaky_relu"] == "LReLU"
    assert all(0 < len(v) <= 7 for v in symbols.values()), symbols
    assert cat["defaults"]["optimizer"]["learning_rate"] == 0.03
    assert cat["limits"]["max_sessions"] > 0


def test_api_defaults_give_the_full_resolved_config(client: TestClient) -> None:
    s = create(client)
    cfg = s["config"]
    assert cfg["dataset"]["name"] == "circle"  # a first run that succeeds (tests/teaching/test_teaching_default.py)
    assert cfg["features"] == ["x1", "x2"]
    assert cfg["layers"] == [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "tanh"}]
    assert cfg["optimizer"]["name"] == "sgd" and cfg["optimizer"]["learning_rate"] == 0.03
    assert cfg["batch_size"] == 10
    assert cfg["output"] == {"activation": "sigmoid"} and cfg["loss"] == "bce"
    assert s["status"] == "idle" and s["epoch"] == 0 and s["step"] == 0
    assert s["sizes"] == [2, 4, 2, 1]
    assert s["data"]["kind"] == "binary" and s["data"]["n_classes"] == 2
    assert s["data"]["n_train"] + s["data"]["n_test"] == 500
    assert s["updates_per_epoch"] == 25
    assert s["diverged_at"] is None
    # the same body through GET, less the owner token: given once, to the creator only
    created = dict(s)
    assert len(created.pop("owner_token")) >= 40
    assert ok(client.get(url(s["id"]))) == created


def test_page_fallback_defaults_mirror_the_catalog(client: TestClient) -> None:
    """state.js's FALLBACK_CATALOG (node tests, default arguments) is a copy of the catalog's defaults
    and limits; the pages themselves read the catalog's: one source, checked here."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    root = Path(__file__).resolve().parents[2]
    code = ("import(process.argv[1]).then((m) => "
            "process.stdout.write(JSON.stringify(m.FALLBACK_CATALOG)))")
    run = subprocess.run(["node", "--input-type=module", "-e", code, (root / "static/js/state.js").as_uri()],
                         capture_output=True, text=True, timeout=60, check=True)
    mirror = json.loads(run.stdout)
    cat = ok(client.get(f"{API}/catalog"))
    for key, value in mirror["defaults"].items():
        got = cat["defaults"][key]
        if isinstance(value, dict):  # the mirror leaves out fields that are null by default
            assert {k: got[k] for k in value} == value, key
            assert all(got[k] is None for k in got if k not in value), key
        else:
            assert got == value, key
    assert {k: cat["limits"][k] for k in mirror["limits"]} == mirror["limits"]


@pytest.mark.parametrize(("dataset", "output", "loss", "kind"), [
    ("spiral", "sigmoid", "bce", "binary"),
    ("blobs", "softmax", "cross_entropy", "multiclass"),
    ("spiral_multi", "softmax", "cross_entropy", "multiclass"),
    ("plane", "linear", "mse", "regression"),
    ("multi_gauss", "linear", "mse", "regression"),
])
def test_api_output_and_loss_follow_the_problem(client: TestClient, dataset: str, output: str, loss: str,
                                                kind: str) -> None:
    s = create(client, {"dataset": {"name": dataset}})
    assert s["config"]["output"]["activation"] == output
    assert s["config"]["loss"] == loss
    assert s["data"]["kind"] == kind
    n_out = s["data"]["n_classes"] if kind == "multiclass" else 1
    assert s["sizes"][-1] == n_out
    if kind == "multiclass":
        assert s["data"]["n_classes"] == 3


def test_api_optimizer_defaults_are_resolved(client: TestClient) -> None:
    s = create(client, {"optimizer": {"name": "adam", "learning_rate": 0.01}})
    opt = s["config"]["optimizer"]
    assert opt["name"] == "adam"
    assert all(isinstance(opt[k], float) for k in ("beta1", "beta2", "eps"))


# ---------------------------------------------------------------- 404 for every endpoint

SESSION_CALLS = [
    ("GET", "", None), ("PATCH", "", {"dropout": 0.1}), ("DELETE", "", None),
    ("POST", "/step", {"steps": 1}), ("POST", "/reset", None), ("GET", "/weights", None),
    ("PUT", "/weights", {"layers": [{"W": [[0.0, 0.0]] * 4, "b": [0.0] * 4},
                                    {"W": [[0.0] * 4] * 2, "b": [0.0] * 2}, {"W": [[0.0, 0.0]], "b": [0.0]}]}),
    ("GET", "/data", None), ("GET", "/history", None), ("GET", "/boundary", None),
    ("POST", "/predict", {"points": [[0.0, 0.0]]}), ("GET", "/gradcheck", None), ("GET", "/export", None),
    ("GET", "/export?format=python", None), ("POST", "/play", {"epochs_per_second": 1.0}),
    ("POST", "/pause", None), ("GET", "/stream?frames=1", None), ("POST", "/fork", None),
]


@pytest.mark.parametrize(("method", "tail", "body"), SESSION_CALLS, ids=[f"{m} {t}" for m, t, _ in SESSION_CALLS])
def test_api_unknown_and_deleted_sessions_are_404(client: TestClient, method: str, tail: str,
                                                  body: dict[str, Any] | None) -> None:
    sid = create(client)["id"]
    assert client.delete(url(sid)).status_code == 204
    for target in ("no-such-session", sid):
        r = client.request(method, url(target, tail), json=body)
        assert r.status_code == 404, (target, r.text)
        detail = strict(r)["detail"]
        assert detail[0]["field"] == "id"
        assert "no such session" in detail[0]["msg"]


def test_api_delete_twice(client: TestClient) -> None:
    sid = create(client)["id"]
    r = client.delete(url(sid))
    assert r.status_code == 204 and r.content == b""
    assert client.delete(url(sid)).status_code == 404
    assert client.get(url(sid)).status_code == 404


# ---------------------------------------------------------------- reproducibility


def test_api_resolved_config_posted_back_gives_bit_identical_weights(client: TestClient) -> None:
    a = create(client, {"dataset": {"name": "moons", "noise": 0.3, "seed": 4},
                        "layers": [{"units": 5, "activation": "relu"}, {"units": 3}],
                        "optimizer": {"name": "momentum"}, "seed": 11})
    b = create(client, a["config"])
    assert b["config"] == a["config"]
    assert weights(client, b["id"]) == weights(client, a["id"])
    assert ok(client.get(url(b["id"], "/data"))) == ok(client.get(url(a["id"], "/data")))


@pytest.mark.parametrize("config", [
    {},
    {"dataset": {"name": "blobs"}, "optimizer": {"name": "adam", "learning_rate": 0.01}, "dropout": 0.2},
    {"dataset": {"name": "plane"}, "batch_size": 7, "regularization": {"kind": "l2", "rate": 0.01}},
])
def test_api_same_config_and_seed_train_identically(client: TestClient, config: dict[str, Any]) -> None:
    a, b = create(client, config)["id"], create(client, config)["id"]
    for sid in (a, b):
        step(client, sid, steps=37)
        step(client, sid, epochs=2)
    assert weights(client, a) == weights(client, b)
    sa, sb = ok(client.get(url(a))), ok(client.get(url(b)))
    assert sa["metrics"] == sb["metrics"] and sa["step"] == sb["step"]
    assert ok(client.get(url(a, "/history"))) == ok(client.get(url(b, "/history")))


def test_api_export_json_posted_back_reproduces_weights_and_predictions(client: TestClient) -> None:
    s = create(client, {"dataset": {"name": "xor"}, "layers": [{"units": 6, "activation": "relu"}],
                        "features": ["x1", "x2", "x1x2"]})
    step(client, s["id"], epochs=3)
    doc = ok(client.get(url(s["id"], "/export")))
    assert doc["epoch"] == 3 and doc["weights"]["layers"] == weights(client, s["id"])
    assert len(doc["history"]["epoch"]) == 3
    copy = ok(client.post(f"{API}/sessions", json=doc), 201)
    assert copy["id"] != s["id"]
    assert copy["config"] == s["config"]
    assert weights(client, copy["id"]) == weights(client, s["id"])
    assert predict(client, copy["id"], POINTS) == predict(client, s["id"], POINTS)
    # the copy's starting point is the exported weights: reset keeps them
    ok(client.post(url(copy["id"], "/reset")))
    assert weights(client, copy["id"]) == doc["weights"]["layers"]


PYTHON_EXPORTS = [
    {},
    {"dataset": {"name": "blobs", "classes": 4},
     "layers": [{"units": 5, "activation": "relu"}, {"units": 4, "activation": "elu"}]},
    {"dataset": {"name": "circle"}, "features": ["x1", "x2", "x1_sq", "x2_sq", "x1x2", "sin_x1", "sin_x2"],
     "layers": [{"units": 3, "activation": "gelu"}, {"units": 3, "activation": "swish"},
                {"units": 3, "activation": "leaky_relu"}, {"units": 3, "activation": "sigmoid"}]},
    {"dataset": {"name": "plane"}, "layers": [{"units": 4, "activation": "linear"}]},
    {"dataset": {"name": "gauss"}, "output": {"activation": "tanh"}, "loss": "mse"},
]


@pytest.mark.parametrize("config", PYTHON_EXPORTS, ids=["default", "softmax", "features", "regression",
                                                       "tanh-out"])
def test_api_python_export_predicts_like_the_server(client: TestClient, tmp_path: Path,
                                                    config: dict[str, Any]) -> None:
    s = create(client, config)
    step(client, s["id"], epochs=2)
    r = client.get(url(s["id"], "/export?format=python"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/x-python")
    assert "attachment" in r.headers["content-disposition"]
    script = tmp_path / "network.py"
    script.write_text(r.text)
    rng = np.random.default_rng(0)
    points = [*POINTS, *rng.uniform(-6, 6, (40, 2)).round(3).tolist()]
    driver = ("import json, runpy, sys\n"
              "ns = runpy.run_path(sys.argv[1])\n"
              "print(json.dumps(ns['predict'](json.loads(sys.argv[2])).tolist()))\n")
    run = subprocess.run([sys.executable, "-c", driver, str(script), json.dumps(points)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    theirs = np.asarray(json.loads(run.stdout))  # (n_out, m)
    ours = np.asarray(predict(client, s["id"], points)["outputs"], np.float64).T
    assert theirs.shape == ours.shape
    np.testing.assert_allclose(theirs, ours, rtol=1e-4, atol=1e-5)
    # run as a script it prints the outputs of its three sample points
    main = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                          check=False, cwd=tmp_path)
    assert main.returncode == 0, main.stderr
    lines = [line for line in main.stdout.splitlines() if line.strip()]
    assert len(lines) == 3
    sample = [[0.0, 0.0], [3.0, -2.0], [-4.0, 4.0]]
    expected = np.asarray(predict(client, s["id"], sample)["outputs"], np.float64)
    for line, row in zip(lines, expected, strict=True):
        printed = [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", line.split("]", 1)[1])]
        np.testing.assert_allclose(printed, row, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- step, metrics, history


def test_api_step_counts_and_epoch_boundaries(client: TestClient) -> None:
    sid = create(client)["id"]  # 250 training points, batch 10: 25 updates an epoch
    s = step(client, sid, steps=7)
    assert (s["step"], s["epoch"]) == (7, 0)
    s = step(client, sid, steps=3)
    assert (s["step"], s["epoch"]) == (10, 0)
    s = step(client, sid, epochs=1)
    assert (s["step"], s["epoch"]) == (25, 1)
    s = step(client, sid, epochs=2)
    assert (s["step"], s["epoch"]) == (75, 3)
    s = step(client, sid, steps=1)
    assert (s["step"], s["epoch"]) == (76, 3)
    assert s["metrics"]["grad_norms"] is not None and len(s["metrics"]["grad_norms"]) == 3


def test_api_epochs_with_a_remainder_batch(client: TestClient) -> None:
    sid = create(client, {"batch_size": 7})["id"]  # 250 = 35·7 + 5: 36 updates an epoch
    assert ok(client.get(url(sid)))["updates_per_epoch"] == 36
    s = step(client, sid, steps=3)
    s = step(client, sid, epochs=1)
    assert (s["step"], s["epoch"]) == (36, 1)
    s = step(client, sid, epochs=1)
    assert (s["step"], s["epoch"]) == (72, 2)


def test_api_full_batch(client: TestClient) -> None:
    s = create(client, {"batch_size": None})
    assert s["config"]["batch_size"] is None and s["updates_per_epoch"] == 1
    s = step(client, s["id"], steps=4)
    assert (s["step"], s["epoch"]) == (4, 4)


@pytest.mark.parametrize("new_batch", [7, 100])
def test_api_epochs_after_batch_size_patch_mid_epoch(client: TestClient, new_batch: int) -> None:
    sid = create(client)["id"]
    step(client, sid, steps=3)  # 30 of 250 examples into epoch 1
    ok(client.patch(url(sid), json={"batch_size": new_batch}))
    s = step(client, sid, epochs=1)
    assert s["epoch"] == 1
    assert len(ok(client.get(url(sid, "/history")))["epoch"]) == 1


@pytest.mark.parametrize(("config", "steps"), [
    ({}, 0), ({}, 60), ({}, 13),
    ({"dataset": {"name": "blobs", "noise": 0.5}}, 40),
    ({"dataset": {"name": "plane", "noise": 0.2}, "layers": [{"units": 3, "activation": "relu"}]}, 40),
])
def test_api_metrics_are_over_the_whole_split(client: TestClient, config: dict[str, Any], steps: int) -> None:
    s = create(client, config)
    sid = s["id"]
    if steps:
        s = step(client, sid, steps=steps)
    data = ok(client.get(url(sid, "/data")))
    layers = weights(client, sid)
    kind = data["kind"]
    assert data["features"] == s["config"]["features"]
    assert len(data["train"]["x"]) == s["data"]["n_train"] and len(data["test"]["x"]) == s["data"]["n_test"]
    for split in ("train", "test"):
        x, y = np.asarray(data[split]["x"]), np.asarray(data[split]["y"], np.float64)
        out = forward(s, layers, x)
        loss = mean_loss(kind, out, y)
        m = s["metrics"][split]
        assert m["loss"] == pytest.approx(loss, rel=1e-5), split
        assert m["cost"] == pytest.approx(loss, rel=1e-5)  # no regularisation
        if kind == "regression":
            assert m["accuracy"] is None
        else:
            labels = out.argmax(axis=0) if kind == "multiclass" else (out[0] > 0.5).astype(int)
            assert m["accuracy"] == pytest.approx(float(np.mean(labels == y)), abs=2.5 / y.size)


def test_api_regularisation_adds_the_penalty_to_the_cost(client: TestClient) -> None:
    s = create(client, {"regularization": {"kind": "l2", "rate": 0.1}})
    layers = weights(client, s["id"])
    w2 = sum(float(np.sum(np.square(layer["W"]))) for layer in layers)
    train = s["metrics"]["train"]
    assert train["cost"] - train["loss"] == pytest.approx(0.1 / 2 * w2, rel=1e-4)  # R(W) = ½λ·ΣW²
    s = create(client, {"regularization": {"kind": "l1", "rate": 0.1}})
    w1 = sum(float(np.sum(np.abs(layer["W"]))) for layer in weights(client, s["id"]))
    test = s["metrics"]["test"]
    assert test["cost"] - test["loss"] == pytest.approx(0.1 * w1, rel=1e-4)  # R(W) = λ·Σ|W|


def test_api_history_has_one_row_per_epoch(client: TestClient) -> None:
    sid = create(client)["id"]
    h = ok(client.get(url(sid, "/history")))
    assert h["epoch"] == [] and h["train_loss"] == []
    step(client, sid, steps=12)
    assert ok(client.get(url(sid, "/history")))["epoch"] == []
    s = step(client, sid, epochs=4)
    h = ok(client.get(url(sid, "/history")))
    assert h["epoch"] == [1, 2, 3, 4]
    for col in ("train_cost", "test_cost", "train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        assert len(h[col]) == 4, col
    assert h["train_loss"][-1] == pytest.approx(s["metrics"]["train"]["loss"])
    assert h["test_accuracy"][-1] == pytest.approx(s["metrics"]["test"]["accuracy"])
    since = ok(client.get(url(sid, "/history?since=2")))
    assert since["epoch"] == [3, 4] and since["train_loss"] == h["train_loss"][2:]
    assert ok(client.get(url(sid, "/history?since=4")))["epoch"] == []


# ---------------------------------------------------------------- too much work


def test_api_work_is_bounded_by_updates_times_parameters_times_batch() -> None:
    # the updates, example-updates and epochs bounds let a big network on full batches hold its
    # session for ~15 CPU-minutes; work (multiply-adds of one forward pass) bounds it by its size too
    big = {"dataset": {"name": "spiral", "n_samples": 400}, "batch_size": None,
           "layers": [{"units": 64, "activation": "tanh"}] * 3}  # 200 examples an update
    with keep_owner_tokens(TestClient(create_app(Settings(max_work_per_request=100_000_000)))) as c:
        sid = ok(c.post(f"{API}/sessions", json=big), 201)["id"]
        layers = ok(c.get(url(sid, "/weights")))["layers"]
        params = sum(len(layer["W"]) * (len(layer["W"][0]) + 1) for layer in layers)
        assert params == 64 * 3 + 64 * 65 * 2 + 65  # (features + 1) × units per layer: the oracle
        most = 100_000_000 // (200 * params)  # 58 updates at this size
        r = c.post(url(sid, "/step"), json={"steps": most + 1})
        assert r.status_code == 422
        d = strict(r)["detail"][0]
        assert d["field"] == "steps" and f"at most {most} updates" in d["msg"] and "split it" in d["msg"]
        assert ok(c.get(url(sid)))["step"] == 0  # refused before any work
        assert ok(c.post(url(sid, "/step"), json={"steps": most}))["step"] == most  # as the message says
        assert ok(c.get(f"{API}/catalog"))["limits"]["max_work_per_request"] == 100_000_000
        cmp = c.post(f"{API}/comparisons", json={"base": big, "vary": {"field": "learning_rate",
                                                                        "values": [0.01, 0.1]}})
        cid = ok(cmp, 201)["id"]
        r = c.post(f"{API}/comparisons/{cid}/step", json={"steps": most // 2 + 1})  # two copies: half each
        assert r.status_code == 422 and f"at most {most // 2} updates" in strict(r)["detail"][0]["msg"]


def test_api_too_much_work_is_refused_naming_steps_or_epochs(client: TestClient) -> None:
    sid = create(client)["id"]
    r = client.post(url(sid, "/step"), json={"epochs": 100_000})
    assert r.status_code == 422
    d = strict(r)["detail"][0]
    assert d["field"] == "epochs" and "at most 200000 updates" in d["msg"]
    r = client.post(url(sid, "/step"), json={"steps": 200_001})
    assert r.status_code == 422 and strict(r)["detail"][0]["field"] == "steps"
    assert "200000" in strict(r)["detail"][0]["msg"]
    full = create(client, {"batch_size": None})["id"]  # 250 examples an update, one update an epoch
    r = client.post(url(full, "/step"), json={"steps": 30_000})
    assert r.status_code == 422
    d = strict(r)["detail"][0]
    assert d["field"] == "steps" and "at most 20000 updates" in d["msg"]
    assert ok(client.get(url(full)))["step"] == 0  # refused before any work
    for body in ({}, {"steps": 1, "epochs": 1}, {"steps": 0}, {"epochs": -1}, {"steps": 1.5},
                 {"steps": "3"}, {"steps": True}, {"step": 3}):
        r = client.post(url(sid, "/step"), json=body)
        assert r.status_code == 422, body
        assert strict(r)["detail"][0]["field"], body


# ---------------------------------------------------------------- PATCH


def test_api_patch_learning_rate_keeps_the_weights(client: TestClient) -> None:
    s = create(client)
    sid = s["id"]
    step(client, sid, steps=30)
    before = weights(client, sid)
    p = ok(client.patch(url(sid), json={"optimizer": {"learning_rate": 0.1}}))
    assert p["config"]["optimizer"]["learning_rate"] == 0.1
    assert weights(client, sid) == before
    assert p["step"] == 30
    expected = {**s["config"], "optimizer": {**s["config"]["optimizer"], "learning_rate": 0.1}}
    assert p["config"] == expected
    assert ok(client.get(url(sid)))["config"] == expected


def test_api_patch_batch_size_dropout_and_regularisation(client: TestClient) -> None:
    sid = create(client)["id"]
    before = weights(client, sid)
    p = ok(client.patch(url(sid), json={"batch_size": 25}))
    assert p["config"]["batch_size"] == 25 and p["updates_per_epoch"] == 10
    p = ok(client.patch(url(sid), json={"batch_size": None}))
    assert p["config"]["batch_size"] is None and p["updates_per_epoch"] == 1
    p = ok(client.patch(url(sid), json={"dropout": 0.5}))
    assert p["config"]["dropout"] == 0.5 and p["config"]["batch_size"] is None  # omitted fields stay
    p = ok(client.patch(url(sid), json={"regularization": {"kind": "l1", "rate": 0.01}}))
    assert p["config"]["regularization"] == {"kind": "l1", "rate": 0.01}
    assert p["metrics"]["train"]["cost"] > p["metrics"]["train"]["loss"]
    p = ok(client.patch(url(sid), json={"optimizer": {"name": "momentum", "beta": 0.8}}))
    assert p["config"]["optimizer"]["name"] == "momentum" and p["config"]["optimizer"]["beta"] == 0.8
    assert p["config"]["optimizer"]["learning_rate"] == 0.03
    assert weights(client, sid) == before
    s = step(client, sid, epochs=1)
    assert (s["epoch"], s["step"]) == (1, 1)


@pytest.mark.parametrize(("body", "field", "text"), [
    ({"optimizer": {"learning_rate": -1}}, "optimizer.learning_rate", "(0, 100]"),
    ({"optimizer": {"learning_rate": 0}}, "optimizer.learning_rate", "(0, 100]"),
    ({"optimizer": {"learning_rate": 1000}}, "optimizer.learning_rate", "(0, 100]"),
    ({"optimizer": {"name": "nope"}}, "optimizer.name", "sgd"),
    ({"batch_size": 0}, "batch_size", "[1, 2000]"),
    ({"batch_size": 5000}, "batch_size", "[1, 2000]"),
    ({"batch_size": 251}, "batch_size", "[1, 250]"),
    ({"batch_size": 2.5}, "batch_size", ""),
    ({"dropout": 0.95}, "dropout", "[0, 0.9]"),
    ({"dropout": -0.1}, "dropout", "[0, 0.9]"),
    ({"regularization": {"kind": "l3"}}, "regularization.kind", "l2"),
    ({"regularization": {"rate": 11}}, "regularization.rate", "[0, 10]"),
    ({"layers": [{"units": 3}]}, "layers", ""),
    ({"bogus": 1}, "bogus", ""),
])
def test_api_patch_invalid_values_name_the_field(client: TestClient, body: dict[str, Any], field: str,
                                                 text: str) -> None:
    s = create(client)
    r = client.patch(url(s["id"]), json=body)
    assert r.status_code == 422, r.text
    d = strict(r)["detail"][0]
    assert d["field"] == field
    assert text in d["msg"]
    assert ok(client.get(url(s["id"])))["config"] == s["config"]  # nothing changed


def test_api_patch_a_parameter_the_optimizer_does_not_take(client: TestClient) -> None:
    sid = create(client)["id"]  # sgd takes no beta
    r = client.patch(url(sid), json={"optimizer": {"beta": 0.5}})
    assert r.status_code == 422
    d = strict(r)["detail"][0]
    assert d["field"] in ("optimizer", "optimizer.beta")
    assert "beta" in d["msg"] and "sgd" in d["msg"]
    assert "input_value" not in d["msg"] and "errors.pydantic.dev" not in d["msg"]
    r = client.patch(url(sid), json={"optimizer": {"name": "adam", "beta": 0.5}})
    assert r.status_code == 422 and strict(r)["detail"][0]["field"].startswith("optimizer")
    assert ok(client.get(url(sid)))["config"]["optimizer"]["name"] == "sgd"


# ---------------------------------------------------------------- reset


def test_api_reset_returns_to_the_same_initial_weights(client: TestClient) -> None:
    s = create(client)
    sid = s["id"]
    initial = weights(client, sid)
    trained = step(client, sid, epochs=3)
    assert weights(client, sid) != initial
    r = ok(client.post(url(sid, "/reset")))
    assert (r["status"], r["epoch"], r["step"]) == ("idle", 0, 0)
    assert r["metrics"] == s["metrics"] and r["metrics"] != trained["metrics"]
    assert weights(client, sid) == initial
    assert ok(client.get(url(sid, "/history")))["epoch"] == []
    # the training stream restarts too: the same updates give the same weights again
    step(client, sid, epochs=3)
    fresh = create(client)["id"]
    step(client, fresh, epochs=3)
    assert weights(client, sid) == weights(client, fresh)
    ok(client.post(url(sid, "/reset"), json={}))
    assert weights(client, sid) == initial


def test_api_reset_with_a_seed_gives_new_weights(client: TestClient) -> None:
    sid = create(client)["id"]
    initial = weights(client, sid)
    step(client, sid, epochs=1)
    r = ok(client.post(url(sid, "/reset"), json={"seed": 7}))
    assert r["config"]["seed"] == 7 and r["status"] == "idle" and r["epoch"] == 0
    seeded = weights(client, sid)
    assert seeded != initial
    assert ok(client.get(url(sid, "/history")))["epoch"] == []
    assert weights(client, create(client, {"seed": 7})["id"]) == seeded
    ok(client.post(url(sid, "/reset")))  # a plain reset now goes back to the seed-7 weights
    assert weights(client, sid) == seeded
    for bad in ({"seed": -1}, {"seed": 2**31}, {"seed": "7"}, {"seed": 1.5}, {"sead": 7}):
        r = client.post(url(sid, "/reset"), json=bad)
        assert r.status_code == 422, bad
        assert strict(r)["detail"][0]["field"] in ("seed", "sead")


# ---------------------------------------------------------------- weights


def test_api_put_weights_round_trip(client: TestClient) -> None:
    sid = create(client)["id"]
    layers = weights(client, sid)
    assert [np.shape(layer["W"]) for layer in layers] == [(4, 2), (2, 4), (1, 2)]
    assert [len(layer["b"]) for layer in layers] == [4, 2, 1]
    new = [{"W": (np.asarray(layer["W"]) * 0 + 0.25 * (i + 1)).tolist(), "b": [-0.5] * len(layer["b"])}
           for i, layer in enumerate(layers)]
    new[0]["W"][0][1] = -1.75
    put = ok(client.put(url(sid, "/weights"), json={"layers": new}))
    assert put == {"layers": new}
    assert weights(client, sid) == new
    # and the new weights are what the model computes with
    s = ok(client.get(url(sid)))
    out = forward(s, new, POINTS)
    np.testing.assert_allclose(np.asarray(predict(client, sid, POINTS)["outputs"]).T, out, rtol=1e-6)
    # GET → PUT → GET is the identity for whatever the network holds
    step(client, sid, epochs=1)
    current = weights(client, sid)
    assert ok(client.put(url(sid, "/weights"), json={"layers": current}))["layers"] == current


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda w: w[0]["W"].pop(), "weights.layers.0.W"),
    (lambda w: w[1]["W"][0].append(0.0), "weights.layers.1.W"),
    (lambda w: w[2]["b"].append(0.0), "weights.layers.2.b"),
    (lambda w: w[1].update(b=[]), "weights.layers.1.b"),
    (lambda w: w.pop(), "weights.layers"),
])
def test_api_put_weights_of_the_wrong_shape(client: TestClient, mutate: Any, field: str) -> None:
    sid = create(client)["id"]
    layers = weights(client, sid)
    before = [dict(layer) for layer in weights(client, sid)]
    mutate(layers)
    r = client.put(url(sid, "/weights"), json={"layers": layers})
    assert r.status_code == 422, r.text
    assert strict(r)["detail"][0]["field"] == field
    assert weights(client, sid) == before


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_api_non_finite_weights_are_refused_without_echo(client: TestClient, literal: str) -> None:
    sid = create(client)["id"]
    before = weights(client, sid)
    raw = ('{"layers":[{"W":[[LITERAL,0.5],[0,0],[0,0],[0,0]],"b":[0,0,0,0]},'
           '{"W":[[0,0,0,0],[0,0,0,0]],"b":[0,0]},{"W":[[0,0]],"b":[0]}]}').replace("LITERAL", literal)
    r = client.put(url(sid, "/weights"), content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    body = strict(r)
    assert body["detail"][0]["field"] == "layers.0.W.0.0"
    assert "NaN" not in r.text and "Infinity" not in r.text and "inf" not in r.text.lower().replace(
        "information", "")
    assert weights(client, sid) == before
    # too-large weights are refused with the range
    r = client.put(url(sid, "/weights"), json={"layers": [{"W": [[1e7, 0]] * 4, "b": [0] * 4}]})
    assert r.status_code == 422 and "1e+06" in strict(r)["detail"][0]["msg"]


def test_api_create_with_initial_weights(client: TestClient) -> None:
    base = create(client)
    layers = [{"W": [[0.5, -0.5]] * 4, "b": [0.25] * 4}, {"W": [[0.125] * 4] * 2, "b": [0.0, 1.0]},
              {"W": [[1.0, -1.0]], "b": [0.5]}]
    s = create(client, {**base["config"], "weights": {"layers": layers}})
    assert weights(client, s["id"]) == layers
    r = client.post(f"{API}/sessions", json={"weights": {"layers": layers[:2]}})
    assert r.status_code == 422 and strict(r)["detail"][0]["field"] == "weights.layers"


# ---------------------------------------------------------------- data, boundary, predict, gradcheck


def test_api_data_returns_both_splits(client: TestClient) -> None:
    s = create(client, {"dataset": {"name": "circle", "n_samples": 100, "train_ratio": 0.7}})
    d = ok(client.get(url(s["id"], "/data")))
    assert d["kind"] == "binary" and d["n_classes"] == 2 and d["features"] == ["x1", "x2"]
    assert len(d["train"]["x"]) == len(d["train"]["y"]) == 70
    assert len(d["test"]["x"]) == len(d["test"]["y"]) == 30
    xs = np.asarray(d["train"]["x"] + d["test"]["x"])
    assert xs.shape == (100, 2) and np.all(np.abs(xs) <= 6)
    assert set(d["train"]["y"] + d["test"]["y"]) == {0, 1}


def test_api_boundary_binary(client: TestClient) -> None:
    s = create(client)
    b = ok(client.get(url(s["id"], "/boundary?resolution=20")))
    assert b["resolution"] == 20 and b["kind"] == "binary" and b["extent"] == 6.0
    out = np.asarray(b["output"])
    assert out.shape == (20, 20) and out.min() >= 0 and out.max() <= 1
    assert b["axis"][0] == -6.0 and b["axis"][-1] == 6.0 and len(b["axis"]) == 20
    assert b["neurons"] is None and b["argmax"] is None
    # row i is x2 = axis[i], column j is x1 = axis[j]
    axis = np.asarray(b["axis"])
    x1, x2 = np.meshgrid(axis, axis)
    ours = forward(s, weights(client, s["id"]), np.column_stack([x1.ravel(), x2.ravel()]))[0].reshape(20, 20)
    np.testing.assert_allclose(out, ours, atol=2e-4)
    b = ok(client.get(url(s["id"], "/boundary?resolution=12&neurons=10")))
    neurons = b["neurons"]
    assert b["neuron_resolution"] == 10
    assert [len(layer) for layer in neurons] == [4, 2]
    assert all(np.shape(unit) == (10, 10) for layer in neurons for unit in layer)
    assert np.asarray(neurons[0]).min() >= -1 and np.asarray(neurons[0]).max() <= 1  # tanh units


def test_api_boundary_multiclass_and_regression(client: TestClient) -> None:
    s = create(client, {"dataset": {"name": "blobs"}})
    step(client, s["id"], epochs=2)
    b = ok(client.get(url(s["id"], "/boundary?resolution=15")))
    assert b["kind"] == "multiclass"
    p = np.asarray(b["output"])
    assert p.shape == (3, 15, 15) and p.min() >= 0 and p.max() <= 1
    np.testing.assert_allclose(p.sum(axis=0), 1.0, atol=3e-4)
    arg = np.asarray(b["argmax"])
    assert arg.shape == (15, 15)
    top2 = np.sort(p, axis=0)
    clear = top2[-1] - top2[-2] > 1e-3
    assert np.array_equal(arg[clear], p.argmax(axis=0)[clear])
    r = ok(client.get(url(create(client, {"dataset": {"name": "plane"}})["id"], "/boundary?resolution=9")))
    assert r["kind"] == "regression" and np.shape(r["output"]) == (9, 9) and r["argmax"] is None


@pytest.mark.parametrize(("query", "field", "text"), [
    ("resolution=1000", "resolution", "[2, 200]"), ("resolution=1", "resolution", "[2, 200]"),
    ("resolution=abc", "resolution", ""), ("neurons=51", "neurons", "[0, 50]"),
    ("neurons=-1", "neurons", "[0, 50]"),
])
def test_api_boundary_limits(client: TestClient, query: str, field: str, text: str) -> None:
    sid = create(client)["id"]
    r = client.get(url(sid, f"/boundary?{query}"))
    assert r.status_code == 422
    d = strict(r)["detail"][0]
    assert d["field"] == field and text in d["msg"]


def test_api_predict(client: TestClient) -> None:
    s = create(client)
    step(client, s["id"], epochs=2)
    p = predict(client, s["id"], POINTS)
    out = np.asarray(p["outputs"])
    assert out.shape == (len(POINTS), 1)
    assert p["labels"] == [int(v > 0.5) for v in out[:, 0]]
    np.testing.assert_allclose(out.T, forward(s, weights(client, s["id"]), POINTS), rtol=1e-5, atol=1e-7)
    m = create(client, {"dataset": {"name": "spiral_multi", "classes": 4}})
    p = predict(client, m["id"], POINTS)
    out = np.asarray(p["outputs"])
    assert out.shape == (len(POINTS), 4)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-5)
    assert p["labels"] == out.argmax(axis=1).tolist()
    g = create(client, {"dataset": {"name": "multi_gauss"}})
    p = predict(client, g["id"], POINTS)
    assert np.shape(p["outputs"]) == (len(POINTS), 1) and p["labels"] is None


@pytest.mark.parametrize(("points", "field"), [
    ([[0.0, 0.0]] * 100_000, "points"),
    ([[0.0, 0.0]] * 10_001, "points"),
    ([], "points"),
    ([[1.0, 2.0, 3.0]], "points.0"),
    ([[1.0]], "points.0.1"),
    ([[1e4, 0.0]], "points.0.0"),
    ([["a", 0.0]], "points.0.0"),
])
def test_api_predict_limits(client: TestClient, points: list[Any], field: str) -> None:
    sid = create(client)["id"]
    r = client.post(url(sid, "/predict"), json={"points": points})
    assert r.status_code == 422
    assert strict(r)["detail"][0]["field"] == field
    assert len(r.content) < 5_000  # the input is not echoed back


def test_api_gradcheck_passes_for_tanh(client: TestClient) -> None:
    sid = create(client)["id"]
    g = ok(client.get(url(sid, "/gradcheck")))
    assert g["passed"] is True and g["overall"] < 1e-7
    assert len(g["per_layer"]) == 3 and g["checked"] > 0 and g["examples"] == 200
    step(client, sid, epochs=2)
    g = ok(client.get(url(sid, "/gradcheck")))
    assert g["passed"] is True and g["overall"] < 1e-7
    s = create(client, {"dataset": {"name": "blobs"}, "layers": [{"units": 5, "activation": "tanh"}],
                        "regularization": {"kind": "l2", "rate": 0.05}})
    g = ok(client.get(url(s["id"], "/gradcheck")))
    assert g["passed"] is True and g["overall"] < 1e-7


def test_api_fork_is_independent(client: TestClient) -> None:
    sid = create(client)["id"]
    step(client, sid, epochs=2)
    f = ok(client.post(url(sid, "/fork")), 201)
    assert f["id"] != sid and f["epoch"] == 2
    assert weights(client, f["id"]) == weights(client, sid)
    step(client, f["id"], epochs=1)
    assert ok(client.get(url(sid)))["epoch"] == 2
    assert weights(client, f["id"]) != weights(client, sid)


# ---------------------------------------------------------------- divergence


def _every_read_is_strict_json(client: TestClient, sid: str) -> None:
    for tail in ("", "/weights", "/data", "/history", "/boundary?resolution=10&neurons=5", "/gradcheck",
                 "/export"):
        ok(client.get(url(sid, tail)))
    ok(client.post(url(sid, "/predict"), json={"points": POINTS}))


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_api_divergence_is_reported_and_reset_recovers(client: TestClient, activation: str) -> None:
    s = create(client, {"layers": [{"units": 8, "activation": activation}] * 2,
                        "optimizer": {"learning_rate": 100}})
    sid = s["id"]
    for _ in range(20):
        r = client.post(url(sid, "/step"), json={"epochs": 1})
        assert r.status_code in (200, 409), r.text
        if strict(r)["status"] == "diverged":
            break
    s = ok(client.get(url(sid)))
    assert s["status"] == "diverged"
    assert set(s["diverged_at"]) == {"epoch", "step"} and s["diverged_at"]["step"] >= 1
    assert s["message"] and "diverged" in s["message"]
    for split in ("train", "test"):
        for key in ("cost", "loss"):
            v = s["metrics"][split][key]
            assert isinstance(v, float) and np.isfinite(v)
    assert all(np.isfinite(v) for layer in weights(client, sid) for row in layer["W"] for v in row)
    _every_read_is_strict_json(client, sid)
    r = client.post(url(sid, "/step"), json={"steps": 1})
    assert r.status_code == 409
    assert strict(r)["detail"][0]["field"] == "status"
    assert client.post(url(sid, "/play"), json={"epochs_per_second": 1}).status_code == 409
    r = ok(client.post(url(sid, "/reset")))
    assert r["status"] == "idle" and r["diverged_at"] is None and r["message"] is None
    s2 = step(client, sid, steps=1)
    assert s2["step"] == 1


def test_api_a_new_learning_rate_leaves_divergence(client: TestClient) -> None:
    sid = create(client, {"dataset": {"name": "spiral"}, "layers": [{"units": 8, "activation": "sigmoid"}] * 2,
                          "optimizer": {"learning_rate": 100}})["id"]
    step(client, sid, epochs=1)
    assert ok(client.get(url(sid)))["status"] == "diverged"
    p = ok(client.patch(url(sid), json={"optimizer": {"learning_rate": 0.01}}))
    assert p["status"] == "idle"
    assert step(client, sid, steps=5)["status"] == "idle"


def test_api_huge_weights_never_leak_non_finite_numbers(client: TestClient) -> None:
    s = create(client, {"dataset": {"name": "plane"}, "layers": [{"units": 8, "activation": "relu"}] * 4})
    sid = s["id"]
    layers = weights(client, sid)
    big = [{"W": [[1e6] * len(row) for row in layer["W"]], "b": [1e6] * len(layer["b"])} for layer in layers]
    ok(client.put(url(sid, "/weights"), json={"layers": big}))
    _every_read_is_strict_json(client, sid)
    r = client.post(url(sid, "/step"), json={"steps": 3})
    assert r.status_code in (200, 409)
    strict(r)
    _every_read_is_strict_json(client, sid)
