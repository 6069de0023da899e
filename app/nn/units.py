"""What each hidden unit is doing over a set of points: dead, saturated, or a copy of another.

Three lessons point at single units rather than at the cost: a ReLU unit whose output is 0 at
every training point gets no gradient and never comes back ("dead"); a sigmoid/tanh unit near an
asymptote has a slope near 0 ("saturated"); with all-zero initial weights every unit of a layer
gets the same gradient and stays a copy of the others (symmetry). The page shows these numbers and
the teaching tests check the same ones, so they are computed once, here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Network

Array = np.ndarray
# within 1% of an asymptote: tanh |a| > 0.99, sigmoid a < 0.005 or a > 0.995, where g′ is < 2% of its peak
SATURATION = 0.99
SAME_UNIT = 1e-6  # rows of [W | b] closer than this (relative to their size) are the same unit


@dataclass(frozen=True)
class LayerUnits:
    units: int
    dead: list[int]  # units whose output is exactly 0 at every point
    saturated: float | None  # share of (unit, point) pairs within 1% of an asymptote; None: g has none
    distinct: int  # units that differ: units with equal rows of [W | b] count once


def saturated_share(a: Array, bounds: tuple[float, float]) -> float:
    """Share of the entries of a (units, points) within 1% of either asymptote."""
    lo, hi = bounds
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    return float(np.count_nonzero(np.abs(a - mid) > SATURATION * half)) / max(a.size, 1)


def distinct_rows(wb: Array) -> int:
    """How many different rows (units) a layer's [W | b] (n, k) has, equal within SAME_UNIT: each row
    counts unless it equals a row counted before it. The comparisons are one (n, n) array, not n²
    small NumPy calls: a frame computes this for every hidden layer 10 times a second per session."""
    scale = max(1.0, float(np.abs(wb).max(initial=0.0)))
    with np.errstate(invalid="ignore"):  # inf − inf (a row with ±inf against itself) is NaN: not the same
        gaps = np.abs(wb[:, None, :] - wb[None, :, :]).max(axis=2, initial=0.0)  # (n, n)
    same = (gaps <= SAME_UNIT * scale).tolist()
    counted: list[int] = []
    for i, row in enumerate(same):
        if not any(row[j] for j in counted):
            counted.append(i)
    return len(counted)


def unit_report(net: Network, acts: list[Array]) -> list[LayerUnits]:
    """Per hidden layer, from its activations A[l] (n[l], m) over m points (net.hidden_activations)."""
    out: list[LayerUnits] = []
    for layer, a, wb in zip(net.spec.hidden, acts, net.layers, strict=False):
        g = net.spec.activations[len(out)]
        dead = np.flatnonzero(~np.any(a != 0, axis=1)).tolist() if a.shape[1] else []
        with np.errstate(invalid="ignore"):
            sat = None if g.bounds is None else saturated_share(a, g.bounds)
        out.append(LayerUnits(layer.units, dead, sat, distinct_rows(wb)))
    return out
