"""Turning engine results into response bodies: the one place floats meet JSON.

JSON has no NaN or Infinity: every float goes through `finite()` (None where not finite),
grids through `grid()` (rounded, non-finite clamped) so no response can fail to serialise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from app.training.boundary import Boundary
from app.training.metrics import Metrics, SplitMetrics
from app.training.session import Session

from .schemas import BoundaryOut, DataInfo, MetricsOut, SessionOut, SplitMetricsOut, UnstableOut

GRID_DECIMALS = 4
_CLAMP = 1e30


def finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def finite_tree(x: Any) -> Any:
    """finite() through lists (history rows hold per-layer lists)."""
    if isinstance(x, list):
        return [finite_tree(v) for v in x]
    return finite(x) if isinstance(x, float) else x


def grid(a: np.ndarray, decimals: int = GRID_DECIMALS) -> list[Any]:
    clean = np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=_CLAMP, neginf=-_CLAMP)
    return np.round(clean, decimals).tolist()


def split_metrics(m: SplitMetrics) -> SplitMetricsOut:
    return SplitMetricsOut(cost=finite(m.cost), loss=finite(m.loss), accuracy=finite(m.accuracy))


def metrics(m: Metrics) -> MetricsOut:
    norms = None if m.grad_norms is None else [finite(g) for g in m.grad_norms]
    return MetricsOut(train=split_metrics(m.train), test=split_metrics(m.test), grad_norms=norms)


def session(s: Session) -> SessionOut:
    with s.lock:
        p = s.problem
        message = None
        if s.status.value == "diverged":
            message = "diverged — reset, or lower the learning rate"
        u = s.unstable
        unstable = None if u is None else UnstableOut(since=u.since, low=finite(u.low), high=finite(u.high),
                                                      window=u.window)
        if unstable is not None:
            message = "unstable: the cost bounces without getting better — lower the learning rate"
        return SessionOut(
            id=s.id, config=s.config, status=s.status.value, epoch=s.epoch, step=s.step_count,
            metrics=metrics(s.metrics),
            data=DataInfo(kind=p.kind, n_classes=p.split.n_classes, n_train=p.n_train,
                          n_test=len(p.split.y_test), seed=s.config.dataset.seed),
            sizes=s.spec.sizes, updates_per_epoch=s.trainer.updates_per_epoch,
            diverged_at=s.diverged_at, unstable=unstable, message=message)


def boundary(b: Boundary) -> BoundaryOut:
    axis = np.linspace(-b.extent, b.extent, b.resolution)
    arg = b.argmax
    return BoundaryOut(
        resolution=b.resolution, extent=b.extent, kind=b.kind, axis=grid(axis),
        output=grid(b.output), argmax=None if arg is None else arg.tolist(),
        neuron_resolution=b.neuron_resolution,
        neurons=None if b.neurons is None else [grid(layer, 3) for layer in b.neurons])


def weights(layers: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, Any]:
    return {"layers": [{"W": w.tolist(), "b": b.tolist()} for w, b in layers]}
