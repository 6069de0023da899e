"""Run control and the live view: POST …/play, POST …/pause, GET …/stream (Server-Sent Events).

Run control is REST; the stream is only a view. Any number of viewers may watch one session;
each gets the newest frame when it is ready for one (frames are dropped, never queued), a
reconnecting viewer simply starts from the current state, and a closed stream leaves nothing
running (the generator ends with the connection; training belongs to play/pause).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import Field
from starlette.types import Receive, Scope, Send

from app import shutdown
from app.training.fields import QueryIn, RealIn
from app.training.scheduler import Scheduler

from . import frames, present
from .bodies import OffLoopBodies
from .clients import TOO_MANY, check_running, client_of, streams
from .deps import OwnedSessionDep, SessionDep, SettingsDep
from .schemas import SessionOut, Strict
from .sessions import NOT_FOUND, OWNED

router = APIRouter(prefix="/api/v1/sessions", tags=["live"], route_class=OffLoopBodies)


class PlayRequest(Strict):
    epochs_per_second: Annotated[float, RealIn(0.1, 10_000.0)] | None = Field(
        None, description="training speed; null or omitted: as fast as it goes")


def scheduler(request: Request) -> Scheduler:
    return request.app.state.scheduler


@router.post("/{session_id}/play", response_model=SessionOut,
             responses={**OWNED, 409: {"description": "diverged: reset first"}, **TOO_MANY})
def play(request: Request, session: OwnedSessionDep,
         body: Annotated[PlayRequest | None, Body()] = None) -> SessionOut:
    check_running(request, session)
    pool = scheduler(request)
    make = lambda: frames.frame_json(session, pool.speed(session.id))  # noqa: E731
    pool.play(session, body.epochs_per_second if body else None, frames.refresher(session, make),
              request.app.state.settings.unattended_pause_s)
    return present.session(session)


@router.post("/{session_id}/pause", response_model=SessionOut, responses=OWNED)
def pause(request: Request, session: OwnedSessionDep) -> SessionOut:
    scheduler(request).stop(session)
    return present.session(session)


KEEPALIVE_S = 15.0  # a comment line now and then keeps proxies from closing a quiet stream
FALLBACK_S = 1.0  # a running target whose scheduler built no frame for this long: build one here
GONE = b'event: gone\ndata: {"reason":"deleted or expired"}\n\n'
DONE = b"event: done\ndata: {}\n\n"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
SSE_DOC: dict[int | str, dict[str, Any]] = {200: {
    "description": "Server-Sent Events: `frame` (JSON data), `done`, `gone`, `moved` ({id} of the session "
                   "that replaced this one); `: keepalive` comments",
    "content": {"text/event-stream": {"schema": {"type": "string"}}}}}
log = logging.getLogger("nn_playground.stream")


def moved(successor: str) -> bytes:
    return f'event: moved\ndata: {{"id":"{successor}"}}\n\n'.encode()


class EventStreamResponse(StreamingResponse):
    """SSE whose viewer is dropped when it stops reading: a send that cannot go out for `stall_s`
    (the connection's buffers are full: a sleeping laptop, a stuck script) marks the viewer stalled,
    so it no longer keeps its session training or safe from eviction, and ends the response."""

    media_type = "text/event-stream"

    def __init__(self, content: AsyncIterator[bytes], stall_s: float, on_stall: Callable[[], None],
                 on_end: Callable[[], None] = lambda: None,
                 status_code: int = 200) -> None:  # FastAPI's OpenAPI reads the status code's default
        super().__init__(content, status_code, SSE_HEADERS, self.media_type)
        self.stall_s, self.on_stall, self.on_end = stall_s, on_stall, on_end

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.on_end()

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        async for chunk in self.body_iterator:
            assert isinstance(chunk, bytes)
            try:
                async with asyncio.timeout(self.stall_s):  # no task per send, unlike wait_for
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except TimeoutError:
                self.on_stall()
                log.warning("a stream viewer read nothing for %.0f s: dropping it", self.stall_s)
                return  # the server closes the connection
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class Viewer:
    """One open stream of a target: its place in the audience and what it was last sent."""

    def __init__(self, target: Any, fps: float, whole: bool = False) -> None:
        self.target, self.fps, self.period = target, fps, 1.0 / fps
        self.ticket: int | None = None  # joined when the stream starts, so a stream never started leaves none
        self.sent_version = -1
        self.whole = whole  # every frame whole, slow parts and all (a relay whose viewers skip frames)
        self.sent_slow = -1  # which slow parts it was last sent (FramePack.slow)
        self.since = time.monotonic()  # joined, or last sent a frame

    def join(self) -> None:
        self.ticket = self.target.audience.join(self.fps)
        self.since = time.monotonic()

    def stall(self) -> None:
        if self.ticket is not None:
            self.target.audience.stall(self.ticket)

    def leave(self) -> None:
        if self.ticket is not None:
            self.target.audience.leave(self.ticket)

    async def next_frame(self, build: Callable[[], frames.FramePack]) -> frames.FramePack | None:
        """The frame to send now, or None while there is nothing new for this viewer. While the
        target trains, the scheduler builds frames for its viewers; otherwise (a REST step, a new
        viewer, a pause) the viewer builds the exact current frame, in a worker thread so NumPy never
        runs on the event loop, and every other viewer shares it."""
        t = self.target
        cached = t.frame_cache
        if t.running:
            now = time.monotonic()
            # the scheduler builds a frame about every period while someone reads: one older than two
            # is from before this viewer came (nobody read meanwhile); wait for the next, up to FALLBACK_S
            if cached is not None and now - cached.began <= 2 * self.period:
                return cached if cached.version != self.sent_version else None
            if now - self.since < FALLBACK_S:
                return None
        elif cached is not None and cached.version == t.version:
            return cached if cached.version != self.sent_version else None
        pack = await anyio.to_thread.run_sync(build)
        return pack if pack.version != self.sent_version else None

    def bytes_of(self, pack: frames.FramePack) -> bytes:
        """The frame as this viewer gets it: lean when it has its slow parts already."""
        if pack.lean is not None and not self.whole and pack.slow == self.sent_slow:
            return pack.lean
        return pack.sse

    def sent(self, pack: frames.FramePack) -> None:
        self.sent_version, self.sent_slow, self.since = pack.version, pack.slow, time.monotonic()


async def event_stream(viewer: Viewer, alive: Callable[[], bool], build: Callable[[], frames.FramePack],
                       limit: int, successor: Callable[[], str | None] = lambda: None,
                       ) -> AsyncIterator[bytes]:
    """SSE bytes for a session or comparison: its newest frame whenever it moved, at most the
    viewer's fps. Waits on the target's beacon, never polls: a quiet stream costs nothing. A slow
    viewer skips versions (the generator makes the next frame only when the last one was taken),
    it never queues them."""
    t, sent, quiet_since = viewer.target, 0, time.monotonic()
    viewer.join()
    try:
        while limit == 0 or sent < limit:
            woken = t.audience.beacon.arm()  # armed before looking: a change meanwhile still wakes us
            try:
                if shutdown.requested():
                    return  # the server is stopping: no `gone`, so the viewer reconnects once it is back
                if not alive():
                    nxt = successor()
                    yield moved(nxt) if nxt else GONE  # followers of a replaced session move along
                    return
                pack = await viewer.next_frame(build)
                if pack is not None:
                    yield viewer.bytes_of(pack)
                    viewer.sent(pack)
                    sent, quiet_since = sent + 1, time.monotonic()
                    if t.audience.fps > viewer.fps or not t.running:
                        # frames come faster than this viewer asked (another reads faster, or REST
                        # steps): at most fps a second, with room for jitter. Otherwise the scheduler
                        # already builds them at this viewer's pace: one wake-up a frame, not two
                        await asyncio.sleep(viewer.period * 0.8)
                    continue
                if time.monotonic() - quiet_since > KEEPALIVE_S:
                    yield b": keepalive\n\n"
                    quiet_since = time.monotonic()
                wait = FALLBACK_S if t.running else KEEPALIVE_S
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await woken
            finally:
                t.audience.beacon.disarm(woken)
        yield DONE
    finally:
        viewer.leave()


def open_stream(target: Any, fps: float, limit: int, alive: Callable[[], bool],
                build: Callable[[], frames.FramePack], stall_s: float,
                successor: Callable[[], str | None] = lambda: None,
                release: Callable[[], None] = lambda: None, whole: bool = False) -> EventStreamResponse:
    """The SSE response; `release` runs when it ends, however it ends (its client's stream share)."""
    viewer = Viewer(target, fps, whole)
    return EventStreamResponse(event_stream(viewer, alive, build, limit, successor), stall_s, viewer.stall,
                               release)


@router.get("/{session_id}/stream", response_class=EventStreamResponse,
            responses={**NOT_FOUND, **SSE_DOC, **TOO_MANY})
async def stream(request: Request, session: SessionDep, settings: SettingsDep,
                 fps: Annotated[float, Query(description="frames per second at most"),
                                QueryIn(float, 1.0, 60.0)] = 30.0,
                 frames_: Annotated[int, Query(alias="frames", description="stop after this many frames; 0: never"),
                                    QueryIn(int, 0, 1_000_000)] = 0,
                 whole: Annotated[bool, Query(description=(
                     "true: every frame carries `neurons`, `weights` and `units`; false (default): a frame "
                     "leaves them out when this stream already sent the same ones"))] = False,
                 ) -> EventStreamResponse:
    """Frames (event `frame`): epoch, step, status, metrics, the output grid and every hidden unit's
    grid (uint8, plane-predicted, deflate, base64), the weights and the units' statistics; `done`
    after `frames` frames; `gone` when the session is deleted. The unit maps, weights and units
    change at most 10 times a second while the session trains: a frame leaves them out (no key)
    when this stream sent the same ones before, so a client keeps the last ones it was sent
    (`whole=true`: every frame has them)."""
    store, pool = request.app.state.store, scheduler(request)
    release = streams(request).reserve(client_of(request), settings.max_streams_per_client)
    return open_stream(session, min(fps, settings.max_fps), frames_, lambda: session.id in store,
                       lambda: frames.frame_json(session, pool.speed(session.id)), settings.stream_stall_s,
                       lambda: store.successor_of(session.id), release, whole)
