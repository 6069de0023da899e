"""The network's output over the [−extent, extent]² grid, and each hidden unit's own map."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from app.data.features import feature_matrix

from .session import Session

Array = np.ndarray


@lru_cache(maxsize=32)
def grid_features(resolution: int, extent: float, features: tuple[str, ...]) -> Array:
    """(n_features, r²) for the grid points, row by row from y = −extent up; read-only, cached."""
    axis = np.linspace(-extent, extent, resolution)
    x1, x2 = np.meshgrid(axis, axis)  # (r, r): row i is y = axis[i]
    points = np.column_stack([x1.ravel(), x2.ravel()])
    f = feature_matrix(points, features)
    f.setflags(write=False)
    return f


@dataclass
class Boundary:
    resolution: int
    extent: float
    kind: str
    output: Array  # binary: P(class 1) (r, r); regression: value (r, r); multiclass: (K, r, r)
    neurons: list[Array] | None  # per hidden layer (n[l], rn, rn)
    neuron_resolution: int | None

    @property
    def argmax(self) -> Array | None:
        return self.output.argmax(axis=0) if self.kind == "multiclass" else None


def compute_boundary(session: Session, resolution: int, neuron_resolution: int | None = None) -> Boundary:
    extent = session.settings.grid_extent
    feats = tuple(session.config.features)
    out_act = session.spec.output_activation
    with session.lock, np.errstate(all="ignore"):
        out = session.net.predict(grid_features(resolution, extent, feats))  # (n_out, r²)
        neurons = None
        if neuron_resolution:
            hidden = session.net.hidden_activations(grid_features(neuron_resolution, extent, feats))
            neurons = [h.reshape(-1, neuron_resolution, neuron_resolution) for h in hidden]
    r = resolution
    if session.problem.kind == "multiclass":
        grid = out.reshape(-1, r, r)
    elif session.problem.kind == "binary" and out_act == "tanh":
        grid = ((out[0] + 1) / 2).reshape(r, r)  # tanh output: map (−1, 1) to P(class 1)
    else:
        grid = out[0].reshape(r, r)
    return Boundary(r, extent, session.problem.kind, grid, neurons, neuron_resolution)
