"""Background training: one thread steps every playing session when its work is due.

A thread per session that slept 2 ms between checks of its clock cost ~0.2 of a core per watched
session and let a class of 10 saturate the GIL. Here one thread keeps a heap of due times
(earliest first): a session paced at 30 epochs/s is visited ~30 times a second for one tick of
work, a session at 0.1 epochs/s a few times a second, a paused one never. After a session's work
it builds the session's frame when a viewer wants one (at the rate the fastest reader asks for),
so frames are built once per display frame, in the thread that already holds the data warm.

Under overload every due session still takes its turn in order of due time, so training slows
evenly; a paced session that falls far behind forgets the backlog rather than bursting to catch up.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .audience import Audience
from .session import SessionError

CHUNK_S = 0.01  # at full speed, train ~10 ms at a time, then let the others have their turn
TICK_S = 1 / 30  # a paced session trains once a display frame (at 30 fps): one frame, one tick of work
MAX_LAG_S = 0.25  # a paced session more than this far behind its schedule drops the backlog

log = logging.getLogger("nn_playground.scheduler")


class Runnable(Protocol):
    """A session, or a comparison whose variants train in lockstep."""

    id: str
    lock: threading.RLock  # held by train(); the scheduler never waits for it
    audience: Audience
    last_seen: float  # clock time of a client's last request
    closed: bool  # deleted or evicted: never to train again

    @property
    def running(self) -> bool: ...
    @property
    def updates_per_epoch(self) -> int: ...
    def train(self, updates: int) -> object: ...
    def play(self) -> None: ...
    def pause(self) -> None: ...


OnChunk = Callable[[], object]


@dataclass(eq=False)
class Entry:
    target: Runnable
    epochs_per_second: float | None  # None: as fast as it goes
    on_chunk: OnChunk | None  # after each turn's work: build a frame if one is due
    unattended_s: float
    started: float  # clock time the pacing counts from
    done: int = 0  # updates taken since `started`
    chunk: int = 1  # full speed: updates per turn, grown to ~CHUNK_S of work
    cancelled: bool = False
    turns: int = 0
    due: float = 0.0  # when this turn was due: the next tick counts from it, so lateness never adds up


@dataclass
class Counters:
    """What the scheduler did, for tests and /healthz (not timings)."""

    turns: int = 0
    updates: int = 0
    backlog_dropped: int = 0  # times a paced session forgot its backlog (the machine was overloaded)
    unattended_pauses: int = 0
    errors: int = 0


@dataclass
class Scheduler:
    clock: Callable[[], float] = time.monotonic
    threaded: bool = True  # False: nothing runs until run_due() is called (tests with a fake clock)
    counters: Counters = field(default_factory=Counters)

    def __post_init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._heap: list[tuple[float, int, Entry]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    # ------------------------------------------------------------ control (any thread)

    def play(self, target: Runnable, epochs_per_second: float | None, on_chunk: OnChunk | None = None,
             unattended_s: float = 120.0) -> None:
        """Start (or re-pace) a target's training: at most one entry per id, however many calls race."""
        # the target's lock first, then ours: a play racing a pause or a DELETE is ordered with it
        with target.lock, self._cond:
            if target.closed:
                raise SessionError("this session was deleted")
            target.play()  # refuses a diverged session
            old = self._entries.get(target.id)
            if old is not None:
                old.cancelled = True
            now = self.clock()
            entry = Entry(target, epochs_per_second, on_chunk, unattended_s, started=now)
            self._entries[target.id] = entry
            self._push(now, entry)
        self._ensure_thread()

    def stop(self, target: Runnable) -> None:
        with target.lock, self._cond:
            entry = self._entries.pop(target.id, None)
            if entry is not None:
                entry.cancelled = True
            target.pause()

    def speed(self, target_id: str) -> float | None:
        entry = self._entries.get(target_id)
        return None if entry is None else entry.epochs_per_second

    def alive(self) -> int:
        """Targets scheduled to train."""
        with self._cond:
            return len(self._entries)

    def stop_all(self) -> None:
        with self._cond:
            entries = list(self._entries.values())
            self._entries.clear()
            self._heap.clear()
            self._stopping = True
            self._cond.notify_all()
        for e in entries:
            e.cancelled = True
            e.target.pause()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5.0)

    # ------------------------------------------------------------ the work

    def run_due(self, now: float | None = None, limit: int = 1_000_000) -> int:
        """Take the turns due at `now` (the clock by default), at most `limit`; the number taken.
        For tests that drive a scheduler made with threaded=False and a fake clock."""
        taken = 0
        while taken < limit:
            with self._cond:
                entry = self._pop_due(self.clock() if now is None else now)
            if entry is None:
                return taken
            self._turn(entry)
            taken += 1
        return taken

    def next_due(self) -> float | None:
        with self._cond:
            return self._heap[0][0] if self._heap else None

    def _push(self, due: float, entry: Entry) -> None:
        entry.due = due
        heapq.heappush(self._heap, (due, next(self._seq), entry))
        self._cond.notify()

    def _pop_due(self, now: float) -> Entry | None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
        if self._heap and self._heap[0][0] <= now:
            return heapq.heappop(self._heap)[2]
        return None

    def _ensure_thread(self) -> None:
        if not self.threaded:
            return
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            with self._cond:
                entry = None
                while entry is None and not self._stopping:
                    entry = self._pop_due(self.clock())
                    if entry is None:
                        wait = self._heap[0][0] - self.clock() if self._heap else None
                        self._cond.wait(wait)
                if self._stopping:
                    return
            self._turn(entry)

    def _turn(self, entry: Entry) -> None:
        t = entry.target
        now = self.clock()
        if entry.cancelled or t.closed or not t.running:
            self._drop(entry)
            return
        if t.audience.count == 0 and now - t.last_seen > entry.unattended_s:
            # nobody watching and no request for this long (a closed tab, a crashed script):
            # pause, rather than train for nobody until the session expires
            self.counters.unattended_pauses += 1
            self._drop(entry)
            t.pause()
            return
        updates = self._updates_due(entry, now)
        if updates > 0:
            # a long REST step may hold the lock: skip this turn rather than stall every session
            if not t.lock.acquire(blocking=False):
                updates = 0
            else:
                try:
                    if not self._work(entry, updates):
                        return
                finally:
                    t.lock.release()
        with self._cond:
            if not entry.cancelled:
                self._push(self._next_due(entry, now), entry)

    def _work(self, entry: Entry, updates: int) -> bool:
        """Train and build the frame; False when the target cannot train any more."""
        started = time.perf_counter()
        try:
            entry.target.train(updates)
        except SessionError:  # diverged, deleted or paused under our feet
            self._drop(entry)
            return False
        except Exception:  # an engine bug: stop this session, keep serving the others
            log.exception("training %s failed", entry.target.id)
            self.counters.errors += 1
            self._drop(entry)
            entry.target.pause()
            return False
        took = time.perf_counter() - started
        entry.done += updates
        entry.turns += 1
        self.counters.turns += 1
        self.counters.updates += updates
        if entry.epochs_per_second is None:
            entry.chunk = max(1, min(entry.chunk * 2, int(updates * CHUNK_S / took) if took > 0 else entry.chunk * 2))
        if entry.on_chunk is not None:
            entry.on_chunk()
        return True

    def _updates_due(self, entry: Entry, now: float) -> int:
        if entry.epochs_per_second is None:
            return entry.chunk
        rate = entry.epochs_per_second * entry.target.updates_per_epoch  # updates a second
        due = int(rate * (now - entry.started)) - entry.done
        most = max(1, int(rate * MAX_LAG_S))
        if due > most:  # overloaded: slow down evenly instead of bursting to catch up
            self.counters.backlog_dropped += 1
            entry.started, entry.done, due = now - most / rate, 0, most
        return due

    def _next_due(self, entry: Entry, now: float) -> float:
        if entry.epochs_per_second is None:
            return now  # behind everyone already due (their due times are ≤ now)
        rate = entry.epochs_per_second * entry.target.updates_per_epoch
        # one tick after this turn was due (not after it ran: a turn that starts late must not delay
        # every later one), but never more than a tick in the past (no burst of turns to catch up)
        tick = max(entry.due + TICK_S, now - TICK_S)
        return max(tick, entry.started + (entry.done + 1) / rate)

    def _drop(self, entry: Entry) -> None:
        with self._cond:
            entry.cancelled = True
            if self._entries.get(entry.target.id) is entry:
                del self._entries[entry.target.id]
