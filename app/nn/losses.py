"""Loss functions L(ŷ, y) per example, over (n_out, batch) arrays (or stacked (V, n_out, batch):
every sum runs over the units axis, −2).

Each loss names the output activation it is the natural partner of (its canonical link):
with that output, dL/dZ = A − Y exactly, and the loss is computed from the logits Z so it
stays finite for any |z| (no log(0)). Other pairings (sigmoid + MSE, to show why squared
error is the wrong loss for a probability) go through dL/dA · g'(Z).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .registry import Registry

Array = np.ndarray
_EPS = 1e-7  # keeps log() finite when a loss is evaluated from probabilities


@dataclass(frozen=True)
class Loss:
    name: str
    label: str
    formula: str
    outputs: tuple[str, ...]  # output activations this loss may follow
    fused_output: str  # with this output activation, dZ = A − Y
    per_example: Callable[[Array, Array], Array]  # (a, y) -> (m,), from probabilities
    from_logits: Callable[[Array, Array], Array]  # (z, y) -> (m,), only with fused_output
    grad: Callable[[Array, Array], Array]  # dL/dA, (n_out, m)
    note: str = ""


# ---------------------------------------------------------------- binary cross-entropy


def _bce(a: Array, y: Array) -> Array:
    a = np.clip(a, _EPS, 1 - _EPS)
    return -(y * np.log(a) + (1 - y) * np.log(1 - a)).sum(axis=-2)


def _bce_logits(z: Array, y: Array) -> Array:
    # −(y log σ(z) + (1−y) log(1−σ(z))) = max(z, 0) − z·y + log(1 + e^(−|z|))
    return (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).sum(axis=-2)


def _bce_grad(a: Array, y: Array) -> Array:
    a = np.clip(a, _EPS, 1 - _EPS)
    return (a - y) / (a * (1 - a))


# ---------------------------------------------------------------- categorical cross-entropy


def _ce(a: Array, y: Array) -> Array:
    return -(y * np.log(np.clip(a, _EPS, 1))).sum(axis=-2)


def _ce_logits(z: Array, y: Array) -> Array:
    # −Σₖ yₖ log softmax(z)ₖ = logsumexp(z) − Σₖ yₖ zₖ, with the max taken out first
    top = z.max(axis=-2, keepdims=True)
    lse = top + np.log(np.exp(z - top).sum(axis=-2, keepdims=True))
    return (lse - (y * z).sum(axis=-2, keepdims=True))[..., 0, :]


def _ce_grad(a: Array, y: Array) -> Array:
    return -y / np.clip(a, _EPS, 1)


# ---------------------------------------------------------------- squared error


def _mse(a: Array, y: Array) -> Array:
    d = a - y
    return 0.5 * (d * d).sum(axis=-2)


def _mse_grad(a: Array, y: Array) -> Array:
    return a - y


LOSSES: Registry[Loss] = Registry(
    "loss",
    [
        Loss("bce", "Binary cross-entropy", "L(ŷ, y) = −(y·log ŷ + (1 − y)·log(1 − ŷ))",
             ("sigmoid",), "sigmoid", _bce, _bce_logits, _bce_grad,
             note="Convex in w, b for logistic regression; the maximum-likelihood loss."),
        Loss("cross_entropy", "Cross-entropy", "L(ŷ, y) = −Σₖ yₖ·log ŷₖ",
             ("softmax",), "softmax", _ce, _ce_logits, _ce_grad,
             note="Over one-hot y; with softmax, dZ = A − Y."),
        Loss("mse", "Squared error", "L(ŷ, y) = ½(ŷ − y)²",
             ("linear", "tanh", "sigmoid"), "linear", _mse, _mse, _mse_grad,
             note="For regression; with a sigmoid output the cost is non-convex."),
    ],
)
