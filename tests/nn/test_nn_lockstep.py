"""Lockstep: variants of one network trained in one stacked pass, each exactly as if alone.

Every check compares a `Lockstep` run against ordinary `Trainer.run`s of the same variants
(same data, same initial weights, same shuffle seed) and asserts bit-for-bit equality of the
parameters, the optimizer state and the bookkeeping: the engine's claim is identity, not closeness.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.lockstep import Lockstep, compatible
from app.nn.network import LayerSpec, Network, NetworkSpec, encode_targets
from app.nn.trainer import Trainer, TrainSettings

N = 60  # examples; batch 7 leaves a last batch of 4, batch 10 none


def _data(n: int = N, seed: int = 1, classes: int = 2):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, (2, n)).astype(np.float32)
    y = (x[0] * x[1] > 0).astype(np.int64) if classes == 2 else rng.integers(0, classes, n)
    return x, y


def _trainer(hidden=("tanh", "tanh"), units=(6, 5), output="sigmoid", loss="bce", data=None,
             dtype=np.float32, init_seed=0, shuffle_seed=3, **settings) -> Trainer:
    """A trainer whose initial weights depend only on the shape and init_seed (like a comparison's)."""
    x, y = data if data is not None else _data()
    n_out = 3 if output == "softmax" else 1
    spec = NetworkSpec(2, tuple(LayerSpec(u, h) for u, h in zip(units, hidden, strict=True)),
                       n_out, output, loss)
    net = Network(spec, dtype)
    rng = np.random.default_rng(init_seed)
    net.initialize("xavier", rng)
    net.set_layers([(w, rng.normal(0.0, 0.3, b.shape)) for w, b in net.get_layers()])
    targets = encode_targets(y, output, n_out, net.dtype)
    return Trainer(net, x, targets, np.random.default_rng(shuffle_seed), TrainSettings(**settings))


def _pair(variants: list[dict], **common):
    """(solo trainers, lockstep trainers): two independent but identical builds of the variants."""
    solo = [_trainer(**common, **v) for v in variants]
    lock = [_trainer(**common, **v) for v in variants]
    return solo, lock


def _state(t: Trainer) -> dict[str, object]:
    """Everything of a trainer that must match: weights, optimizer state, bookkeeping."""
    u = t.updater
    assert u is not None
    return {"params": t.net.params.copy(), "t": u.t,
            **{k: getattr(u, k).copy() for k in ("v", "s", "m") if hasattr(u, k)},
            "step": t.step, "epoch": t.epoch, "position": t.position,
            "rng": t.rng.bit_generator.state}  # the shuffle stream: where it would be alone


def _assert_same(a: Trainer, b: Trainer, what: str) -> None:
    sa, sb = _state(a), _state(b)
    assert sa.keys() == sb.keys()
    for k in sa:
        if isinstance(sa[k], np.ndarray):
            np.testing.assert_array_equal(sa[k], sb[k], err_msg=f"{what}: {k}")
        else:
            assert sa[k] == sb[k], f"{what}: {k}"


def _always(n: int):
    return _each([lambda: True] * n)


def _each(hooks):
    """Per-variant epoch hooks (True: go on) as Lockstep's on_epoch(live) -> the ones that stop."""
    return lambda live: [v for v in live if not hooks[v]()]


# ---------------------------------------------------------------- compatible()


def test_compatible_accepts_variants_that_differ_only_in_what_lockstep_handles():
    data = _data()
    ts = [_trainer(data=data),
          _trainer(data=data, hidden=("relu", "sigmoid")),
          _trainer(data=data, learning_rate=0.3),
          _trainer(data=data, optimizer="adam", learning_rate=0.01),
          _trainer(data=data, regularization="l2", rate=0.01),
          _trainer(data=data, init_seed=9, shuffle_seed=3)]
    assert compatible(ts)
    assert compatible(ts[:1])  # one variant is trivially compatible with itself


@pytest.mark.parametrize("change", [
    {"units": (6, 4)},  # another shape
    {"units": (6,), "hidden": ("tanh",)},  # another depth
    {"output": "tanh", "loss": "mse"},  # another output activation
    {"loss": "mse"},  # another loss
    {"batch_size": 5},
    {"batch_size": None},
    {"dropout": 0.2},  # dropout draws masks per variant: never stacked
    {"dtype": np.float64},
    {"data": _data(n=N + 1)},  # another number of examples
    {"data": _data(seed=2)},  # same size, other points
    {"data": (_data()[0], 1 - _data()[1])},  # same points, other labels
], ids=["units", "depth", "output", "loss", "batch", "full-batch", "dropout", "dtype", "n", "x", "y"])
def test_compatible_refuses_anything_that_would_change_the_batches_or_products(change):
    base = _trainer()
    other = _trainer(**change)
    assert not compatible([base, other])
    assert not compatible([other, base])
    with pytest.raises(ValueError, match="variants differ"):
        Lockstep([base, other])


def test_dropout_on_every_variant_is_still_refused():
    assert not compatible([_trainer(dropout=0.1), _trainer(dropout=0.1)])


# ---------------------------------------------------------------- Lockstep.run == Trainer.run

CASES = {
    "sgd": [{"learning_rate": 0.03}, {"learning_rate": 0.3}, {"learning_rate": 1.0}],
    "momentum": [{"optimizer": "momentum", "learning_rate": 0.1},
                 {"optimizer": "momentum", "learning_rate": 0.05, "hyper": {"beta": 0.5}}],
    "adam": [{"optimizer": "adam", "learning_rate": 0.01},
             {"optimizer": "adam", "learning_rate": 0.003, "hyper": {"beta1": 0.8}}],
    "rmsprop": [{"optimizer": "rmsprop", "learning_rate": 0.01}, {"optimizer": "rmsprop", "learning_rate": 0.001}],
    "l2": [{"regularization": "l2", "rate": 0.01}, {"regularization": "l2", "rate": 0.3},
           {"regularization": "none"}],
    "l1-and-l2": [{"regularization": "l1", "rate": 0.01}, {"regularization": "l2", "rate": 0.01}],
    "mixed-optimizers": [{"learning_rate": 0.1}, {"optimizer": "momentum", "learning_rate": 0.1},
                         {"optimizer": "adam", "learning_rate": 0.01, "regularization": "l2", "rate": 0.01}],
    "mixed-activations": [{"hidden": ("sigmoid", "sigmoid")}, {"hidden": ("tanh", "tanh")},
                          {"hidden": ("relu", "relu")}, {"hidden": ("leaky_relu", "leaky_relu")},
                          {"hidden": ("elu", "gelu")}, {"hidden": ("swish", "linear")}],
    "same-activation": [{"hidden": ("relu", "relu")}, {"hidden": ("relu", "relu"), "learning_rate": 0.1}],
    "everything": [{"hidden": ("relu", "tanh"), "optimizer": "adam", "learning_rate": 0.01},
                   {"hidden": ("sigmoid", "relu"), "regularization": "l2", "rate": 0.05},
                   {"hidden": ("tanh", "tanh"), "init_seed": 7, "learning_rate": 0.5}],
}


@pytest.mark.parametrize("batch_size", [10, 7, None], ids=["batch10", "batch7-remainder4", "full"])
@pytest.mark.parametrize("case", list(CASES))
def test_lockstep_run_equals_trainer_run_bit_for_bit(case, batch_size):
    solo, lock = _pair(CASES[case], batch_size=batch_size)
    n_updates = 3 * solo[0].updates_per_epoch + 2  # through epoch ends and into a fourth epoch
    for t in solo:
        assert t.run(n_updates) == n_updates
    ls = Lockstep(lock)
    ls.run(n_updates, list(range(len(lock))), _always(len(lock)))
    for i, (a, b) in enumerate(zip(solo, lock, strict=True)):
        _assert_same(a, b, f"{case} variant {i}")
    # the nets still read their weights from the stack, and a second run continues identically
    for t in solo:
        t.run(5)
    ls.run(5, list(range(len(lock))), _always(len(lock)))
    for i, (a, b) in enumerate(zip(solo, lock, strict=True)):
        _assert_same(a, b, f"{case} variant {i}, second run")
        np.testing.assert_array_equal(b.net.params, ls.params[i])


@pytest.mark.parametrize("output, loss", [("tanh", "mse"), ("sigmoid", "mse")])
def test_non_fused_outputs_are_bit_identical_too(output, loss):
    variants = [{"hidden": ("tanh", "relu")}, {"hidden": ("relu", "relu"), "learning_rate": 0.1}]
    solo, lock = _pair(variants, output=output, loss=loss)
    for t in solo:
        t.run(23)
    Lockstep(lock).run(23, [0, 1], _always(2))
    for i, (a, b) in enumerate(zip(solo, lock, strict=True)):
        _assert_same(a, b, f"{output}/{loss} variant {i}")


def test_float64_networks_are_bit_identical_too():
    variants = [{"hidden": ("tanh", "relu")}, {"optimizer": "adam", "learning_rate": 0.01}]
    solo, lock = _pair(variants, dtype=np.float64)
    for t in solo:
        t.run(17)
    Lockstep(lock).run(17, [0, 1], _always(2))
    for i, (a, b) in enumerate(zip(solo, lock, strict=True)):
        _assert_same(a, b, f"float64 variant {i}")


@pytest.mark.parametrize("batch_size, n", [(1, 20), (10, 51)], ids=["batch1", "last-batch-of-one"])
def test_batches_of_one_example_are_bit_identical(batch_size, n):
    data = _data(n=n)
    variants = [{"hidden": ("tanh", "tanh")}, {"hidden": ("relu", "relu")}]
    solo, lock = _pair(variants, units=(8, 8), data=data, batch_size=batch_size)
    n_updates = 8 * solo[0].updates_per_epoch
    for t in solo:
        t.run(n_updates)
    Lockstep(lock).run(n_updates, [0, 1], _always(2))
    for i, (a, b) in enumerate(zip(solo, lock, strict=True)):
        _assert_same(a, b, f"batch {batch_size} of {n}, variant {i}")


def test_softmax_outputs_are_bit_identical():
    variants = [{"hidden": ("tanh", "tanh")}, {"hidden": ("relu", "relu")}]
    solo, lock = _pair(variants, output="softmax", loss="cross_entropy", data=_data(classes=3))
    for t in solo:
        t.run(12)
    Lockstep(lock).run(12, [0, 1], _always(2))
    for i, (a, b) in enumerate(zip(solo, lock, strict=True)):
        _assert_same(a, b, f"softmax variant {i}")


# ---------------------------------------------------------------- evaluation of every variant at once


@pytest.mark.parametrize("output, loss, classes", [("sigmoid", "bce", 2), ("softmax", "cross_entropy", 3),
                                                   ("linear", "mse", 2), ("tanh", "mse", 2), ("sigmoid", "mse", 2)])
@pytest.mark.parametrize("m", [1, 37, 500])
def test_stacked_example_losses_equal_each_network_alone(output, loss, classes, m):
    # a comparison records every variant's epoch from one stacked pass: each row must be exactly
    # what the variant's own network computes (its history and metrics are compared with solo runs)
    variants = CASES["mixed-activations"]
    _, lock = _pair(variants, output=output, loss=loss, data=_data(classes=classes))
    ls = Lockstep(lock)
    ls.run(9, list(range(len(lock))), _always(len(lock)))  # weights that differ between variants
    x, labels = _data(n=m, seed=5, classes=classes)
    n_out = 3 if output == "softmax" else 1
    y = encode_targets(labels, output, n_out, np.float32)
    per, out = ls.example_losses(x, y)
    assert per.shape == (len(lock), m) and out.shape == (len(lock), n_out, m)
    for v, t in enumerate(lock):
        alone_per, alone_out = t.net.example_losses(x, y)
        np.testing.assert_array_equal(per[v], alone_per, err_msg=f"variant {v} loss")
        np.testing.assert_array_equal(out[v], alone_out, err_msg=f"variant {v} output")


@pytest.mark.parametrize("case", ["mixed-activations", "mixed-optimizers", "everything"])
def test_stacked_gradient_norms_and_largest_weights_equal_each_trainers(case):
    _, lock = _pair(CASES[case], batch_size=7)
    ls = Lockstep(lock)
    ls.run(13, list(range(len(lock))), _always(len(lock)))
    assert ls.grad_norms() == [t.grad_norms() for t in lock]  # exactly: recorded in each history
    assert ls.largest_weights() == [float(np.abs(t.net.params).max()) for t in lock]


def test_a_poisoned_variant_does_not_change_the_others_stacked_evaluation():
    _, lock = _pair(CASES["mixed-activations"][:4])
    ls = Lockstep(lock)
    x, labels = _data(n=50, seed=5)
    y = encode_targets(labels, "sigmoid", 1, np.float32)
    clean = ls.example_losses(x, y)[0].copy()
    ls.params[1, :] = np.nan
    per, _ = ls.example_losses(x, y)
    assert np.isnan(per[1]).all()
    np.testing.assert_array_equal(np.delete(per, 1, axis=0), np.delete(clean, 1, axis=0))


# ---------------------------------------------------------------- frozen variants


@pytest.mark.parametrize("case", ["sgd", "momentum", "adam", "mixed-optimizers"])
def test_variants_left_out_of_live_keep_weights_and_optimizer_state_exactly(case):
    variants = [*CASES[case], {"optimizer": "momentum", "learning_rate": 0.2}]
    solo, lock = _pair(variants, batch_size=7)
    ls = Lockstep(lock)
    everyone = list(range(len(lock)))
    ls.run(11, everyone, _always(len(lock)))  # some optimizer state to keep
    for t in solo:
        t.run(11)
    frozen = {1, len(lock) - 1}
    before = {v: _state(lock[v]) for v in frozen}
    live = [v for v in everyone if v not in frozen]
    ls.run(20, live, _always(len(lock)))
    for v in live:
        solo[v].run(20)
    for v in everyone:
        _assert_same(solo[v], lock[v], f"{case} variant {v}")  # frozen: as after 11 updates
    for v in frozen:
        after = _state(lock[v])
        for k, value in before[v].items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(after[k], value, err_msg=k)
            else:
                assert after[k] == value, k


def test_a_variant_frozen_by_on_epoch_stops_where_a_solo_run_stops():
    variants = CASES["mixed-optimizers"]
    solo, lock = _pair(variants, batch_size=10)
    per = solo[0].updates_per_epoch
    stop_after = {1: 2}  # variant 1 says stop at the end of its 2nd epoch

    def hook(t: Trainer, v: int):
        return lambda: t.epoch < stop_after.get(v, 10**9)

    total = 5 * per + 3
    taken = [t.run(total, hook(t, v)) for v, t in enumerate(solo)]
    assert taken == [total, 2 * per, total]
    Lockstep(lock).run(total, [0, 1, 2], _each([hook(t, v) for v, t in enumerate(lock)]))
    for v, (a, b) in enumerate(zip(solo, lock, strict=True)):
        _assert_same(a, b, f"variant {v}")
    assert (lock[1].step, lock[1].epoch) == (2 * per, 2)


def test_the_lead_variant_freezing_hands_the_shuffle_to_the_next_one():
    # variant 0 drives the shuffle; when it stops, the others must go on with their own streams
    variants = [{"hidden": ("relu", "relu")}, {"hidden": ("tanh", "tanh")}, {"learning_rate": 0.1}]
    solo, lock = _pair(variants, batch_size=7)
    per = solo[0].updates_per_epoch

    def hook(t: Trainer, v: int):
        return (lambda: t.epoch < 1) if v == 0 else (lambda: True)

    total = 4 * per
    for v, t in enumerate(solo):
        t.run(total, hook(t, v))
    Lockstep(lock).run(total, [0, 1, 2], _each([hook(t, v) for v, t in enumerate(lock)]))
    for v, (a, b) in enumerate(zip(solo, lock, strict=True)):
        _assert_same(a, b, f"variant {v}")


def test_leaving_out_the_lead_in_the_middle_of_an_epoch_keeps_the_others_exact():
    variants = [{"learning_rate": 0.3}, {"hidden": ("relu", "relu")}, {"learning_rate": 0.1}]
    solo, lock = _pair(variants, batch_size=7)
    ls = Lockstep(lock)
    ls.run(3, [0, 1, 2], _always(3))  # mid-epoch: position 21 of 60
    ls.run(4, [1, 2], _always(3))  # variant 0 left out, as a diverged variant is
    solo[0].run(3)
    for t in solo[1:]:
        t.run(7)
    for v, (a, b) in enumerate(zip(solo, lock, strict=True)):
        _assert_same(a, b, f"variant {v}")


def test_nothing_live_is_a_no_op():
    _, lock = _pair(CASES["sgd"])
    ls = Lockstep(lock)
    before = ls.params.copy()
    ls.run(10, [], _always(len(lock)))
    np.testing.assert_array_equal(ls.params, before)
    assert all(t.step == 0 for t in lock)


# ---------------------------------------------------------------- isolation


@pytest.mark.parametrize("case", ["sgd", "same-activation", "mixed-activations", "mixed-optimizers",
                                  "l2", "everything"])
@pytest.mark.parametrize("poison", [np.nan, np.inf, 1e30], ids=["nan", "inf", "huge"])
def test_a_poisoned_variant_does_not_change_any_other_result(case, poison):
    variants = CASES[case]
    solo, lock = _pair(variants, batch_size=7)
    ls = Lockstep(lock)
    bad = len(lock) - 1
    lock[bad].net.params[::3] = poison  # a row of the stack: the poison is inside the stacked products
    assert not np.isfinite(ls.params[bad]).all() or poison == 1e30
    n_updates = 2 * solo[0].updates_per_epoch + 3
    ls.run(n_updates, list(range(len(lock))), _always(len(lock)))
    for v in range(bad):
        solo[v].run(n_updates)
        _assert_same(solo[v], lock[v], f"{case}: variant {v} next to a {poison} one")
    assert lock[bad].step == n_updates  # it trained too (into NaN), but only in its own slice


def test_a_poisoned_softmax_variant_does_not_change_the_others():
    variants = [{"hidden": ("tanh", "tanh")}, {"hidden": ("relu", "relu")}]
    solo, lock = _pair(variants, output="softmax", loss="cross_entropy", data=_data(classes=3))
    ls = Lockstep(lock)
    lock[1].net.params[:] = np.nan
    ls.run(5, [0, 1], _always(2))
    solo[0].run(5)
    _assert_same(solo[0], lock[0], "softmax variant 0 next to a NaN one")


# ---------------------------------------------------------------- what the lockstep refuses, and errors


def test_an_error_mid_run_leaves_the_counters_at_the_updates_taken(fail_third_call):
    solo, lock = _pair(CASES["sgd"], batch_size=10)
    ls = Lockstep(lock)
    fail_third_call(ls, "_forward")
    with pytest.raises(RuntimeError, match="boom"):
        ls.run(5, [0, 1, 2], _always(3))
    for t in solo:
        t.run(2)  # two updates were taken before the error
    for i, (a, b) in enumerate(zip(solo, lock, strict=True)):
        _assert_same(a, b, f"variant {i}")


def test_variants_with_different_shuffle_seeds_are_not_compatible():
    lock = [_trainer(shuffle_seed=3), _trainer(shuffle_seed=4)]
    assert not compatible(lock)
    with pytest.raises(ValueError, match="shuffle seed"):
        Lockstep(lock)


def test_a_variant_left_out_cannot_come_back_at_another_step():
    _, lock = _pair(CASES["sgd"])
    ls = Lockstep(lock)
    ls.run(2, [1, 2], _always(3))  # variant 0 left out, as a diverged one is
    with pytest.raises(ValueError, match="same step"):
        ls.run(1, [0, 1, 2], _always(3))
