"""Large JSON bodies parsed and validated off the event loop.

FastAPI decodes a JSON body (`json.loads`) and validates it against the route's model on the event
loop. For a body near the size limit (2 MB of custom points or weights) that is ~50–150 ms during
which no other request and no stream of this process moves. Routes of the API use this route class:
a body of OFF_LOOP_BYTES or more is decoded and validated in a worker thread first; FastAPI then
finds the JSON already decoded (Starlette's Request caches it) and, being handed the validated
model, accepts it as it is (pydantic does not validate a model instance again). A body that fails
validation is answered from the thread's errors, the same 422 as on the loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

import anyio
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

OFF_LOOP_BYTES = 64 * 1024  # below this, a thread hop costs more than it saves


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


class OffLoopBodies(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        field = self.body_field if not self._embed_body_fields else None
        if self.body_field is None:
            return handler

        async def route_handler(request: Request) -> Response:
            if _is_json(request):
                body = await request.body()
                if len(body) >= OFF_LOOP_BYTES:
                    outcome = await anyio.to_thread.run_sync(_decode, body, field)
                    if outcome is not None:
                        value, errors = outcome
                        if errors:
                            raise RequestValidationError(errors)
                        request._json = value  # what FastAPI's `await request.json()` returns
            return await handler(request)

        return route_handler


def _decode(body: bytes, field: Any) -> tuple[Any, list[dict[str, Any]]] | None:
    """(value, errors): the errors FastAPI would give, for a body that is not JSON or not valid;
    None to leave the body to FastAPI."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError as e:
        return None, [{"type": "json_invalid", "loc": ("body", e.pos), "msg": "JSON decode error", "input": {},
                       "ctx": {"error": e.msg}}]
    except ValueError:  # not UTF-8: FastAPI's own answer, given on the loop as cheaply (it fails at once)
        return None
    if field is None:  # several body parameters: decoded here, validated by FastAPI
        return data, []
    value, errors = field.validate(data, {}, loc=("body",))
    return value, list(errors)
