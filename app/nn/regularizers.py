"""Weight penalties R(W), over weights only (never biases), added to the mean data loss."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .registry import Registry

Array = np.ndarray


@dataclass(frozen=True)
class Regularizer:
    name: str
    label: str
    formula: str
    penalty: Callable[[Array, float], float]  # (weights, λ) -> R
    grad: Callable[[Array, Array], Array]  # (weights, out) -> dR/dW / λ, written into out


def _none_grad(w: Array, out: Array) -> Array:
    out[...] = 0
    return out


def _l1_grad(w: Array, out: Array) -> Array:
    return np.sign(w, out=out)


def _l2_grad(w: Array, out: Array) -> Array:
    np.copyto(out, w)
    return out


REGULARIZERS: Registry[Regularizer] = Registry(
    "regularization",
    [
        Regularizer("none", "None", "R(W) = 0", lambda w, lam: 0.0, _none_grad),
        Regularizer("l1", "L1", "R(W) = λ·Σ|W|", lambda w, lam: float(lam * np.abs(w).sum()), _l1_grad),
        Regularizer("l2", "L2", "R(W) = (λ/2)·ΣW²",
                    lambda w, lam: float(0.5 * lam * (w.astype(np.float64) ** 2).sum()), _l2_grad),
    ],
)
