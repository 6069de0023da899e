"""Run control and the live view: POST …/play, POST …/pause, GET …/stream (Server-Sent Events).

Run control is REST; the stream is only a view. Any number of viewers may watch one session;
each gets the newest frame when it is ready for one (frames are dropped, never queued), a
reconnecting viewer simply starts from the current state, and a closed stream leaves nothing
running (the generator ends with the connection; training belongs to play/pause).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Body, Request
from fastapi.responses import StreamingResponse
from pydantic import Field

from app.training.fields import QueryNumber, Real
from app.training.runner import Runners

from . import frames, present
from .deps import FreeSessionDep, SessionDep, SettingsDep
from .schemas import SessionOut, Strict
from .sessions import NOT_FOUND

router = APIRouter(prefix="/api/v1/sessions", tags=["live"])


class PlayRequest(Strict):
    epochs_per_second: Real(0.1, 10_000.0) | None = Field(
        None, description="training speed; null or omitted: as fast as it goes")


def runners(request: Request) -> Runners:
    return request.app.state.runners  # type: ignore[no-any-return]


@router.post("/{session_id}/play", response_model=SessionOut,
             responses={**NOT_FOUND, 409: {"description": "diverged: reset first"}})
def play(request: Request, session: FreeSessionDep,
         body: Annotated[PlayRequest | None, Body()] = None) -> SessionOut:
    pool = runners(request)
    make = lambda: frames.frame_json(session, pool.speed(session.id))  # noqa: E731
    settings = request.app.state.settings
    pool.play(session, body.epochs_per_second if body else None,
              frames.refresher(session, make, 1.0 / settings.max_fps), settings.unattended_pause_s)
    return present.session(session)


@router.post("/{session_id}/pause", response_model=SessionOut, responses=NOT_FOUND)
def pause(request: Request, session: FreeSessionDep) -> SessionOut:
    runners(request).stop(session)
    return present.session(session)


KEEPALIVE_S = 15.0  # a comment line now and then keeps proxies from closing a quiet stream
GONE = b'event: gone\ndata: {"reason":"deleted or expired"}\n\n'
DONE = b"event: done\ndata: {}\n\n"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
SSE_DOC: dict[int | str, dict[str, Any]] = {200: {
    "description": "Server-Sent Events: `frame` (JSON data), `done`, `gone`, `moved` ({id} of the session "
                   "that replaced this one); `: keepalive` comments",
    "content": {"text/event-stream": {"schema": {"type": "string"}}}}}


def moved(successor: str) -> bytes:
    return f'event: moved\ndata: {{"id":"{successor}"}}\n\n'.encode()


async def event_stream(target: Any, alive: Callable[[], bool], build: Callable[[], frames.FramePack],
                       fps: float, limit: int, successor: Callable[[], str | None] = lambda: None,
                       ) -> AsyncIterator[bytes]:
    """SSE bytes for a session or comparison: its newest frame whenever its version moved, at most
    fps a second. A frame is built once per version in a worker thread (NumPy never runs on the
    event loop) and its encoded bytes are shared by every viewer; a slow viewer skips versions
    (the generator only makes the next frame when the last one was taken), it never queues them."""
    period = 1.0 / fps
    sent_version, sent, quiet_since = -1, 0, time.monotonic()
    target.viewers += 1
    target.version += 1  # the viewer count is part of what the others see
    try:
        while limit == 0 or sent < limit:
            target.last_seen = time.monotonic()
            if not alive():
                nxt = successor()
                yield moved(nxt) if nxt else GONE  # followers of a replaced session move along
                return
            version = target.version
            if version != sent_version:
                cached = target.frame_cache
                # while training runs, its thread keeps a frame at most a display frame old: take
                # it; otherwise (a REST step, a new viewer) build the exact current one
                recent = target.running and time.monotonic() - cached[3] <= 2 * period if cached else False
                if cached is None or (cached[0] != version and not recent):
                    cached = await anyio.to_thread.run_sync(build)
                if cached[0] != sent_version:
                    yield cached[2]
                    sent_version, sent, quiet_since = cached[0], sent + 1, time.monotonic()
            elif time.monotonic() - quiet_since > KEEPALIVE_S:
                yield b": keepalive\n\n"
                quiet_since = time.monotonic()
            await asyncio.sleep(period)
        yield DONE
    finally:
        target.viewers -= 1
        target.version += 1


@router.get("/{session_id}/stream", response_class=StreamingResponse, responses={**NOT_FOUND, **SSE_DOC})
async def stream(request: Request, session: SessionDep, settings: SettingsDep,
                 fps: QueryNumber(float, 1.0, 60.0, description="frames per second at most") = 30.0,
                 frames_: QueryNumber(int, 0, 1_000_000, alias="frames",
                                      description="stop after this many frames; 0: never") = 0,
                 ) -> StreamingResponse:
    """Frames (event `frame`): epoch, step, status, metrics, the output grid and every hidden unit's
    grid (uint8, plane-predicted, deflate, base64), and the weights; `done` after `frames` frames;
    `gone` when the session is deleted."""
    store, pool = request.app.state.store, runners(request)
    events = event_stream(session, lambda: session.id in store,
                          lambda: frames.frame_json(session, pool.speed(session.id)),
                          min(fps, settings.max_fps), frames_, lambda: store.successor_of(session.id))
    return StreamingResponse(events, media_type="text/event-stream", headers=SSE_HEADERS)
