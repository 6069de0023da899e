"""A session cohort: unrelated sessions of one lesson trained together, each exactly as alone.

Why: 30 students press play on the same lesson, and the server steps 30 sessions that differ only
in their data, weights, seeds and learning rates. One stacked pass for all (`app.nn.cohort`) costs
a fraction of 30 solo passes. This module is the session side, as `Comparison.train` is for a
comparison's variants: it takes the sessions' `before_training` checks, records every member's
epochs through `Session.on_epoch` from one stacked measurement, and finishes each with
`Session.after_training` — the same history rows, divergence handling and version bumps as
`Session.train(updates)` makes for each alone.

A cohort is worth keeping between calls (building one stacks every member's data and state):
`matches(sessions)` says cheaply whether a cached one still fits the sessions to train; a PATCH,
a reset or a solo step on a member makes it stale, and `cohort_for` builds a new one. A member
that diverges leaves at that epoch's end; the others go on together (a new cohort could only
take them at an epoch boundary), and `cohort_for` drops its dead row at the next boundary.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from contextlib import ExitStack, contextmanager

from app.nn.cohort import Cohort, Measures
from app.nn.cohort import cohort_key as trainer_key

from .metrics import Measured, Metrics
from .session import Session, Status


def cohort_key(s: Session) -> Hashable | None:
    """Sessions with equal keys may train together; None: this one may not join any cohort now
    (a comparison's variant, diverged, deleted, inside an epoch, dropout, …)."""
    if s.owner is not None or s.status is Status.DIVERGED or s.closed or s.trainer.position != 0:
        return None
    key = trainer_key(s.trainer)
    if key is None:
        return None
    p = s.problem  # one stacked evaluation of both splits needs one size of them for all
    return key, p.x_all.shape, p.y_all.shape, p.y_all.dtype.str


def can_join(s: Session) -> bool:
    return cohort_key(s) is not None


def groups(sessions: Sequence[Session]) -> list[list[Session]]:
    """The sessions that may train together, grouped by key (in the order given); sessions that
    may join none are left out."""
    by_key: dict[Hashable, list[Session]] = {}
    for s in sessions:
        key = cohort_key(s)
        if key is not None:
            by_key.setdefault(key, []).append(s)
    return list(by_key.values())


class SessionCohort:
    """Sessions of one `cohort_key` trained by one `Cohort`. Building one moves every member's
    weights and state into the stack (their trainers read them there from then on), so, like
    `train`, it needs every member's lock held by the caller."""

    def __init__(self, sessions: Sequence[Session]) -> None:
        keys = {cohort_key(s) for s in sessions}
        if not sessions or None in keys or len(keys) != 1:
            raise ValueError("these sessions cannot train together: see cohort_key")
        self.sessions = list(sessions)
        self.cohort = Cohort([s.trainer for s in self.sessions])
        self.cohort.evaluate_on([s.problem.x_all for s in self.sessions], [s.problem.y_all for s in self.sessions])

    @property
    def members(self) -> list[Session]:
        """The sessions still in the cohort: all but those that diverged in it."""
        return [self.sessions[k] for k in self.cohort.live]

    # ------------------------------------------------------------ is this cohort still the one?

    def intact(self) -> bool:
        """Every member unchanged since the last train (no PATCH, reset or solo step), so it may
        train again."""
        return self.cohort.intact() and self._sessions_fit()

    def _sessions_fit(self) -> bool:
        """The session-side conditions of `cohort_key` still hold for every member."""
        return all(s.status is not Status.DIVERGED and s.owner is None and not s.closed for s in self.members)

    def matches(self, sessions: Sequence[Session]) -> bool:
        """True when this cohort's members are exactly these sessions (in any order) and intact:
        the caller may keep it; else it builds a new one (`cohort_for`)."""
        live = self.cohort.live
        return (len(sessions) == len(live) and {id(s) for s in sessions} == {id(self.sessions[k]) for k in live}
                and self.intact())

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Every member's lock, in member order (a caller that holds them already may skip this)."""
        with ExitStack() as held:
            for s in self.members:
                held.enter_context(s.lock)
            yield

    # ------------------------------------------------------------ training

    def train(self, updates: int) -> list[Metrics]:
        """Every member takes `updates` updates, as `Session.train(updates)` would take them for
        each alone; returns each member's metrics. The caller must hold every member's lock
        (`hold()`), as `Session.train` holds its own: REST calls must not interleave."""
        if not self._sessions_fit():  # and `Cohort.run` checks the trainers before any update
            raise ValueError("the cohort is stale (a member changed since): build a new one")
        members = list(self.cohort.live)
        for k in members:
            self.sessions[k].before_training()
        taken = self.cohort.run(updates, self._epoch_ended)
        # a run that ends inside an epoch: each member's closing metrics from one stacked pass too
        # (at an epoch end, the epoch's own measurement is already each member's current metrics)
        end = self.cohort.measure() if taken and self.cohort.position != 0 else None
        live = set(self.cohort.live)  # without those that diverged in this run: they finish as alone
        return [self.sessions[k].after_training(_measured(end, k) if end is not None and k in live else None)
                for k in members]

    def _epoch_ended(self, live: list[int]) -> list[int]:
        """Every live member records its epoch, from one stacked measurement of all; returns
        those that diverged there (their sessions have restored their last good weights)."""
        m = self.cohort.measure()
        return [k for k in live if not self.sessions[k].on_epoch(_measured(m, k))]


def _measured(m: Measures, k: int) -> Measured:
    """Member k's row of the stacked measurements, as a comparison hands a variant its own."""
    return Measured(m.per[k], m.out[k], m.grad_norms[k], m.largest[k])


def cohort_for(cached: SessionCohort | None, sessions: Sequence[Session]) -> SessionCohort | None:
    """The cohort to train these sessions with: the cached one while it still matches, else a new
    one if they may train together (else None: train them one by one). Call it before each train,
    with every session's lock held (a new cohort rebinds their state): it costs a few identity
    checks per member."""
    # keep a cohort that still matches, unless a member diverged and left it and the rest stand at
    # an epoch boundary, where a new cohort without the dead row may take them
    if cached is not None and cached.matches(sessions) and (cached.cohort.complete or cached.cohort.position):
        return cached
    keys = [cohort_key(s) for s in sessions]
    if len(sessions) < 2 or keys[0] is None or any(key != keys[0] for key in keys):
        return None  # one alone gains nothing from a stack
    return SessionCohort(sessions)
