"""Long REST work in slices, off the shared thread pool.

A step request may take up to `max_work_per_request` operations (seconds of CPU on a big network).
Done in one go it held the session's lock the whole time, and a worker thread of the pool that
serves every plain route: readers of that session piled up in the pool behind it until nothing else
was answered. Here the updates are cut into slices of ~SLICE_S of CPU each; between slices the
session's lock is free (its readers, viewers and the persistence saver go on) and so is the thread.
The slices run under a small limiter of their own (`heavy_threads`), never the pool's: however many
heavy requests come, plain routes keep their threads. The scheduler leaves a session alone while a
step trains it (`busy`), so play turns never mix into a step's updates.

Steps of one session (or comparison) take turns on an asyncio lock: waiting for one holds no thread.
Other changes (PATCH, reset, weights, pause) are not held back: they land between two slices, as
they do between two turns of a playing session. A session deleted meanwhile ends the step (404).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from typing import Protocol, TypeVar

import anyio
from fastapi import Request

from app.training.store import SessionNotFound

SLICE_S = 0.02  # CPU per slice: short enough for a reader to wait behind, long enough to amortise
FIRST_SLICE_WORK = 2_000_000  # operations (updates × parameters × batch) of the first slice: ~2 ms

T = TypeVar("T")


class Sliced(Protocol):
    id: str
    busy: int
    closed: bool

    def train_slice(self, updates: int, first: bool, last: bool) -> bool: ...


class Work:
    """Per app: the limiter the slices run under, each target's turn lock, and counters."""

    def __init__(self, threads: int) -> None:
        self.limiter = anyio.CapacityLimiter(threads)
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
                await self._slices(target, updates, work_per_update)
                if target.closed:  # deleted meanwhile: what it did is gone with it
                    raise SessionNotFound(target.id)
                return await anyio.to_thread.run_sync(then, limiter=self.limiter)
            finally:
                target.busy -= 1
                self.running -= 1

    async def _slices(self, target: Sliced, updates: int, work_per_update: int) -> None:
        size = max(1, FIRST_SLICE_WORK // max(1, work_per_update))
        done = 0
        while True:
            if target.closed:
                raise SessionNotFound(target.id)
            k = min(size, updates - done)
            first, last = done == 0, done + k >= updates
            more, took = await anyio.to_thread.run_sync(_timed, target, k, first, last, limiter=self.limiter)
            self.slices += 1
            done += k
            if not more:
                return
            # the next slice sized from this one's CPU time (at most 8× larger at a time)
            size = max(1, min(size * 8, int(k * SLICE_S / took))) if took > 0 else size * 8


def _timed(target: Sliced, k: int, first: bool, last: bool) -> tuple[bool, float]:
    # this thread's CPU time, not the wall clock: on a loaded machine wall time swells at random
    started = time.thread_time()
    more = target.train_slice(k, first, last)
    return more, time.thread_time() - started


def work(request: Request) -> Work:
    return request.app.state.work
