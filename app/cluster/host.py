"""A session host: the whole app in one process, driven by calls instead of HTTP.

`nn-playground --ray` runs one `SessionHost` per Ray actor (ray_hosts makes it remote; nothing here
imports Ray until `where` is asked). It owns the sessions it creates (its name, `h0`, `h1`, …, is
the prefix of their ids) and serves requests by calling the app directly (ASGI, no HTTP server):
`request` for REST, `stream` for Server-Sent Events (an async generator: the answer's head, then
each chunk as the app sends it). Its methods are async, so requests and open streams interleave on
the actor's event loop while the app's scheduler thread trains.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, unquote

from app.config import Settings

from .front import ROUTED
from .owners import HOP_BY_HOP, Headers

# set for a web process or a front only: a host that inherited them (from the shell that started
# its node, or a local Ray started by a web process) must not become a front itself
NOT_FORWARDED = {"NNP_RAY", "NNP_RAY_HOSTS", "NNP_RAY_TEMP_DIR", "NNP_FRONT_SOCKETS", "NNP_WORKER", "NNP_WORKERS"}
log = logging.getLogger("nn_playground.host")


class SessionHost:
    """The whole app, owning the sessions it creates, answering calls. Its methods are async: Ray
    runs them on the actor's event loop."""

    def __init__(self, name: str) -> None:
        os.environ["NNP_WORKER"] = name  # app.main's own module-level app is then a host too, never a front
        for key in NOT_FORWARDED - {"NNP_WORKER"}:
            os.environ.pop(key, None)
        from app.config import get_settings

        get_settings.cache_clear()  # read (by the request schemas) when Ray unpickled this class
        from app.main import create_app

        self.name = name
        # nothing kept on disk (yet): a host may be started again on another node, away from its file
        self.app = create_app(Settings(worker=name, state_path=""))
        self._group: Any = None  # every call runs in one long-lived task group: see _start
        self._ready: asyncio.Future[None] | None = None
        self._serving: asyncio.Task[None] | None = None
        self._shared: dict[str, _Weight] = {}  # streams a web process shares among its viewers

    async def where(self) -> dict[str, str]:
        """Which node holds this host (for the operator's log and the tests)."""
        import ray

        return {"name": self.name, "node": ray.get_runtime_context().get_node_id(), "pid": str(os.getpid())}

    async def request(self, method: str, target: bytes, headers: Headers, body: bytes) -> tuple[int, Headers, bytes]:
        """A REST request: the whole answer at once."""
        call = await self._start(method, target, headers, body, stream=False)
        try:
            start = await call.next_message()
            if start is None:
                return 500, [(b"content-type", b"text/plain")], b"no answer"
            parts = []
            while (message := await call.next_message()) is not None:
                parts.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            return start["status"], _kept(start), b"".join(parts)
        finally:
            call.close()

    async def stream(self, method: str, target: bytes, headers: Headers, body: bytes,
                     share: str = "") -> AsyncIterator[Any]:
        """A request whose answer may be a stream: first (status, headers, is_stream), then the body
        (one item, or each chunk of an event stream as the app sends it, until either side ends
        it; the web side ends it by cancelling this generator). `share` names a stream that a web
        process hands to several viewers: `weigh` then says how many."""
        if share:
            self._shared[share] = _Weight(self.app, target)
        call = await self._start(method, target, headers, body, stream=True)
        try:
            start = await call.next_message()
            if start is None:
                yield 500, [(b"content-type", b"text/plain")], False
                yield b"no answer"
                return
            is_stream = any(k == b"content-type" and v.startswith(b"text/event-stream") for k, v in start["headers"])
            yield start["status"], _kept(start), is_stream
            parts = []
            while (message := await call.next_message()) is not None:
                chunk = message.get("body", b"")
                if is_stream and chunk:
                    yield chunk
                elif not is_stream:
                    parts.append(chunk)
                if not message.get("more_body", False):
                    break
            if not is_stream:
                yield b"".join(parts)
        finally:
            call.close()
            if share:
                self._shared.pop(share).set(1)

    async def weigh(self, share: str, viewers: int) -> None:
        """A shared stream now stands for `viewers` viewers (the app counts the stream itself as one)."""
        if share in self._shared:
            self._shared[share].set(viewers)

    async def _start(self, method: str, target: bytes, headers: Headers, body: bytes, stream: bool) -> _Call:
        """Run one ASGI call of the app in the host's task group. Ray runs each method call as a
        task of its own; anyio ties the threads of its pool (sync routes run there) to the root of
        the task tree, so calls started from those short-lived tasks would each start a thread
        (~1 ms under load). Under one long-lived group the pool keeps its threads."""
        if self._ready is None:
            self._ready = asyncio.get_running_loop().create_future()
            self._serving = asyncio.ensure_future(self._serve(self._ready))
        await self._ready  # at once, but for the first calls
        call = _Call(self.name, method, target, headers, body, disconnect_after_body=not stream)
        self._group.start_soon(call.run, self.app)
        return call

    async def _serve(self, ready: asyncio.Future[None]) -> None:
        import anyio

        async with anyio.create_task_group() as group:
            self._group = group
            ready.set_result(None)
            await anyio.sleep_forever()


class _Weight:
    """The viewers of a shared stream beyond the one the app counts: joined to the audience of its
    session or comparison, so frames say how many watch and a watched session never pauses itself."""

    def __init__(self, app: Any, target: bytes) -> None:
        path, _, query = target.partition(b"?")
        self.target: Any = None
        self.tickets: list[int] = []
        self.fps = 30.0
        m = ROUTED.match(unquote(path.decode("latin-1")))
        if m is None or m[2] is None:
            return
        with contextlib.suppress(Exception):  # no such session (the app answers 404 itself), a bad fps
            store = app.state.store if m[1] == "sessions" else app.state.comparisons
            self.target = store.get(m[2])
            fps = parse_qs(query.decode("latin-1")).get("fps", ["30"])[-1]
            self.fps = min(max(float(fps), 1.0), app.state.settings.max_fps)

    def set(self, viewers: int) -> None:
        if self.target is None:
            return
        while len(self.tickets) < viewers - 1:
            self.tickets.append(self.target.audience.join(self.fps))
        while len(self.tickets) > max(viewers - 1, 0):
            self.target.audience.leave(self.tickets.pop())


def _kept(start: dict[str, Any]) -> Headers:
    return [(k, v) for k, v in start.get("headers", []) if k not in HOP_BY_HOP]


END: dict[str, Any] = {"type": "end"}  # the app returned


class _Call:
    """One ASGI call of the app, its messages read one at a time. A stream's `send` waits until
    the previous message was taken, so a viewer that reads slowly holds the app's stream back
    (and is dropped by it after `stream_stall_s`), exactly as over a socket."""

    def __init__(self, host: str, method: str, target: bytes, headers: Headers, body: bytes,
                 disconnect_after_body: bool) -> None:
        import anyio

        path, _, query = target.partition(b"?")
        self.host = host
        self.scope: dict[str, Any] = {
            "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "method": method, "scheme": "http", "path": unquote(path.decode("latin-1")), "raw_path": path,
            "query_string": query, "root_path": "", "client": ("127.0.0.1", 0), "server": (host, 0),
            "headers": [(k.lower(), v) for k, v in headers if k.lower() not in HOP_BY_HOP]
            + [(b"host", host.encode()), (b"content-length", str(len(body)).encode())]}
        self.body: bytes | None = body
        self.disconnect_after_body = disconnect_after_body
        self.left = asyncio.Event()
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1)
        self.cancel_scope = anyio.CancelScope()
        self.done = False

    async def run(self, app: Any) -> None:
        with self.cancel_scope:
            try:
                await app(self.scope, self._receive, self.queue.put)
            except Exception:
                log.exception("a request to host %s failed", self.host)
        self.done = True
        if self.queue.empty():
            self.queue.put_nowait(END)  # else the reader takes the last message, then sees `done`

    async def _receive(self) -> dict[str, Any]:
        if self.body is not None:
            body, self.body = self.body, None
            return {"type": "http.request", "body": body, "more_body": False}
        if not self.disconnect_after_body:  # a stream: the viewer is there until the web side cancels
            await self.left.wait()
        return {"type": "http.disconnect"}

    async def next_message(self) -> dict[str, Any] | None:
        """The app's next message, or None once it has returned without sending more."""
        if self.done and self.queue.empty():
            return None
        message = await self.queue.get()
        return None if message is END else message

    def close(self) -> None:
        """The caller has what it wanted, or left: the app's call ends (a stream's viewer leaves)."""
        self.left.set()
        self.cancel_scope.cancel()
