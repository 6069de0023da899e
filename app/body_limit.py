"""A limit on the size of a request body, enforced before anything reads or parses it.

JSON bodies are parsed on the event loop: a 20 MB body froze every connection for 2 s, and 100 MB
took 11 s and 2.66 GB. A body whose Content-Length is over `Settings.max_body_bytes` is answered
413 at once, unread; one of unknown length (chunked) is counted as it arrives and refused as soon
as the count passes the limit. Nothing is buffered here. (Starlette's own RequestBodyLimitMiddleware,
new in 1.x, answers in plain text and only once the app has run; the API promises JSON errors.)
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import ResponseWatch, error_body

CLOSE = {"Connection": "close"}  # the client may still be sending: do not read the rest of it


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body passes the limit. An HTTPException, so that FastAPI,
    which turns any other error while reading a body into a 400, lets it through as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, refusal(limit), headers=CLOSE)


def refusal(limit: int) -> str:
    return f"the request body is larger than {limit} bytes, the server's limit (NNP_MAX_BODY_BYTES)"


def _declared_length(scope: Scope) -> int | None:
    """Content-Length, or None when the body's length is not known in advance (chunked)."""
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:  # the server itself refuses a malformed one; count the bytes if it did not
        return None


class BodyLimit:
    """ASGI middleware: 413 in the API's error shape for a body over `max_bytes`."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = error_body("body", refusal(self.max_bytes), "http_error")
        await JSONResponse(body, status_code=413, headers=CLOSE)(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self.refuse(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        watch = ResponseWatch(send)
        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            if watch.started:  # the app answered and then read on: nothing left to say
                raise
            await self.refuse(scope, receive, send)
