"""Weight initialisers: draw W[l] of shape (n[l], n[l−1]) and b[l] from a seeded Generator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .registry import Registry

Array = np.ndarray
# (rng, n_out, n_in) -> (W (n_out, n_in), b (n_out,)), float64
Draw = Callable[[np.random.Generator, int, int], tuple[Array, Array]]


@dataclass(frozen=True)
class Initializer:
    name: str
    label: str
    formula: str
    draw: Draw
    note: str = ""


def _zeros(rng: np.random.Generator, n_out: int, n_in: int) -> tuple[Array, Array]:
    return np.zeros((n_out, n_in)), np.zeros(n_out)


def _uniform(rng: np.random.Generator, n_out: int, n_in: int) -> tuple[Array, Array]:
    return rng.uniform(-0.5, 0.5, (n_out, n_in)), np.full(n_out, 0.1)


def _xavier(rng: np.random.Generator, n_out: int, n_in: int) -> tuple[Array, Array]:
    return rng.normal(0.0, np.sqrt(1.0 / n_in), (n_out, n_in)), np.zeros(n_out)


def _he(rng: np.random.Generator, n_out: int, n_in: int) -> tuple[Array, Array]:
    return rng.normal(0.0, np.sqrt(2.0 / n_in), (n_out, n_in)), np.zeros(n_out)


def _small(rng: np.random.Generator, n_out: int, n_in: int) -> tuple[Array, Array]:
    return rng.normal(0.0, 0.01, (n_out, n_in)), np.zeros(n_out)


def _large(rng: np.random.Generator, n_out: int, n_in: int) -> tuple[Array, Array]:
    return rng.normal(0.0, 10.0, (n_out, n_in)), np.zeros(n_out)


INITIALIZERS: Registry[Initializer] = Registry(
    "initializer",
    [
        Initializer("xavier", "Xavier (default)", "W ~ N(0, 1/n[l−1]), b = 0", _xavier,
                    "Keeps the variance of z near 1 through tanh/sigmoid layers."),
        Initializer("he", "He", "W ~ N(0, 2/n[l−1]), b = 0", _he, "Xavier's ReLU counterpart."),
        Initializer("uniform", "Uniform (TF Playground)", "W ~ U(−0.5, 0.5), b = 0.1", _uniform),
        Initializer("small", "Small random", "W ~ N(0, 0.01²), b = 0", _small,
                    "The course's 0.01·randn: breaks symmetry, slow to start in deep nets."),
        Initializer("large", "Large random", "W ~ N(0, 10²), b = 0", _large,
                    "Saturates sigmoid/tanh from the first step."),
        Initializer("zeros", "Zeros", "W = 0, b = 0", _zeros,
                    "Every unit of a layer stays identical forever: symmetry is never broken."),
    ],
)
DEFAULT_INITIALIZER = "xavier"
