"""Error responses: always JSON, always naming the field, never echoing the input back.

FastAPI's stock 422 handler includes each offending input, which breaks on NaN or Infinity
(not valid JSON) and can be large; this one keeps location, message and type only.

Only a `RequestError` (and FastAPI's request validation) is a 422: any other exception is a bug
of the server, answered by `ServerErrors` as a JSON 500 and logged with its traceback.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.capability import NotOwner
from app.data.custom import DataError
from app.request_error import RequestError
from app.training.session import SessionError
from app.training.store import ClientShareFull, SessionNotFound, StoreFull


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    # drop pydantic's names for function validators / union members from the dotted path
    parts = [p for p in parts if not p.startswith(("function-", "constrained-")) and p != "tuple"]
    return ".".join(parts) or "body"


def _message(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


def error_body(field: str, message: str, kind: str = "value_error") -> dict[str, Any]:
    return {"detail": [{"field": field, "msg": message, "type": kind}]}


_PATH = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*")


def _located(err: dict[str, Any]) -> tuple[str, str]:
    """(field, message); a model-level check names its own field as 'a.b.c: message'."""
    field, msg = _field(tuple(err.get("loc", ()))), _message(err)
    head, sep, rest = msg.partition(": ")
    if sep and _PATH.fullmatch(head):
        field = head if field == "body" else f"{field}.{head}"
        msg = rest
    return field, msg


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    detail = []
    for e in exc.errors():
        field, msg = _located(e)
        detail.append({"field": field, "msg": msg, "type": e.get("type")})
    return JSONResponse({"detail": detail}, status_code=422)


async def _rejected(request: Request, exc: RequestError) -> JSONResponse:
    text = str(exc)
    field, _, msg = text.partition(": ")
    if not msg or " " in field:
        field, msg = "body", text
    return JSONResponse(error_body(field, msg), status_code=422)


async def _data(request: Request, exc: DataError) -> JSONResponse:
    return JSONResponse(error_body(exc.field, exc.message, "data_error"), status_code=422)


async def _not_found(request: Request, exc: SessionNotFound) -> JSONResponse:
    body = error_body("id", "no such session (unknown, deleted or expired)", "not_found")
    successor = request.app.state.store.successor_of(str(exc.args[0])) if exc.args else None
    if successor is not None:  # replaced by its owner: say where it went (for followers)
        body["successor"] = successor
        body["detail"][0]["msg"] = f"this session was replaced by {successor}"
    return JSONResponse(body, status_code=404)


async def _conflict(request: Request, exc: SessionError) -> JSONResponse:
    return JSONResponse(error_body("status", str(exc), "conflict"), status_code=409)


async def _not_owner(request: Request, exc: NotOwner) -> JSONResponse:
    if exc.missing:
        return JSONResponse(error_body("authorization", str(exc), "owner_token_missing"), status_code=401,
                            headers={"WWW-Authenticate": 'Bearer realm="nn-playground"'})
    return JSONResponse(error_body("authorization", str(exc), "not_owner"), status_code=403)


async def _share(request: Request, exc: ClientShareFull) -> JSONResponse:
    return JSONResponse(error_body(exc.field, str(exc), "client_share"), status_code=429)


async def _full(request: Request, exc: StoreFull) -> JSONResponse:
    return JSONResponse(error_body("sessions", str(exc), "store_full"), status_code=503,
                        headers={"Retry-After": "5"})


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """FastAPI's own HTTP errors (an unparsable body, an unknown path, a wrong method) in the
    API's error shape."""
    field = "body" if exc.status_code in (400, 413) else "path"
    return JSONResponse(error_body(field, str(exc.detail), "http_error"), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


log = logging.getLogger("nn_playground.errors")
SERVER_ERROR = error_body("server", "internal error: the server failed on this request (it is logged)", "server_error")


class ResponseWatch:
    """An ASGI `send` that passes every message on and remembers whether the response has started:
    a middleware may still answer in the app's place until then, and never after."""

    def __init__(self, send: Send) -> None:
        self.send, self.started = send, False

    async def __call__(self, message: Message) -> None:
        self.started = self.started or message["type"] == "http.response.start"
        await self.send(message)


class ServerErrors:
    """ASGI middleware: an exception no handler took becomes a JSON 500, logged with its traceback.

    Starlette's own catch-all (ServerErrorMiddleware, where an `Exception` handler goes) sits
    outside every user middleware, so its plain-text 500 misses the security headers and it
    re-raises after answering; this one sits inside FrameHeaders and ends the matter here. Once a
    response has started (a stream) nothing can be answered any more: the error goes on to the
    server, which closes the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        watch = ResponseWatch(send)
        try:
            await self.app(scope, receive, watch)
        except Exception:
            if watch.started:
                raise
            log.exception("500 on %s %s", scope.get("method"), scope.get("path"))
            await JSONResponse(SERVER_ERROR, status_code=500)(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _data)  # type: ignore[arg-type]
    app.add_exception_handler(RequestError, _rejected)  # type: ignore[arg-type]
    app.add_exception_handler(SessionNotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(SessionError, _conflict)  # type: ignore[arg-type]
    app.add_exception_handler(StoreFull, _full)  # type: ignore[arg-type]
    app.add_exception_handler(NotOwner, _not_owner)  # type: ignore[arg-type]
    app.add_exception_handler(ClientShareFull, _share)  # type: ignore[arg-type]


# what any operation that takes a body may answer before its own code runs (app.body_limit,
# app.slow_clients, FastAPI)
BODY_ERRORS = {"400": "the body cannot be decoded (not JSON, not UTF-8, a broken form)",
               "408": "the body did not arrive within the server's limit (body_timeout_s, NNP_BODY_TIMEOUT_S)",
               "413": "the body is larger than the server's limit (max_body_bytes, NNP_MAX_BODY_BYTES)"}


def _describe(op: dict[str, Any], ref: dict[str, Any]) -> None:
    """The error body on a route's own error answers (422, 401, 404, …), and the 400 and 413 of any
    operation with a body."""
    responses = op.setdefault("responses", {})
    for code, r in responses.items():
        if str(code)[0] in "45" and "content" not in r:  # a route's own error description
            r["content"] = ref
    if "requestBody" in op:
        for code, text in BODY_ERRORS.items():
            responses.setdefault(code, {"description": text, "content": ref})


def document(app: FastAPI) -> None:
    """Describe the error bodies this module really sends, in place of FastAPI's stock 422, and
    the 400 and 413 any body may get."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schemas = schema.get("components", {}).get("schemas", {})
            item = {"type": "object", "required": ["field", "msg", "type"], "properties": {
                "field": {"type": "string", "description": "the offending field, dotted (body when global)"},
                "msg": {"type": "string", "description": "what is wrong, with the allowed range"},
                "type": {"type": "string"}}}
            schemas["ValidationError"] = {**item, "title": "ValidationError"}
            schemas["HTTPValidationError"] = {
                "title": "HTTPValidationError", "type": "object", "required": ["detail"],
                "properties": {"detail": {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}}}}
            ref = {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}
            for path in schema.get("paths", {}).values():
                for op in path.values():
                    _describe(op, ref)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
