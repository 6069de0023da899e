"""A viewer that connects and stops reading (a sleeping laptop) against a real uvicorn: once its
connection takes nothing for NNP_STREAM_STALL_S, it no longer counts as a viewer, so its session
pauses when nobody else watches or asks, and the stream is closed. Asserted on the server's own
counters (/healthz, the session's status), with generous deadlines, never on timings."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlparse

import httpx
import pytest

from bench.owners import keep_owner_tokens
from tests.conftest import start_server, stop_server

API = "/api/v1"


def _until(check, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_a_viewer_that_stops_reading_stops_counting() -> None:
    proc, url = start_server({"NNP_STREAM_STALL_S": "1", "NNP_UNATTENDED_PAUSE_S": "2"})
    try:
        with keep_owner_tokens(httpx.Client(base_url=url, timeout=10)) as http:
            sid = http.post(f"{API}/sessions", json={"layers": [{"units": 8, "activation": "tanh"}] * 6}).json()["id"]
            assert http.post(f"{API}/sessions/{sid}/play", json={}).status_code == 200
            u = urlparse(url)
            sleeper = socket.socket()
            sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills fast: nothing is read
            sleeper.connect((u.hostname, u.port))
            sleeper.sendall(f"GET {API}/sessions/{sid}/stream?fps=60 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            try:
                assert _until(lambda: http.get("/healthz").json()["viewers"] == 1, 20)
                # frames pile up in the socket buffers until a send cannot go out for a second
                assert _until(lambda: http.get("/healthz").json()["viewers"] == 0, 90)
                # nobody reads and nobody asks: the session pauses itself (it would train forever before)
                assert _until(lambda: http.get("/healthz").json()["training"] == 0, 30)
                health = http.get("/healthz").json()
                assert health["stalled"] == 0  # the stalled stream was closed and left the audience
                # a GET counts as a request: read the status only after the pause was seen
                assert http.get(f"{API}/sessions/{sid}").json()["status"] == "idle"
            finally:
                sleeper.close()
    finally:
        stop_server(proc)
