"""Timeouts for slow clients: a connection may not hold a file descriptor by sending slowly.

uvicorn closes an idle keep-alive connection, but nothing else: a client that opens a connection
and sends half a request head, or a head and half of its body, keeps its fd and its place for as
long as it likes. 1,500 such connections were held for 65 s (the server's fds went 16 → 1,516);
a few thousand more and the process cannot accept anyone (EMFILE). Three limits, from Settings:

- `header_timeout_s` (NNP_HEADER_TIMEOUT_S, 10 s): from the connection being made, or from the
  first byte of its next request, to the end of the request head. uvicorn has no such option, so
  the server speaks HTTP through `HttpProtocol`: uvicorn's own protocol (httptools when installed,
  as `uvicorn[standard]` does, else h11) with one timer armed when a head is awaited and cancelled
  when it is complete. A connection that sent nothing is closed; one that sent part of a head gets a
  408 first. Start uvicorn with `http=PROTOCOL` (`--http app.slow_clients:HttpProtocol`): the
  command, its workers and the benches' server do.
- `keep_alive_s` (NNP_KEEP_ALIVE_S, 5 s): an idle connection between two requests (uvicorn's
  keep-alive timeout, taken from Settings by the protocol, so one variable sets it everywhere).
- `body_timeout_s` (NNP_BODY_TIMEOUT_S, 30 s): from the request head to the last byte of its body.
  `BodyTimeout` (ASGI middleware) times the app's reads of the body only: a request with no body,
  and a response of any length (a stream), are never cut. A body the app never reads is not waited
  for: once the response is sent, the protocol closes the connection instead of keeping it for the
  rest of that body.

With `max_connections` (NNP_MAX_CONNECTIONS, 0: no cap) requests beyond that many open connections
get uvicorn's 503. 0 disables a timeout. `COUNTS` (reported by /healthz) says what was cut.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import h11
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol as UvicornH11

from app.api.errors import ResponseWatch, error_body
from app.config import get_settings

PROTOCOL = "app.slow_clients:HttpProtocol"  # uvicorn's `http=` / `--http`
CLOSE = {"Connection": "close"}


@dataclass
class Counts:
    head: int = 0  # connections closed because their request head was not complete in time
    body: int = 0  # requests answered 408 because their body was not complete in time
    unread: int = 0  # connections closed after a response because the rest of the body never came


COUNTS = Counts()  # this process's (the protocol serves every app of the process)


# ---------------------------------------------------------------- the request head (the protocol)


def _head_timeout_response(timeout_s: float) -> bytes:
    body = json.dumps(error_body("head", f"the request head did not arrive within {timeout_s:g} s, the server's "
                                         "limit (NNP_HEADER_TIMEOUT_S)", "timeout")).encode()
    return (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body))


class _Timeouts:
    """What both of uvicorn's protocols get: the head timer, and keep-alive and the connection cap
    from Settings. Mixed in before uvicorn's class, whose attributes it uses."""

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    timeout_keep_alive: int  # uvicorn's annotation; a float works as well (loop.call_later)
    limit_concurrency: int | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._take_settings()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]  # uvicorn's protocol, after this in the MRO
        self._await_head(begun=False)

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_complete()
        super().connection_lost(exc)  # type: ignore[misc]  # uvicorn's protocol, after this in the MRO

    def _take_settings(self) -> None:
        settings = get_settings()
        self.timeout_keep_alive = settings.keep_alive_s  # type: ignore[assignment]
        if settings.max_connections > 0:
            self.limit_concurrency = settings.max_connections
        self._head_timeout = settings.header_timeout_s
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_begun = False  # a byte of the head arrived: it is answered 408, not just closed

    def _await_head(self, begun: bool) -> None:
        self._head_begun = self._head_begun or begun
        if self._head_timer is None and self._head_timeout > 0 and not self.transport.is_closing():
            self._head_timer = self.loop.call_later(self._head_timeout, self._head_too_slow)

    def _head_complete(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self._head_begun = False

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        COUNTS.head += 1
        if self._head_begun:
            self.transport.write(_head_timeout_response(self._head_timeout))
        self.transport.close()

    def _close_unread(self) -> None:
        """The response is complete while its request's body is still arriving: nobody will read
        the rest, and waiting for it would let a trickle hold the connection."""
        if not self.transport.is_closing():
            COUNTS.unread += 1
            self.transport.close()


class H11Protocol(_Timeouts, UvicornH11):
    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # h11 has no "a request began" event: a head is awaited while the peer is IDLE (h11 holds
        # the bytes of a head until it is complete); anything else means it is complete
        if self.conn.their_state is h11.IDLE:
            if data:
                self._await_head(begun=True)
        else:
            self._head_complete()

    def on_response_complete(self) -> None:
        unread = self.conn.their_state is h11.SEND_BODY
        super().on_response_complete()
        if unread:
            self._close_unread()


HttpProtocol: type[asyncio.Protocol] = H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as UvicornHttpTools
except ImportError:  # pragma: no cover - httptools comes with uvicorn[standard], a dependency
    pass
else:

    class HttpToolsProtocol(_Timeouts, UvicornHttpTools):
        def on_message_begin(self) -> None:  # the first byte of a request (the next one, on keep-alive)
            super().on_message_begin()
            self._await_head(begun=True)

        def on_headers_complete(self) -> None:
            self._head_complete()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            # the response of the newest request (none is queued behind it), whose body is unfinished
            unread = not self.pipeline and self.cycle is not None and self.cycle.more_body
            super().on_response_complete()
            if unread:
                self._close_unread()

    HttpProtocol = HttpToolsProtocol  # what uvicorn's "auto" would pick


# ---------------------------------------------------------------- the request body (ASGI middleware)


class BodyTimedOut(HTTPException):
    """Raised from `receive` when the body is late. An HTTPException, so that FastAPI, which turns
    any other error while reading a body into a 400, lets it through; `install` answers it."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(408, refusal(timeout_s), headers=CLOSE)


def refusal(timeout_s: float) -> str:
    return f"the request body did not arrive within {timeout_s:g} s, the server's limit (NNP_BODY_TIMEOUT_S)"


def _has_body(scope: Scope) -> bool:
    headers = Headers(scope=scope)
    return "transfer-encoding" in headers or headers.get("content-length", "0").strip() not in ("", "0")


def _answer(timeout_s: float) -> JSONResponse:
    return JSONResponse(error_body("body", refusal(timeout_s), "timeout"), status_code=408, headers=CLOSE)


class BodyTimeout:
    """ASGI middleware: a JSON 408 (and the connection closed) for a body not complete within
    `timeout_s` of the request reaching the app. Only reads of the body are timed: once it is
    complete (or when there is none), `receive` is the server's own, so a stream waiting for the
    client to leave waits as long as it likes."""

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app, self.timeout_s = app, timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.timeout_s <= 0 or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        complete = False

        async def timed() -> Message:
            nonlocal complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                COUNTS.body += 1
                raise BodyTimedOut(self.timeout_s) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        watch = ResponseWatch(send)
        try:
            await self.app(scope, timed, watch)
        except BodyTimedOut:  # raised where no exception handler runs (the front's router reads bodies itself)
            if watch.started:
                raise
            await _answer(self.timeout_s)(scope, receive, send)


def install(app: Any, timeout_s: float) -> None:
    """The middleware, and the 408 where the app's own exception handlers run (a route reading its
    body): in the API's error shape, naming the body."""

    async def timed_out(request: Request, exc: Exception) -> JSONResponse:
        return _answer(timeout_s)

    app.add_exception_handler(BodyTimedOut, timed_out)
    app.add_middleware(BodyTimeout, timeout_s=timeout_s)
