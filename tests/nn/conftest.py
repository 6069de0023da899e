"""Independent float64 oracles for the engine tests: the course's formulas, written out again.

Nothing here calls the engine's arithmetic: activations, losses, penalties, the forward pass
and backprop are the textbook formulas from LESSONS.md, so the engine is checked against them
and never against itself. Tests reach these through the `oracle` fixture.
"""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import numpy as np
import pytest

Array = np.ndarray
_C = np.sqrt(2.0 / np.pi)
_K = 0.044715


def _sig(z: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z: Array) -> Array:
    e = np.exp(z)  # moderate z only: the oracle is the plain formula
    return e / e.sum(axis=0, keepdims=True)


def _gelu(z: Array) -> Array:
    return 0.5 * z * (1.0 + np.tanh(_C * (z + _K * z**3)))


def _d_gelu(z: Array) -> Array:
    t = np.tanh(_C * (z + _K * z**3))
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * _C * (1.0 + 3.0 * _K * z * z)


# g(z), float64, moderate z
G = {
    "linear": lambda z: z,
    "sigmoid": _sig,
    "tanh": lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
    "relu": lambda z: np.maximum(0.0, z),
    "leaky_relu": lambda z: np.maximum(0.01 * z, z),
    "elu": lambda z: np.where(z > 0, z, np.exp(np.minimum(z, 0.0)) - 1.0),
    "gelu": _gelu,
    "swish": lambda z: z * _sig(z),
    "softmax": _softmax,
}

# g'(z) (softmax omitted: it only appears fused with cross-entropy)
DG = {
    "linear": lambda z: np.ones_like(z),
    "sigmoid": lambda z: _sig(z) * (1.0 - _sig(z)),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
    "leaky_relu": lambda z: np.where(z > 0, 1.0, 0.01),
    "elu": lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0))),
    "gelu": _d_gelu,
    "swish": lambda z: _sig(z) + z * _sig(z) * (1.0 - _sig(z)),
}

# L(a, y) per example, summed over output units: (n_out, m) -> (m,)
LOSS = {
    "bce": lambda a, y: -(y * np.log(a) + (1 - y) * np.log(1 - a)).sum(axis=0),
    "cross_entropy": lambda a, y: -(y * np.log(a)).sum(axis=0),
    "mse": lambda a, y: 0.5 * ((a - y) ** 2).sum(axis=0),
}

# dL/dA
DLOSS = {
    "bce": lambda a, y: -y / a + (1 - y) / (1 - a),
    "cross_entropy": lambda a, y: -y / a,
    "mse": lambda a, y: a - y,
}

# R(W) over a list of weight matrices, and dR/dW for one
PENALTY = {
    "none": lambda ws, lam: 0.0,
    "l1": lambda ws, lam: lam * sum(np.abs(w).sum() for w in ws),
    "l2": lambda ws, lam: 0.5 * lam * sum((w * w).sum() for w in ws),
}
DPENALTY = {
    "none": lambda w, lam: np.zeros_like(w),
    "l1": lambda w, lam: lam * np.sign(w),
    "l2": lambda w, lam: lam * w,
}

# every (output activation, loss) pair the course allows, and targets that suit each
PAIRS = [("sigmoid", "bce"), ("softmax", "cross_entropy"), ("linear", "mse"), ("tanh", "mse"),
         ("sigmoid", "mse")]


def targets(output: str, n_out: int, m: int, rng: np.random.Generator) -> Array:
    """Encoded targets (n_out, m) in the output's range, float64."""
    if output == "softmax":
        y = np.zeros((n_out, m))
        y[rng.integers(0, n_out, m), np.arange(m)] = 1.0
        return y
    if output == "sigmoid":
        return rng.integers(0, 2, (n_out, m)).astype(float)
    if output == "tanh":
        return rng.uniform(-0.9, 0.9, (n_out, m))
    return rng.normal(0.0, 1.0, (n_out, m))


class Textbook:
    """Z[l] = W[l]·A[l−1] + b[l], A[l] = g[l](Z[l]); backprop as in Week 3, all float64."""

    def __init__(self, layers: list[tuple[Array, Array]], hidden: list[str], output: str,
                 loss: str) -> None:
        self.layers = [(np.array(w, float), np.array(b, float)) for w, b in layers]
        self.acts = [*hidden, output]
        self.output, self.loss = output, loss

    def forward(self, x: Array, masks: list[Array] | None = None) -> tuple[list, list]:
        """-> (A[0..L], Z[1..L]); masks[l] multiplies hidden A[l+1] (inverted dropout)."""
        a_list, z_list = [np.asarray(x, float)], []
        for i, ((w, b), act) in enumerate(zip(self.layers, self.acts, strict=True)):
            z = w @ a_list[-1] + b[:, None]
            a = G[act](z)
            if masks is not None and i < len(self.layers) - 1:
                a = a * masks[i]
            z_list.append(z)
            a_list.append(a)
        return a_list, z_list

    def predict(self, x: Array) -> Array:
        return self.forward(x)[0][-1]

    def cost(self, x: Array, y: Array, reg: str = "none", rate: float = 0.0,
             masks: list[Array] | None = None) -> float:
        a = self.forward(x, masks)[0][-1]
        return float(LOSS[self.loss](a, y).mean() + PENALTY[reg]([w for w, _ in self.layers], rate))

    def gradient(self, x: Array, y: Array, reg: str = "none", rate: float = 0.0,
                 masks: list[Array] | None = None) -> list[tuple[Array, Array]]:
        """[(dW[l], db[l])] of J = mean loss + R(W)."""
        a_list, z_list = self.forward(x, masks)
        m = x.shape[1]
        a_out, z_out = a_list[-1], z_list[-1]
        if (self.output, self.loss) == ("softmax", "cross_entropy"):
            dz = a_out - y
        else:
            dz = DLOSS[self.loss](a_out, y) * DG[self.output](z_out)
        grads = []
        for i in range(len(self.layers) - 1, -1, -1):
            w = self.layers[i][0]
            dw = dz @ a_list[i].T / m + DPENALTY[reg](w, rate)
            db = dz.sum(axis=1) / m
            grads.append((dw, db))
            if i:
                da = w.T @ dz
                if masks is not None:
                    da = da * masks[i - 1]
                dz = da * DG[self.acts[i - 1]](z_list[i - 1])
        return grads[::-1]


def flat(layers: list[tuple[Array, Array]]) -> Array:
    """[(W, b)] -> one vector in the engine's layout: each [W | b] row-major, layer after layer."""
    return np.concatenate([np.hstack([w, np.asarray(b)[:, None]]).ravel() for w, b in layers])


def random_layers(sizes: list[int], rng: np.random.Generator, scale: float = 1.0,
                  bias: float = 0.5) -> list[tuple[Array, Array]]:
    return [(rng.normal(0.0, scale / np.sqrt(n_in), (n_out, n_in)), rng.normal(0.0, bias, n_out))
            for n_in, n_out in itertools.pairwise(sizes)]


def circle(n: int, seed: int) -> tuple[Array, Array]:
    """n points in [−6, 6]², label 1 if radius < 3, half of each class; x (2, n), y (n,) int."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform(-6.0, 6.0, (20 * n, 2))
    inside = np.hypot(pts[:, 0], pts[:, 1]) < 3.0
    chosen = np.concatenate([pts[inside][: n // 2], pts[~inside][: n - n // 2]])
    labels = np.r_[np.ones(n // 2, np.int64), np.zeros(n - n // 2, np.int64)]
    order = rng.permutation(n)
    return chosen[order].T.copy(), labels[order]


def numeric_gradient(f, theta: Array, eps: float = 1e-6) -> Array:
    """Centred finite differences of f at theta (float64), f reads theta in place."""
    g = np.zeros_like(theta)
    for i in range(theta.size):
        saved = theta[i]
        theta[i] = saved + eps
        plus = f()
        theta[i] = saved - eps
        minus = f()
        theta[i] = saved
        g[i] = (plus - minus) / (2 * eps)
    return g


def rel_error(a: Array, b: Array) -> float:
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


_ORACLE = SimpleNamespace(G=G, DG=DG, LOSS=LOSS, DLOSS=DLOSS, PENALTY=PENALTY, DPENALTY=DPENALTY,
                          PAIRS=PAIRS, Textbook=Textbook, targets=targets, flat=flat,
                          random_layers=random_layers, circle=circle,
                          numeric_gradient=numeric_gradient, rel_error=rel_error)


@pytest.fixture
def oracle() -> SimpleNamespace:
    return _ORACLE


@pytest.fixture
def fail_third_call(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`fail_third_call(obj, name)`: obj.name works twice, then raises RuntimeError("boom") (an
    engine error in the middle of a run, to check what a run leaves behind)."""

    def arm(obj: object, name: str) -> None:
        real, calls = getattr(obj, name), []

        def third_fails(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(1)
            if len(calls) == 3:
                raise RuntimeError("boom")
            return real(*args, **kwargs)

        monkeypatch.setattr(obj, name, third_fails)

    return arm
