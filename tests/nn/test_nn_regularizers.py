"""Weight penalties against closed forms; biases never penalised."""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.network import LayerSpec, Network, NetworkSpec
from app.nn.regularizers import REGULARIZERS

NAMES = list(REGULARIZERS)


def test_registry_is_the_courses(oracle):
    assert set(NAMES) == set(oracle.PENALTY) == {"none", "l1", "l2"}


def test_penalty_known_values():
    w = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert REGULARIZERS["none"].penalty(w, 0.3) == 0.0
    assert REGULARIZERS["l1"].penalty(w, 0.1) == pytest.approx(0.1 * 3.5)
    assert REGULARIZERS["l2"].penalty(w, 0.1) == pytest.approx(0.05 * 5.25)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_penalty_matches_closed_form(name, dtype, oracle):
    w = np.random.default_rng(0).normal(0.0, 1.0, 50).astype(dtype)
    expected = oracle.PENALTY[name]([w.astype(np.float64)], 0.07)
    assert REGULARIZERS[name].penalty(w, 0.07) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_grad_is_derivative_over_lambda(name, oracle):
    # grad(w) is dR/dW / λ; checked against the closed form and against finite differences
    w = np.random.default_rng(1).normal(0.0, 1.0, 30)
    w[np.abs(w) < 1e-3] = 0.5  # away from L1's kink
    reg, lam, h = REGULARIZERS[name], 0.3, 1e-6
    got = reg.grad(w, np.empty_like(w)) * lam
    np.testing.assert_allclose(got, oracle.DPENALTY[name](w, lam), rtol=1e-12)
    numeric = np.array([(reg.penalty(w + h * e, lam) - reg.penalty(w - h * e, lam)) / (2 * h)
                        for e in np.eye(w.size)])
    np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_network_penalty_excludes_biases(name, oracle):
    spec = NetworkSpec(3, (LayerSpec(4, "relu"), LayerSpec(2, "tanh")), 1, "sigmoid", "bce")
    net = Network(spec, np.float64)
    rng = np.random.default_rng(2)
    layers = [(rng.normal(0.0, 1.0, w.shape), np.full(b.shape, 1e3)) for w, b in net.get_layers()]
    net.set_layers(layers)
    expected = oracle.PENALTY[name]([w for w, _ in layers], 0.01)
    assert net.penalty(name, 0.01) == pytest.approx(expected, rel=1e-12)
    assert net.penalty(name, 0.0) == 0.0
