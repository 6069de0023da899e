"""One client's share of the server, so that one script (or one runaway tab) cannot take it from a class.

A client is its address: the connection's peer, or the address a reverse proxy in front passes on
(uvicorn's proxy headers, from the proxies it trusts), or — behind the `--workers` front or on a Ray
session host — the address the front saw, which it sends in CLIENT_HEADER (a worker is reachable only
by the front, which always replaces that header). The machine itself (`trusted_clients`) is not
counted: its user runs the server.

What a client is held to (settings, 0 for no cap):
- sessions and comparisons kept: past its share its own least recently used idle one makes room
  (app.training.store, app.training.comparison) — never another client's;
- sessions and comparisons training at once: one more `play` is a 429 that says what to pause;
- open live views: one more stream is a 429 that says what to close.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi import Request

from app.config import Settings
from app.training.store import ClientShareFull

CLIENT_HEADER = "x-nnp-client"  # set by the front (app.cluster.front) for its workers and hosts

TOO_MANY: dict[int | str, dict[str, Any]] = {429: {"description": (
    "this client is at its share (sessions training, open streams): the message says what to pause or close")}}


def client_of(request: Request) -> str | None:
    """The client this request counts for; None for a trusted one (not counted)."""
    settings: Settings = request.app.state.settings
    forwarded = request.headers.get(CLIENT_HEADER) if _behind_front(settings) else None
    host = forwarded or (request.client.host if request.client else None)
    if host is None or host in settings.trusted_clients:
        return None
    return host


def _behind_front(settings: Settings) -> bool:
    """A worker of `--workers N` or a session host of a Ray cluster: only the front reaches it."""
    return bool(settings.worker)


def check_running(request: Request, target: Any) -> None:
    """Before `target` starts training: its client may have at most `max_running_per_client` running."""
    client, cap = getattr(target, "client", None), request.app.state.settings.max_running_per_client
    if client is None or not cap or target.running:
        return
    state = request.app.state
    running = sum(1 for t in [*state.store.values(), *state.comparisons.values()]
                  if t.client == client and t.running and getattr(t, "owner", None) is None)
    if running >= cap:
        raise ClientShareFull("play", f"{running} of your sessions and comparisons are training, the most one "
                              "client may run at once: pause one (another tab?) and play this again")


class Streams:
    """Open live views per client (for the stream share). Only the event loop touches it."""

    def __init__(self) -> None:
        self.open: Counter[str] = Counter()

    def reserve(self, client: str | None, cap: int) -> Callable[[], None]:
        """Count one more stream of `client` (429 past `cap`); returns its release (idempotent)."""
        if client is None:
            return lambda: None
        if cap and self.open[client] >= cap:
            raise ClientShareFull("stream", f"{self.open[client]} live views are open from your address, the "
                                  "most one client may have: close some tabs or slides that show the playground")
        self.open[client] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.open[client] -= 1
                if not self.open[client]:
                    del self.open[client]

        return release


def streams(request: Request) -> Streams:
    return request.app.state.streams
