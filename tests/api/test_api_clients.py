"""One client's share (app.api.clients): sessions and comparisons past a client's share make room from
that client's own, never another's; one more play or stream past its share is a 429 that says what
to do; the machine itself is not counted; behind the front, the front's word on who the client is.

Two clients of one app are two TestClients with different addresses; the app trains only when told
(`threaded=False`), so "running" is a state, not a race.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from bench.owners import keep_owner_tokens
from tests.conftest import start_server, stop_server

API = "/api/v1"
CIRCLE = {"dataset": {"name": "circle", "n_samples": 100}}
ACTIVATIONS = {"vary": {"field": "activation", "values": ["tanh", "relu"]}, "base": CIRCLE}


@contextlib.contextmanager
def two_clients(**settings: Any) -> Iterator[tuple[TestClient, TestClient]]:
    app = create_app(Settings(**settings), clock=lambda: 1000.0, threaded=False)
    with keep_owner_tokens(TestClient(app, client=("10.0.0.1", 5000))) as a, \
            keep_owner_tokens(TestClient(app, client=("10.0.0.2", 5000))) as b:
        yield a, b


def new(c: TestClient, path: str = "sessions", body: dict[str, Any] | None = None) -> str:
    r = c.post(f"{API}/{path}", json=body or CIRCLE)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def exists(c: TestClient, sid: str, kind: str = "sessions") -> bool:
    return c.get(f"{API}/{kind}/{sid}").status_code == 200


def test_past_its_share_a_client_makes_room_from_its_own_sessions_only() -> None:
    with two_clients(max_sessions_per_client=3) as (a, b):
        mine = [new(a) for _ in range(3)]
        theirs = [new(b) for _ in range(3)]
        a.get(f"{API}/sessions/{mine[0]}")  # used again: the second is now the least recently used
        fourth = new(a)
        assert [exists(a, s) for s in mine] == [True, False, True] and exists(a, fourth)
        assert all(exists(b, s) for s in theirs)


def test_a_client_whose_sessions_all_train_is_told_what_to_do() -> None:
    with two_clients(max_sessions_per_client=2) as (a, b):
        for sid in (new(a), new(a)):
            assert a.post(f"{API}/sessions/{sid}/play", json={}).status_code == 200
        r = a.post(f"{API}/sessions", json=CIRCLE)
        assert r.status_code == 429
        d = r.json()["detail"][0]
        assert d["field"] == "sessions" and "pause or close" in d["msg"] and d["type"] == "client_share"
        assert b.post(f"{API}/sessions", json=CIRCLE).status_code == 201  # the other client is not held back


def test_one_more_play_past_the_running_share_is_a_429_and_changes_nothing() -> None:
    with two_clients(max_running_per_client=2) as (a, b):
        sids = [new(a) for _ in range(3)]
        for sid in sids[:2]:
            assert a.post(f"{API}/sessions/{sid}/play", json={}).status_code == 200
        r = a.post(f"{API}/sessions/{sids[2]}/play", json={})
        assert r.status_code == 429 and r.json()["detail"][0]["field"] == "play"
        assert "pause one" in r.json()["detail"][0]["msg"]
        assert a.get(f"{API}/sessions/{sids[2]}").json()["status"] == "idle"
        assert a.post(f"{API}/sessions/{sids[0]}/play", json={}).status_code == 200  # already running: fine
        other = new(b)
        assert b.post(f"{API}/sessions/{other}/play", json={}).status_code == 200
        a.post(f"{API}/sessions/{sids[0]}/pause")
        assert a.post(f"{API}/sessions/{sids[2]}/play", json={}).status_code == 200
        # a comparison counts as one of them
        cid = new(a, "comparisons", ACTIVATIONS)
        assert a.post(f"{API}/comparisons/{cid}/play", json={}).status_code == 429


def test_past_its_share_of_comparisons_a_client_replaces_its_own_idle_one() -> None:
    with two_clients(max_comparisons_per_client=1) as (a, b):
        first, theirs = new(a, "comparisons", ACTIVATIONS), new(b, "comparisons", ACTIVATIONS)
        second = new(a, "comparisons", ACTIVATIONS)
        assert not exists(a, first, "comparisons") and exists(a, second, "comparisons")
        assert exists(b, theirs, "comparisons")
        assert a.post(f"{API}/comparisons/{second}/play", json={}).status_code == 200
        r = a.post(f"{API}/comparisons", json=ACTIVATIONS)
        assert r.status_code == 429 and r.json()["detail"][0]["field"] == "comparisons"
        assert exists(a, second, "comparisons")


def test_the_client_header_counts_only_behind_the_front() -> None:
    """A worker (reachable only by the front) takes the front's word for the client; a server on the
    public address ignores the header, so no client can pass for another."""
    for worker, shares in (("w0", 2), ("", 1)):
        app = create_app(Settings(worker=worker, max_sessions_per_client=1), clock=lambda: 1000.0, threaded=False)
        with keep_owner_tokens(TestClient(app)) as c:
            made = [c.post(f"{API}/sessions", json=CIRCLE, headers={"x-nnp-client": f"10.1.0.{i}"}).json()["id"]
                    for i in range(2)]
            assert sum(exists(c, sid) for sid in made) == shares, worker


def _streams(url: str, sid: str, n: int) -> list[int]:
    """Open n streams of a session at once; the status of each."""
    statuses, stack = [], contextlib.ExitStack()
    with stack, httpx.Client(base_url=url, timeout=30) as http:
        for _ in range(n):
            r = stack.enter_context(http.stream("GET", f"{API}/sessions/{sid}/stream"))
            statuses.append(r.status_code)
    return statuses


def test_one_more_stream_past_the_share_is_a_429_and_the_machine_itself_is_not_counted() -> None:
    counted, url = start_server({"NNP_TRUSTED_CLIENTS": "[]", "NNP_MAX_STREAMS_PER_CLIENT": "2"})
    trusted, local = start_server({"NNP_MAX_STREAMS_PER_CLIENT": "2"})
    try:
        for base, expected in ((url, [200, 200, 429]), (local, [200, 200, 200])):
            with keep_owner_tokens(httpx.Client(base_url=base, timeout=30)) as http:
                sid = http.post(f"{API}/sessions", json=CIRCLE).json()["id"]
            assert _streams(base, sid, 3) == expected, base
            assert _streams(base, sid, 2) == [200, 200]  # closed streams are given back
    finally:
        stop_server(counted)
        stop_server(trusted)
