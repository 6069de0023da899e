"""gradient_check(): tiny for a correct backward pass, large for a deliberately broken one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from app.nn import network as network_module
from app.nn.activations import ACTIVATIONS
from app.nn.gradcheck import gradient_check
from app.nn.losses import LOSSES
from app.nn.network import LayerSpec, NetworkSpec

SMOOTH = ["linear", "sigmoid", "tanh", "gelu", "swish"]
PAIRS = [(out, loss.name) for loss in LOSSES.values() for out in loss.outputs]


def _problem(spec: NetworkSpec, oracle, seed: int = 0, m: int = 7):
    rng = np.random.default_rng(seed)
    layers = oracle.random_layers(spec.sizes, rng)
    x = rng.normal(0.0, 1.0, (spec.n_inputs, m)).astype(np.float32)
    y = oracle.targets(spec.output_activation, spec.n_outputs, m, rng).astype(np.float32)
    return layers, x, y


@pytest.mark.parametrize("reg", ["none", "l2"])
@pytest.mark.parametrize(("output", "loss"), PAIRS, ids=[f"{o}+{lo}" for o, lo in PAIRS])
@pytest.mark.parametrize("hidden", SMOOTH)
def test_smooth_networks_pass(hidden, output, loss, reg, oracle):
    n_out = 3 if output == "softmax" else 1
    spec = NetworkSpec(2, (LayerSpec(4, hidden), LayerSpec(3, hidden)), n_out, output, loss)
    layers, x, y = _problem(spec, oracle)
    result = gradient_check(spec, layers, x, y, reg, 0.03)
    assert result.overall < 1e-7
    assert len(result.per_layer) == 3 and max(result.per_layer) < 1e-7
    assert result.checked == sum(w.size + b.size for w, b in layers)
    assert result.epsilon == 1e-6


def test_max_params_bounds_the_work(oracle):
    spec = NetworkSpec(2, (LayerSpec(30, "tanh"), LayerSpec(30, "tanh")), 1, "sigmoid", "bce")
    layers, x, y = _problem(spec, oracle)
    result = gradient_check(spec, layers, x, y, max_params=100)
    assert result.checked == 100
    assert len(result.per_layer) == 3 and all(e < 1e-7 for e in result.per_layer)
    assert result.overall < 1e-7


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu"])
def test_corrupted_derivative_is_caught(hidden, oracle, monkeypatch):
    real = ACTIVATIONS[hidden]
    # forward_slope=None: the network then takes g' from this (wrong) derivative, not the kernel
    broken = dataclasses.replace(real, derivative=lambda z, a: 1.5 * real.derivative(z, a) + 0.1,
                                 forward_slope=None)
    # a test-local copy of the table, read by NetworkSpec.activations; the forward pass (and so
    # the finite differences) stays right, only backprop is wrong
    monkeypatch.setattr(network_module, "ACTIVATIONS", {**dict(ACTIVATIONS), hidden: broken})
    spec = NetworkSpec(2, (LayerSpec(4, hidden),), 1, "sigmoid", "bce")
    layers, x, y = _problem(spec, oracle, seed=1)
    result = gradient_check(spec, layers, x, y)
    assert result.overall > 1e-2
    assert result.per_layer[0] > 1e-2  # the hidden layer's gradient is the wrong one
    assert result.per_layer[1] < 1e-7  # the output layer's is untouched


def test_corrupted_output_gradient_is_caught(oracle, monkeypatch):
    mse = LOSSES["mse"]
    broken = dataclasses.replace(mse, grad=lambda a, y: 2.0 * (a - y))
    monkeypatch.setattr(network_module, "LOSSES", {**dict(LOSSES), "mse": broken})
    spec = NetworkSpec(2, (LayerSpec(4, "tanh"),), 1, "sigmoid", "mse")
    layers, x, y = _problem(spec, oracle, seed=2)
    assert gradient_check(spec, layers, x, y).overall > 0.1
