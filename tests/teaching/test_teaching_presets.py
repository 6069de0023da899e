"""Every lesson preset's claim, checked over seeds 0…9 through the REST API and the page's frames.

A preset (app/presets.py) is what a teacher points at; its `claim` is the sentence a student is
told. For each seed s the data set seed and the network seed are both s; the preset's session or
comparison is created with POST /api/v1/sessions or /api/v1/comparisons, trained with
POST …/step {"epochs": preset.epochs} (in several requests if the API asks for that), and the
claim is read off **the frame the page draws** (GET …/stream?frames=1: the metrics, target
epochs, dead/saturated/distinct units and per-layer gradient norms the page shows), each quantity a
preset `shows` from there. Independent oracles back the frame's numbers where they are computed for
the page: hidden activations recomputed in float64 from GET …/weights and GET …/data, the mean of
the history's gradient norms, GET …/boundary and POST …/predict.

Two kinds of property:
- deterministic ones (a network with no hidden layer has an affine logit, zero init keeps every
  unit of a layer identical, softmax outputs sum to 1, …) are asserted in every one of the 10
  seeds, inside the checker;
- statistical ones (an accuracy, a race between variants, a gap between costs) must hold in at
  least 8 of the 10 seeds: the checker returns whether this seed shows it.

Every preset needs a checker here: a new preset without one fails
`test_every_preset_has_a_claim_checker` (and its own parametrised case).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from typing import Any

import app  # noqa: F401  (before NumPy: it pins OpenBLAS to one thread, which only works before NumPy loads)

# isort: split
import numpy as np
import pytest

from app.presets import PRESETS, Preset

SEEDS = range(10)
MOST = 8  # seeds a statistical property must hold in (a deterministic one is asserted in all 10)
NINE = 9  # …where a fix must visibly beat the problem (dead-relu: leaky ReLU's test accuracy)
LN2 = math.log(2.0)

Body = dict[str, Any]
Verdict = tuple[bool, str]  # (the statistical part holds in this seed, what was measured)
Checker = Callable[[Any, Preset, int], Verdict]


# ---------------------------------------------------------------- driving the API


def _seeded(preset: Preset, seed: int) -> Body:
    config = copy.deepcopy(preset.config)
    session = config["base"] if preset.kind == "comparison" else config
    session.setdefault("dataset", {})["seed"] = seed
    session["seed"] = seed
    return config


def _url(preset: Preset) -> str:
    return "/api/v1/comparisons" if preset.kind == "comparison" else "/api/v1/sessions"


def _step(client, url: str, epochs: int) -> Body:
    """Train `epochs` epochs, in as many requests as the API's work limit asks for."""
    chunk, body = epochs, None
    while epochs > 0:
        r = client.post(f"{url}/step", json={"epochs": min(chunk, epochs)})
        if r.status_code == 422 and "split" in r.text and chunk > 1:
            chunk = max(1, chunk // 2)
            continue
        assert r.status_code == 200, r.text
        body, epochs = r.json(), epochs - min(chunk, epochs)
    assert body is not None
    return body


def _run(client, preset: Preset, seed: int) -> Body:
    r = client.post(_url(preset), json=_seeded(preset, seed))
    assert r.status_code == 201, r.text
    return _step(client, f"{_url(preset)}/{r.json()['id']}", preset.epochs)


def _delete(client, preset: Preset, body: Body) -> None:
    assert client.delete(f"{_url(preset)}/{body['id']}").status_code == 204


def _variants(body: Body) -> dict[str, Body]:
    return {v["label"]: v for v in body["variants"]}


def _frame(client, preset: Preset, body: Body) -> Body:
    """The frame the page draws now (one `event: frame` of GET …/stream), as JSON."""
    url = f"{_url(preset)}/{body['id']}/stream?frames=1"
    with client.stream("GET", url) as r:
        assert r.status_code == 200
        event = None
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:") and event == "frame":
                frame = json.loads(line.partition(":")[2])
                assert frame["epoch" if preset.kind == "session" else "step"] >= 0
                return frame  # type: ignore[no-any-return]
    raise AssertionError(f"no frame from {url}")


def _frame_variants(client, preset: Preset, body: Body) -> dict[str, Body]:
    frame = _frame(client, preset, body)
    assert [v["epoch"] for v in frame["variants"]] == [v["epoch"] for v in body["variants"]], "a stale frame"
    return _variants(frame)


def _hidden(client, sid: str) -> list[np.ndarray]:
    """Oracle: every hidden layer's A[l] (units, n_train) at the training points, in float64 from the
    weights and the data alone (inputs x1, x2)."""
    x = np.array(_get(client, sid, "data")["train"]["x"], float).T  # (2, n_train)
    config = _get(client, sid, "")["config"]
    assert config["features"] == ["x1", "x2"], "the oracle knows only the raw inputs"
    g = {"relu": lambda z: np.maximum(z, 0), "leaky_relu": lambda z: np.maximum(z, 0.01 * z), "tanh": np.tanh,
         "sigmoid": _sigmoid}
    acts, a = [], x
    for layer, (w, b) in zip(config["layers"], _weights(client, sid)[:-1], strict=True):
        a = g[layer["activation"]](w @ a + b[:, None])
        acts.append(a)
    return acts


def _get(client, sid: str, what: str, **params: Any) -> Body:
    r = client.get(f"/api/v1/sessions/{sid}/{what}".rstrip("/"), params=params)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _weights(client, sid: str) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.array(layer["W"], float), np.array(layer["b"], float))
            for layer in _get(client, sid, "weights")["layers"]]


def _predict(client, sid: str, points: np.ndarray) -> np.ndarray:
    r = client.post(f"/api/v1/sessions/{sid}/predict", json={"points": points.tolist()})
    assert r.status_code == 200, r.text
    return np.array(r.json()["outputs"], float)[:, 0]  # P(class 1) per point


def _history(client, sid: str) -> Body:
    return _get(client, sid, "history")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _collapse(layers: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """W′, b′ of a network with identity hidden activations: W[L]…W[1] and the matching bias."""
    w, b = layers[0]
    for wl, bl in layers[1:]:
        w, b = wl @ w, wl @ b + bl
    return w, b


def _points(seed: int, n: int = 200, extent: float = 6.0) -> np.ndarray:
    return np.random.default_rng(1000 + seed).uniform(-extent, extent, (n, 2))


def _crossings(p: np.ndarray) -> int:
    """The most times one row or one column of the P(class 1) grid crosses 0.5."""
    side = p > 0.5
    rows = np.abs(np.diff(side.astype(int), axis=1)).sum(axis=1)
    cols = np.abs(np.diff(side.astype(int), axis=0)).sum(axis=0)
    return int(max(rows.max(), cols.max()))


def _grid_points(boundary: Body) -> np.ndarray:
    axis = np.array(boundary["axis"])
    x1, x2 = np.meshgrid(axis, axis)  # row i is x2 = axis[i], as the API lays the grid out
    return np.column_stack([x1.ravel(), x2.ravel()])


def _straight_boundary(client, sid: str, seed: int) -> None:
    """Deterministic: with no hidden layer ŷ = σ(wᵀx + b) exactly, so the ŷ = 0.5 contour is the line
    wᵀx + b = 0 — every row and column of the boundary grid crosses it at most once."""
    (w, b), = _weights(client, sid)
    boundary = _get(client, sid, "boundary", resolution=60)
    p = np.array(boundary["output"], float)
    expected = _sigmoid(_grid_points(boundary) @ w[0] + b[0]).reshape(p.shape)
    assert np.abs(p - expected).max() < 1e-3, f"seed {seed}: the output is not σ(wᵀx + b)"
    assert _crossings(p) <= 1, f"seed {seed}: the 0.5 contour is not a straight line"
    pts = _points(seed)
    assert np.abs(_predict(client, sid, pts) - _sigmoid(pts @ w[0] + b[0])).max() < 1e-4, \
        f"seed {seed}: predict disagrees with σ(wᵀx + b)"


def _acc(v: Body, split: str = "train") -> float:
    return float(v["metrics"][split]["accuracy"])


def _cost(v: Body, split: str = "train") -> float:
    c = v["metrics"][split]["cost"]
    return math.inf if c is None else float(c)


def _epochs(v: Body) -> float:
    """Epochs a variant needed to reach the target cost; inf when it has not."""
    return math.inf if v["target_epoch"] is None else float(v["target_epoch"])


# ---------------------------------------------------------------- one checker per preset


def check_logistic_regression(client, preset: Preset, seed: int) -> Verdict:
    s = _run(client, preset, seed)
    assert s["sizes"] == [2, 1], "no hidden layer"
    _straight_boundary(client, s["id"], seed)  # deterministic
    acc = _acc(_frame(client, preset, s))  # the accuracy the page shows
    _delete(client, preset, s)
    return acc <= 0.60, f"train accuracy {acc:.3f}"


def check_flower_one_hidden_layer(client, preset: Preset, seed: int) -> Verdict:
    s = _run(client, preset, seed)
    assert s["updates_per_epoch"] == 1, "full-batch gradient descent, as in the course"
    bends = _crossings(np.array(_get(client, s["id"], "boundary", resolution=60)["output"], float))
    acc = _acc(_frame(client, preset, s))
    _delete(client, preset, s)
    return acc >= 0.85 and bends >= 2, f"train accuracy {acc:.3f}, most crossings of a grid line {bends}"


def check_flower_hidden_sizes(client, preset: Preset, seed: int) -> Verdict:
    c = _run(client, preset, seed)
    shown = _frame_variants(client, preset, c)
    acc = {v["config"]["layers"][0]["units"]: _acc(shown[v["label"]]) for v in c["variants"]}
    for v in c["variants"]:
        r = client.get(f"/api/v1/sessions/{v['session_id']}")
        assert r.json()["updates_per_epoch"] == 1, "full batch in every variant"
    _delete(client, preset, c)
    ok = (acc[1] < 0.75 and acc[2] < 0.75 and all(a >= 0.85 for n, a in acc.items() if n >= 4)
          and acc[50] - acc[4] <= 0.05)
    return ok, "train accuracy by units " + ", ".join(f"{n}: {a:.3f}" for n, a in acc.items())


def check_linear_collapse(client, preset: Preset, seed: int) -> Verdict:
    c = _run(client, preset, seed)
    v = _variants(c)
    sid = v["linear"]["session_id"]
    w, b = _collapse(_weights(client, sid))  # deterministic: one affine map W′x + b′
    pts = _points(seed)
    assert np.abs(_predict(client, sid, pts) - _sigmoid(pts @ w[0] + b[0])).max() < 1e-4, \
        f"seed {seed}: the linear network is not σ(W′x + b′)"
    assert _crossings(np.array(_get(client, sid, "boundary", resolution=60)["output"], float)) <= 1
    acc = {k: _acc(x, "test") for k, x in _frame_variants(client, preset, c).items()}
    _delete(client, preset, c)
    ok = acc["linear"] <= 0.65 and acc["tanh"] >= 0.90 and acc["relu"] >= 0.90
    return ok, "test accuracy " + ", ".join(f"{k} {a:.3f}" for k, a in acc.items())


def check_activation_race(client, preset: Preset, seed: int) -> Verdict:
    c = _run(client, preset, seed)
    v = _frame_variants(client, preset, c)
    assert all(x["status"] == "idle" for x in v.values()), f"seed {seed}: nothing diverges at α = 0.03"
    e = {k: _epochs(x) for k, x in v.items()}
    _delete(client, preset, c)
    ok = max(e["relu"], e["leaky_relu"]) < e["tanh"] < e["sigmoid"]
    return ok, "epochs to the target " + ", ".join(f"{k} {x:g}" for k, x in e.items())


def check_learning_rate(client, preset: Preset, seed: int) -> Verdict:
    c = _run(client, preset, seed)
    small, right, big = _frame(client, preset, c)["variants"]
    detail = (f"α=0.01: {small['status']} cost {_cost(small):.3f}; α=1: {right['status']} target epoch "
              f"{right['target_epoch']}; α=20: {big['status']} at {big['diverged_at']}")
    _delete(client, preset, c)
    ok = (small["status"] == "idle" and small["target_epoch"] is None and _cost(small) >= 0.5
          and right["status"] == "idle" and right["target_epoch"] is not None
          and big["status"] == "diverged")
    return ok, detail


def check_vanishing_gradients(client, preset: Preset, seed: int) -> Verdict:
    c = _run(client, preset, seed)
    shown = _frame(client, preset, c)["variants"]  # in order: both variants are labelled [8, 8, 8, 8, 8, 8]
    ratio = {}
    for v, frame, kind in zip(c["variants"], shown, ("sigmoid", "relu"), strict=True):
        assert v["config"]["layers"][0]["activation"] == kind and v["config"]["init"] == "he"
        norms = np.array(_history(client, v["session_id"])["grad_norms"][-10:], float)  # (epochs, layers)
        layer_grads = np.array(frame["layer_grads"], float)  # what the page charts, per layer
        assert layer_grads == pytest.approx(norms.mean(axis=0), rel=1e-6), "layer_grads: the recent mean"
        assert v["first_layer_grad"] == pytest.approx(layer_grads[0], rel=1e-6), "the table's ‖dW[1]‖"
        ratio[kind] = layer_grads[0] / layer_grads[-1]
    _delete(client, preset, c)
    ok = ratio["sigmoid"] < 0.01 and ratio["relu"] > 0.10
    return ok, "‖dW[1]‖ / ‖dW[out]‖ " + ", ".join(f"{k} {r:.2e}" for k, r in ratio.items())


def check_zero_init_symmetry(client, preset: Preset, seed: int) -> Verdict:
    c = _run(client, preset, seed)
    shown = _frame_variants(client, preset, c)
    zeros, xavier = _variants(c)["zeros"], _variants(c)["xavier"]
    layers = _weights(client, zeros["session_id"])[:-1]
    for w, b in layers:  # deterministic: every hidden layer's units stay copies of one another…
        assert np.allclose(w, w[0], rtol=0, atol=1e-6), f"seed {seed}: rows of W differ under zero init"
        assert np.allclose(b, b[0], rtol=0, atol=1e-6), f"seed {seed}: entries of b differ under zero init"
    assert not np.allclose(layers[0][0], 0.0), f"seed {seed}: the first layer's weights never moved"  # …yet learn
    assert [u["distinct"] for u in shown["zeros"]["units"]] == [1, 1], "the page counts one unit a layer"
    assert [u["distinct"] for u in shown["xavier"]["units"]] == [4, 4], "random init: four different units"
    w1, _ = _weights(client, xavier["session_id"])[0]
    assert not np.allclose(w1, w1[0], atol=1e-3), f"seed {seed}: random init must break the symmetry"
    assert _crossings(np.array(_get(client, zeros["session_id"], "boundary", resolution=60)["output"], float)) <= 1, \
        f"seed {seed}: one unit a layer draws a straight boundary"
    cost, acc = _cost(shown["zeros"]), _acc(shown["xavier"], "test")
    _delete(client, preset, c)
    return cost > 0.5 and acc >= 0.90, f"zeros train cost {cost:.3f}; xavier test accuracy {acc:.3f}"


def _saturated(acts: list[np.ndarray]) -> list[float]:
    return [float(np.mean(np.abs(a) > 0.99)) for a in acts]  # tanh: within 1% of ±1


def check_large_init_saturation(client, preset: Preset, seed: int) -> Verdict:
    c = _run(client, preset, seed)
    shown = _frame_variants(client, preset, c)
    sat = {}
    for k, x in _variants(c).items():
        sat[k] = [u["saturated"] for u in shown[k]["units"]]  # what the page shows, per layer
        oracle = _saturated(_hidden(client, x["session_id"]))
        assert sat[k] == pytest.approx(oracle, abs=0.01), f"seed {seed}: {k} saturation {sat[k]} ≠ {oracle}"
    cost = {k: _cost(x) for k, x in shown.items()}
    _delete(client, preset, c)
    ok = min(sat["large"]) >= 0.80 and max(sat["xavier"]) < 0.50 and cost["large"] > 0.4 and cost["xavier"] < 0.1
    return ok, ", ".join(f"{k}: saturated {' · '.join(f'{x:.2f}' for x in sat[k])}, cost {cost[k]:.3f}" for k in sat)


def check_dead_relu(client, preset: Preset, seed: int) -> Verdict:
    c = _run(client, preset, seed)
    shown = _frame_variants(client, preset, c)
    v = _variants(c)
    relu, leaky = v["relu"]["session_id"], v["leaky_relu"]["session_id"]
    dead = {k: [u["dead"] for u in shown[k]["units"]] for k in ("relu", "leaky_relu")}  # the page's marks
    for k, sid in (("relu", relu), ("leaky_relu", leaky)):  # oracle: output 0 at every training point
        oracle = [np.flatnonzero(np.abs(a).max(axis=1) == 0).tolist() for a in _hidden(client, sid)]
        assert dead[k] == oracle, f"seed {seed}: {k} dead units {dead[k]}, recomputed {oracle}"
    n_dead = sum(map(len, dead["relu"]))
    assert n_dead >= 1, f"seed {seed}: no ReLU unit died"
    assert not any(dead["leaky_relu"]), f"seed {seed}: a leaky ReLU unit is zero at every training point"
    acc = {k: _acc(shown[k], "test") for k in dead}
    before = _weights(client, leaky)
    _step(client, f"/api/v1/comparisons/{c['id']}", 10)
    after = _weights(client, leaky)
    for (w0, b0), (w1, b1) in list(zip(before, after, strict=True))[:-1]:  # every hidden unit still learns
        moved = np.abs(np.column_stack([w1 - w0, b1 - b0])).max(axis=1)
        assert (moved > 0).all(), f"seed {seed}: a leaky ReLU unit's weights stopped changing"
    _delete(client, preset, c)
    return acc["leaky_relu"] > acc["relu"], (f"dead ReLU units {n_dead}/32; test accuracy relu {acc['relu']:.3f}, "
                                             f"leaky {acc['leaky_relu']:.3f}")


def _overfit(client, preset: Preset, seed: int) -> tuple[Body, Body, dict[str, float]]:
    c = _run(client, preset, seed)
    shown = _frame(client, preset, c)["variants"]
    plain, fixed = shown
    gap = {v["label"]: _cost(v, "test") - _cost(v, "train") for v in shown}
    lowest = min(_history(client, c["variants"][0]["session_id"])["test_cost"])
    _delete(client, preset, c)
    return plain, fixed, {**gap, "rise": _cost(plain, "test") / lowest}


def check_overfitting_l2(client, preset: Preset, seed: int) -> Verdict:
    plain, fixed, m = _overfit(client, preset, seed)
    l2 = m[fixed["label"]]  # "l2 λ = 0.01"
    ok = _cost(plain) < 0.05 and m["rise"] >= 2.0 and m["none"] > l2
    return ok, (f"none: train cost {_cost(plain):.3f}, test cost ×{m['rise']:.2f} its lowest, gap {m['none']:.3f}; "
                f"{fixed['label']} gap {l2:.3f}")


def check_overfitting_dropout(client, preset: Preset, seed: int) -> Verdict:
    _, _, m = _overfit(client, preset, seed)
    return m["dropout 0"] > m["dropout 0.5"], f"gap without {m['dropout 0']:.3f}, with {m['dropout 0.5']:.3f}"


def check_memorise_random_labels(client, preset: Preset, seed: int) -> Verdict:
    s = _run(client, preset, seed)
    shown = _frame(client, preset, s)
    train, test = _acc(shown), _acc(shown, "test")
    _delete(client, preset, s)
    return train >= 0.90 and abs(test - 0.5) <= 0.15, f"train accuracy {train:.3f}, test {test:.3f}"


def check_softmax_multiclass(client, preset: Preset, seed: int) -> Verdict:
    s = _run(client, preset, seed)
    assert s["sizes"][-1] == 3 and s["config"]["output"]["activation"] == "softmax"
    p = np.array(_get(client, s["id"], "boundary", resolution=30)["output"], float)  # (K, r, r)
    assert p.shape[0] == 3 and np.abs(p.sum(axis=0) - 1).max() < 1e-3, f"seed {seed}: Σ ŷ_k ≠ 1"
    acc = _acc(_frame(client, preset, s))
    _delete(client, preset, s)
    return acc >= 0.90, f"train accuracy {acc:.3f}"


def check_optimizer_race(client, preset: Preset, seed: int) -> Verdict:
    c = _run(client, preset, seed)
    e = {k: _epochs(x) for k, x in _frame_variants(client, preset, c).items()}
    _delete(client, preset, c)
    return e["adam"] < e["sgd"], "epochs to the target " + ", ".join(f"{k} {x:g}" for k, x in e.items())


def check_feature_engineering(client, preset: Preset, seed: int) -> Verdict:
    s = _run(client, preset, seed)
    assert s["sizes"] == [2, 1], "no hidden layer: two inputs x₁², x₂² and one output"
    (w, b), = _weights(client, s["id"])
    pts = _points(seed)
    z = (pts**2) @ w[0] + b[0]  # deterministic: a straight line in (x₁², x₂²)
    labels = client.post(f"/api/v1/sessions/{s['id']}/predict", json={"points": pts.tolist()}).json()["labels"]
    clear = np.abs(z) > 1e-3
    assert (np.array(labels)[clear] == (z[clear] > 0)).all(), f"seed {seed}: labels are not sign(w·x² + b)"
    acc = _acc(_frame(client, preset, s), "test")
    _delete(client, preset, s)
    return acc >= 0.95, f"test accuracy {acc:.3f}"


CHECKERS: dict[str, tuple[Checker, int]] = {  # preset -> (checker, seeds its statistical part needs)
    "logistic-regression": (check_logistic_regression, MOST),
    "flower-one-hidden-layer": (check_flower_one_hidden_layer, MOST),
    "flower-hidden-sizes": (check_flower_hidden_sizes, MOST),
    "linear-collapse": (check_linear_collapse, MOST),
    "activation-race": (check_activation_race, MOST),
    "learning-rate": (check_learning_rate, MOST),
    "vanishing-gradients": (check_vanishing_gradients, MOST),
    "zero-init-symmetry": (check_zero_init_symmetry, MOST),
    "large-init-saturation": (check_large_init_saturation, MOST),
    "dead-relu": (check_dead_relu, NINE),
    "overfitting-l2": (check_overfitting_l2, MOST),
    "overfitting-dropout": (check_overfitting_dropout, MOST),
    "memorise-random-labels": (check_memorise_random_labels, MOST),
    "softmax-multiclass": (check_softmax_multiclass, MOST),
    "optimizer-race": (check_optimizer_race, MOST),
    "feature-engineering": (check_feature_engineering, MOST),
}


def test_every_preset_has_a_claim_checker():
    missing = [name for name in PRESETS if name not in CHECKERS]
    stale = [name for name in CHECKERS if name not in PRESETS]
    assert not missing, f"presets without a claim checker: {missing}"
    assert not stale, f"checkers for presets that no longer exist: {stale}"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_claim_holds_over_ten_seeds(client, name):
    assert name in CHECKERS, f"preset {name!r} has no claim checker"
    check, needed = CHECKERS[name]
    preset = PRESETS[name]
    results = {s: check(client, preset, s) for s in SEEDS}  # deterministic parts assert in every seed
    held = sum(ok for ok, _ in results.values())
    table = "\n".join(f"seed {s}: {'ok  ' if ok else 'FAIL'} {detail}" for s, (ok, detail) in results.items())
    assert held >= needed, f"{name}: “{preset.claim}” held in {held}/10 seeds, needs {needed}\n{table}"
