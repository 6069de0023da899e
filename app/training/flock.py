"""Flocks: playing sessions of one lesson that the scheduler trains in one stacked pass.

A class on one lesson is 30 sessions of the same shape and settings playing at the page's speed.
Trained one by one, each pays the NumPy call overhead of its tiny matrices; as a `SessionCohort`
they pay it once (tests/training/test_training_cohort.py: every member bit for bit as alone).
The scheduler puts a paced session into the flock of its (cohort key, speed) when it stands at
an epoch boundary, and takes it out again whenever it cannot go on with the others (paused,
deleted, diverged, changed by a PATCH, its lock held by a REST call): it then trains alone and
may join again later. A flock trains whole epochs only, so its members stay at epoch boundaries.
Only speeds of at least one epoch a display frame flock: slower ones would see their frames move
an epoch at a time.
"""

from __future__ import annotations

from collections.abc import Hashable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.nn.cohort import cohort_key as trainer_key

from .cohort import SessionCohort, cohort_for, cohort_key
from .session import Session, Status

if TYPE_CHECKING:
    from .scheduler import Entry

FlockKey = tuple[Hashable, float]


def _paced_session(entry: Entry, tick_s: float) -> Session | None:
    """The entry's session when its pace allows a flock (at least an epoch a tick)."""
    eps = entry.epochs_per_second
    if eps is None or eps * tick_s < 1.0 - 1e-9 or not isinstance(entry.target, Session):
        return None
    return entry.target


def flock_key(entry: Entry, tick_s: float) -> FlockKey | None:
    """The flock this entry's session may train in now; None: it trains alone."""
    t = _paced_session(entry, tick_s)
    key = None if t is None else cohort_key(t)
    return None if key is None or entry.epochs_per_second is None else (key, entry.epochs_per_second)


def may_flock(entry: Entry, tick_s: float) -> Session | None:
    """The entry's session if it could flock once at an epoch boundary (its pace and kind allow
    it: cohort_key's conditions but the boundary); None: it trains alone."""
    t = _paced_session(entry, tick_s)
    if t is None or t.owner is not None or t.status is Status.DIVERGED or t.closed or trainer_key(t.trainer) is None:
        return None
    return t


@dataclass(eq=False)
class Flock:
    key: FlockKey
    members: list[Entry] = field(default_factory=list)
    cohort: SessionCohort | None = None
    # its pace, as a solo entry's (the scheduler's _updates_due and _next_due read these)
    started: float = 0.0
    done: int = 0
    due: float = 0.0
    seq: int = -1
    cancelled: bool = False
    per_epoch: int = 1  # updates an epoch: the same for every member (batch size and data size are in the key)

    @property
    def epochs_per_second(self) -> float:
        return self.key[1]

    @property
    def sessions(self) -> list[Session]:
        return [m.target for m in self.members]  # type: ignore[misc]


    def hold(self, held: ExitStack) -> list[Entry]:
        """Take every member's lock without waiting; the members busy with a REST step (holding
        the lock, or training in slices) are returned, to train alone."""
        busy = []
        for m in self.members:
            if not m.target.busy and m.target.lock.acquire(blocking=False):
                held.callback(m.target.lock.release)
            else:
                busy.append(m)
        return busy

    def train(self, updates: int) -> list[Entry]:
        """Train every member `updates` updates together (their locks held by the caller); the
        members that could not come along (no longer compatible) are returned, untouched."""
        strays = [m for m in self.members if flock_key_of(m) != self.key]
        self.members = [m for m in self.members if m not in strays]
        self.cohort = cohort_for(self.cohort, self.sessions) if len(self.members) >= 2 else None
        if self.cohort is None:
            strays += self.members
            self.members = []
            return strays
        self.cohort.train(updates)
        return strays


def flock_key_of(entry: Entry) -> FlockKey | None:
    key = cohort_key(entry.target) if isinstance(entry.target, Session) else None
    return None if key is None or entry.epochs_per_second is None else (key, entry.epochs_per_second)
