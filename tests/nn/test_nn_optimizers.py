"""Every registered optimizer's first updates against the formulas, worked out in the test."""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.optimizers import OPTIMIZERS


def _reference(name: str, theta: np.ndarray, grads: list[np.ndarray], lrs: list[float],
               hyper: dict[str, float]) -> list[np.ndarray]:
    """θ after each update, written straight from the formulas, float64."""
    theta = theta.astype(np.float64).copy()
    v = np.zeros_like(theta)  # momentum's v, RMSProp's s, Adam's v
    m = np.zeros_like(theta)
    out = []
    for t, (g, lr) in enumerate(zip(grads, lrs, strict=True), start=1):
        if name == "sgd":
            theta = theta - lr * g
        elif name == "momentum":
            v = hyper["beta"] * v + (1 - hyper["beta"]) * g
            theta = theta - lr * v
        elif name == "rmsprop":
            v = hyper["rho"] * v + (1 - hyper["rho"]) * g**2
            theta = theta - lr * g / (np.sqrt(v) + hyper["eps"])
        elif name == "adam":
            b1, b2 = hyper["beta1"], hyper["beta2"]
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g**2
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
            theta = theta - lr * m_hat / (np.sqrt(v_hat) + hyper["eps"])
        else:
            raise AssertionError(f"no reference for optimizer {name!r}: add one")
        out.append(theta.copy())
    return out


# non-default hyperparameters, so a hard-coded default cannot pass by accident
CUSTOM = {"sgd": {}, "momentum": {"beta": 0.8}, "rmsprop": {"rho": 0.7, "eps": 1e-6},
          "adam": {"beta1": 0.8, "beta2": 0.95, "eps": 1e-6}}
NAMES = list(OPTIMIZERS)


def _apply(updater, params: np.ndarray, grad: np.ndarray, lr: float) -> None:
    # SGD folds α into the gradient: its update expects α·g
    updater.update(params, (lr * grad).astype(params.dtype) if updater.folds_lr else grad)


def test_every_optimizer_has_a_reference():
    assert set(NAMES) == set(CUSTOM)


@pytest.mark.parametrize("name", NAMES)
def test_defaults_match_the_updater(name):
    kind = OPTIMIZERS[name]
    updater = kind.make(3, np.dtype(np.float64))
    for p in kind.params:
        assert getattr(updater, p.name) == p.default
        p.check(p.default)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("hyper_source", ["defaults", "custom"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_first_two_updates(name, hyper_source, dtype):
    kind = OPTIMIZERS[name]
    hyper = kind.defaults if hyper_source == "defaults" else CUSTOM[name]
    rng = np.random.default_rng(0)
    theta0 = rng.normal(0.0, 1.0, 7)
    g1, g2 = rng.normal(0.0, 1.0, 7), rng.normal(0.0, 1.0, 7)
    g2[0] = 0.0  # a zero gradient entry, where only state moves θ
    lr = 0.05
    expected = _reference(name, theta0, [g1, g2], [lr, lr], {**kind.defaults, **hyper})

    updater = kind.make(7, np.dtype(dtype))
    updater.configure(lr, **hyper)
    params = theta0.astype(dtype)
    tol = {"rtol": 1e-12, "atol": 1e-14} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-6}
    for g, want in zip([g1, g2], expected, strict=True):
        _apply(updater, params, g.astype(dtype), lr)
        assert params.dtype == dtype
        np.testing.assert_allclose(params, want, **tol)


@pytest.mark.parametrize("name", NAMES)
def test_configure_changing_lr_keeps_state(name):
    kind = OPTIMIZERS[name]
    rng = np.random.default_rng(1)
    theta0, g1, g2 = rng.normal(0.0, 1.0, (3, 5))
    expected = _reference(name, theta0, [g1, g2], [0.1, 0.02], kind.defaults)

    updater = kind.make(5, np.dtype(np.float64))
    updater.configure(0.1, **kind.defaults)
    params = theta0.copy()
    _apply(updater, params, g1, 0.1)
    updater.configure(0.02, **kind.defaults)
    _apply(updater, params, g2, 0.02)
    np.testing.assert_allclose(params, expected[1], rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_reset_forgets_state(name):
    kind = OPTIMIZERS[name]
    rng = np.random.default_rng(2)
    theta0, g1, g2 = rng.normal(0.0, 1.0, (3, 4))
    updater = kind.make(4, np.dtype(np.float64))
    updater.configure(0.1, **kind.defaults)
    params = theta0.copy()
    _apply(updater, params, g1, 0.1)
    updater.reset()
    before = params.copy()
    _apply(updater, params, g2, 0.1)
    fresh = _reference(name, before, [g2], [0.1], kind.defaults)[0]
    np.testing.assert_allclose(params, fresh, rtol=1e-12)
