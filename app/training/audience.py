"""Who watches a session or comparison, how fast they want frames, and how to wake them.

Viewers are SSE generators on the event loop; frames are built in the scheduler's thread or a
worker thread. A `Beacon` lets any thread wake the loop's waiters without them polling: a paused
session with a hundred viewers costs nothing until something changes.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable


class _Waker:
    """Wakes futures of one event loop from other threads with at most one call_soon_threadsafe
    pending at a time: each such call writes to the loop's self-pipe and hands it the GIL, and at
    30 frames a second for 30 sessions that ping-pong cost the scheduler thread ~15 % of its time.
    Wakes that arrive while one is pending ride along with it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._lock = threading.Lock()
        self._due: list[asyncio.Future[None]] = []

    def wake(self, futures: list[asyncio.Future[None]]) -> None:
        with self._lock:
            first = not self._due
            self._due.extend(futures)
        if first and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        with self._lock:
            due, self._due = self._due, []
        for fut in due:
            _wake(fut)


_wakers: dict[asyncio.AbstractEventLoop, _Waker] = {}
_wakers_lock = threading.Lock()


def _waker(loop: asyncio.AbstractEventLoop) -> _Waker:
    with _wakers_lock:
        w = _wakers.get(loop)
        if w is None:
            for old in [k for k in _wakers if k.is_closed()]:  # test clients come and go
                del _wakers[old]
            w = _wakers[loop] = _Waker(loop)
        return w


class Beacon:
    """A thread-safe wake-up for asyncio waiters: `arm()` on the loop, `fire()` from anywhere."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # future -> its loop; a dict, so a viewer's disarm is O(1) with hundreds following one session
        self._waiters: dict[asyncio.Future[None], asyncio.AbstractEventLoop] = {}
        self.forward: list[Beacon] = []  # fired too (a variant's changes wake its comparison's viewers)

    def arm(self) -> asyncio.Future[None]:
        """A future that completes at the next `fire()`. Arm first, then check the condition, then
        await: a change between the check and the await still wakes the waiter."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        with self._lock:
            self._waiters[fut] = loop
        return fut

    def disarm(self, fut: asyncio.Future[None]) -> None:
        with self._lock:
            self._waiters.pop(fut, None)

    def fire(self) -> None:
        with self._lock:
            waiters, self._waiters = self._waiters, {}
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for fut, loop in waiters.items():
            by_loop.setdefault(loop, []).append(fut)
        for loop, futures in by_loop.items():
            _waker(loop).wake(futures)
        for other in self.forward:
            other.fire()


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


class Audience:
    """The open streams of one session or comparison. A viewer that stopped reading (its
    connection's buffers full for a while: a sleeping laptop) is marked stalled and no longer
    counts, so its session may pause itself, be evicted, and stop building frames for nobody."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fps: dict[int, float] = {}  # ticket -> frames a second this viewer asks for
        self._stalled: set[int] = set()
        self._tickets = itertools.count()
        self.beacon = Beacon()
        self.on_change: Callable[[], None] = lambda: None  # the viewer count is part of the frame

    def join(self, fps: float) -> int:
        with self._lock:
            ticket = next(self._tickets)
            self._fps[ticket] = fps
        self.on_change()
        return ticket

    def leave(self, ticket: int) -> None:
        with self._lock:
            counted = self._fps.pop(ticket, None) is not None and ticket not in self._stalled
            self._stalled.discard(ticket)
        if counted:
            self.on_change()

    def stall(self, ticket: int) -> None:
        with self._lock:
            fresh = ticket in self._fps and ticket not in self._stalled
            self._stalled.add(ticket)
        if fresh:
            self.on_change()

    @property
    def count(self) -> int:
        """Viewers that are reading (stalled ones do not count)."""
        with self._lock:
            return len(self._fps) - len(self._stalled)

    @property
    def stalled(self) -> int:
        with self._lock:
            return len(self._stalled)

    @property
    def fps(self) -> float:
        """The fastest frame rate a reading viewer asks for; 0 when nobody reads."""
        with self._lock:
            return max((f for t, f in self._fps.items() if t not in self._stalled), default=0.0)
