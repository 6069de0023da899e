"""Long REST work in slices, off the shared thread pool.

A step request may take up to `max_work_per_request` operations (seconds of CPU on a big network).
Done in one go it held the session's lock the whole time, and a worker thread of the pool that
serves every plain route: readers of that session piled up in the pool behind it until nothing else
was answered. Here the updates are cut into slices of ~SLICE_S of CPU each; between slices the
session's lock is free (its readers, viewers and the persistence saver go on) and so is the thread.
The slices run on a pool of their own (`heavy_threads`, default 1: on a small machine a core stays
for everything else), never the thread pool of the plain routes, and at a lower OS priority (nice
10), so the event loop and the training scheduler win the CPU when they want it. However many heavy
requests come, they queue there. The scheduler leaves a session alone while a step trains it
(`busy`), so play turns never mix into a step's updates.

A slice cannot be shorter than one update: on the heaviest network the limits allow (8 × 64 units,
1,800 points, full batch) one update is ~0.1 s of CPU, and a reader of *that* session waits for it.

Steps of one session (or comparison) take turns on an asyncio lock: waiting for one holds no thread.
Other changes (PATCH, reset, weights, pause) are not held back: they land between two slices, as
they do between two turns of a playing session. A session deleted meanwhile ends the step (404).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

import anyio
from fastapi import Request

from app.training.store import SessionNotFound

SLICE_S = 0.02  # CPU per slice: short enough for a reader to wait behind, long enough to amortise
FIRST_SLICE_WORK = 2_000_000  # operations (updates × parameters × batch) of the first slice: ~2 ms
# a step this small (~10 ms) is done at once on the plain routes' pool, as any quick request: it does
# not queue behind the slices of someone's heavy step
SMALL_WORK = 10_000_000

T = TypeVar("T")


class Sliced(Protocol):
    id: str
    busy: int
    closed: bool

    def train_slice(self, updates: int, first: bool, last: bool) -> bool: ...


HEAVY_NICE = 10  # the heavy threads' OS priority, below the rest of the server


def _lower_priority() -> None:
    # Linux schedules threads: setpriority on this thread's id lowers this thread only
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HEAVY_NICE)


class Work:
    """Per app: the pool the slices run on, each target's turn lock, and counters."""

    def __init__(self, threads: int) -> None:
        self.pool = ThreadPoolExecutor(max(1, threads), "nnp-heavy", initializer=_lower_priority)
        self._turns: weakref.WeakKeyDictionary[Sliced, asyncio.Lock] = weakref.WeakKeyDictionary()
        self.slices = 0  # slices run (for /healthz and the tests)
        self.running = 0  # sliced requests in progress

    async def train(self, target: Sliced, updates: int, work_per_update: int, then: Callable[[], T]) -> T:
        """`updates` updates of `target`, in slices, its lock and a thread free between them; then
        `then()` (the response, built before the next step of this target may start)."""
        turn = self._turns.setdefault(target, asyncio.Lock())
        async with turn:
            target.busy += 1
            self.running += 1
            try:
                if updates * work_per_update <= SMALL_WORK:
                    return await anyio.to_thread.run_sync(self._at_once, target, updates, then)
                await self._slices(target, updates, work_per_update)
                if target.closed:  # deleted meanwhile: what it did is gone with it
                    raise SessionNotFound(target.id)
                return await self._run(then)
            finally:
                target.busy -= 1
                self.running -= 1

    def _at_once(self, target: Sliced, updates: int, then: Callable[[], T]) -> T:
        target.train_slice(updates, True, True)
        self.slices += 1
        if target.closed:
            raise SessionNotFound(target.id)
        return then()

    async def _slices(self, target: Sliced, updates: int, work_per_update: int) -> None:
        size = max(1, FIRST_SLICE_WORK // max(1, work_per_update))
        done = 0
        while True:
            if target.closed:
                raise SessionNotFound(target.id)
            k = min(size, updates - done)
            first, last = done == 0, done + k >= updates
            more, took = await self._run(functools.partial(_timed, target, k, first, last))
            self.slices += 1
            done += k
            if not more:
                return
            # the next slice sized from this one's CPU time (at most 8× larger at a time)
            size = max(1, min(size * 8, int(k * SLICE_S / took))) if took > 0 else size * 8


    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.pool, fn)

    def close(self) -> None:
        """At shutdown: no new slice starts (a step in progress ends with its current slice)."""
        self.pool.shutdown(wait=False, cancel_futures=True)


def _timed(target: Sliced, k: int, first: bool, last: bool) -> tuple[bool, float]:
    # this thread's CPU time, not the wall clock: on a loaded machine wall time swells at random
    started = time.thread_time()
    more = target.train_slice(k, first, last)
    return more, time.thread_time() - started


def work(request: Request) -> Work:
    return request.app.state.work
