"""Snapshots: a session (or comparison) saved and rebuilt goes on bit for bit as if it never stopped.

The oracle is a twin built from the same config that never stops: train N, snapshot through bytes
(`roundtrip`: capture, encode, decode, restore, what a restart does), train M more, and the copy must
equal the twin trained N + M straight in weights, optimizer state, generators, history, metrics,
status and divergence point. N falls inside an epoch wherever it can, so the shuffled order of the
current epoch has to survive too.
"""

from __future__ import annotations

import numpy as np
import pytest

from app.config import get_settings
from app.training import snapshot
from app.training.cohort import SessionCohort
from app.training.comparison import Comparison, ComparisonConfig
from app.training.session import Session, SessionError, Status
from app.training.spec import SessionConfig, SessionPatch

SETTINGS = get_settings()


def _session(sid: str = "s", **config: object) -> Session:
    base: dict[str, object] = {"dataset": {"name": "spiral", "n_samples": 120, "seed": 3},
                               "layers": [{"units": 6, "activation": "tanh"}] * 2, "batch_size": 7, "seed": 5}
    return Session(sid, SessionConfig.model_validate({**base, **config}), SETTINGS)


def _same(a: Session, b: Session, what: str = "") -> None:
    """Everything a snapshot holds, bit for bit (the arrays' bytes, the scalars' JSON)."""
    _same_state(snapshot.capture(a), snapshot.capture(b), what)
    assert a.config == b.config, what
    assert snapshot.dumps(snapshot._metrics_data(a.metrics)) == snapshot.dumps(snapshot._metrics_data(b.metrics))


def _same_state(x: snapshot.SessionState, y: snapshot.SessionState, what: str) -> None:
    assert x.arrays.keys() == y.arrays.keys(), what
    for name in x.arrays:
        assert x.arrays[name].dtype == y.arrays[name].dtype and x.arrays[name].shape == y.arrays[name].shape
        assert x.arrays[name].tobytes() == y.arrays[name].tobytes(), f"{what}: {name}"
    xs, ys = dict(x.scalars), dict(y.scalars)
    xs.pop("idle_s"), ys.pop("idle_s")
    assert snapshot.dumps(xs) == snapshot.dumps(ys), what
    assert snapshot.dumps(x.history.cols) == snapshot.dumps(y.history.cols), f"{what}: history"
    assert x.history.stride == y.history.stride


def _check(make, first: int, then: int, between=None) -> Session:
    """Train `first` updates, restart (through bytes), train `then` more; against a twin that never
    stopped. `between(session)`: a change made to both at the stop (a PATCH, a reset…)."""
    s, twin = make("a"), make("a")
    s.train(first)
    twin.train(first)
    if between is not None:
        between(s)
        between(twin)
    back = snapshot.roundtrip(s, SETTINGS)
    _same(back, s, "right after the restore")
    back.train(then)
    twin.train(then)
    _same(back, twin, f"{first} + restart + {then}")
    return back


OPTIMIZERS = {
    "sgd": {"name": "sgd", "learning_rate": 0.1},
    "momentum": {"name": "momentum", "learning_rate": 0.1, "beta": 0.8},
    "rmsprop": {"name": "rmsprop", "learning_rate": 0.01},
    "adam": {"name": "adam", "learning_rate": 0.01, "beta2": 0.99},
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("first", [9, 27])  # 60 training points, batch 7: 9 updates an epoch; 9 ends one
def test_every_optimizer_goes_on_exactly(name: str, first: int) -> None:
    back = _check(lambda sid: _session(sid, optimizer=OPTIMIZERS[name]), first, 40)
    assert back.trainer.updater is not None and back.step_count == first + 40


def test_mid_epoch_stop_keeps_the_epochs_order() -> None:
    s = _session()
    s.train(4)
    assert s.trainer.position != 0
    state = snapshot.capture(s)
    assert "x_shuf" in state.arrays and "y_shuf" in state.arrays
    _check(lambda sid: _session(sid), 4, 23)


def test_dropout_and_penalty_draw_the_same_numbers() -> None:
    _check(lambda sid: _session(sid, dropout=0.3, regularization={"kind": "l2", "rate": 0.01},
                                optimizer=OPTIMIZERS["adam"]), 13, 30)
    _check(lambda sid: _session(sid, regularization={"kind": "l1", "rate": 0.003}), 5, 12)


def test_multiclass_regression_full_batch() -> None:
    _check(lambda sid: _session(sid, dataset={"name": "blobs", "n_samples": 90, "classes": 4}), 11, 25)
    _check(lambda sid: _session(sid, dataset={"name": "plane", "n_samples": 80}, batch_size=None,
                                optimizer=OPTIMIZERS["momentum"]), 6, 9)


def test_custom_points_and_csv() -> None:
    rng = np.random.default_rng(0)
    points = rng.uniform(-4, 4, (40, 2)).round(3).tolist()
    labels = [int(x * y > 0) for x, y in points]
    _check(lambda sid: _session(sid, dataset={"name": "custom", "points": points, "labels": labels},
                                batch_size=3), 5, 20)
    csv = "x1,x2,label\n" + "\n".join(f"{x},{y},{lab}" for (x, y), lab in zip(points, labels, strict=True))
    back = _check(lambda sid: _session(sid, dataset={"name": "custom", "csv": csv}, batch_size=4,
                                       optimizer=OPTIMIZERS["rmsprop"]), 7, 11)
    assert back.config.dataset.csv == csv


def test_changes_before_the_stop() -> None:
    """A PATCH (new optimizer, new batch size inside an epoch), new weights, a reset with a new seed."""
    def patch(s: Session) -> None:
        s.patch(SessionPatch.model_validate({"optimizer": {"name": "adam", "learning_rate": 0.02}, "batch_size": 5}))

    _check(lambda sid: _session(sid), 12, 30, patch)

    def weights(s: Session) -> None:
        s.set_weights([(w * 0.5, b + 0.1) for w, b in s.net.get_layers()])

    _check(lambda sid: _session(sid, optimizer=OPTIMIZERS["momentum"]), 10, 20, weights)
    _check(lambda sid: _session(sid, optimizer=OPTIMIZERS["adam"]), 10, 20, lambda s: s.reset(seed=77))
    _check(lambda sid: _session(sid), 10, 20, lambda s: s.reset())


def test_a_diverged_session_stays_diverged_then_resets_the_same() -> None:
    def make(sid: str) -> Session:
        return _session(sid, optimizer={"name": "sgd", "learning_rate": 60.0})

    s, twin = make("d"), make("d")
    s.train(200)
    twin.train(200)
    assert s.status is Status.DIVERGED and s.diverged_at is not None
    back = snapshot.roundtrip(s, SETTINGS)
    _same(back, twin, "diverged")
    assert back.status is Status.DIVERGED and back.diverged_at == s.diverged_at
    with pytest.raises(SessionError):
        back.train(1)
    back.reset()
    twin.reset()
    back.patch(SessionPatch.model_validate({"optimizer": {"learning_rate": 0.05}}))
    twin.patch(SessionPatch.model_validate({"optimizer": {"learning_rate": 0.05}}))
    back.train(30)
    twin.train(30)
    _same(back, twin, "reset after diverging")


def test_a_playing_session_comes_back_paused() -> None:
    s = _session()
    s.train(3)
    s.play()
    back = snapshot.roundtrip(s, SETTINGS)
    assert s.status is Status.RUNNING and back.status is Status.IDLE
    back.train(5)  # and trains from there
    assert back.step_count == 8


def test_a_fork_and_a_long_history() -> None:
    s = _session(dataset={"name": "xor", "n_samples": 40}, batch_size=None)
    s.history.limit = 16  # thinned a few times: the stride survives
    s.train(70)
    assert s.history.stride > 1
    child = s.fork("child")
    twin = s.fork("child")
    back = snapshot.roundtrip(child, SETTINGS)
    back.history.limit = twin.history.limit = 16
    back.train(50)
    twin.train(50)
    _same(back, twin, "fork")


def test_restored_twice_goes_on_the_same() -> None:
    s, twin = _session(optimizer=OPTIMIZERS["adam"]), _session(optimizer=OPTIMIZERS["adam"])
    for n in (5, 13, 1, 30):
        s = snapshot.roundtrip(s, SETTINGS)
        s.train(n)
        twin.train(n)
    _same(s, twin, "four restarts")


def test_a_member_of_a_cohort_is_captured_from_the_stack() -> None:
    """A flock keeps its members' weights and optimizer state in stacked arrays (rows they view)."""
    configs = [dict(optimizer={"name": "adam", "learning_rate": lr}, batch_size=10) for lr in (0.01, 0.02, 0.03)]
    members = [_session(f"m{i}", **c) for i, c in enumerate(configs)]
    twins = [_session(f"m{i}", **c) for i, c in enumerate(configs)]
    cohort = SessionCohort(members)
    with cohort.hold():
        cohort.train(24)  # 6 updates an epoch: 4 epochs
    for t in twins:
        t.train(24)
    back = snapshot.roundtrip(members[1], SETTINGS)
    _same(back, twins[1], "from a cohort")
    back.train(17)
    twins[1].train(17)
    _same(back, twins[1], "after a cohort")


# ---------------------------------------------------------------- comparisons


def _comparison(cid: str, body: dict[str, object]) -> Comparison:
    config = ComparisonConfig.model_validate(body)
    n = iter(range(100))
    return Comparison.build(cid, config, lambda c: Session(f"{cid}.v{next(n)}", c, SETTINGS))


def _comparison_roundtrip(c: Comparison) -> Comparison:
    state = snapshot.capture_comparison(c)
    assert state is not None
    variants = []
    for v in state.variants:
        config, scalars, blob, history = snapshot.encode(v)
        variants.append(snapshot.restore_session(snapshot.decode(v.id, config, scalars, blob, [history]), SETTINGS))
    return snapshot.restore_comparison(state, variants)


BASE = {"dataset": {"name": "circle", "n_samples": 100, "noise": 0.1}, "layers": [{"units": 5}], "batch_size": 8}


@pytest.mark.parametrize("vary", [
    {"field": "activation", "values": ["sigmoid", "tanh", "relu"]},
    {"field": "learning_rate", "values": [0.1, 1.0, 90.0]},  # the last one diverges
    {"field": "optimizer", "values": ["sgd", "momentum", "adam"]},
    {"field": "batch_size", "values": [5, 8]},  # no lockstep: one after another
])
@pytest.mark.parametrize("first", [10, 21])  # 50 points, batch 8: 7 updates an epoch; 21 ends one
def test_a_comparison_goes_on_exactly(vary: dict[str, object], first: int) -> None:
    body = {"base": BASE, "vary": vary, "target_loss": 0.3}
    c, twin = _comparison("c", body), _comparison("c", body)
    c.train(first)
    twin.train(first)
    back = _comparison_roundtrip(c)
    assert (back.lockstep is None) == (c.lockstep is None) == (vary["field"] == "batch_size")
    assert back.labels == c.labels and back.config == c.config
    assert [s.owner for s in back.sessions] == ["c"] * len(c.sessions)
    for more in (5, 30):
        back.train(more)
        twin.train(more)
        _same_comparison(back, twin, f"+{more}")
    if vary["field"] == "learning_rate":
        assert back.sessions[2].status is Status.DIVERGED
    back.reset()
    twin.reset()
    back.train(12)
    twin.train(12)
    _same_comparison(back, twin, "after a reset")


def _same_comparison(a: Comparison, b: Comparison, what: str) -> None:
    """Every variant, with the epoch's order from the Lockstep when there is one."""
    x, y = snapshot.capture_comparison(a), snapshot.capture_comparison(b)
    assert x is not None and y is not None
    for u, v, s, t in zip(x.variants, y.variants, a.sessions, b.sessions, strict=True):
        _same_state(u, v, f"{what}: variant {u.id}")
        assert s.metrics == t.metrics and s.target_epoch == t.target_epoch


def test_bytes_round_trip() -> None:
    arrays = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([], np.int64),
              "c": np.array([np.nan, np.inf, -0.0])}
    manifest, blob = snapshot.pack(arrays)
    back = snapshot.unpack(manifest, blob)
    for name, a in arrays.items():
        assert back[name].dtype == a.dtype and back[name].shape == a.shape and back[name].tobytes() == a.tobytes()
