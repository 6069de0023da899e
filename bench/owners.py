"""A client that keeps its owner tokens, as the page does: for scripts, benchmarks and tests.

Creating a session or a comparison (or forking one) answers with an `owner_token`; every request
that changes or deletes it must send `Authorization: Bearer <owner_token>`. `keep_owner_tokens(client)`
installs httpx event hooks that remember each token from the response that created its id and send
it with later requests for that id (unless the request sets its own Authorization). Works for
httpx.Client, httpx.AsyncClient and Starlette's TestClient (an httpx.Client).
"""

from __future__ import annotations

import json
import re
from typing import TypeVar

import httpx

# /api/v1/sessions/{id}… or /api/v1/comparisons/{id}… (any prefix before it: a sub-path mount)
_TARGET = re.compile(r"/api/v1/(?:sessions|comparisons)/([^/?]+)")
_CREATES = re.compile(r"/api/v1/(?:sessions|comparisons)(?:/[^/?]+/fork)?/?$")

C = TypeVar("C", httpx.Client, httpx.AsyncClient)


class OwnerTokens:
    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}

    def header(self, target_id: str) -> dict[str, str]:
        """The Authorization header for an id this client created ({} if it did not)."""
        token = self.tokens.get(target_id)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _sign(self, request: httpx.Request) -> None:
        m = _TARGET.search(request.url.path)
        if m and "authorization" not in request.headers and m.group(1) in self.tokens:
            request.headers["Authorization"] = f"Bearer {self.tokens[m.group(1)]}"

    def _learn(self, response: httpx.Response, body: bytes) -> None:
        try:
            data = json.loads(body)
        except ValueError:
            return
        if isinstance(data, dict) and isinstance(data.get("owner_token"), str):
            self.tokens[str(data["id"])] = data["owner_token"]

    @staticmethod
    def _creates(response: httpx.Response) -> bool:
        return (response.request.method == "POST" and response.status_code == 201
                and bool(_CREATES.search(response.request.url.path)))


def keep_owner_tokens(client: C, tokens: OwnerTokens | None = None) -> C:
    """`client`, remembering and sending its owner tokens (`tokens` to share them between clients)."""
    keeper = tokens or OwnerTokens()
    client.owner_tokens = keeper  # type: ignore[attr-defined]  # a test may read them
    if isinstance(client, httpx.AsyncClient):
        async def sign_async(request: httpx.Request) -> None:
            keeper._sign(request)

        async def learn_async(response: httpx.Response) -> None:
            if keeper._creates(response):
                keeper._learn(response, await response.aread())

        client.event_hooks["request"].append(sign_async)
        client.event_hooks["response"].append(learn_async)
    else:
        def learn(response: httpx.Response) -> None:
            if keeper._creates(response):
                keeper._learn(response, response.read())

        client.event_hooks["request"].append(keeper._sign)
        client.event_hooks["response"].append(learn)
    return client
