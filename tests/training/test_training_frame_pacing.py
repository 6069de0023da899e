"""Frames at the pace their reader asks for, at full speed: the scheduler ends a chunk of training
when the next frame is due (on_chunk says when), so a reader at 60 fps is not served every second
10 ms chunk (~46 frames a second). Exact: a fake clock and a fake CPU clock that a chunk advances
by what its updates cost."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from app.api.frames import SLOW_PARTS_S, FramePack, refresher, slow_parts_since
from app.training.audience import Audience
from app.training.scheduler import CHUNK_S, MIN_CHUNK_S, Scheduler
from tests.fake_clock import FakeClock

UPDATE_S = 1e-4  # CPU seconds an update costs the fake target


class Target:
    """A Runnable whose training costs UPDATE_S of (fake) CPU an update."""

    def __init__(self, cpu: FakeClock) -> None:
        self.id, self.lock, self.audience = "t", threading.RLock(), Audience()
        self.last_seen, self.closed, self.busy, self.cpu = 1000.0, False, 0, cpu  # asked for just now
        self.trained: list[int] = []
        self.frame_cache = None
        self._running = False

    @property
    def running(self) -> bool:
        return self._running

    @property
    def updates_per_epoch(self) -> int:
        return 5

    def train(self, updates: int) -> None:
        self.trained.append(updates)
        self.cpu.now += updates * UPDATE_S

    def play(self) -> None:
        self._running = True

    def pause(self) -> None:
        self._running = False


def chunks(due_in: float | None, turns: int = 4) -> list[int]:
    clock, cpu = FakeClock(1000.0), FakeClock(0.0)
    pool = Scheduler(clock=clock, cpu_clock=cpu, threaded=False)
    t = Target(cpu)
    pool.play(t, None, lambda: due_in)
    for _ in range(turns):
        pool.run_due(limit=1)  # a full-speed session is due again at once
    return t.trained


def test_full_speed_chunks_end_when_the_next_frame_is_due() -> None:
    # nobody reads (on_chunk answers None): ~CHUNK_S of CPU a chunk, after a first epoch and the 8× ramp
    assert chunks(None)[-1] == round(CHUNK_S / UPDATE_S)
    # the next frame due in 3 ms: chunks of 3 ms, so the frame is built on time, not a chunk late
    assert chunks(0.003)[-1] == round(0.003 / UPDATE_S)
    # due later than a chunk: CHUNK_S still (the other sessions' turn comes as often as before)
    assert chunks(0.05)[-1] == round(CHUNK_S / UPDATE_S)
    # due now or overdue: the smallest chunk, never none
    assert chunks(-0.01)[-1] == round(MIN_CHUNK_S / UPDATE_S)


def test_refresher_builds_a_frame_a_period_and_says_when_the_next_is_due() -> None:
    t = Target(FakeClock())
    built: list[float] = []

    def make() -> FramePack:
        began = time.monotonic()
        t.frame_cache = FramePack(len(built), "", b"", began)
        built.append(began)
        return t.frame_cache

    refresh = refresher(t, make)
    assert refresh() is None and not built  # nobody reads: no frame, no due time
    t.audience.join(60.0)
    due_in = refresh()
    assert len(built) == 1 and due_in is not None and 0 < due_in <= 1 / 60
    assert refresh() is not None and len(built) == 1  # not again within the period
    t.frame_cache = FramePack(0, "", b"", time.monotonic() - 1 / 60)  # a period old
    assert (refresh() or 0) > 0 and len(built) == 2


def test_slow_parts_keep_a_grid_of_their_own_phase_per_session() -> None:
    """A session's slow parts (unit maps, weights, unit stats) are due once a SLOW_PARTS_S grid
    point has passed; the grid's phase is the session's own, so a class trained in one flock turn
    does not re-encode all its slow parts in the same turn (a burst that cost viewers frames)."""
    now = 1234.567
    for sid in ("a", "b", "c"):
        since = slow_parts_since(sid, now)
        assert now - SLOW_PARTS_S < since <= now
        # the grid is fixed: any time in the same period gives the same start, the next one a period on
        assert slow_parts_since(sid, since + SLOW_PARTS_S * 0.999) == pytest.approx(since)
        assert slow_parts_since(sid, since + SLOW_PARTS_S * 1.001) == pytest.approx(since + SLOW_PARTS_S)
    # 30 sessions' phases: every third of the period has some, none has most (a flock turn every
    # third of SLOW_PARTS_S at 30 fps re-encodes about a third of the class, not all of it)
    thirds = Counter(int((slow_parts_since(f"s{i:04x}", now) - now) % SLOW_PARTS_S / SLOW_PARTS_S * 3)
                     for i in range(30))
    assert sorted(thirds) == [0, 1, 2] and max(thirds.values()) <= 15, thirds
