"""SessionCohort: a classroom's sessions trained together, each recording what it would alone.

Every member has a twin session built from the same config and trained by `Session.train`; after
the same updates, each pair must agree exactly in history, metrics, weights, status, divergence
point and version (the bumps viewers see).
"""

from __future__ import annotations

import numpy as np
import pytest

from app.config import get_settings
from app.training.cohort import SessionCohort, can_join, cohort_for, cohort_key, groups
from app.training.session import Session, Status
from app.training.spec import SessionConfig, SessionPatch

SMALL = 100  # points: 50 to train on, batch 10, 5 updates an epoch


def _config(i: int, optimizer: dict | None = None, n_samples: int = SMALL, **extra) -> SessionConfig:
    """Student i's session: own data set seed, own weight seed, own learning rate."""
    return SessionConfig.model_validate({
        "dataset": {"name": "spiral", "n_samples": n_samples, "seed": 10 + i % 4}, "seed": 100 + i,
        "layers": [{"units": 8, "activation": "tanh"}] * 2,
        "optimizer": optimizer or {"name": "sgd", "learning_rate": [0.03, 0.1, 0.3][i % 3]},
        "batch_size": 10, **extra})


def _pairs(k: int, **kw) -> tuple[list[Session], list[Session]]:
    settings = get_settings()
    configs = [_config(i, **kw) for i in range(k)]
    return ([Session(f"solo{i}", c, settings) for i, c in enumerate(configs)],
            [Session(f"member{i}", c, settings) for i, c in enumerate(configs)])


def _assert_same(a: Session, b: Session, what: str) -> None:
    assert a.history.cols == b.history.cols, f"{what}: history"
    assert a.metrics == b.metrics, f"{what}: metrics"
    np.testing.assert_array_equal(a.net.params, b.net.params, err_msg=f"{what}: weights")
    assert (a.status, a.diverged_at, a.epoch, a.step_count, a.version, a.target_epoch) == \
        (b.status, b.diverged_at, b.epoch, b.step_count, b.version, b.target_epoch), what
    assert a.trainer.rng.bit_generator.state == b.trainer.rng.bit_generator.state, f"{what}: rng"


def _train_both(solo: list[Session], cohort: SessionCohort, updates: int) -> None:
    for s in solo:
        s.train(updates)
    trained = cohort.members
    with cohort.hold():
        metrics = cohort.train(updates)
    assert metrics == [s.metrics for s in trained]


OPTIMIZERS = {
    "sgd": lambda i: {"name": "sgd", "learning_rate": [0.03, 0.1, 0.3][i % 3]},
    "momentum": lambda i: {"name": "momentum", "learning_rate": 0.1, "beta": [0.9, 0.5][i % 2]},
    "rmsprop": lambda i: {"name": "rmsprop", "learning_rate": 0.01},
    "adam": lambda i: {"name": "adam", "learning_rate": [0.01, 0.003][i % 2]},
}


@pytest.mark.parametrize("k", [2, 5, 30])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_every_member_records_what_it_would_alone(optimizer, k):
    solo = [Session(f"solo{i}", _config(i, OPTIMIZERS[optimizer](i)), get_settings()) for i in range(k)]
    members = [Session(f"m{i}", _config(i, OPTIMIZERS[optimizer](i)), get_settings()) for i in range(k)]
    cohort = SessionCohort(members)
    for updates in (5, 7, 3, 12, 1, 2):  # epoch ends, mid-epoch ends, several epochs at once
        _train_both(solo, cohort, updates)
        for i, (a, b) in enumerate(zip(solo, members, strict=True)):
            _assert_same(a, b, f"{optimizer}, member {i} after {updates}")
    assert cohort.matches(members[::-1])  # membership is a set: any order


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_sessions_that_played_alone_before_joining_go_on_as_alone(optimizer):
    solo = [Session(f"solo{i}", _config(i, OPTIMIZERS[optimizer](i)), get_settings()) for i in range(4)]
    members = [Session(f"m{i}", _config(i, OPTIMIZERS[optimizer](i)), get_settings()) for i in range(4)]
    for i, (a, b) in enumerate(zip(solo, members, strict=True)):
        a.train(5 * i)  # whole epochs: each joins at an epoch boundary
        b.train(5 * i)
    cohort = cohort_for(None, members)
    assert cohort is not None
    for updates in (5, 3, 9):
        _train_both(solo, cohort, updates)
    for i, (a, b) in enumerate(zip(solo, members, strict=True)):
        _assert_same(a, b, f"{optimizer}, member {i}")


def test_the_classroom_lesson_records_what_each_would_alone():
    # the benchmark's lesson: 250 points, batch 10, one epoch (25 updates) a 30-Hz tick
    solo, members = _pairs(30, n_samples=500)
    cohort = SessionCohort(members)
    for _ in range(3):
        _train_both(solo, cohort, 25)
    for i, (a, b) in enumerate(zip(solo, members, strict=True)):
        _assert_same(a, b, f"member {i}")


@pytest.mark.parametrize("regularization", [{"kind": "l2", "rate": 0.01}, {"kind": "l1", "rate": 0.001}])
def test_penalties_are_recorded_as_alone(regularization):
    solo, members = _pairs(4, regularization=regularization)
    cohort = SessionCohort(members)
    for updates in (5, 8):
        _train_both(solo, cohort, updates)
    for i, (a, b) in enumerate(zip(solo, members, strict=True)):
        _assert_same(a, b, f"{regularization['kind']} member {i}")


def test_a_member_that_diverges_does_as_alone_and_the_rest_go_on():
    def config(i: int) -> SessionConfig:
        lr = 100.0 if i == 1 else 0.1  # the largest a config allows
        return _config(i, {"name": "sgd", "learning_rate": lr})

    solo = [Session(f"solo{i}", config(i), get_settings()) for i in range(4)]
    members = [Session(f"m{i}", config(i), get_settings()) for i in range(4)]
    cohort = SessionCohort(members)
    _train_both(solo, cohort, 13)
    assert members[1].status is Status.DIVERGED and members[1].diverged_at is not None
    for i, (a, b) in enumerate(zip(solo, members, strict=True)):
        _assert_same(a, b, f"member {i}")
    assert not cohort.matches(members) and not can_join(members[1])
    assert cohort_for(cohort, members) is None  # one of them may not join
    # the other three go on together in this cohort (inside an epoch, no new one could take them)
    rest = [m for m in members if m.status is not Status.DIVERGED]
    assert cohort.members == rest and cohort.matches(rest) and cohort_for(cohort, rest) is cohort
    version = members[1].version
    _train_both([solo[0], solo[2], solo[3]], cohort, 12)  # to an epoch end: 13 + 12 = 5 epochs
    assert members[1].version == version  # a member that left is not touched
    # at the epoch boundary, a new cohort without the dead row
    again = cohort_for(cohort, rest)
    assert again is not None and again is not cohort and again.cohort.complete
    _train_both([solo[0], solo[2], solo[3]], again, 8)
    for i, (a, b) in enumerate(zip(solo, members, strict=True)):
        _assert_same(a, b, f"member {i}, after the divergence")


def test_a_member_that_leaves_goes_on_alone_exactly():
    solo, members = _pairs(5)
    cohort = SessionCohort(members)
    _train_both(solo, cohort, 7)  # mid-epoch
    members[2].train(9)  # alone: a REST step, say
    solo[2].train(9)
    for i, (a, b) in enumerate(zip(solo, members, strict=True)):
        _assert_same(a, b, f"member {i}")
    assert not cohort.matches(members)
    with pytest.raises(ValueError, match="changed outside"):
        cohort.train(1)


@pytest.mark.parametrize("change", ["learning_rate", "optimizer", "reset", "solo-step", "pause"])
def test_matches_says_when_a_cached_cohort_is_stale(change):
    _, members = _pairs(3)
    cohort = SessionCohort(members)
    with cohort.hold():
        cohort.train(5)
    assert cohort.matches(members)
    s = members[1]
    if change == "learning_rate":
        s.patch(SessionPatch.model_validate({"optimizer": {"learning_rate": 0.5}}))
    elif change == "optimizer":
        s.patch(SessionPatch.model_validate({"optimizer": {"name": "adam"}}))
    elif change == "reset":
        s.reset()
    elif change == "solo-step":
        s.train(5)
    else:
        s.play()
        s.pause()
    assert cohort.matches(members) is (change == "pause")  # play/pause touch no training state
    assert not cohort.matches(members[:2])
    rebuilt = cohort_for(cohort, members)
    assert (rebuilt is cohort) is (change == "pause")


def test_keys_group_the_sessions_that_may_train_together():
    settings = get_settings()
    a, b = Session("a", _config(0), settings), Session("b", _config(1), settings)
    bigger = Session("c", _config(2, n_samples=200), settings)  # another number of points
    adam = Session("d", _config(3, {"name": "adam", "learning_rate": 0.01}), settings)
    dropout = Session("e", _config(4, dropout=0.2), settings)
    mid_epoch = Session("f", _config(5), settings)
    mid_epoch.train(3)
    owned = Session("g", _config(6), settings)
    owned.owner = "comparison"
    assert cohort_key(a) == cohort_key(b) != cohort_key(bigger)
    assert cohort_key(adam) not in (cohort_key(a), None)
    assert [cohort_key(s) for s in (dropout, mid_epoch, owned)] == [None] * 3
    assert groups([a, bigger, dropout, b, adam, mid_epoch, owned]) == [[a, b], [bigger], [adam]]
    with pytest.raises(ValueError, match="cannot train together"):
        SessionCohort([a, bigger])
    assert cohort_for(None, [a]) is None  # one alone gains nothing
