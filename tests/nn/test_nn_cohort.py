"""Cohort: unrelated trainers of one shape stepped together, each exactly as if alone.

The oracle is the solo path: every member has a twin, built identically but trained by its own
`Trainer.run` (itself gradient-checked elsewhere). Members differ in data, initial weights,
shuffle seed and learning rate; after every run, each member and its twin must agree bit for bit
in weights, gradient, optimizer state, shuffle generator state and bookkeeping.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.cohort import Cohort, cohort_compatible, cohort_key
from app.nn.network import LayerSpec, Network, NetworkSpec, encode_targets
from app.nn.trainer import Trainer, TrainSettings

N = 60  # examples; batch 7 leaves a last batch of 4, batch 10 none
M_EVAL = 37  # a member's evaluation set


def _data(n: int = N, seed: int = 1, classes: int = 2):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, (2, n)).astype(np.float32)
    y = (x[0] * x[1] > 0).astype(np.int64) if classes == 2 else rng.integers(0, classes, n)
    return x, y


def _trainer(member: int = 0, hidden=("tanh", "tanh"), units=(6, 5), output="sigmoid", loss="bce",
             n: int = N, classes: int = 2, dtype=np.float32, same_data: bool = False, **settings) -> Trainer:
    """Member `member` of a class: its own points, initial weights and shuffle seed (unless
    same_data: every member on one data set, as students on one lesson often are)."""
    x, y = _data(n, 1 if same_data else 100 + member, classes)
    n_out = 3 if output == "softmax" else 1
    spec = NetworkSpec(2, tuple(LayerSpec(u, h) for u, h in zip(units, hidden, strict=True)), n_out, output, loss)
    net = Network(spec, dtype)
    rng = np.random.default_rng(200 + member)
    net.initialize("xavier", rng)
    net.set_layers([(w, rng.normal(0.0, 0.3, b.shape)) for w, b in net.get_layers()])
    targets = encode_targets(y, output, n_out, net.dtype)
    return Trainer(net, x, targets, np.random.default_rng(300 + member), TrainSettings(**settings))


def _eval_set(member: int, output: str = "sigmoid", classes: int = 2):
    x, labels = _data(M_EVAL, 500 + member, classes)
    n_out = 3 if output == "softmax" else 1
    return x, encode_targets(labels, output, n_out, np.float32)


def _class(k: int, per_member=lambda i: {}, **common) -> tuple[list[Trainer], list[Trainer]]:
    """(solo twins, cohort members): two independent, identical builds of k members."""
    solo = [_trainer(i, **common, **per_member(i)) for i in range(k)]
    members = [_trainer(i, **common, **per_member(i)) for i in range(k)]
    return solo, members


def _state(t: Trainer) -> dict[str, object]:
    """Everything of a trainer that must match its twin."""
    u = t.updater
    assert u is not None
    return {"params": t.net.params.copy(), "grad": t.net.grad.copy(), "t": u.t,
            **{k: getattr(u, k).copy() for k in ("v", "s", "m") if hasattr(u, k)},
            "step": t.step, "epoch": t.epoch, "position": t.position,
            "rng": t.rng.bit_generator.state}


def _assert_same(a: Trainer, b: Trainer, what: str) -> None:
    sa, sb = _state(a), _state(b)
    assert sa.keys() == sb.keys()
    for k in sa:
        if isinstance(sa[k], np.ndarray):
            np.testing.assert_array_equal(sa[k], sb[k], err_msg=f"{what}: {k}")
        else:
            assert sa[k] == sb[k], f"{what}: {k}"


def _assert_all_same(solo: list[Trainer], members: list[Trainer], what: str) -> None:
    for i, (a, b) in enumerate(zip(solo, members, strict=True)):
        _assert_same(a, b, f"{what}, member {i}")


# members differ in learning rate and hyperparameters wherever the optimizer has them
OPTIMIZERS = {
    "sgd": lambda i: {"learning_rate": 0.3},
    "sgd-own-rates": lambda i: {"learning_rate": [0.03, 0.3, 1.0, 0.1, 0.5][i % 5]},
    "momentum": lambda i: {"optimizer": "momentum", "learning_rate": [0.1, 0.05][i % 2],
                           "hyper": {"beta": [0.9, 0.5, 0][i % 3]}},
    "rmsprop": lambda i: {"optimizer": "rmsprop", "learning_rate": [0.01, 0.001][i % 2],
                          "hyper": {"rho": [0.9, 0.99][i % 2]}},
    "adam": lambda i: {"optimizer": "adam", "learning_rate": [0.01, 0.003][i % 2],
                       "hyper": {"beta1": [0.9, 0.8][i % 2], "eps": [1e-8, 1e-6][i % 2]}},
    "sgd-l2": lambda i: {"learning_rate": 0.3, "regularization": "l2", "rate": [0.01, 0.3][i % 2]},
    "sgd-l1": lambda i: {"learning_rate": [0.1, 0.3][i % 2], "regularization": "l1", "rate": 0.01},
    "adam-l2": lambda i: {"optimizer": "adam", "learning_rate": 0.01, "regularization": "l2", "rate": 0.05},
}
RUNS = [3, 9 + 4, 2 * 9, 1, 5 * 9 + 2]  # batch 7 on 60: 9 updates an epoch. Mid-epoch ends, epochs spanned


def _run_both(solo: list[Trainer], cohort: Cohort, runs: list[int], what: str) -> None:
    for i, n in enumerate(runs):
        for t in solo:
            assert t.run(n) == n
        assert cohort.run(n) == n
        _assert_all_same(solo, cohort.trainers, f"{what}, after run {i} of {n}")
        assert cohort.intact()


# ---------------------------------------------------------------- Cohort.run == Trainer.run


@pytest.mark.parametrize("k", [1, 2, 5, 30])
@pytest.mark.parametrize("case", list(OPTIMIZERS))
def test_cohort_run_equals_each_trainer_alone_bit_for_bit(case, k):
    solo, members = _class(k, OPTIMIZERS[case], batch_size=7)
    _run_both(solo, Cohort(members), RUNS, f"{case}, K={k}")


@pytest.mark.parametrize("batch_size", [10, None], ids=["batch10", "full"])
@pytest.mark.parametrize("case", ["sgd-own-rates", "momentum", "adam", "sgd-l2"])
def test_other_batchings_are_bit_identical(case, batch_size):
    solo, members = _class(5, OPTIMIZERS[case], batch_size=batch_size)
    per = solo[0].updates_per_epoch
    _run_both(solo, Cohort(members), [per, 2 * per + 1, per - 1 or 1, 3 * per], f"{case}, batch {batch_size}")


@pytest.mark.parametrize("case", list(OPTIMIZERS))
def test_members_that_trained_alone_before_joining_carry_their_state_in(case):
    # students press play at different times: each joins with its own epochs, optimizer state
    # (Adam's t among it) and generator position
    solo, members = _class(5, OPTIMIZERS[case], batch_size=7)
    for i, (a, b) in enumerate(zip(solo, members, strict=True)):
        a.run(9 * i)
        b.run(9 * i)
    _run_both(solo, Cohort(members), RUNS, f"{case}, joined late")


def test_the_classroom_lesson_is_bit_identical():
    # the benchmark's shape: [8,8] tanh, 250 points, batch 10 (25 updates an epoch), 30 students
    def own(i: int) -> dict:
        return {"learning_rate": [0.03, 0.1, 0.3][i % 3]}

    solo, members = _class(30, own, units=(8, 8), n=250, batch_size=10)
    _run_both(solo, Cohort(members), [25, 25, 12, 13, 50], "lesson")


def test_members_on_the_same_data_stay_independent():
    solo, members = _class(5, OPTIMIZERS["sgd-own-rates"], same_data=True, batch_size=7)
    _run_both(solo, Cohort(members), RUNS, "same data")


@pytest.mark.parametrize("hidden", [("sigmoid", "sigmoid"), ("relu", "relu"), ("leaky_relu", "elu"),
                                    ("gelu", "swish"), ("linear", "tanh")])
def test_every_hidden_activation_is_bit_identical(hidden):
    solo, members = _class(5, OPTIMIZERS["sgd-own-rates"], hidden=hidden, batch_size=7)
    _run_both(solo, Cohort(members), [9 * 3 + 2], f"{hidden}")


@pytest.mark.parametrize("output, loss, classes", [("tanh", "mse", 2), ("sigmoid", "mse", 2),
                                                   ("linear", "mse", 2), ("softmax", "cross_entropy", 3)])
def test_every_output_and_loss_is_bit_identical(output, loss, classes):
    solo, members = _class(5, OPTIMIZERS["momentum"], output=output, loss=loss, classes=classes, batch_size=7)
    _run_both(solo, Cohort(members), [9 * 3 + 2], f"{output}/{loss}")


def test_float64_members_are_bit_identical():
    solo, members = _class(5, OPTIMIZERS["adam"], dtype=np.float64, batch_size=7)
    _run_both(solo, Cohort(members), [3, 20], "float64")


@pytest.mark.parametrize("batch_size, n", [(1, 20), (10, 51)], ids=["batch1", "last-batch-of-one"])
def test_batches_of_one_example_are_bit_identical(batch_size, n):
    solo, members = _class(5, OPTIMIZERS["sgd-own-rates"], units=(8, 8), n=n, batch_size=batch_size)
    per = solo[0].updates_per_epoch
    _run_both(solo, Cohort(members), [3, 2 * per], f"batch {batch_size} of {n}")


# ---------------------------------------------------------------- measurements at epoch ends


@pytest.mark.parametrize("output, loss, classes", [("sigmoid", "bce", 2), ("softmax", "cross_entropy", 3),
                                                   ("tanh", "mse", 2)])
@pytest.mark.parametrize("case", ["sgd-own-rates", "adam"])
def test_epoch_end_measurements_equal_each_member_alone(case, output, loss, classes):
    solo, members = _class(5, OPTIMIZERS[case], output=output, loss=loss, classes=classes, batch_size=7)
    evals = [_eval_set(i, output, classes) for i in range(5)]
    alone: list[list[tuple]] = [[] for _ in solo]

    def record(i: int, t: Trainer):
        def hook() -> bool:
            per, out = t.net.example_losses(*evals[i])
            alone[i].append((per.copy(), out.copy(), t.grad_norms(), float(np.abs(t.net.params).max())))
            return True
        return hook

    for i, t in enumerate(solo):
        t.run(3 * 9 + 4, record(i, t))
    cohort = Cohort(members)
    cohort.evaluate_on([x for x, _ in evals], [y for _, y in evals])
    together: list[list[tuple]] = [[] for _ in members]

    def on_epoch(live: list[int]) -> list[int]:
        m = cohort.measure()
        for k in live:
            together[k].append((m.per[k].copy(), m.out[k].copy(), m.grad_norms[k], m.largest[k]))
        return []

    cohort.run(3 * 9 + 4, on_epoch)
    assert all(len(rows) == 3 for rows in together)
    for i, (a_rows, b_rows) in enumerate(zip(alone, together, strict=True)):
        for e, (a, b) in enumerate(zip(a_rows, b_rows, strict=True)):
            np.testing.assert_array_equal(a[0], b[0], err_msg=f"member {i} epoch {e} losses")
            np.testing.assert_array_equal(a[1], b[1], err_msg=f"member {i} epoch {e} outputs")
            assert a[2:] == b[2:], f"member {i} epoch {e} gradient norms, largest weight"


# ---------------------------------------------------------------- divergence and isolation


def _finite_hook(t: Trainer):
    return lambda: bool(np.isfinite(t.net.params).all() and np.abs(t.net.params).max() < 1e6)


@pytest.mark.parametrize("case", ["sgd-own-rates", "momentum", "adam", "sgd-l2"])
def test_a_member_that_diverges_stops_where_it_would_alone_and_the_others_go_on(case):
    def settings(i: int) -> dict:
        s = OPTIMIZERS[case](i)
        return {**s, "learning_rate": 1e8} if i == 2 else s  # member 2 blows up in its first epoch

    solo, members = _class(5, settings, batch_size=7)
    total = 4 * 9 + 3
    taken = [t.run(total, _finite_hook(t)) for t in solo]
    assert taken[2] < total and all(n == total for i, n in enumerate(taken) if i != 2)
    cohort = Cohort(members)
    hooks = [_finite_hook(t) for t in members]
    assert cohort.run(total, lambda live: [k for k in live if not hooks[k]()]) == total
    _assert_all_same(solo, members, case)
    assert cohort.live == [0, 1, 3, 4] and not cohort.bound(2)
    assert cohort.intact() and not cohort.complete  # the others may go on together
    # the one that stopped keeps its own copies: more cohort updates leave it as it was
    before = _state(members[2])
    cohort.run(11, lambda live: [])
    for t in solo[:2] + solo[3:]:
        t.run(11)
    _assert_all_same(solo, members, f"{case}, after more updates")
    np.testing.assert_array_equal(members[2].net.params, before["params"])


@pytest.mark.parametrize("poison", [np.nan, np.inf, 1e30], ids=["nan", "inf", "huge"])
@pytest.mark.parametrize("case", ["sgd", "sgd-own-rates", "momentum", "rmsprop", "adam", "sgd-l1"])
def test_a_poisoned_member_does_not_change_any_other(case, poison):
    solo, members = _class(5, OPTIMIZERS[case], batch_size=7)
    cohort = Cohort(members)
    members[3].net.params[::3] = poison  # its row of the stack: the poison is inside every stacked op
    cohort.run(2 * 9 + 3)
    for i in (0, 1, 2, 4):
        solo[i].run(2 * 9 + 3)
        _assert_same(solo[i], members[i], f"{case}: member {i} next to a {poison} one")


def test_a_poisoned_member_does_not_change_the_others_measurements():
    _, members = _class(5, OPTIMIZERS["sgd-own-rates"], batch_size=7)
    cohort = Cohort(members)
    evals = [_eval_set(i) for i in range(5)]
    cohort.evaluate_on([x for x, _ in evals], [y for _, y in evals])
    clean = cohort.measure()
    clean_per = clean.per.copy()
    members[1].net.params[:] = np.nan
    poisoned = cohort.measure()
    assert np.isnan(poisoned.per[1]).all()
    np.testing.assert_array_equal(np.delete(poisoned.per, 1, axis=0), np.delete(clean_per, 1, axis=0))
    assert [g for i, g in enumerate(poisoned.grad_norms) if i != 1] == \
        [g for i, g in enumerate(clean.grad_norms) if i != 1]


# ---------------------------------------------------------------- leaving and changes from outside


@pytest.mark.parametrize("case", ["sgd-own-rates", "momentum", "adam", "sgd-l2"])
@pytest.mark.parametrize("first", [9 * 2, 9 * 2 + 4], ids=["at-epoch-end", "mid-epoch"])
def test_a_member_that_leaves_goes_on_alone_exactly(case, first):
    solo, members = _class(5, OPTIMIZERS[case], batch_size=7)
    cohort = Cohort(members)
    for t in solo:
        t.run(first)
    cohort.run(first)
    cohort.leave(1)
    members[1].run(23)  # alone, from wherever it stood (its shuffled set went with it)
    solo[1].run(23)
    cohort.run(10)
    for i in (0, 2, 3, 4):
        solo[i].run(10)
    _assert_all_same(solo, members, case)
    assert not np.shares_memory(members[1].net.params, cohort.params)


def test_members_after_dissolve_go_on_alone_exactly():
    solo, members = _class(5, OPTIMIZERS["adam"], batch_size=7)
    cohort = Cohort(members)
    for t in solo:
        t.run(13)
    cohort.run(13)
    cohort.dissolve()
    assert cohort.live == [] and not cohort.intact()
    for a, b in zip(solo, members, strict=True):
        a.run(20)
        b.run(20)
    _assert_all_same(solo, members, "dissolved")


def test_a_solo_step_while_bound_is_exact_but_the_cohort_then_refuses_to_run():
    # a REST step on one session while its cohort is cached: it trains in place, in its rows
    solo, members = _class(3, OPTIMIZERS["momentum"], batch_size=7)
    cohort = Cohort(members)
    cohort.run(4)
    for t in solo:
        t.run(4)
    members[0].run(6)
    solo[0].run(6)
    _assert_all_same(solo, members, "solo step in place")
    assert not cohort.intact() and not cohort.bound(0) and cohort.bound(1)
    with pytest.raises(ValueError, match="changed outside"):
        cohort.run(1)


@pytest.mark.parametrize("change", ["learning_rate", "optimizer", "reset", "batch_size"])
def test_changes_from_outside_make_the_cohort_stale(change):
    _, members = _class(3, OPTIMIZERS["momentum"], batch_size=7)
    cohort = Cohort(members)
    cohort.run(9)
    assert cohort.intact()
    t = members[1]
    if change == "reset":
        t.reset()
    else:
        value = {"learning_rate": 0.5, "optimizer": "adam", "batch_size": 10}[change]
        t.configure(TrainSettings(**{**t.settings.__dict__, change: value}))
    assert not cohort.intact()


def test_an_unchanged_configure_is_still_seen_as_a_change():
    # settings are compared by identity (cheap); a PATCH that changes nothing costs a rebuild
    _, members = _class(2, OPTIMIZERS["sgd"], batch_size=7)
    cohort = Cohort(members)
    members[0].configure(TrainSettings(**members[0].settings.__dict__))
    assert not cohort.intact()


# ---------------------------------------------------------------- who may join


def test_compatible_accepts_what_differs_per_member():
    ts = [_trainer(0), _trainer(1, learning_rate=0.5), _trainer(2, same_data=True)]
    assert cohort_compatible(ts)
    assert cohort_compatible(ts[:1])
    assert not cohort_compatible([])


@pytest.mark.parametrize("change", [
    {"units": (6, 4)},
    {"units": (6,), "hidden": ("tanh",)},
    {"hidden": ("relu", "tanh")},  # another activation: one stacked call per layer needs one
    {"output": "tanh", "loss": "mse"},
    {"loss": "mse"},
    {"batch_size": 5},
    {"batch_size": None},
    {"dtype": np.float64},
    {"n": N + 1},
    {"optimizer": "momentum"},
    {"regularization": "l2", "rate": 0.01},
], ids=["units", "depth", "activation", "output", "loss", "batch", "full-batch", "dtype", "n", "optimizer",
        "penalty"])
def test_compatible_refuses_what_would_change_the_stacked_ops(change):
    base, other = _trainer(0, batch_size=7), _trainer(1, **{"batch_size": 7, **change})
    assert not cohort_compatible([base, other])
    with pytest.raises(ValueError, match="trainers differ"):
        Cohort([base, other])


def test_never_in_a_cohort_dropout_or_numpy_scalars():
    assert cohort_key(_trainer(0, dropout=0.1)) is None
    # a NumPy float64 learning rate promotes the solo update to float64: not a weak scalar
    assert cohort_key(_trainer(0, optimizer="momentum", learning_rate=np.float64(0.1))) is None
    assert cohort_key(_trainer(0, optimizer="momentum", learning_rate=0.1)) is not None


def test_a_member_inside_an_epoch_cannot_join():
    a, b = _trainer(0, batch_size=7), _trainer(1, batch_size=7)
    b.run(3)
    assert not cohort_compatible([a, b])
    b.run(6)  # the epoch's end
    assert cohort_compatible([a, b])


def test_an_error_mid_run_leaves_the_counters_at_the_updates_taken(fail_third_call):
    solo, members = _class(3, OPTIMIZERS["sgd-own-rates"], batch_size=7)
    cohort = Cohort(members)
    fail_third_call(cohort, "_forward")
    with pytest.raises(RuntimeError, match="boom"):
        cohort.run(5)
    for t in solo:
        t.run(2)
    _assert_all_same(solo, members, "after an error")
