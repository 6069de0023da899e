"""The input features a student can switch on, computed from the raw points (x₁, x₂)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from app.nn.registry import Registry


@dataclass(frozen=True)
class Feature:
    """One input unit of the network: a fixed function of the two coordinates."""

    name: str
    label: str
    formula: str
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (x1 (n,), x2 (n,)) -> (n,)


FEATURES: Registry[Feature] = Registry("feature", [
    Feature("x1", "X₁", "x₁", lambda x1, x2: x1),
    Feature("x2", "X₂", "x₂", lambda x1, x2: x2),
    Feature("x1_sq", "X₁²", "x₁²", lambda x1, x2: x1 * x1),
    Feature("x2_sq", "X₂²", "x₂²", lambda x1, x2: x2 * x2),
    Feature("x1x2", "X₁X₂", "x₁·x₂", lambda x1, x2: x1 * x2),
    Feature("sin_x1", "sin(X₁)", "sin(x₁)", lambda x1, x2: np.sin(x1)),
    Feature("sin_x2", "sin(X₂)", "sin(x₂)", lambda x1, x2: np.sin(x2)),
])
DEFAULT_FEATURES = ("x1", "x2")


def feature_matrix(x: np.ndarray, names: Sequence[str], dtype: type = np.float32) -> np.ndarray:
    """Raw points (n, 2) -> inputs (len(names), n), features × examples as the engine expects.

    Values are not rescaled: x₁² reaches 36 while sin stays within ±1, and seeing what that does
    to training is part of the lesson.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {x.shape}")
    if not names:
        raise ValueError("choose at least one input feature")
    if len(set(names)) != len(names):
        raise ValueError(f"input features repeat: {', '.join(names)}")
    fns = [FEATURES[name].fn for name in names]  # unknown names raise KeyError listing the choices
    x1, x2 = x[:, 0], x[:, 1]
    return np.stack([fn(x1, x2) for fn in fns]).astype(dtype, copy=False)  # (n_features, n)
