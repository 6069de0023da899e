"""What a session reports: cost, data term and accuracy per split, and when a run has diverged."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from app.nn.network import Network, predicted_labels
from app.nn.units import LayerUnits, unit_report

from .problem import Problem

Array = np.ndarray
EXPLODED = 1e6  # a weight beyond this counts as diverged, even while still finite
# The cost "blew up": more than BLOWUP × the cost at the initial weights (and above BLOWUP_FLOOR).
# Catches a too-large learning rate that bounces the cost ever higher long before a float32
# overflows; BCE ≥ 10 means the right class gets probability e^−10 on average.
BLOWUP, BLOWUP_FLOOR = 10.0, 10.0


@dataclass(frozen=True)
class SplitMetrics:
    cost: float  # J = mean loss + R(W)
    loss: float  # the data term alone
    accuracy: float | None


@dataclass(frozen=True)
class Metrics:
    train: SplitMetrics
    test: SplitMetrics
    grad_norms: list[float] | None  # ‖dW[l]‖ of the last update; None before the first

    @property
    def finite(self) -> bool:
        return math.isfinite(self.train.cost) and math.isfinite(self.test.cost)

    def history_row(self) -> dict[str, Any]:
        return {"train_cost": self.train.cost, "test_cost": self.test.cost, "train_loss": self.train.loss,
                "test_loss": self.test.loss, "train_accuracy": self.train.accuracy,
                "test_accuracy": self.test.accuracy, "grad_norms": self.grad_norms}


def evaluate(net: Network, problem: Problem, regularization: str, rate: float,
             grad_norms: list[float] | None, outputs: tuple[Array, Array] | None = None) -> Metrics:
    """Loss and accuracy over both splits at the current weights: one forward pass for both.
    `outputs` is that pass, (per-example loss, A[L]), when a comparison ran it for all variants."""
    p = problem
    with np.errstate(all="ignore"):
        # (n_train + n_test,), (n_out, n_train + n_test)
        per, out = outputs if outputs is not None else net.example_losses(p.x_all, p.y_all)
        penalty = net.penalty(regularization, rate)
        n = p.n_train
        correct = None
        if p.labels_all is not None:
            correct = predicted_labels(out, net.spec.output_activation) == p.labels_all
        train = _split(per[:n], penalty, None if correct is None else correct[:n])
        test = _split(per[n:], penalty, None if correct is None else correct[n:])
    return Metrics(train, test, grad_norms)


def units(net: Network, problem: Problem) -> list[LayerUnits]:
    """Each hidden layer's dead, saturated and distinct units over the training points (the points a
    unit learns from). One forward pass over x_all, whose buffers evaluate() keeps anyway."""
    with np.errstate(all="ignore"):
        acts = net.hidden_activations(problem.x_all)  # (n[l], n_train + n_test) each
    return unit_report(net, [a[:, :problem.n_train] for a in acts])


def recent_grad_norms(rows: list[list[float] | None], epochs: int) -> list[float | None] | None:
    """Per layer, the mean ‖dW[l]‖ over the last `epochs` history rows: one update's norms jump
    with its mini-batch, their mean over a few epochs is what a layer's gradient size is."""
    recent = np.array([r for r in rows[-epochs:] if r], dtype=np.float64)  # (epochs, layers)
    if recent.size == 0:
        return None
    with np.errstate(all="ignore"):
        finite = np.where(np.isfinite(recent), recent, np.nan)
        counts = np.isfinite(finite).sum(axis=0)
        sums = np.nansum(finite, axis=0)
    return [float(t / c) if c else None for t, c in zip(sums, counts, strict=True)]


def largest_weight(params: Array) -> float:
    """max |θ| (NaN if any is NaN; abs and max never warn)."""
    return float(np.abs(params).max())


def blown_up(m: Metrics, largest: float, initial_cost: float) -> bool:
    """Diverged: a non-finite cost, a weight past EXPLODED (largest = max |θ|), or a cost that
    blew up."""
    too_big = not largest < EXPLODED  # NaN compares False: too big
    return too_big or not m.finite or m.train.cost > max(BLOWUP * initial_cost, BLOWUP_FLOOR)


class Measured(NamedTuple):
    """One variant's epoch-end measurements, taken for every variant of a comparison at once."""

    per: Array  # per-example data loss (N,), over problem.x_all
    out: Array  # outputs A[L] (n_out, N)
    grad_norms: list[float] | None
    largest_weight: float


def _split(per: Array, penalty: float, correct: Array | None) -> SplitMetrics:
    # summed in float64 (a float32 sum of thousands of losses drifts); reductions without the
    # temporaries of astype/mean: this runs every epoch for every variant
    loss = float(np.add.reduce(per, dtype=np.float64)) / per.size if per.size else 0.0
    acc = None if correct is None or correct.size == 0 else np.count_nonzero(correct) / correct.size
    return SplitMetrics(loss + penalty, loss, acc)
