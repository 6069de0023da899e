"""The data sets a student can pick: one registry of seeded generators, and the train/test split."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.nn.registry import Registry

EXTENT = 6.0  # every point lies in [-EXTENT, EXTENT]²
# TF Playground's noise slider stops at 50%; our noise 1.0 means that maximum.
TF_NOISE = 0.5

Rng = np.random.Generator
XY = tuple[np.ndarray, np.ndarray]  # x (n, 2), y (n,)
Generator = Callable[[int, float, Rng, int], XY]


@dataclass(frozen=True)
class Dataset:
    """One data set: what it is called, what it teaches, and how to draw it."""

    name: str
    label: str
    kind: str  # "binary" | "multiclass" | "regression"
    description: str
    generate: Generator  # (n, noise in [0, 1], rng, classes) -> x (n, 2), y (n,)
    classes: tuple[int, int, int] | None = None  # (min, max, default) for multiclass


@dataclass(frozen=True)
class Split:
    """A data set cut into a training part and a held-out test part."""

    x_train: np.ndarray  # (n_train, 2) float64
    y_train: np.ndarray  # (n_train,) int64 or float64
    x_test: np.ndarray  # (n_test, 2)
    y_test: np.ndarray  # (n_test,)
    kind: str
    n_classes: int  # 2 for binary, K for multiclass, 0 for regression


# --- helpers


def _sizes(n: int, k: int) -> np.ndarray:
    """Class sizes that differ by at most one point, so every set is balanced by construction."""
    return np.array([n // k + (c < n % k) for c in range(k)])


def _labels(n: int, k: int) -> np.ndarray:
    return np.repeat(np.arange(k), _sizes(n, k)).astype(np.int64)


def _polar(r: np.ndarray, t: np.ndarray) -> np.ndarray:
    # The playground's convention: angle measured from the +x2 axis, x = (r sin t, r cos t).
    return np.column_stack([r * np.sin(t), r * np.cos(t)])


def _clip(x: np.ndarray) -> np.ndarray:
    return np.clip(x, -EXTENT, EXTENT).astype(np.float64)


# --- binary sets from TF Playground (dataset.ts), over [-6, 6]²


def _circle(n: int, noise: float, rng: Rng, _k: int) -> XY:
    radius = 5.0
    inner, outer = _sizes(n, 2)[::-1]  # class 1 is the inside disc
    r = np.concatenate([rng.uniform(0, 0.5 * radius, inner),
                        rng.uniform(0.7 * radius, radius, outer)])
    x = _polar(r, rng.uniform(0, 2 * np.pi, n))
    # As in the playground, noise does not move points: it relabels them by a jittered position.
    jitter = rng.uniform(-radius, radius, (n, 2)) * TF_NOISE * noise
    y = (np.hypot(*(x + jitter).T) < 0.5 * radius).astype(np.int64)
    return _clip(x), y


def _xor(n: int, noise: float, rng: Rng, _k: int) -> XY:
    # The playground draws uniform points in [-5, 5]² pushed 0.3 away from the axes; we draw the
    # same distribution conditioned on balanced clean labels (quadrant signs chosen per label).
    clean = _labels(n, 2)
    mag = rng.uniform(0, 5, (n, 2)) + 0.3  # (n, 2) distance from each axis
    sx = rng.choice([-1.0, 1.0], n)
    sy = np.where(clean == 1, sx, -sx)  # class 1: x1·x2 >= 0
    x = mag * np.column_stack([sx, sy])
    jitter = rng.uniform(-5, 5, (n, 2)) * TF_NOISE * noise
    y = ((x + jitter).prod(axis=1) >= 0).astype(np.int64)
    return _clip(x), y


def _gauss(n: int, noise: float, rng: Rng, _k: int) -> XY:
    y = _labels(n, 2)
    variance = 0.5 + 3.5 * noise  # the playground maps its noise 0..50% to variance 0.5..4
    centres = np.where(y[:, None] == 1, 2.0, -2.0)  # (n, 2): class 1 around (2, 2)
    return _clip(centres + rng.normal(0, np.sqrt(variance), (n, 2))), y


def _arms(n: int, k: int, turns: float, noise: float, rng: Rng) -> XY:
    """k interleaved spiral arms from the centre out to radius 5, with uniform jitter."""
    sizes = _sizes(n, k)
    i = np.concatenate([np.arange(m) / m for m in sizes])  # position along each arm, [0, 1)
    y = _labels(n, k)
    x = _polar(5 * i, turns * 2 * np.pi * i + 2 * np.pi * y / k)
    x += rng.uniform(-1, 1, (n, 2)) * TF_NOISE * noise
    return _clip(x), y


def _spiral(n: int, noise: float, rng: Rng, _k: int) -> XY:
    x, y = _arms(n, 2, 1.75, noise, rng)
    return x, 1 - y  # the playground's positive arm starts at angle 0


# --- binary sets from elsewhere


def _moons(n: int, noise: float, rng: Rng, _k: int) -> XY:
    # scikit-learn's make_moons: upper arc around (0, 0), lower arc around (1, 0.5).
    upper, lower = _sizes(n, 2)
    t0, t1 = np.linspace(0, np.pi, upper), np.linspace(0, np.pi, lower)
    x = np.concatenate([np.column_stack([np.cos(t0), np.sin(t0)]),
                        np.column_stack([1 - np.cos(t1), 0.5 - np.sin(t1)])])  # (n, 2)
    x += rng.normal(0, 0.3 * noise, (n, 2))  # noise 1.0 = make_moons(noise=0.3)
    # Centre the [-1, 2] × [-0.5, 1] box and scale it by 3.5 to span x1 in [-5.25, 5.25].
    return _clip((x - [0.5, 0.25]) * 3.5), _labels(n, 2)


def _flower(n: int, noise: float, rng: Rng, _k: int) -> XY:
    # The course's planar data: a rose r = 4 sin(4t), petals alternating between the classes.
    sd = 0.4 * noise  # noise 0.5 = the course's jitter of 0.2 on both angle and radius
    parts = []
    for j, m in enumerate(_sizes(n, 2)):
        t = np.linspace(j * 3.12, (j + 1) * 3.12, m) + rng.normal(0, sd, m)
        r = 4 * np.sin(4 * t) + rng.normal(0, sd, m)
        parts.append(_polar(r, t))
    return _clip(np.concatenate(parts)), _labels(n, 2)


def _random(n: int, noise: float, rng: Rng, _k: int) -> XY:
    # Labels carry no pattern, so a network can only memorise them. Noise moves points from an
    # even lattice (0) towards independent uniform positions (1), where clumps are harder to learn.
    side = int(np.ceil(np.sqrt(n)))
    cells = rng.permutation(side * side)[:n]
    lattice = (np.column_stack([cells % side, cells // side]) + 0.5) / side * 10 - 5
    x = (1 - noise) * lattice + noise * rng.uniform(-5, 5, (n, 2))
    return _clip(x), rng.permutation(_labels(n, 2))


# --- multiclass sets


def _blobs(n: int, noise: float, rng: Rng, k: int) -> XY:
    y = _labels(n, k)
    angle = 2 * np.pi * np.arange(k) / k
    centres = 3.5 * np.column_stack([np.sin(angle), np.cos(angle)])  # (k, 2) on a circle
    sd = 0.4 + 1.6 * noise  # 0.4 keeps neighbours > 5 sd apart; 2.0 matches gauss at noise 1
    return _clip(centres[y] + rng.normal(0, sd, (n, 2))), y


def _spiral_multi(n: int, noise: float, rng: Rng, k: int) -> XY:
    return _arms(n, k, 1.0, noise, rng)  # one turn: with 5 arms they stay 1 unit apart


# --- regression sets from TF Playground, targets in [-1, 1]


def _jittered_uniform(n: int, noise: float, rng: Rng) -> XY:
    """Uniform points, and the jittered places their targets are read at (TF's noise)."""
    x = rng.uniform(-EXTENT, EXTENT, (n, 2))
    return x, x + rng.uniform(-EXTENT, EXTENT, (n, 2)) * TF_NOISE * noise


def _plane(n: int, noise: float, rng: Rng, _k: int) -> XY:
    x, seen = _jittered_uniform(n, noise, rng)
    # The playground divides x1 + x2 by 10 and overshoots ±1 in the corners; 12 keeps the clean
    # plane exactly linear inside [-1, 1], so a model with no hidden layer can fit it perfectly.
    return x, np.clip(seen.sum(axis=1) / 12, -1.0, 1.0)


_BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],  # (6, 3): centre x1, x2, sign
                   [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])


def _multi_gauss(n: int, noise: float, rng: Rng, _k: int) -> XY:
    x, seen = _jittered_uniform(n, noise, rng)
    d = np.hypot(seen[:, None, 0] - _BUMPS[:, 0], seen[:, None, 1] - _BUMPS[:, 1])  # (n, 6)
    height = _BUMPS[:, 2] * np.clip(1 - d / 2, 0, 1)  # cones of radius 2, signed
    # Each point takes the bump that is largest in absolute value (the first on ties).
    return x, height[np.arange(n), np.abs(height).argmax(axis=1)].astype(np.float64)


_TF = "; noise 1.0 is TF Playground's 50% noise"

DATASETS: Registry[Dataset] = Registry("dataset", [
    Dataset("circle", "Circle", "binary",
            "A disc of one class inside a ring of the other; noise relabels points near the gap"
            + _TF + ".", _circle),
    Dataset("xor", "Exclusive or", "binary",
            "The class is the sign of x₁·x₂, one per pair of opposite quadrants; noise relabels "
            "points near the axes" + _TF + ".", _xor),
    Dataset("gauss", "Two Gaussians", "binary",
            "Two Gaussian clouds around (2, 2) and (−2, −2); noise widens them until they "
            "overlap" + _TF + ".", _gauss),
    Dataset("spiral", "Spiral", "binary",
            "Two interleaved spiral arms, the hardest of the playground's sets; noise jitters "
            "each point" + _TF + ".", _spiral),
    Dataset("moons", "Two moons", "binary",
            "Two interleaved half-moons; noise is Gaussian jitter, 1.0 being scikit-learn's "
            "make_moons(noise=0.3).", _moons),
    Dataset("flower", "Flower", "binary",
            "The course's planar 'flower': petals of a rose r = 4·sin(4t) alternate between two "
            "classes; noise 0.5 is the course's jitter of 0.2.", _flower),
    Dataset("random", "Random labels", "binary",
            "Points with coin-flip labels: nothing to learn, only to memorise; noise moves the "
            "points from an even lattice to uniform random places.", _random),
    Dataset("blobs", "Blobs", "multiclass",
            "K Gaussian blobs on a circle, one per class; noise widens them from 0.4 to 2.0 "
            "standard deviations.", _blobs, (3, 5, 3)),
    Dataset("spiral_multi", "Spiral (K arms)", "multiclass",
            "K interleaved spiral arms, one per class; noise jitters each point by up to ±0.5.",
            _spiral_multi, (3, 5, 3)),
    Dataset("plane", "Plane", "regression",
            "The target rises linearly with x₁ + x₂; noise reads it at a jittered position"
            + _TF + ".", _plane),
    Dataset("multi_gauss", "Multi Gaussian", "regression",
            "Six positive and negative bumps on a grid; noise reads the target at a jittered "
            "position" + _TF + ".", _multi_gauss),
])
# The first run solves in seconds (the default [4, 2] tanh, SGD α = 0.03, batch 10: ≥ 95 % test
# accuracy within 84 epochs in seeds 0–10, tests/teaching/test_teaching_default.py); spiral is the
# challenge one click away.
DEFAULT_DATASET = "circle"


# --- the split


def _n_classes(entry: Dataset, classes: int | None) -> int:
    if entry.classes is None:
        natural = 2 if entry.kind == "binary" else 0
        if classes not in (None, natural):
            raise ValueError(f"dataset {entry.name!r} has {natural} classes, got classes={classes}")
        return natural
    low, high, default = entry.classes
    k = default if classes is None else classes
    if not low <= k <= high:
        raise ValueError(f"dataset {entry.name!r} takes {low} to {high} classes, got {k}")
    return k


def split_points(x: np.ndarray, y: np.ndarray, kind: str, n_classes: int, train_ratio: float,
                 rng: np.random.Generator) -> Split:
    """Shuffle the points, then keep round(n·ratio) for training (at least one in each part)."""
    n = len(x)
    if n < 2 or len(y) != n:
        raise ValueError(f"need at least 2 points with one target each, got {n} and {len(y)}")
    if not 0.0 <= train_ratio <= 1.0:
        raise ValueError(f"train_ratio must be in [0, 1], got {train_ratio}")
    order = rng.permutation(n)
    n_train = min(max(round(n * train_ratio), 1), n - 1)
    tr, te = order[:n_train], order[n_train:]
    return Split(x[tr], y[tr], x[te], y[te], kind, n_classes)


def make_split(name: str, n_samples: int, noise: float, train_ratio: float, seed: int,
               classes: int | None = None) -> Split:
    """Draw a named data set and split it; the seed alone fixes every number."""
    entry = DATASETS[name]
    k = _n_classes(entry, classes)
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be in [0, 1], got {noise}")
    if n_samples < 2:
        raise ValueError(f"n_samples must be at least 2, got {n_samples}")
    rng = np.random.default_rng(seed)
    x, y = entry.generate(n_samples, noise, rng, k)
    return split_points(x, y, entry.kind, k, train_ratio, rng)
