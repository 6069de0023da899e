"""The mini-batch trainer: bookkeeping, one update against the formulas, dropout, and learning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from app.nn.activations import HIDDEN_ACTIVATIONS
from app.nn.losses import LOSSES
from app.nn.network import LayerSpec, Network, NetworkSpec, encode_targets, predicted_labels
from app.nn.optimizers import OPTIMIZERS
from app.nn.trainer import Trainer, TrainSettings

PAIRS = [(out, loss.name) for loss in LOSSES.values() for out in loss.outputs]


def _net(hidden=("tanh", "tanh"), units=(5, 4), output="sigmoid", loss="bce", n_in=2,
         dtype=np.float32, init_seed=0) -> Network:
    n_out = 3 if output == "softmax" else 1
    spec = NetworkSpec(n_in, tuple(LayerSpec(u, h) for u, h in zip(units, hidden, strict=True)),
                       n_out, output, loss)
    net = Network(spec, dtype)
    rng = np.random.default_rng(init_seed)
    net.initialize("xavier", rng)
    # non-zero biases, so that anything wrongly done to them (decay, scaling) shows
    net.set_layers([(w, rng.normal(0.0, 0.3, b.shape)) for w, b in net.get_layers()])
    return net


def _data(n: int, n_in: int = 2, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, (n_in, n)).astype(np.float32)
    y = (x[0] * x[1] > 0).astype(np.int64)
    return x, y


def _trainer(net: Network, x, y_labels, seed: int = 2, **settings) -> Trainer:
    y = encode_targets(y_labels, net.spec.output_activation, net.spec.n_outputs, net.dtype)
    return Trainer(net, x, y, np.random.default_rng(seed), TrainSettings(**settings))


def _textbook(net: Network, oracle):
    return oracle.Textbook(net.get_layers(), [h.activation for h in net.spec.hidden],
                           net.spec.output_activation, net.spec.loss)


# ---------------------------------------------------------------- bookkeeping


def test_same_seeds_give_bit_identical_params():
    x, y = _data(50)
    runs = []
    for trainer_seed in (7, 7, 8):
        net = _net()
        t = _trainer(net, x, y, seed=trainer_seed, optimizer="adam", learning_rate=0.01,
                     batch_size=7, dropout=0.3, regularization="l2", rate=0.01)
        t.run(100)
        runs.append(net.params.copy())
    assert runs[0].dtype == np.float32
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])  # the trainer's rng really drives shuffles


def test_batch_bookkeeping_with_a_smaller_last_batch():
    x, y = _data(50)
    t = _trainer(_net(), x, y, batch_size=7)
    assert t.batch_size == 7 and t.updates_per_epoch == 8  # 7·7 + 1
    assert t.run(7) == 7
    assert (t.step, t.epoch, t.position) == (7, 0, 49)
    t.run(1)  # the last batch: one example
    assert (t.step, t.epoch, t.position) == (8, 1, 0)
    t.run(8 * 3)
    assert (t.step, t.epoch, t.position) == (32, 4, 0)
    t.reset()
    assert (t.step, t.epoch, t.position) == (0, 0, 0)


def test_every_epoch_visits_every_example_once(monkeypatch):
    n = 50
    x = np.vstack([np.arange(n), np.zeros(n)]).astype(np.float32)  # feature 0 = example index
    y = np.arange(n) % 2  # so the target of each example is known from its index
    net = _net()
    t = _trainer(net, x, y, batch_size=7)
    seen: list[tuple[np.ndarray, np.ndarray]] = []
    real = net.backward

    def spy(a0, yb, ws, scale):
        seen.append((a0[0].copy(), yb[0].copy()))
        return real(a0, yb, ws, scale)

    monkeypatch.setattr(net, "backward", spy)
    t.run(3 * t.updates_per_epoch)
    assert [len(idx) for idx, _ in seen] == [7] * 7 + [1] + [7] * 7 + [1] + [7] * 7 + [1]
    orders = []
    for epoch in range(3):
        batch = seen[8 * epoch: 8 * epoch + 8]
        idx = np.concatenate([i for i, _ in batch]).astype(np.int64)
        targets = np.concatenate([tb for _, tb in batch])
        assert sorted(idx) == list(range(n))  # each example exactly once
        np.testing.assert_array_equal(targets, idx % 2)  # x and y shuffled together
        orders.append(idx)
    assert not np.array_equal(orders[0], orders[1])  # reshuffled every epoch


def test_full_batch_and_too_large_batch():
    x, y = _data(12)
    t = _trainer(_net(), x, y, batch_size=None)
    assert t.batch_size == 12 and t.updates_per_epoch == 1
    t.run(3)
    assert (t.step, t.epoch, t.position) == (3, 3, 0)
    with pytest.raises(ValueError, match="batch_size"):
        _trainer(_net(), x, y, batch_size=13)


def test_on_epoch_can_stop_the_run():
    x, y = _data(20)
    t = _trainer(_net(), x, y, batch_size=5)
    calls = []

    def on_epoch() -> bool:
        calls.append(t.epoch)
        return len(calls) < 2

    assert t.run(100, on_epoch) == 8
    assert calls == [1, 2] and t.step == 8


def test_configure_changing_lr_keeps_optimizer_state():
    x, y = _data(20)
    t = _trainer(_net(), x, y, optimizer="adam", learning_rate=0.01)
    t.run(3)
    updater = t.updater
    m_before = updater.m.copy()
    t.configure(TrainSettings(optimizer="adam", learning_rate=0.001))
    assert t.updater is updater and updater.t == 3 and updater.lr == 0.001
    np.testing.assert_array_equal(updater.m, m_before)
    t.configure(TrainSettings(optimizer="momentum", learning_rate=0.001, hyper={"beta": 0.5}))
    assert t.updater is not updater and t.updater.beta == 0.5
    assert not t.updater.v.any()


# ---------------------------------------------------------------- one update against the formulas


@pytest.mark.parametrize(("output", "loss"), PAIRS)
@pytest.mark.parametrize("hidden", ["tanh", "sigmoid"])
def test_full_batch_sgd_step_is_params_minus_lr_grad(hidden, output, loss, oracle):
    net = _net((hidden, hidden), output=output, loss=loss)
    x, _ = _data(16)
    y = oracle.targets(output, net.spec.n_outputs, 16, np.random.default_rng(3))
    t = Trainer(net, x, y.astype(np.float32), np.random.default_rng(2),
                TrainSettings(optimizer="sgd", learning_rate=0.5, batch_size=None))
    before = net.params.astype(np.float64)
    grad = oracle.flat(_textbook(net, oracle).gradient(x.astype(np.float64), y))
    t.run(1)
    np.testing.assert_allclose(net.params, before - 0.5 * grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reg", ["l1", "l2"])
def test_regularized_sgd_step_is_weight_decay(reg, oracle):
    net = _net()
    x, labels = _data(16)
    lr, lam = 0.3, 0.2
    t = _trainer(net, x, labels, optimizer="sgd", learning_rate=lr, batch_size=None,
                 regularization=reg, rate=lam)
    layers = net.get_layers()
    data_grad = _textbook(net, oracle).gradient(x.astype(np.float64), labels[None, :] * 1.0)
    t.run(1)
    for (w, b), (dw, db), (w2, b2) in zip(layers, data_grad, net.get_layers(), strict=True):
        decay = lr * lam * (w if reg == "l2" else np.sign(w))  # L2: W shrinks by a factor 1 − αλ
        want_w = w - decay - lr * dw
        np.testing.assert_allclose(w2, want_w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b2, b - lr * db, rtol=1e-5, atol=1e-6)  # biases not decayed


def test_first_adam_step_moves_each_parameter_by_lr(oracle):
    # m̂ = g and v̂ = g² after one step, so Δθ = −α·g / (|g| + ε) ≈ −α·sign(g)
    net = _net()
    x, labels = _data(16)
    t = _trainer(net, x, labels, optimizer="adam", learning_rate=0.01, batch_size=None)
    before = net.params.astype(np.float64)
    g = oracle.flat(_textbook(net, oracle).gradient(x.astype(np.float64), labels[None, :] * 1.0))
    t.run(1)
    np.testing.assert_allclose(net.params, before - 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("reg", ["none", "l2"])
def test_grad_norms_are_the_gradients_norms(optimizer, reg, oracle):
    net = _net()
    x, labels = _data(16)
    t = _trainer(net, x, labels, optimizer=optimizer, learning_rate=0.1, batch_size=None,
                 regularization=reg, rate=0.05)
    book = _textbook(net, oracle).gradient(x.astype(np.float64), labels[None, :] * 1.0, reg, 0.05)
    t.run(1)
    np.testing.assert_allclose(t.grad_norms(), [np.linalg.norm(dw) for dw, _ in book], rtol=1e-5)


# ---------------------------------------------------------------- dropout


def test_dropout_changes_training_but_not_prediction(oracle):
    x, labels = _data(40)
    params = []
    for dropout in (0.0, 0.5):
        net = _net(("relu", "relu"))
        t = _trainer(net, x, labels, batch_size=10, dropout=dropout, learning_rate=0.1)
        t.run(12)
        params.append(net.params.copy())
    assert not np.allclose(params[0], params[1])
    # evaluation never drops: predict is deterministic and equals the plain forward pass,
    # including on a batch the size of the training batches (which shares their buffers)
    xb = x[:, :10]
    first, second = net.predict(xb), net.predict(xb)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, _textbook(net, oracle).predict(xb.astype(np.float64)),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dropout", [0.2, 0.5])
def test_inverted_dropout_keeps_the_expected_activation(dropout, oracle):
    net = _net(("relu", "tanh"), units=(6, 5), dtype=np.float64)
    m = 20000
    x = np.repeat(np.array([[0.7], [-1.2]]), m, axis=1)  # one example, m times
    plain = _textbook(net, oracle).forward(x[:, :1])[0]
    ws = net.workspace(m)
    net.forward(net.augment(x), ws, dropout, np.random.default_rng(9))
    keep = 1 - dropout
    for layer, act in ((1, "relu"), (2, "tanh")):
        a = ws.acts[layer][:-1]  # (n[l], m) after dropout
        assert (ws.acts[layer][-1] == 1).all()  # the bias row is never dropped
        mask = ws.masks[layer - 1]
        assert set(np.unique(mask)) <= {0.0, 1 / keep}
        assert abs((mask == 0).mean() - dropout) < 0.01
        np.testing.assert_allclose(a, oracle.G[act](ws.zs[layer - 1]) * mask, rtol=1e-12,
                                   atol=1e-12)  # kept units scaled by 1/keep, dropped ones 0
    # E[A] unchanged: every column of layer 1 saw the same input, so its mean over m draws is
    # within 5 standard errors of the activation without dropout
    a1, want = ws.acts[1][:-1], plain[1][:, 0]
    se = np.abs(want) * np.sqrt(dropout / keep / m)
    assert (np.abs(a1.mean(axis=1) - want) <= 5 * se + 1e-12).all()
    assert (np.abs(a1.mean(axis=1) - want) > 0).any()  # it really was dropped


# Derivatives written in terms of a = g(z) (sigmoid, tanh, elu, swish) once read the *dropped*
# activation g(Z)·mask: every hidden activation is checked against the masked textbook network.
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_backprop_with_dropout_matches_the_masked_network(hidden, oracle):
    net = _net((hidden, hidden), units=(6, 5), dtype=np.float64)
    rng = np.random.default_rng(4)
    x = rng.normal(0.0, 1.0, (2, 12))
    y = rng.integers(0, 2, (1, 12)).astype(float)
    ws = net.workspace(12)
    a0 = net.augment(x)
    net.forward(a0, ws, 0.5, np.random.default_rng(5), train=True)
    net.backward(a0, y, ws, 1 / 12)
    masks = [mk.copy() for mk in ws.masks]
    want = oracle.flat(_textbook(net, oracle).gradient(x, y, masks=masks))
    assert oracle.rel_error(net.grad, want) < 1e-9


# ---------------------------------------------------------------- learning and divergence


def _accuracy(hidden: str, seed: int, oracle) -> float:
    x, labels = oracle.circle(300, seed)
    x = x.astype(np.float32)
    spec = NetworkSpec(2, (LayerSpec(4, hidden), LayerSpec(4, hidden)), 1, "sigmoid", "bce")
    net = Network(spec)
    net.initialize("he" if hidden == "relu" else "xavier", np.random.default_rng(seed))
    t = _trainer(net, x, labels, seed=seed + 10, learning_rate=0.03, batch_size=10)
    t.run(300 * t.updates_per_epoch)
    return float((predicted_labels(net.predict(x), "sigmoid") == labels).mean())


@pytest.mark.parametrize("seed", [0, 1])
def test_relu_net_learns_the_circle(seed, oracle):
    assert _accuracy("relu", seed, oracle) >= 0.95


@pytest.mark.parametrize("seed", [0, 1])
def test_linear_net_cannot_separate_the_circle(seed, oracle):
    # the classes are balanced and the best straight line scores about 67%
    assert _accuracy("linear", seed, oracle) < 0.70


@pytest.mark.parametrize(("output", "loss", "lr"), [("sigmoid", "bce", 1e3), ("linear", "mse", 10.0)])
def test_huge_learning_rate_diverges_without_warnings(output, loss, lr, oracle):
    x, labels = oracle.circle(200, 3)
    net = _net(("sigmoid", "sigmoid"), units=(4, 4), output=output, loss=loss)
    settings_before = np.geterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = _trainer(net, x.astype(np.float32), labels, learning_rate=lr, batch_size=10)
        assert t.run(200) == 200
        norms = t.grad_norms()
    assert np.geterr() == settings_before
    assert len(norms) == 3
    finite = np.isfinite(net.params)
    assert not finite.all() or np.abs(net.params).max() > 100.0
