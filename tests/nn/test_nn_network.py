"""The network against a textbook float64 forward pass and its own cost's finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.activations import HIDDEN_ACTIVATIONS
from app.nn.gradcheck import backprop_gradient
from app.nn.losses import LOSSES
from app.nn.network import (
    LayerSpec,
    Network,
    NetworkSpec,
    encode_targets,
    predicted_labels,
)
from app.nn.regularizers import REGULARIZERS

PAIRS = [(out, loss.name) for loss in LOSSES.values() for out in loss.outputs]
PAIR_IDS = [f"{o}+{lo}" for o, lo in PAIRS]
REGS = list(REGULARIZERS)
KINKED = {"relu", "leaky_relu", "elu"}


def _spec(hidden: str, output: str, loss: str, units=(4, 3), n_in: int = 3) -> NetworkSpec:
    n_out = 3 if output == "softmax" else 2
    return NetworkSpec(n_in, tuple(LayerSpec(u, hidden) for u in units), n_out, output, loss)


def _kink_free_setup(spec: NetworkSpec, oracle, m: int = 6):
    """Layers, x, y (float64) with every hidden |z| ≥ 1e-3 and every |w| ≥ 1e-3, so that
    finite differences never straddle a ReLU or L1 kink."""
    hidden = [h.activation for h in spec.hidden]
    for seed in range(100):
        rng = np.random.default_rng(seed)
        layers = oracle.random_layers(spec.sizes, rng)
        x = rng.normal(0.0, 1.0, (spec.n_inputs, m))
        zs = oracle.Textbook(layers, hidden, spec.output_activation, spec.loss).forward(x)[1]
        weights_ok = all((np.abs(w) >= 1e-3).all() for w, _ in layers)
        if weights_ok and all((np.abs(z) >= 1e-3).all() for z in zs[:-1]):
            y = oracle.targets(spec.output_activation, spec.n_outputs, m, rng)
            return layers, x, y
    raise AssertionError("no kink-free draw")


# ---------------------------------------------------------------- shapes and layers


def test_shapes_in_the_courses_orientation():
    spec = NetworkSpec(2, (LayerSpec(5, "relu"), LayerSpec(3, "tanh")), 1, "sigmoid", "bce")
    net = Network(spec)
    assert spec.sizes == [2, 5, 3, 1]
    assert net.shapes == [(5, 3), (3, 6), (1, 4)]  # Wb[l] = [W[l] | b[l]]
    assert net.params.size == 5 * 3 + 3 * 6 + 1 * 4 == net.grad.size
    assert net.params.dtype == np.float32
    got = net.get_layers()
    assert [(w.shape, b.shape) for w, b in got] == [((5, 2), (5,)), ((3, 5), (3,)), ((1, 3), (1,))]
    assert all(w.dtype == np.float64 and b.dtype == np.float64 for w, b in got)
    assert net.weight_mask.sum() == 5 * 2 + 3 * 5 + 1 * 3


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_get_set_layers_round_trip(dtype, oracle):
    spec = _spec("tanh", "sigmoid", "bce")
    net = Network(spec, dtype)
    layers = oracle.random_layers(spec.sizes, np.random.default_rng(0))
    net.set_layers(layers)
    back = net.get_layers()
    tol = 0 if dtype == np.float64 else 1e-7
    for (w, b), (w2, b2) in zip(layers, back, strict=True):
        np.testing.assert_allclose(w2, w, rtol=tol)
        np.testing.assert_allclose(b2, b, rtol=tol)
    np.testing.assert_allclose(net.params, oracle.flat(layers), rtol=tol)
    # copies, not views
    back[0][0][...] = 99.0
    assert not (net.get_layers()[0][0] == 99.0).any()


def test_set_layers_rejects_wrong_shapes():
    net = Network(_spec("tanh", "sigmoid", "bce"))
    good = net.get_layers()
    w0, b0 = good[0]
    with pytest.raises(ValueError, match="layer 0"):
        net.set_layers([(w0.T, b0), *good[1:]])
    with pytest.raises(ValueError, match="layer 1"):
        net.set_layers([good[0], (good[1][0], np.zeros(7)), good[2]])
    with pytest.raises(ValueError):
        net.set_layers(good[:-1])  # one layer missing


@pytest.mark.parametrize("init", ["xavier", "he", "uniform", "small", "large", "zeros"])
def test_initialize_is_seeded_and_shaped(init):
    spec = _spec("relu", "sigmoid", "bce")
    a, b = Network(spec), Network(spec)
    a.initialize(init, np.random.default_rng(5))
    b.initialize(init, np.random.default_rng(5))
    np.testing.assert_array_equal(a.params, b.params)
    if init == "zeros":
        assert not a.params.any()
    else:
        assert a.params[a.weight_mask].std() > 0


# ---------------------------------------------------------------- forward


@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize(("output", "loss"), PAIRS, ids=PAIR_IDS)
def test_forward_matches_textbook(hidden, output, loss, oracle):
    spec = _spec(hidden, output, loss)
    rng = np.random.default_rng(3)
    layers = oracle.random_layers(spec.sizes, rng)
    x = rng.normal(0.0, 1.0, (3, 9))
    book = oracle.Textbook(layers, [hidden, hidden], output, loss)
    a_list, _ = book.forward(x)
    for dtype, tol in [(np.float64, 1e-12), (np.float32, 2e-5)]:
        net = Network(spec, dtype)
        net.set_layers(layers)
        out = net.predict(x.astype(dtype))
        assert out.shape == (spec.n_outputs, 9) and out.dtype == dtype
        np.testing.assert_allclose(out, a_list[-1], rtol=tol, atol=tol)
        for got, want in zip(net.hidden_activations(x.astype(dtype)), a_list[1:-1], strict=True):
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("reg", REGS)
@pytest.mark.parametrize(("output", "loss"), PAIRS, ids=PAIR_IDS)
def test_cost_matches_textbook(output, loss, reg, oracle):
    spec = _spec("tanh", output, loss)
    layers, x, y = _kink_free_setup(spec, oracle, m=8)
    net = Network(spec, np.float64)
    net.set_layers(layers)
    want = oracle.Textbook(layers, ["tanh", "tanh"], output, loss).cost(x, y, reg, 0.05)
    assert net.cost(x, y, reg, 0.05) == pytest.approx(want, rel=1e-12)
    per, out = net.example_losses(x, y)
    assert per.shape == (8,) and out.shape == y.shape


def test_linear_hidden_layers_collapse_to_one_affine_map(oracle):
    spec = NetworkSpec(2, (LayerSpec(5, "linear"), LayerSpec(4, "linear"), LayerSpec(3, "linear")),
                       1, "linear", "mse")
    layers = oracle.random_layers(spec.sizes, np.random.default_rng(4))
    w_eff, b_eff = np.eye(2), np.zeros(2)
    for w, b in layers:
        w_eff, b_eff = w @ w_eff, w @ b_eff + b
    net = Network(spec, np.float64)
    net.set_layers(layers)
    x = np.random.default_rng(5).uniform(-6, 6, (2, 50))
    np.testing.assert_allclose(net.predict(x), w_eff @ x + b_eff[:, None], rtol=1e-10, atol=1e-12)


def test_cost_is_finite_for_saturated_outputs():
    # logits of ±1e4 in float32: the cost comes from logits, never log(0)
    spec = NetworkSpec(1, (), 1, "sigmoid", "bce")
    net = Network(spec)
    net.set_layers([(np.array([[1e3]]), np.array([0.0]))])
    x = np.array([[-10.0, 10.0]], np.float32)
    y = np.array([[1.0, 1.0]], np.float32)
    assert net.cost(x, y) == pytest.approx(1e4 / 2, rel=1e-6)


# ---------------------------------------------------------------- backprop


@pytest.mark.parametrize("reg", REGS)
@pytest.mark.parametrize(("output", "loss"), PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_backprop_matches_finite_differences(hidden, output, loss, reg, oracle):
    spec = _spec(hidden, output, loss)
    layers, x, y = _kink_free_setup(spec, oracle)
    net = Network(spec, np.float64)
    net.set_layers(layers)
    analytic = backprop_gradient(net, x, y, reg, 0.05)
    numeric = oracle.numeric_gradient(lambda: net.cost(x, y, reg, 0.05), net.params)
    assert oracle.rel_error(analytic, numeric) < 1e-6
    # and against the textbook backward pass
    book = oracle.Textbook(layers, [hidden, hidden], output, loss).gradient(x, y, reg, 0.05)
    np.testing.assert_allclose(analytic, oracle.flat(book), rtol=1e-9, atol=1e-12)


def test_no_hidden_layers_is_logistic_regression():
    rng = np.random.default_rng(6)
    m = 20
    x = rng.normal(0.0, 2.0, (3, m))
    y = rng.integers(0, 2, (1, m)).astype(float)
    w, b = rng.normal(0.0, 1.0, (1, 3)), rng.normal(0.0, 1.0, 1)
    net = Network(NetworkSpec(3, (), 1, "sigmoid", "bce"), np.float64)
    net.set_layers([(w, b)])
    a = 1.0 / (1.0 + np.exp(-(w @ x + b)))
    np.testing.assert_allclose(net.predict(x), a, rtol=1e-12)
    cost = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    assert net.cost(x, y) == pytest.approx(cost, rel=1e-12)
    dz = a - y
    dw, db = x @ dz.T / m, dz.mean()  # dw = (1/m)·X·dzᵀ, db = (1/m)·Σ dz
    grad = backprop_gradient(net, x, y, "none", 0.0)
    np.testing.assert_allclose(grad, np.r_[dw.ravel(), db], rtol=1e-12, atol=1e-15)


def test_float32_backprop_close_to_float64(oracle):
    spec = _spec("tanh", "softmax", "cross_entropy")
    layers, x, y = _kink_free_setup(spec, oracle, m=10)
    want = oracle.flat(oracle.Textbook(layers, ["tanh", "tanh"], "softmax",
                                       "cross_entropy").gradient(x, y))
    net = Network(spec, np.float32)
    net.set_layers(layers)
    got = backprop_gradient(net, x.astype(np.float32), y.astype(np.float32), "none", 0.0)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------- targets and labels


def test_encode_targets_and_predicted_labels():
    y = np.array([0, 2, 1])
    np.testing.assert_array_equal(encode_targets(y, "softmax", 3),
                                  [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(encode_targets(np.array([0, 1]), "tanh", 1), [[-1.0, 1.0]])
    np.testing.assert_array_equal(encode_targets(np.array([0, 1]), "sigmoid", 1), [[0.0, 1.0]])
    np.testing.assert_array_equal(predicted_labels(np.array([[0.2, 0.7]]), "sigmoid"), [0, 1])
    np.testing.assert_array_equal(predicted_labels(np.array([[-0.1, 0.3]]), "tanh"), [0, 1])
    probs = np.array([[0.1, 0.8], [0.6, 0.1], [0.3, 0.1]])
    np.testing.assert_array_equal(predicted_labels(probs, "softmax"), [1, 0])


def test_weight_norms_are_per_layer_frobenius_norms_of_the_weights_alone():
    spec = NetworkSpec(2, (LayerSpec(5, "tanh"), LayerSpec(3, "relu")), 1, "sigmoid", "bce")
    net = Network(spec, np.float64)
    flat = np.random.default_rng(4).normal(0.0, 1.0, net.params.size)
    expected = [np.linalg.norm(wb[:, :-1]) for wb in net._views(flat)]
    np.testing.assert_allclose(net.weight_norms(flat), expected, rtol=1e-12)
    for wb in net._views(flat):
        wb[:, -1] = np.inf  # a bias that overflowed does not make a weight norm inf or NaN
    np.testing.assert_allclose(net.weight_norms(flat), expected, rtol=1e-12)


def test_backward_after_an_evaluation_forward_is_refused():
    # backward multiplies by the slopes a training forward writes; after a plain forward they would
    # belong to another batch
    spec = NetworkSpec(2, (LayerSpec(4, "tanh"),), 1, "sigmoid", "bce")
    net = Network(spec, np.float64)
    net.initialize("xavier", np.random.default_rng(0))
    x, y = np.ones((2, 3)), np.ones((1, 3))
    ws = net.workspace(3)
    a0 = net.augment(x)
    net.forward(a0, ws)
    with pytest.raises(ValueError, match="train=True"):
        net.backward(a0, y, ws, 1 / 3)
    net.forward(a0, ws, train=True)
    net.backward(a0, y, ws, 1 / 3)  # fine
