"""One stream from an owner, shared by every viewer of this web process that asked for the same one.

A frame is built once where its session lives; across Ray each chunk costs about a millisecond of
CPU on each side, so thirty students following a teacher through one web process would cost most
of a core if each had a stream of its own. Here the owner streams once per web process (and per
`fps`); the chunks are read as they come and every viewer takes the newest one when it is ready for
it (a slow viewer skips frames, never queues them, as the app's own streams do), and a newcomer
starts from the last frame. The owner is told how many viewers the shared stream stands for, so
the viewer count it puts in frames ("N watching") and its "nobody is watching" pause stay true.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from .owners import Reply

log = logging.getLogger("nn_playground.fanout")
FRAME = b"event: frame"


def whole_frames(target: bytes) -> bytes:
    """The stream asked with `whole=true`: its viewers skip frames here, so each frame must carry
    every part (the owner's own streams leave out slow parts a viewer was sent before)."""
    path, sep, query = target.partition(b"?")
    return path + b"?" + (query + b"&" if sep and query else b"") + b"whole=true"


def shareable(target: bytes) -> bool:
    """A stream without a frame limit (the pages' streams): a limited one is its viewer's alone."""
    query = parse_qs(target.partition(b"?")[2].decode("latin-1"))
    return query.get("frames", ["0"])[-1].strip() in ("", "0")


class Broadcast:
    """One upstream stream (`head` and its chunks) and the viewers reading it. `on_count(n)` is told
    the number of viewers whenever it changes (0 once the last has left); `forget` is called when
    it should take no more viewers (ended, or empty)."""

    def __init__(self, head: Reply, on_count: Callable[[int], None], forget: Callable[[], None]) -> None:
        assert head.chunks is not None
        self.head, self.on_count, self.forget = head, on_count, forget
        self.seq, self.chunk = 0, b""  # the newest chunk and its number
        self.frame_seq, self.frame = 0, b""  # the newest frame (a keepalive or an end is not one)
        self.ended = False
        self.viewers = 0
        self._changed = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read(head.chunks))

    async def _read(self, chunks: AsyncIterator[bytes]) -> None:
        try:
            async for chunk in chunks:
                self.seq, self.chunk = self.seq + 1, chunk
                if chunk.startswith(FRAME):
                    self.frame_seq, self.frame = self.seq, chunk
                self._wake()
        except Exception:  # the owner's errors are already a `gone` event: anything else ends the stream
            log.exception("a shared stream failed")
        finally:
            self.ended = True
            self.forget()  # the next viewer opens a fresh one (which may well say `gone` at once)
            self._wake()
            with contextlib.suppress(Exception):
                await chunks.aclose()  # type: ignore[attr-defined]

    def _wake(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def reply(self) -> Reply:
        """A new viewer's answer: the shared head, and its own view of the chunks."""
        self.viewers += 1
        self.on_count(self.viewers)
        return Reply(self.head.status, list(self.head.headers), None, self._view())

    async def _view(self) -> AsyncIterator[bytes]:
        seen = 0
        try:
            if self.frame_seq:
                seen = self.frame_seq
                yield self.frame
            while True:
                if self.seq != seen:
                    if seen < self.frame_seq < self.seq:  # a keepalive or the end came after a frame it missed
                        yield self.frame
                    seen = self.seq
                    yield self.chunk
                elif self.ended:
                    return
                else:
                    await self._changed.wait()
        finally:
            self.viewers -= 1
            self.on_count(self.viewers)
            if self.viewers == 0:
                self.forget()
                self._reader.cancel()  # which closes the upstream: the owner's stream ends too


class Shared:
    """The broadcasts of one owner in this process, by request target. `open_stream(target, token)`
    asks the owner for a stream (token "" for a viewer's own; else the id of a shared one), and
    `weigh(token, n)` tells it how many viewers a shared one stands for."""

    def __init__(self, open_stream: Callable[[bytes, str], Awaitable[Reply]],
                 weigh: Callable[[str, int], None]) -> None:
        self.open_stream, self.weigh = open_stream, weigh
        self.by_target: dict[bytes, asyncio.Future[Broadcast | None]] = {}

    async def reply(self, target: bytes) -> Reply:
        pending = self.by_target.get(target)
        if pending is None:
            pending = self.by_target[target] = asyncio.get_running_loop().create_future()
            token = secrets.token_hex(8)
            try:
                head = await self.open_stream(whole_frames(target), token)
            except BaseException:
                self._forget(target, pending)
                pending.set_result(None)
                raise
            if head.chunks is None:  # not a stream after all (404, 422): nothing to share
                self._forget(target, pending)
                pending.set_result(None)
                return head
            entry = pending
            pending.set_result(Broadcast(head, lambda n: self.weigh(token, n), lambda: self._forget(target, entry)))
        broadcast = await asyncio.shield(pending)
        if broadcast is None or broadcast.ended:
            return await self.open_stream(target, "")  # its opening failed, or it has just ended: one's own
        return broadcast.reply()

    def _forget(self, target: bytes, entry: asyncio.Future[Any]) -> None:
        if self.by_target.get(target) is entry:
            del self.by_target[target]
