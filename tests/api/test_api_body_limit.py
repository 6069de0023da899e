"""No request body can freeze the server: one over `max_body_bytes` is refused with a 413 before it
is read or parsed (JSON is parsed on the event loop: 100 MB once took 11 s and 2.66 GB).

A declared Content-Length over the limit is answered at once; a chunked body is counted as it
arrives. Against a real uvicorn, over a raw socket: the server answers a 100 MB Content-Length
after a few bytes of it, and its resident memory does not grow.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.config import Settings, get_settings
from app.main import create_app
from bench.owners import keep_owner_tokens
from tests.conftest import start_server, stop_server

API = "/api/v1"
LIMIT = get_settings().max_body_bytes
JSON = {"content-type": "application/json"}
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options")


def _refused(status: int, headers: Any, text: str, limit: int = LIMIT) -> None:
    assert status == 413, text[:300]
    assert json.loads(text) == {"detail": [{"field": "body", "type": "http_error", "msg": (
        f"the request body is larger than {limit} bytes, the server's limit (NNP_MAX_BODY_BYTES)")}]}
    for name in SECURITY_HEADERS:
        assert name in headers, name
    assert headers["connection"] == "close"


def test_body_limit_default_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().max_body_bytes == 2_000_000
    monkeypatch.setenv("NNP_MAX_BODY_BYTES", "12345")
    assert Settings().max_body_bytes == 12345


def test_body_limit_a_declared_length_over_it_is_refused_unread(client: TestClient) -> None:
    before = len(client.app.state.store)  # type: ignore[attr-defined]
    r = client.post(f"{API}/sessions", content=b"{}" + b" " * (LIMIT - 1), headers=JSON)
    _refused(r.status_code, r.headers, r.text)
    assert len(client.app.state.store) == before  # type: ignore[attr-defined]  # the route never ran
    # any method, any path: nothing reads a body over the limit
    r = client.request("GET", f"{API}/catalog", content=b" " * (LIMIT + 1))
    _refused(r.status_code, r.headers, r.text)


def test_body_limit_a_body_at_the_limit_goes_through(client: TestClient) -> None:
    r = client.post(f"{API}/sessions", content=b"{}" + b" " * (LIMIT - 2), headers=JSON)
    assert r.status_code == 201, r.text


def test_body_limit_a_chunked_body_is_counted(client: TestClient) -> None:
    # no Content-Length: httpx sends a generator chunked (the TestClient has it all before the app
    # runs, so the real-server test below shows the refusal as the bytes arrive)
    chunks = iter([b"{}", *[b" " * 100_000] * (LIMIT // 100_000)])
    r = client.post(f"{API}/sessions", content=chunks, headers=JSON)
    _refused(r.status_code, r.headers, r.text)
    # a small chunked body is not refused
    r = client.post(f"{API}/sessions", content=iter([b"{", b"}"]), headers=JSON)
    assert r.status_code == 201, r.text


def test_body_limit_is_a_setting() -> None:
    with keep_owner_tokens(TestClient(create_app(Settings(max_body_bytes=1000)))) as c:
        assert c.post(f"{API}/sessions", content=b"{}" + b" " * 998, headers=JSON).status_code == 201
        r = c.post(f"{API}/sessions", content=b"{}" + b" " * 999, headers=JSON)
        _refused(r.status_code, r.headers, r.text, limit=1000)
        r = c.post(f"{API}/datasets/csv", files={"file": ("a.csv", b"1,1,0\n" * 200)})
        _refused(r.status_code, r.headers, r.text, limit=1000)


def test_body_limit_leaves_room_for_the_largest_csv_upload(client: TestClient) -> None:
    settings = get_settings()
    n = settings.max_custom_points
    width = (settings.max_csv_bytes - 20) // n - 1  # each row padded with spaces (they are stripped)
    rows = [f"{(i % 100) / 20 - 2.5},{(i // 100) / 5 - 2},{(i + i // 100) % 2}".ljust(width) + "\n"
            for i in range(n)]
    content = ("x1,x2,label\n" + "".join(rows)).encode()
    assert settings.max_csv_bytes * 0.98 < len(content) <= settings.max_csv_bytes
    r = client.post(f"{API}/datasets/csv", files={"file": ("points.csv", content, "text/csv")})
    assert r.status_code == 200, r.text[:300]
    assert len(r.json()["labels"]) == settings.max_custom_points


# ---------------------------------------------------------------- a real server


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[int, str, int]]:
    proc, url = start_server()
    try:
        parts = urlsplit(url)
        yield proc.pid, str(parts.hostname), int(parts.port or 80)
    finally:
        stop_server(proc)


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _exchange(host: str, port: int, head: bytes, body: list[bytes]) -> tuple[int, dict[str, str], str]:
    """Send the head and these parts of a body (never all of it), then read the answer to its end."""
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(head)
        for part in body:
            s.sendall(part)
        answer = b""
        while chunk := s.recv(65536):  # the server closes the connection after a 413
            answer += chunk
    top, _, text = answer.partition(b"\r\n\r\n")
    status_line, *lines = top.decode().split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, text.decode()


def test_body_limit_real_server_refuses_100_mb_at_once_and_keeps_its_memory(server: tuple[int, str, int]) -> None:
    pid, host, port = server
    head = (f"POST {API}/sessions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {100_000_000}\r\n\r\n").encode()
    _refused(*_exchange(host, port, head, [b"{" + b" " * 1000]))  # the first answer warms the server up
    before = _rss_kib(pid)
    for _ in range(5):  # 500 MB declared in all; 5 kB sent
        _refused(*_exchange(host, port, head, [b"{" + b" " * 1000]))
    assert _rss_kib(pid) - before < 20 * 1024


def test_body_limit_real_server_refuses_a_chunked_body_once_over(server: tuple[int, str, int]) -> None:
    pid, host, port = server
    head = (f"POST {API}/sessions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    size = 65536
    full, rest = LIMIT // size, LIMIT % size + 1
    chunk = f"{size:x}\r\n".encode() + b" " * size + b"\r\n"
    # exactly one byte over, the last chunk left unfinished: the server must refuse on the bytes it
    # has, and it has read all that was sent (unread bytes at its close would reset the connection)
    body = [chunk] * full + [f"{size:x}\r\n".encode() + b" " * rest]
    before = _rss_kib(pid)
    for _ in range(3):
        _refused(*_exchange(host, port, head, body))
    assert _rss_kib(pid) - before < 20 * 1024
