"""Background training for sessions that are playing: one thread per running session.

Training speed and frame rate are separate: a runner trains at its target epochs per second
(or as fast as it goes) in short chunks, releasing the session lock between chunks so REST
calls and frame building get in; viewers pick up whatever state is current when they draw.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from .session import SessionError

CHUNK_S = 0.01  # at full speed, train ~10 ms at a time, then let others take the lock
IDLE_SLEEP_S = 0.002


class Runnable(Protocol):
    """A session, or a comparison whose variants train in lockstep."""

    id: str
    viewers: int
    last_seen: float  # monotonic time of a client's last request or stream poll

    @property
    def running(self) -> bool: ...
    @property
    def updates_per_epoch(self) -> int: ...
    def train(self, updates: int) -> object: ...
    def play(self) -> None: ...
    def pause(self) -> None: ...


class Runner:
    def __init__(self, session: Runnable, epochs_per_second: float | None,
                 on_chunk: Callable[[], object] | None = None, unattended_s: float = 120.0) -> None:
        self.session = session
        # nobody watching and no request for this long (a closed tab, a crashed script): pause,
        # rather than train at full speed for nobody until the session expires
        self.unattended_s = unattended_s
        self.epochs_per_second = epochs_per_second  # None: as fast as it goes
        # called in this thread after every chunk: the live view builds its frame here when one is
        # due, rather than in another thread that would fight this one for the GIL
        self.on_chunk = on_chunk
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"runner-{session.id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _loop(self) -> None:
        s = self.session
        chunk = 1
        t0, done = time.perf_counter(), 0
        while not self._stop.is_set() and s.running:
            if s.viewers == 0 and time.monotonic() - s.last_seen > self.unattended_s:
                s.pause()
                break
            if self.epochs_per_second is None:
                updates = chunk
            else:
                per_epoch = s.updates_per_epoch
                due = int(self.epochs_per_second * per_epoch * (time.perf_counter() - t0)) - done
                if due <= 0:
                    time.sleep(IDLE_SLEEP_S)
                    continue
                updates = min(due, max(1, int(self.epochs_per_second * per_epoch * CHUNK_S)) * 4)
            started = time.perf_counter()
            try:
                s.train(updates)
            except SessionError:
                break
            done += updates
            took = time.perf_counter() - started
            if self.on_chunk is not None:
                self.on_chunk()
            chunk = max(1, min(chunk * 2, int(updates * CHUNK_S / took) if took > 0 else chunk * 2))
            time.sleep(0)  # yield the GIL to the event loop between chunks


class Runners:
    """At most one runner per session id; started by play, stopped by pause, delete or shutdown."""

    def __init__(self) -> None:
        self._runners: dict[str, Runner] = {}
        self._lock = threading.Lock()

    def play(self, session: Runnable, epochs_per_second: float | None,
             on_chunk: Callable[[], object] | None = None, unattended_s: float = 120.0) -> None:
        with self._lock:
            old = self._runners.pop(session.id, None)
        if old is not None:
            old.stop()
        session.play()
        runner = Runner(session, epochs_per_second, on_chunk, unattended_s)
        with self._lock:
            self._runners[session.id] = runner
        runner.start()

    def stop(self, session: Runnable) -> None:
        with self._lock:
            runner = self._runners.pop(session.id, None)
        session.pause()
        if runner is not None:
            runner.stop()

    def speed(self, session_id: str) -> float | None:
        r = self._runners.get(session_id)
        return None if r is None else r.epochs_per_second

    def alive(self) -> int:
        with self._lock:
            return sum(r.alive for r in self._runners.values())

    def stop_all(self) -> None:
        with self._lock:
            runners = list(self._runners.values())
            self._runners.clear()
        for r in runners:
            r.session.pause()
            r.stop()
