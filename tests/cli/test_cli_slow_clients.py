"""Slow clients are timed out (app/slow_clients.py): a half-sent request head, a late body, an idle
keep-alive connection and a body nobody reads each lose their connection, and the fd with it; a
normal request and a long stream are never cut.

Real servers over raw sockets, started as a user starts them: `python -m app.cli` (httptools, one
process), `python -m app.cli --workers 2` (the front faces the clients), and plain uvicorn with
`--http app.slow_clients:H11Protocol` (uvicorn's other HTTP implementation). Every timeout is 1 s
here; the tests assert on what the server did (its answers, EOF, its counters, its fds), with
generous bounds on waiting only: never on how fast.
"""

from __future__ import annotations

import json
import os
import selectors
import socket
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from app.config import Settings
from bench.server import start_server, stop_server

API = "/api/v1"
TIMEOUT_S = 1.0
ENV = {"NNP_HEADER_TIMEOUT_S": str(TIMEOUT_S), "NNP_BODY_TIMEOUT_S": str(TIMEOUT_S),
       "NNP_KEEP_ALIVE_S": str(TIMEOUT_S)}
BOUND_S = 20.0  # how long a test waits for something that should happen after ~1 s
PARTIAL_HEAD = b"GET /healthz HTTP/1.1\r\nHost: test\r\n"  # no blank line: the head never ends
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options")

COMMANDS: dict[str, Callable[[int], list[str]]] = {
    "command": lambda port: [sys.executable, "-m", "app.cli", "--host", "127.0.0.1", "--port", str(port)],
    "workers": lambda port: [sys.executable, "-m", "app.cli", "--workers", "2", "--host", "127.0.0.1",
                             "--port", str(port)],
    "h11": lambda port: [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
                         "--log-level", "warning", "--http", "app.slow_clients:H11Protocol"],
}


class Server:
    def __init__(self, url: str, pid: int) -> None:
        parts = urlsplit(url)
        self.url, self.pid = url, pid  # the process the clients' connections reach
        self.address = (str(parts.hostname), int(parts.port or 80))

    def timeouts(self) -> dict[str, int]:
        return httpx.get(f"{self.url}/healthz", timeout=BOUND_S).json()["timeouts"]

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))


def _serve(kind: str) -> Iterator[Server]:
    proc, url = start_server(ENV, command=COMMANDS[kind], own_group=kind == "workers")
    try:
        yield Server(url, proc.pid)
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def command_server() -> Iterator[Server]:
    yield from _serve("command")


@pytest.fixture(scope="module")
def workers_server() -> Iterator[Server]:
    yield from _serve("workers")


@pytest.fixture(scope="module")
def h11_server() -> Iterator[Server]:
    yield from _serve("h11")


def _server(request: pytest.FixtureRequest, kind: str) -> Server:
    return request.getfixturevalue(f"{kind}_server")


def _until_closed(s: socket.socket, deadline: float) -> bytes:
    """Everything the server sends until it closes the connection; fails if it is still open at
    `deadline`. A reset counts as closed."""
    data = b""
    while True:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except TimeoutError:
            raise AssertionError(f"still open after {BOUND_S:.0f} s; got {data[:200]!r}") from None
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def _exchanges(server: Server, *payloads: bytes) -> list[bytes]:
    """Each payload on a connection of its own, all at once; what the server said on each before
    closing it."""
    socks = [socket.create_connection(server.address, timeout=BOUND_S) for _ in payloads]
    try:
        for s, payload in zip(socks, payloads, strict=True):
            s.sendall(payload)
        deadline = time.monotonic() + BOUND_S
        return [_until_closed(s, deadline) for s in socks]
    finally:
        for s in socks:
            s.close()


def _response(data: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict((k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:]))
    return int(lines[0].split()[1]), headers, json.loads(body) if body else None


def test_slow_client_settings_and_their_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings()
    assert (s.header_timeout_s, s.body_timeout_s, s.keep_alive_s, s.max_connections) == (10.0, 30.0, 5.0, 0)
    for name, value in {**ENV, "NNP_MAX_CONNECTIONS": "500"}.items():
        monkeypatch.setenv(name, value)
    s = Settings()
    assert (s.header_timeout_s, s.body_timeout_s, s.keep_alive_s, s.max_connections) == (1.0, 1.0, 1.0, 500)


def test_slow_client_every_body_may_get_a_documented_408() -> None:
    """The 408 of a late body is in the API's description, beside the 400 and 413 every body may get,
    with the error body it really has (the real one is checked against servers below)."""
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app()) as c:
        doc = c.get("/openapi.json").json()
    with_body = [op for ops in doc["paths"].values() for op in ops.values() if "requestBody" in op]
    assert len(with_body) >= 10
    for op in with_body:
        r408 = op["responses"]["408"]
        assert "NNP_BODY_TIMEOUT_S" in r408["description"], op["operationId"]
        assert r408["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/HTTPValidationError"}


@pytest.mark.parametrize("kind", ["command", "workers", "h11"])
def test_slow_client_a_half_sent_head_is_closed(request: pytest.FixtureRequest, kind: str) -> None:
    server = _server(request, kind)
    before = server.timeouts()["head"]
    # a connection that says nothing is closed without a word; one that stopped mid-head gets a 408
    silent, partial = _exchanges(server, b"", PARTIAL_HEAD)
    assert silent == b""
    status, headers, body = _response(partial)
    assert status == 408 and headers["connection"] == "close"
    assert body["detail"][0]["field"] == "head" and "NNP_HEADER_TIMEOUT_S" in body["detail"][0]["msg"]
    assert server.timeouts()["head"] >= before + 2


@pytest.mark.parametrize("kind", ["command", "workers", "h11"])
def test_slow_client_a_late_body_gets_408(request: pytest.FixtureRequest, kind: str) -> None:
    server = _server(request, kind)
    before = server.timeouts()["body"]
    head = b"POST " + API.encode() + b"/sessions HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
    framings = (b"Content-Length: 200\r\n\r\n{\"dataset\"", b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n")
    for answer in _exchanges(server, *(head + framing for framing in framings)):
        status, headers, body = _response(answer)
        assert status == 408 and headers["connection"] == "close", (status, body)
        assert body == {"detail": [{"field": "body", "type": "timeout", "msg": (
            f"the request body did not arrive within {TIMEOUT_S:g} s, the server's limit (NNP_BODY_TIMEOUT_S)")}]}
        for name in SECURITY_HEADERS:
            assert name in headers
    assert server.timeouts()["body"] >= before + 2


@pytest.mark.parametrize("kind", ["command", "h11"])
def test_slow_client_a_body_nobody_reads_is_not_waited_for(request: pytest.FixtureRequest, kind: str) -> None:
    """/healthz reads no body: it answers at once, and the connection is closed rather than kept for
    the 990 bytes still to come (a trickle would otherwise hold it for ever)."""
    server = _server(request, kind)
    before = server.timeouts()["unread"]
    [answer] = _exchanges(server, b"GET /healthz HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n0123456789")
    status, _, body = _response(answer)
    assert status == 200 and body["status"] == "ok"
    assert server.timeouts()["unread"] >= before + 1


@pytest.mark.parametrize("kind", ["command", "h11"])
def test_slow_client_an_idle_keep_alive_connection_is_closed(request: pytest.FixtureRequest, kind: str) -> None:
    server = _server(request, kind)
    with socket.create_connection(server.address, timeout=BOUND_S) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")  # keep-alive: HTTP/1.1's default
        data = _until_closed(s, time.monotonic() + BOUND_S)
    status, headers, _ = _response(data)
    assert status == 200 and headers.get("connection") != "close"  # kept alive, then closed while idle


@pytest.mark.parametrize("kind", ["command", "workers", "h11"])
def test_slow_client_timeouts_never_cut_a_normal_request_or_a_stream(request: pytest.FixtureRequest,
                                                                      kind: str) -> None:
    """A stream lives far past every timeout (frames still arrive 4 timeouts after it opened), and
    requests with bodies go through on a connection kept alive between them."""
    server = _server(request, kind)
    cut = server.timeouts()
    with httpx.Client(base_url=server.url, timeout=BOUND_S) as http:
        created = http.post(f"{API}/sessions", json={"dataset": {"name": "circle", "n_samples": 100}})
        assert created.status_code == 201, created.text
        sid, token = created.json()["id"], created.json().get("owner_token")
        owner = {"Authorization": f"Bearer {token}"} if token else {}
        r = http.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 20}, headers=owner)
        assert r.status_code == 200, r.text
        opened = time.monotonic()
        late_frames = 0
        with http.stream("GET", f"{API}/sessions/{sid}/stream", params={"fps": 5}) as stream:
            assert stream.status_code == 200
            for line in stream.iter_lines():
                if line.startswith("event: frame") and time.monotonic() - opened > 4 * TIMEOUT_S:
                    late_frames += 1
                    if late_frames == 3:
                        break
                assert time.monotonic() - opened < 3 * BOUND_S, "no frame came after the timeouts"
        assert late_frames == 3  # the stream was still open, not ended (iter_lines would have stopped)
        r = http.post(f"{API}/sessions/{sid}/pause", headers=owner)
        assert r.status_code == 200, r.text
    after = server.timeouts()
    assert after["body"] == cut["body"]  # nothing here was late: no 408


def _count_open(socks: list[socket.socket], deadline: float) -> int:
    """Wait until the server has closed every one of these connections (or `deadline`); how many it
    left open."""
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    open_ = len(socks)
    while open_ and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1.0):
            conn = key.fileobj
            assert isinstance(conn, socket.socket)
            try:
                chunk = conn.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                sel.unregister(conn)
                open_ -= 1
    sel.close()
    return open_


@pytest.mark.parametrize("kind", ["command", "workers", "h11"])
def test_slow_client_200_half_open_connections_are_all_released(request: pytest.FixtureRequest, kind: str) -> None:
    server = _server(request, kind)
    server.timeouts()  # a first request: whatever a server opens lazily is open now
    fds_before, head_before = server.fds(), server.timeouts()["head"]
    socks = []
    try:
        for k in range(200):
            s = socket.create_connection(server.address, timeout=BOUND_S)
            socks.append(s)
            s.sendall(PARTIAL_HEAD[: 1 + k % (len(PARTIAL_HEAD) - 1)])  # every length of half a head
        assert _count_open(socks, time.monotonic() + 3 * BOUND_S) == 0
    finally:
        for s in socks:
            s.close()
    assert server.timeouts()["head"] >= head_before + 200  # each was held until its timeout, then cut
    deadline = time.monotonic() + BOUND_S
    while server.fds() > fds_before + 5 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.fds() <= fds_before + 5, (fds_before, server.fds())


def test_slow_client_past_max_connections_a_request_gets_503() -> None:
    """NNP_MAX_CONNECTIONS: while that many connections are open (here half-sent heads, under a long
    head timeout), a new request is answered 503 at once; when they go, requests are served again."""
    env = {"NNP_MAX_CONNECTIONS": "4", "NNP_HEADER_TIMEOUT_S": "120"}
    proc, url = start_server(env, command=COMMANDS["command"])
    try:
        server = Server(url, proc.pid)
        server.timeouts()
        fds_before = server.fds()
        socks = [socket.create_connection(server.address, timeout=BOUND_S) for _ in range(4)]
        try:
            for s in socks:
                s.sendall(PARTIAL_HEAD)
            deadline = time.monotonic() + BOUND_S
            while server.fds() < fds_before + 4 and time.monotonic() < deadline:  # accepted
                time.sleep(0.05)
            assert httpx.get(f"{url}/healthz", timeout=BOUND_S).status_code == 503
        finally:
            for s in socks:
                s.close()
        deadline = time.monotonic() + BOUND_S
        while (status := httpx.get(f"{url}/healthz", timeout=BOUND_S).status_code) != 200:
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
    finally:
        stop_server(proc)
