"""The front of a multi-process server: routes every session and comparison request to its owner.

`nn-playground --workers N` runs N worker processes, each a whole app that owns the sessions it
created, and one front on the public address. The front serves the pages, static files, catalog,
data sets and presets itself (they hold no state) and hands everything under /api/v1/sessions and
/api/v1/comparisons to the worker named by the id. Creating places the new session on the least
busy worker, after making room under the server-wide limits (evicting the oldest idle session of
whichever worker has it), so `max_sessions` and `max_comparisons` hold for the whole server.

A worker that has stopped turns its sessions into a clear `gone`: 410 for REST, `event: gone` on
a stream. An owner is anything with a name and `request` (owners.Owner): a worker process on a
Unix socket here, or a Ray actor on any node of a cluster (ray_hosts).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.errors import error_body
from app.config import Settings
from app.training.store import StoreFull

from .owners import Headers, Owner, OwnerGone, Reply

ROUTED = re.compile(r"^/api/v1/(sessions|comparisons)(?:/([^/]+)(/.*)?)?/?$")
CLIENT_HEADER = b"x-nnp-client"  # app.api.clients.CLIENT_HEADER, as the ASGI headers spell it
SECURITY = {b"content-security-policy", b"x-content-type-options", b"referrer-policy", b"x-frame-options"}
GONE_EVENT = b'event: gone\ndata: {"reason":"the process that held it stopped"}\n\n'
SESSIONS_PER_COMPARISON = 6  # the most variants a comparison may have


class Owners:
    """The workers, found by the prefix of an id; placement under the server-wide limits."""

    def __init__(self, owners: Sequence[Owner], settings: Settings) -> None:
        self.by_name = {o.name: o for o in owners}
        self.settings = settings
        self._placing = asyncio.Lock()

    def of(self, ident: str) -> Owner | None:
        return self.by_name.get(ident.partition(".")[0])

    async def stats(self) -> list[tuple[Owner, dict[str, Any]]]:
        async def one(o: Owner) -> dict[str, Any] | None:
            try:
                reply = await o.request("GET", b"/internal/stats", [], b"")
            except OwnerGone:
                return None
            return json.loads(reply.body or b"{}") if reply.status == 200 else None

        got = await asyncio.gather(*(one(o) for o in self.by_name.values()))
        return [(o, s) for o, s in zip(self.by_name.values(), got, strict=True) if s is not None]

    async def make_room(self, kind: str, stats: list[tuple[Owner, dict[str, Any]]]) -> None:
        """Evict the oldest idle sessions (or comparisons) anywhere until one more fits."""
        need = {"sessions": 1} if kind == "sessions" else {"sessions": SESSIONS_PER_COMPARISON, "comparisons": 1}
        limits = {"sessions": self.settings.max_sessions, "comparisons": self.settings.max_comparisons}
        for what, n in need.items():
            key = f"oldest_idle_{what[:-1]}"
            while sum(s[what] for _, s in stats) + n > limits[what]:
                idle = [(s[key], o, s) for o, s in stats if s[key] is not None]
                if not idle:
                    raise StoreFull(f"all {limits[what]} {what} of this server are running; "
                                    "pause or delete one, or try again later")
                _, owner, s = max(idle, key=lambda t: t[0])
                reply = await owner.request("POST", f"/internal/evict?kind={what[:-1]}".encode(), [], b"")
                fresh = await self._refresh(owner)
                if reply.status != 204:
                    fresh[key] = None  # it had nothing to give after all
                s.update(fresh)

    async def _refresh(self, owner: Owner) -> dict[str, Any]:
        reply = await owner.request("GET", b"/internal/stats", [], b"")
        return dict(json.loads(reply.body or b"{}"))

    async def create(self, kind: str, send_to: Any) -> Reply:
        """Place a new session or comparison and create it there, one placement at a time so the
        counts it reads stay true."""
        async with self._placing:
            stats = await self.stats()
            if not stats:
                raise OwnerGone("every worker")
            await self.make_room(kind, stats)
            owner = min(stats, key=lambda os: (os[1]["training"], os[1]["sessions"]))[0]
            return await send_to(owner)

    async def fork(self, owner: Owner, send_to: Any) -> Reply:
        """A fork is made where its parent lives, after making room like any new session."""
        async with self._placing:
            await self.make_room("sessions", await self.stats())
            return await send_to(owner)


class OwnerRouter:
    """ASGI middleware: session and comparison requests go to their owner, the rest to the app."""

    def __init__(self, app: ASGIApp, owners: Owners) -> None:
        self.app, self.owners = app, owners

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, root = scope.get("path", ""), scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):] or "/"
        m = ROUTED.match(path)
        if m is None:
            await self.app(scope, receive, send)
            return
        kind, ident, rest = m.groups()
        body = await _read_body(receive)
        target = scope.get("raw_path") or path.encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        # the worker counts the request for the client the front sees (app.api.clients); a header
        # of that name from outside is never passed on
        client = (scope.get("client") or ("",))[0]
        headers: Headers = [(k, v) for k, v in scope.get("headers", []) if k != CLIENT_HEADER]
        headers.append((CLIENT_HEADER, client.encode("latin-1", "replace")))

        async def forward(owner: Owner) -> Reply:
            return await owner.request(scope["method"], target, headers, body)

        stream = scope["method"] == "GET" and rest == "/stream"
        try:
            reply = await self._route(kind, ident, rest, scope["method"], forward)
        except OwnerGone:
            await (_send_gone_stream(send) if stream else _send_json(send, 410, error_body(
                "id", "the process that held it stopped: it is gone", "gone")))
            return
        except StoreFull as e:
            await _send_json(send, 503, error_body("sessions", str(e), "store_full"), [(b"retry-after", b"5")])
            return
        if reply is None:
            await _send_json(send, 404, error_body("id", "no such session (unknown, deleted or expired)", "not_found"))
            return
        await _relay(reply, send, receive, self.owners.settings.stream_stall_s)

    async def _route(self, kind: str, ident: str | None, rest: str | None, method: str,
                     forward: Any) -> Reply | None:
        if ident is None:
            if method == "POST":
                return await self.owners.create(kind, forward)
            return await forward(next(iter(self.owners.by_name.values())))  # 405 and friends
        owner = self.owners.of(ident)
        if owner is None:
            return None
        if kind == "sessions" and rest == "/fork" and method == "POST":
            return await self.owners.fork(owner, forward)
        return await forward(owner)


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def _send_json(send: Send, status: int, body: dict[str, Any], extra: Headers | None = None) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *(extra or [])]})
    await send({"type": "http.response.body", "body": data})


async def _send_gone_stream(send: Send) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]})
    await send({"type": "http.response.body", "body": GONE_EVENT})


async def _relay(reply: Reply, send: Send, receive: Receive, stall_s: float) -> None:
    """The worker's answer to the client. A stream is handed on chunk by chunk until either side
    ends it: the client leaving closes the worker's stream; a client that stops reading is dropped
    like a stalled viewer of the worker itself."""
    headers = [(k, v) for k, v in reply.headers if k not in SECURITY]  # FrameHeaders adds ours
    if reply.chunks is None:
        body = reply.body or b""
        await send({"type": "http.response.start", "status": reply.status,
                    "headers": [*headers, (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
        return
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    pump = asyncio.ensure_future(_pump(reply.chunks, send, stall_s))
    watch = asyncio.ensure_future(_until_disconnect(receive))
    try:
        await asyncio.wait({pump, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pump, watch):
            task.cancel()
        await asyncio.gather(pump, watch, return_exceptions=True)
        await reply.chunks.aclose()  # type: ignore[attr-defined]


async def _pump(chunks: AsyncIterator[bytes], send: Send, stall_s: float) -> None:
    async for chunk in chunks:
        async with asyncio.timeout(stall_s):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
