"""Sessions survive a restart of a real server: SIGTERM loses nothing, kill -9 at most the last save
interval, a follower's link works again, and with --workers each worker gets its own sessions back.

No assertion is on the clock: "within the last save interval" is checked with the saver's counters
(a step read, then two writes of the playing session after it, then the kill: what comes back is at
least that step)."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.owners import keep_owner_tokens
from tests.conftest import start_server, stop_server

API = "/api/v1"
# the teacher's script: keeps the owner tokens of what it creates (they survive the restart too)
OWNER = keep_owner_tokens(httpx.Client(timeout=30))


@pytest.fixture(scope="module", autouse=True)
def _close_owner() -> Iterator[None]:
    yield
    OWNER.close()


def _env(path: Path, **extra: str) -> dict[str, str]:
    return {"NNP_STATE_PATH": str(path), **extra}


def _wait(check: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _session(url: str, sid: str) -> dict[str, Any]:
    r = httpx.get(f"{url}{API}/sessions/{sid}", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _persist(url: str) -> dict[str, int]:
    return httpx.get(f"{url}/healthz", timeout=10).json()["persist"]  # type: ignore[no-any-return]


class Follower:
    """A student's page following a session: reads its stream in a thread, keeps the event names."""

    def __init__(self, url: str, sid: str) -> None:
        self.events: list[str] = []
        self.ended = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(f"{url}{API}/sessions/{sid}/stream?fps=10",),
                                        daemon=True)
        self._thread.start()

    def _read(self, url: str) -> None:
        try:
            with httpx.stream("GET", url, timeout=httpx.Timeout(30, read=60)) as r:
                for line in r.iter_lines():
                    if line.startswith("event: "):
                        self.events.append(line[7:])
        except httpx.HTTPError:
            self.events.append("error")
        finally:
            self.ended.set()


def test_sigterm_while_playing_and_followed_loses_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path / "state.sqlite")
    proc, url = start_server(env)
    try:
        adam = {"optimizer": {"name": "adam", "learning_rate": 0.01}}
        sid = OWNER.post(f"{url}{API}/sessions", json=adam).json()["id"]
        OWNER.post(f"{url}{API}/sessions/{sid}/play", json={"epochs_per_second": 30})
        follower = Follower(url, sid)
        _wait(lambda: follower.events.count("frame") >= 3 and _session(url, sid)["step"] > 200, "frames")
        last_read = _session(url, sid)
        assert last_read["status"] == "running"
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)  # an open stream no longer holds the server up: it ends at once
        assert follower.ended.wait(10)
        assert "gone" not in follower.events  # the stream just ended: a browser's EventSource reconnects
    finally:
        stop_server(proc)

    proc, url = start_server(env)
    try:
        back = _session(url, sid)
        assert back["status"] == "idle"  # it was playing: it comes back paused
        assert back["step"] >= last_read["step"] and back["epoch"] >= last_read["epoch"]
        history = httpx.get(f"{url}{API}/sessions/{sid}/history").json()
        assert history["epoch"][-1] == back["epoch"]  # every epoch up to the stop, none lost
        assert _persist(url)["restored"] == 1
        # the follower's link works again: same id, same stream
        with httpx.stream("GET", f"{url}{API}/sessions/{sid}/stream?frames=1", timeout=30) as r:
            assert r.status_code == 200
            events = [line[7:] for line in r.iter_lines() if line.startswith("event: ")]
        assert events[0] == "frame"
        # and it plays on from there
        OWNER.post(f"{url}{API}/sessions/{sid}/play", json={"epochs_per_second": 30})
        _wait(lambda: _session(url, sid)["step"] > back["step"], "training again")
    finally:
        stop_server(proc)


def test_kill_9_while_playing_loses_at_most_the_last_save_interval(tmp_path: Path) -> None:
    env = _env(tmp_path / "state.sqlite", NNP_SAVE_INTERVAL_S="0.25")
    proc, url = start_server(env)
    try:
        sid = OWNER.post(f"{url}{API}/sessions", json={}).json()["id"]
        OWNER.post(f"{url}{API}/sessions/{sid}/play", json={"epochs_per_second": 60})
        _wait(lambda: _session(url, sid)["step"] > 100, "training")
        seen = _session(url, sid)["step"]
        written = _persist(url)["sessions"]
        # two more writes of the (only, playing) session: the second began after the first ended,
        # which was after `written` (so `seen`) was read: it holds at least `seen`
        _wait(lambda: _persist(url)["sessions"] >= written + 2, "two more writes")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        stop_server(proc)

    proc, url = start_server(env)
    try:
        back = _session(url, sid)
        assert back["status"] == "idle" and back["step"] >= seen
        history = httpx.get(f"{url}{API}/sessions/{sid}/history").json()
        assert history["epoch"][-1] == back["epoch"]
    finally:
        stop_server(proc)


def test_deleted_sessions_stay_deleted_across_a_real_restart(tmp_path: Path) -> None:
    env = _env(tmp_path / "state.sqlite")
    proc, url = start_server(env)
    try:
        gone, kept = (OWNER.post(f"{url}{API}/sessions", json={}).json()["id"] for _ in range(2))
        assert OWNER.delete(f"{url}{API}/sessions/{gone}").status_code == 204
        cid = OWNER.post(f"{url}{API}/comparisons", json={"vary": {"field": "activation",
                                                                  "values": ["tanh", "relu"]}}).json()["id"]
        OWNER.post(f"{url}{API}/comparisons/{cid}/step", json={"epochs": 3})
        compared = httpx.get(f"{url}{API}/comparisons/{cid}").json()
    finally:
        stop_server(proc)
    proc, url = start_server(env)
    try:
        assert httpx.get(f"{url}{API}/sessions/{gone}").status_code == 404
        assert httpx.get(f"{url}{API}/sessions/{kept}").status_code == 200
        assert httpx.get(f"{url}{API}/comparisons/{cid}").json() == compared
    finally:
        stop_server(proc)


def test_each_worker_keeps_its_own_file(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"

    def start() -> tuple[Any, str]:
        command = [sys.executable, "-m", "app.cli", "--workers", "2", "--port"]
        return start_server(_env(path), own_group=True, command=lambda port: [*command, str(port)])

    proc, url = start()
    try:
        made = {}
        for k in range(6):  # the front spreads them over both workers
            sid = OWNER.post(f"{url}{API}/sessions", json={"seed": k}).json()["id"]
            made[sid] = OWNER.post(f"{url}{API}/sessions/{sid}/step", json={"steps": 5 + k}).json()["step"]
        assert {sid.split(".")[0] for sid in made} == {"w0", "w1"}
    finally:
        stop_server(proc)  # SIGTERM to the front and its workers
    assert sorted(p.name for p in tmp_path.glob("*.sqlite")) == ["state.w0.sqlite", "state.w1.sqlite"]

    proc, url = start()
    try:
        assert {sid: _session(url, sid)["step"] for sid in made} == made  # each from its worker's file
    finally:
        stop_server(proc)
