"""Every registered loss against closed forms, its fused logits form and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.activations import ACTIVATIONS, OUTPUT_ACTIVATIONS
from app.nn.losses import LOSSES

NAMES = list(LOSSES)


def _sample(name: str, rng: np.random.Generator, n_out: int = 3, m: int = 12):
    """Probabilities/values a (n_out, m) away from 0 and 1, and targets y for that loss."""
    if name == "cross_entropy":
        a = rng.uniform(0.1, 1.0, (n_out, m))
        a /= a.sum(axis=0)
        y = np.zeros((n_out, m))
        y[rng.integers(0, n_out, m), np.arange(m)] = 1.0
        return a, y
    if name == "bce":
        return rng.uniform(0.05, 0.95, (n_out, m)), rng.integers(0, 2, (n_out, m)).astype(float)
    return rng.normal(0.0, 2.0, (n_out, m)), rng.normal(0.0, 1.0, (n_out, m))


def _targets_for_logits(name: str, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if name == "cross_entropy":
        y = np.zeros_like(z)
        y[rng.integers(0, z.shape[0], z.shape[1]), np.arange(z.shape[1])] = 1
        return y
    if name == "bce":
        return rng.integers(0, 2, z.shape).astype(z.dtype)
    return rng.normal(0.0, 1.0, z.shape).astype(z.dtype)


def test_pairs_are_the_courses(oracle):
    pairs = {(out, loss.name) for loss in LOSSES.values() for out in loss.outputs}
    assert pairs == set(oracle.PAIRS)
    for loss in LOSSES.values():
        assert loss.fused_output in loss.outputs
        assert set(loss.outputs) <= set(OUTPUT_ACTIVATIONS)
    assert set(oracle.LOSS) == set(NAMES) == set(oracle.DLOSS)


def test_per_example_known_values():
    col = lambda *v: np.array(v, float)[:, None]  # noqa: E731
    np.testing.assert_allclose(LOSSES["bce"].per_example(col(0.8), col(1)), [-np.log(0.8)])
    np.testing.assert_allclose(LOSSES["bce"].per_example(col(0.8), col(0)), [-np.log(0.2)])
    np.testing.assert_allclose(LOSSES["bce"].per_example(col(0.5), col(1)), [np.log(2.0)])
    np.testing.assert_allclose(
        LOSSES["cross_entropy"].per_example(col(0.2, 0.7, 0.1), col(0, 1, 0)), [-np.log(0.7)])
    np.testing.assert_allclose(LOSSES["mse"].per_example(col(1.5, -0.5), col(1.0, 0.0)), [0.25])


@pytest.mark.parametrize("name", NAMES)
def test_per_example_matches_closed_form(name, oracle):
    a, y = _sample(name, np.random.default_rng(0))
    per = LOSSES[name].per_example(a, y)
    assert per.shape == (a.shape[1],)
    np.testing.assert_allclose(per, oracle.LOSS[name](a, y), rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_from_logits_equals_per_example_of_output(name, oracle):
    loss = LOSSES[name]
    rng = np.random.default_rng(1)
    z = rng.uniform(-5.0, 5.0, (3, 20))
    y = _targets_for_logits(name, z, rng)
    expected = oracle.LOSS[name](oracle.G[loss.fused_output](z), y)
    np.testing.assert_allclose(loss.from_logits(z, y), expected, rtol=1e-10)
    np.testing.assert_allclose(loss.per_example(ACTIVATIONS[loss.fused_output](z), y), expected,
                               rtol=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_from_logits_float32_extremes_finite(name):
    loss = LOSSES[name]
    rng = np.random.default_rng(2)
    z = rng.choice(np.array([-1e4, -1e3, -30.0, 0.0, 30.0, 1e3, 1e4], np.float32), (3, 40))
    y = _targets_for_logits(name, z, rng)
    per = loss.from_logits(z, y)
    assert np.isfinite(per).all()
    assert (per >= 0).all()


def test_from_logits_extremes_have_the_right_size():
    # confidently wrong by |z| costs |z|; confidently right costs ~0
    z = np.array([[-1e4, 1e4, -1e4]], np.float32)
    y = np.array([[1.0, 1.0, 0.0]], np.float32)
    np.testing.assert_allclose(LOSSES["bce"].from_logits(z, y), [1e4, 0.0, 0.0], atol=1e-3)
    z = np.array([[1e4, 1e4], [-1e4, 0.0]], np.float32)
    y = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    np.testing.assert_allclose(LOSSES["cross_entropy"].from_logits(z, y), [2e4, 0.0], atol=1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_grad_matches_finite_differences(name):
    loss, h = LOSSES[name], 1e-6
    a, y = _sample(name, np.random.default_rng(3))
    numeric = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[idx] += h
        down[idx] -= h
        j = idx[1]
        numeric[idx] = (loss.per_example(up, y)[j] - loss.per_example(down, y)[j]) / (2 * h)
    np.testing.assert_allclose(loss.grad(a, y), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_grad_matches_closed_form(name, oracle):
    a, y = _sample(name, np.random.default_rng(4))
    np.testing.assert_allclose(LOSSES[name].grad(a, y), oracle.DLOSS[name](a, y), rtol=1e-10)
