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
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Protocol

from .audience import Audience
from .flock import Flock, FlockKey, flock_key, flock_key_of, may_flock
from .session import SessionError

CHUNK_S = 0.01  # at full speed, train ~10 ms at a time, then let the others have their turn
MIN_CHUNK_S = 0.001  # … or less, to end when its next frame is due (on_chunk says when), but not less than this
TICK_S = 1 / 30  # a paced session trains once a display frame (at 30 fps): one frame, one tick of work
MAX_LAG_S = 0.25  # a paced session more than this far behind its schedule drops the backlog

log = logging.getLogger("nn_playground.scheduler")


def _to_epoch_end(due: int, per_epoch: int, rest: int) -> int:
    """Updates to take so that a session that may flock ends its turn at an epoch boundary (where
    a flock can take it): the `rest` of its epoch if it is inside one, else the whole epochs
    nearest to what is due (at one epoch a tick, due wobbles by an update either way)."""
    if rest:
        return rest if due > 0 else 0
    return round(due / per_epoch) * per_epoch


def _void(seq: int, item: Entry | Flock) -> bool:
    """A heap item no turn should come of: cancelled, pushed again since, or trained by a flock."""
    return item.cancelled or seq != item.seq or (isinstance(item, Entry) and item.flock is not None)


class Runnable(Protocol):
    """A session, or a comparison whose variants train in lockstep."""

    id: str
    lock: threading.RLock  # held by train(); the scheduler never waits for it
    audience: Audience
    last_seen: float  # clock time of a client's last request
    closed: bool  # deleted or evicted: never to train again
    busy: int  # REST calls training it in slices (app.api.work): no turn meanwhile

    @property
    def running(self) -> bool: ...
    @property
    def updates_per_epoch(self) -> int: ...
    def train(self, updates: int) -> object: ...
    def play(self) -> None: ...
    def pause(self) -> None: ...


OnChunk = Callable[[], object]  # may return the seconds until the target's next frame is due (a float)


@dataclass(eq=False)
class Entry:
    target: Runnable
    epochs_per_second: float | None  # None: as fast as it goes
    on_chunk: OnChunk | None  # after each turn's work: build a frame if one is due
    unattended_s: float
    started: float  # clock time the pacing counts from
    done: int = 0  # updates taken since `started`
    chunk: int = 0  # full speed: updates per turn, sized to ~CHUNK_S of work (0: not yet: an epoch)
    cancelled: bool = False
    turns: int = 0
    due: float = 0.0  # when this turn was due: the next tick counts from it, so lateness never adds up
    flock: Flock | None = None  # while set, the flock trains it (its own heap item is void)
    seq: int = -1  # of its live heap item


@dataclass
class Counters:
    """What the scheduler did, for tests and /healthz (not timings)."""

    turns: int = 0
    updates: int = 0
    backlog_dropped: int = 0  # times a paced session forgot its backlog (the machine was overloaded)
    unattended_pauses: int = 0
    errors: int = 0
    busy_skips: int = 0  # turns put off because a REST call held the session's lock
    flock_turns: int = 0  # turns that trained a flock of sessions in one stacked pass
    flocked_updates: int = 0  # updates taken in them (every member's counted)


@dataclass
class Scheduler:
    clock: Callable[[], float] = time.monotonic
    threaded: bool = True  # False: nothing runs until run_due() is called (tests with a fake clock)
    counters: Counters = field(default_factory=Counters)
    cpu_clock: Callable[[], float] = time.thread_time  # what a chunk of training costs (a test fakes it)

    flocking: bool = True  # False: every session trains alone (for comparisons in tests and benches)

    def __post_init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._heap: list[tuple[float, int, Entry | Flock]] = []
        self._flocks: dict[FlockKey, Flock] = {}
        self._lonely: dict[FlockKey, Entry] = {}  # per key, the last solo entry that found no flock
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
            self._safe_turn(entry)
            taken += 1
        return taken

    def next_due(self) -> float | None:
        with self._cond:
            return self._heap[0][0] if self._heap else None

    def _push(self, due: float, item: Entry | Flock) -> None:
        """Schedule the item's next turn; an earlier push of it, still in the heap, is void."""
        item.due, item.seq = due, next(self._seq)
        heapq.heappush(self._heap, (due, item.seq, item))
        self._cond.notify()

    def _pop_due(self, now: float) -> Entry | Flock | None:
        while self._heap and _void(*self._heap[0][1:]):
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
                if self._stopping or entry is None:  # (None only when stopping)
                    return
            self._safe_turn(entry)

    def _safe_turn(self, item: Entry | Flock) -> None:
        """A turn; whatever goes wrong in it (a frame that cannot be built, say) stops that session
        or flock, never the thread that trains every other session."""
        try:
            self._turn(item)
        except Exception:
            log.exception("a scheduler turn failed")
            self.counters.errors += 1
            if isinstance(item, Flock):
                self._dissolve(item, self.clock())
            else:
                self._drop(item)
                item.target.pause()

    def _turn(self, item: Entry | Flock) -> None:
        if isinstance(item, Flock):
            self._flock_turn(item)
            return
        entry, t = item, item.target
        now = self.clock()
        if entry.flock is not None:
            return  # a flock trains it now
        if not self._attended(entry, now):
            return
        updates = self._updates_due(entry, now, t.updates_per_epoch)
        session = may_flock(entry, TICK_S) if self.flocking else None
        if session is not None:
            rest = session.updates_for(epochs=1) if session.trainer.position else 0
            updates = _to_epoch_end(updates, t.updates_per_epoch, rest)
        if updates > 0:
            # a REST step holds the lock, or trains it in slices (busy): skip this turn rather than
            # stall every session, or mix its updates into the step's
            if t.busy or not t.lock.acquire(blocking=False):
                self.counters.busy_skips += 1
                updates = 0
            else:
                try:
                    if not self._work(entry, updates):
                        return
                finally:
                    t.lock.release()
        with self._cond:
            if not entry.cancelled and not self._join_flock(entry, now):
                self._push(self._next_due(entry, now, t.updates_per_epoch), entry)

    def _attended(self, entry: Entry, now: float) -> bool:
        """False (and the entry dropped) when its target may not train any more."""
        t = entry.target
        if entry.cancelled or t.closed or not t.running:
            self._drop(entry)
            return False
        if t.audience.count == 0 and now - t.last_seen > entry.unattended_s:
            # nobody watching and no request for this long (a closed tab, a crashed script):
            # pause, rather than train for nobody until the session expires
            self.counters.unattended_pauses += 1
            self._drop(entry)
            t.pause()
            return False
        return True

    def _work(self, entry: Entry, updates: int) -> bool:
        """Train and build the frame; False when the target cannot train any more."""
        # this thread's CPU time, not the wall clock: on a loaded machine the wall time of a chunk
        # swells at random, and chunks sized from it made full-speed sessions' shares unequal
        started = self.cpu_clock()
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
        took = self.cpu_clock() - started
        entry.done += updates
        entry.turns += 1
        self.counters.turns += 1
        self.counters.updates += updates
        frame_in = self._after_work(entry)
        if frame_in is False:
            return False
        if entry.epochs_per_second is None:
            # straight to ~CHUNK_S of CPU (at most 8× at a time, in case the first turn ran cold): a
            # slow doubling ramp left sessions that got few turns (a loaded machine) with small chunks.
            # A viewer's next frame due sooner: end the chunk then, so frames come at the pace it reads
            budget = CHUNK_S if frame_in is True else min(CHUNK_S, max(MIN_CHUNK_S, frame_in))
            fits = round(updates * budget / took) if took > 0 else updates * 8
            entry.chunk = max(1, min(updates * 8, fits))
        return True

    def _after_work(self, entry: Entry) -> float | bool:
        """Build the frame if one is due: the seconds until the next one is (from on_chunk), True
        when that is not known, False when it failed (which stops this session only)."""
        if entry.on_chunk is None:
            return True
        try:
            due_in = entry.on_chunk()
        except Exception:
            log.exception("building the frame of %s failed", entry.target.id)
            self.counters.errors += 1
            self._drop(entry)
            entry.target.pause()
            return False
        return float(due_in) if isinstance(due_in, int | float) and not isinstance(due_in, bool) else True

    def _updates_due(self, entry: Entry | Flock, now: float, per_epoch: int) -> int:
        if entry.epochs_per_second is None:
            assert isinstance(entry, Entry)
            return entry.chunk or per_epoch
        rate = entry.epochs_per_second * per_epoch  # updates a second
        due = int(rate * (now - entry.started)) - entry.done
        most = max(1, int(rate * MAX_LAG_S))
        if due > most:  # overloaded: slow down evenly instead of bursting to catch up
            self.counters.backlog_dropped += 1
            entry.started, entry.done, due = now - most / rate, 0, most
        return due

    def _next_due(self, entry: Entry | Flock, now: float, per_epoch: int, step: int = 1) -> float:
        """When `step` more updates are due (a flock waits for a whole epoch)."""
        if entry.epochs_per_second is None:
            return now  # behind everyone already due (their due times are ≤ now)
        rate = entry.epochs_per_second * per_epoch
        # one tick after this turn was due (not after it ran: a turn that starts late must not delay
        # every later one), but never more than a tick in the past (no burst of turns to catch up)
        tick = max(entry.due + TICK_S, now - TICK_S)
        return max(tick, entry.started + (entry.done + step) / rate)

    def _drop(self, entry: Entry) -> None:
        with self._cond:
            entry.cancelled = True
            if self._entries.get(entry.target.id) is entry:
                del self._entries[entry.target.id]

    # ------------------------------------------------------------ flocks (see app/training/flock.py)

    def _join_flock(self, entry: Entry, now: float) -> bool:
        """With the condition held, after a solo turn: put the entry in the flock of its kind, or
        found one with the last lonely entry of that kind; False: it goes on alone."""
        key = flock_key(entry, TICK_S) if self.flocking else None
        if key is None:
            return False
        flock = self._flocks.get(key)
        if flock is None:
            other = self._lonely.get(key)
            if other is None or other is entry or other.cancelled or other.flock or flock_key_of(other) != key:
                self._lonely[key] = entry
                return False
            del self._lonely[key]
            flock = self._flocks[key] = Flock(key, [other], started=now, per_epoch=entry.target.updates_per_epoch)
            other.flock = flock
            self._push(now + TICK_S, flock)
        flock.members.append(entry)
        entry.flock = flock
        return True

    def _flock_turn(self, flock: Flock) -> None:
        now = self.clock()
        flock.members = [m for m in flock.members if m.flock is flock and self._attended(m, now)]
        per_epoch = flock.per_epoch
        updates = _to_epoch_end(self._updates_due(flock, now, per_epoch), per_epoch, 0)  # whole epochs only
        if len(flock.members) < 2:
            self._dissolve(flock, now)
            return
        if updates > 0 and not self._train_flock(flock, updates, now):
            return
        with self._cond:
            if flock.members and not flock.cancelled:
                self._push(self._next_due(flock, now, per_epoch, per_epoch), flock)

    def _train_flock(self, flock: Flock, updates: int, now: float) -> bool:
        with ExitStack() as held:
            self._release(flock.hold(held), flock, now)  # busy with a REST call: alone for now
            try:
                strays = flock.train(updates)
            except Exception:  # an engine bug: every member goes on alone, the server goes on
                log.exception("training a flock of %d failed", len(flock.members))
                self.counters.errors += 1
                self._dissolve(flock, now)
                return False
        self._release(strays, flock, now)
        if not flock.members:
            self._dissolve(flock, now)
            return False
        flock.done += updates
        self.counters.turns += 1
        self.counters.flock_turns += 1
        self.counters.updates += updates * len(flock.members)
        self.counters.flocked_updates += updates * len(flock.members)
        for m in list(flock.members):
            m.turns += 1
            if self._after_work(m) is False:
                flock.members.remove(m)
                m.flock = None
        return True

    def _release(self, members: list[Entry], flock: Flock, now: float) -> None:
        """These members leave the flock and train alone from now (they may join again later)."""
        with self._cond:
            for m in members:
                if m in flock.members:
                    flock.members.remove(m)
                if m.flock is flock:
                    m.flock, m.started, m.done = None, now, 0
                    if not m.cancelled:
                        self._push(now, m)

    def _dissolve(self, flock: Flock, now: float) -> None:
        self._release(list(flock.members), flock, now)
        with self._cond:
            flock.cancelled = True
            if self._flocks.get(flock.key) is flock:
                del self._flocks[flock.key]
