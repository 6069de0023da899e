"""Large JSON bodies decoded and validated in a process of their own, not on the event loop.

FastAPI decodes a JSON body (`json.loads`) and validates it against the route's model on the event
loop. For a body near the size limit (2 MB of points or weights) that is ~50–300 ms during which no
other request and no stream of this process moves — and a worker thread would not help: decoding
JSON holds Python's global lock from start to end. So a body of OFF_LOOP_BYTES or more goes to a
small parser process (spawned on first use, one per server process, closed at shutdown): it decodes
and validates there and sends back the validated model (unpickling it is a few ms) or the errors.
FastAPI then finds the JSON already decoded (Starlette's Request caches it) and, handed a validated
model instance, accepts it as it is (pydantic does not validate an instance again). A wrong body gets
the same 422 as on the loop. Parses queue for the one parser process: five big bodies at once take
their turns there, while the server goes on.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
from collections.abc import Callable, Coroutine
from concurrent.futures import ProcessPoolExecutor
from typing import Annotated, Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError

OFF_LOOP_BYTES = 64 * 1024  # below this, decoding here costs less than a trip to the parser


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


class Parser:
    """The parser process of one app (created on the first big body)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self.parsed = 0  # bodies decoded there (for /healthz and the tests)

    async def decode(self, body: bytes, annotation: Any, field_info: Any) -> tuple[Any, list[dict[str, Any]]] | None:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        result = await asyncio.get_running_loop().run_in_executor(self._pool, decode, body, annotation, field_info)
        self.parsed += 1
        return result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class OffLoopBodies(APIRoute):
    """The API's route class: big JSON bodies decoded and validated by the app's Parser."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        field = self.body_field
        if field is None or self._embed_body_fields:  # several body parameters: FastAPI's own way
            return handler
        annotation, field_info = field.field_info.annotation, field.field_info

        async def route_handler(request: Request) -> Response:
            if _is_json(request):
                body = await request.body()
                if len(body) >= OFF_LOOP_BYTES:
                    outcome = await request.app.state.parser.decode(body, annotation, field_info)
                    if outcome is not None:
                        value, errors = outcome
                        if errors:
                            raise RequestValidationError(errors)
                        request._json = value  # what FastAPI's `await request.json()` returns
            return await handler(request)

        return route_handler


_ADAPTERS: dict[tuple[Any, str], TypeAdapter[Any]] = {}


def decode(body: bytes, annotation: Any, field_info: Any) -> tuple[Any, list[dict[str, Any]]] | None:
    """In the parser process: (value, errors) as FastAPI would make them (locations under "body");
    None to leave the body to FastAPI (not UTF-8: it fails at once there)."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError as e:
        return None, [{"type": "json_invalid", "loc": ("body", e.pos), "msg": "JSON decode error", "input": {},
                       "ctx": {"error": e.msg}}]
    except ValueError:
        return None
    key = (annotation, repr(field_info))
    adapter = _ADAPTERS.get(key)
    if adapter is None:
        adapter = _ADAPTERS[key] = TypeAdapter(Annotated[annotation, field_info])
    try:
        return adapter.validate_python(data, from_attributes=True), []
    except ValidationError as exc:
        # the input is left here (a refused list may be the whole body; no answer echoes it anyway)
        errors: list[dict[str, Any]] = []
        for err in exc.errors(include_url=False):
            ctx = {k: (str(v) if isinstance(v, Exception) else v) for k, v in err.get("ctx", {}).items()}
            # an exception in ctx may not cross back, its text does; the input is left here (a refused
            # list may be the whole body, and no answer echoes it)
            errors.append({**err, "loc": ("body", *err["loc"]), "input": None, "ctx": ctx})
        return None, errors
