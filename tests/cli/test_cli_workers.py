"""`nn-playground --workers 2`, as a user starts it: one address, two processes owning sessions.

Real processes, real HTTP: sessions spread over both workers, the page's whole flow works through
the front (create, step, PATCH, play, stream, follow, compare, fork, delete), the store's limit
holds for the whole server (the oldest idle session anywhere goes first), and a worker that stops
turns its sessions into a clear `gone` while the other's keep training."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from bench.owners import keep_owner_tokens
from tests.conftest import start_server, stop_server

API = "/api/v1"
CIRCLE = {"dataset": {"name": "circle", "n_samples": 100}}


@pytest.fixture
def two_workers() -> Iterator[tuple[str, int]]:
    proc, url = start_server({"NNP_MAX_SESSIONS": "12"}, own_group=True,
                             command=lambda port: [sys.executable, "-m", "app.cli", "--workers", "2",
                                                   "--port", str(port)])
    try:
        yield url, proc.pid
    finally:
        stop_server(proc)


def _events(r: httpx.Response, n: int) -> list[str]:
    got = []
    for line in r.iter_lines():
        if line.startswith("event: "):
            got.append(line[7:])
            if len(got) == n:
                break
    return got


def _worker_pids(front_pid: int) -> dict[str, int]:
    """The workers' pids by name (from their environment), children of the front."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != front_pid:
                continue
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        except OSError:
            continue
        if env.get(b"NNP_WORKER"):
            found[env[b"NNP_WORKER"].decode()] = int(entry)
    return found


@pytest.mark.slow
def test_two_workers_serve_one_playground(two_workers: tuple[str, int]) -> None:
    url, _ = two_workers
    with keep_owner_tokens(httpx.Client(base_url=url, timeout=20)) as http:
        ids = [http.post(f"{API}/sessions", json=CIRCLE).json()["id"] for _ in range(4)]
        assert {i.split(".")[0] for i in ids} == {"w0", "w1"}  # spread over both processes
        for sid in ids:
            assert http.post(f"{API}/sessions/{sid}/step", json={"epochs": 2}).json()["epoch"] == 2
        patched = http.patch(f"{API}/sessions/{ids[0]}", json={"optimizer": {"name": "adam", "learning_rate": 0.01}})
        assert patched.status_code == 200 and patched.json()["config"]["optimizer"]["name"] == "adam"
        # play, watch with two viewers (a teacher and a follower), see training move
        assert http.post(f"{API}/sessions/{ids[1]}/play", json={"epochs_per_second": 50}).status_code == 200
        with http.stream("GET", f"{API}/sessions/{ids[1]}/stream?fps=30") as teacher, \
                http.stream("GET", f"{API}/sessions/{ids[1]}/stream?fps=30") as follower:
            assert _events(teacher, 3) == ["frame"] * 3 and _events(follower, 3) == ["frame"] * 3
        assert http.get(f"{API}/sessions/{ids[1]}").json()["epoch"] > 2
        fork = http.post(f"{API}/sessions/{ids[1]}/fork")
        assert fork.status_code == 201 and fork.json()["epoch"] >= 2
        cmp = http.post(f"{API}/comparisons", json={"base": CIRCLE}).json()
        assert http.post(f"{API}/comparisons/{cmp['id']}/step", json={"epochs": 1}).status_code == 200
        with http.stream("GET", f"{API}/comparisons/{cmp['id']}/stream?frames=1") as r:
            assert _events(r, 2) == ["frame", "done"]
        assert http.delete(f"{API}/sessions/{ids[2]}").status_code == 204
        assert http.get(f"{API}/sessions/{ids[2]}").status_code == 404
        assert http.get(f"{API}/sessions/w7.nothing").status_code == 404
        assert http.get("/").status_code == 200 and http.get("/openapi.json").status_code == 200


@pytest.mark.slow
def test_the_session_limit_holds_across_workers(two_workers: tuple[str, int]) -> None:
    url, _ = two_workers
    with keep_owner_tokens(httpx.Client(base_url=url, timeout=20)) as http:
        first = [http.post(f"{API}/sessions", json=CIRCLE).json()["id"] for _ in range(12)]
        assert len({i.split(".")[0] for i in first}) == 2
        for sid in first[1:]:  # the first is now the least recently used of the whole server
            assert http.get(f"{API}/sessions/{sid}").status_code == 200
        extra = http.post(f"{API}/sessions", json=CIRCLE)
        assert extra.status_code == 201
        alive = [sid for sid in first if http.get(f"{API}/sessions/{sid}").status_code == 200]
        assert alive == first[1:]  # 12 in all, not 12 per process


@pytest.mark.slow
def test_a_stopped_worker_leaves_its_sessions_gone_and_the_others_training(two_workers: tuple[str, int]) -> None:
    url, front = two_workers
    with keep_owner_tokens(httpx.Client(base_url=url, timeout=20)) as http:
        ids = [http.post(f"{API}/sessions", json=CIRCLE).json()["id"] for _ in range(2)]
        by_worker = {sid.split(".")[0]: sid for sid in ids}
        assert set(by_worker) == {"w0", "w1"}
        for sid in ids:
            http.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 50})
        os.kill(_worker_pids(front)["w1"], signal.SIGKILL)
        lost, kept = by_worker["w1"], by_worker["w0"]
        deadline = time.monotonic() + 20
        while http.get(f"{API}/sessions/{lost}").status_code != 410 and time.monotonic() < deadline:
            time.sleep(0.1)
        r = http.get(f"{API}/sessions/{lost}")
        assert r.status_code == 410 and r.json()["detail"][0]["type"] == "gone"
        assert http.post(f"{API}/sessions/{lost}/play", json={}).status_code == 410
        with http.stream("GET", f"{API}/sessions/{lost}/stream") as s:
            assert _events(s, 1) == ["gone"]
        before = http.get(f"{API}/sessions/{kept}").json()["epoch"]
        with http.stream("GET", f"{API}/sessions/{kept}/stream?fps=30") as s:
            assert _events(s, 3) == ["frame"] * 3
        assert http.get(f"{API}/sessions/{kept}").json()["epoch"] > before
        created = http.post(f"{API}/sessions", json=CIRCLE)  # new sessions go to the worker still there
        assert created.status_code == 201 and created.json()["id"].startswith("w0.")
