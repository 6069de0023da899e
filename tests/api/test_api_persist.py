"""Sessions survive a restart (app.training.persist), through the API of two apps on one state file.

The first app is closed as a server stops (its lifespan ends: training stops, everything is
written), a new app opens the same file. The oracle for "goes on exactly" is a twin: the same
requests on an app that keeps nothing and never restarts.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.training.persist import StateFileBusy, state_file
from bench.owners import OwnerTokens, keep_owner_tokens

API = "/api/v1"
READS = ("", "/weights", "/history", "/data")  # everything a client can read of a session


@contextmanager
def server(path: Path | None, tokens: OwnerTokens | None = None, **settings: Any) -> Iterator[TestClient]:
    """An app (its lifespan run) keeping its sessions in `path` (None: keeping nothing). Its client
    keeps the owner tokens of what it creates in `tokens` (by default those of the test: the owner
    that made a session before a restart still owns it after)."""
    app = create_app(Settings(state_path=str(path or ""), **settings))
    with keep_owner_tokens(TestClient(app), tokens or _test_tokens) as client:
        yield client


_test_tokens = OwnerTokens()


@pytest.fixture(autouse=True)
def _fresh_tokens() -> Iterator[None]:
    """Each test starts with no owner token held (none is ever another test's)."""
    _test_tokens.tokens.clear()
    yield
    _test_tokens.tokens.clear()


def read_all(c: TestClient, sid: str) -> dict[str, Any]:
    out = {}
    for what in READS:
        r = c.get(f"{API}/sessions/{sid}{what}")
        assert r.status_code == 200, (what, r.text)
        out[what] = r.json()
    return out


def wait_for(check: Callable[[], bool], what: str, timeout_s: float = 30.0) -> None:
    """Until check() holds (the saver thread works in its own time); never a fixed sleep."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def saved_step(path: Path, sid: str) -> int | None:
    """The step the state file holds for a session (None: no row)."""
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT step FROM sessions WHERE id = ?", (sid,)).fetchone()
    return None if row is None else int(row[0])


def persist_counters(c: TestClient) -> dict[str, int]:
    counters = c.get("/healthz").json()["persist"]
    assert counters is not None
    return counters  # type: ignore[no-any-return]


# every change a student makes, on any app: returns the ids made
def make_sessions(c: TestClient) -> dict[str, str]:
    ids = {}
    r = c.post(f"{API}/sessions", json={"dataset": {"name": "moons", "n_samples": 140, "noise": 0.1},
                                        "optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 9})
    ids["adam"] = r.json()["id"]
    assert c.post(f"{API}/sessions/{ids['adam']}/step", json={"steps": 23}).status_code == 200  # inside an epoch
    assert c.patch(f"{API}/sessions/{ids['adam']}", json={"optimizer": {"learning_rate": 0.02}}).status_code == 200
    c.post(f"{API}/sessions/{ids['adam']}/step", json={"epochs": 3})
    c.post(f"{API}/sessions/{ids['adam']}/step", json={"steps": 4})

    points = [[x / 4, (x % 7) - 3.0] for x in range(-12, 13)]
    r = c.post(f"{API}/sessions", json={
        "dataset": {"name": "custom", "points": points, "labels": [int(x > 0) for x, _ in points]},
        "optimizer": {"name": "momentum", "learning_rate": 0.1}, "batch_size": 4, "dropout": 0.2})
    ids["custom"] = r.json()["id"]
    c.post(f"{API}/sessions/{ids['custom']}/step", json={"steps": 7})

    r = c.post(f"{API}/sessions", json={"optimizer": {"learning_rate": 80.0}, "dataset": {"name": "xor"}})
    ids["diverged"] = r.json()["id"]
    assert c.post(f"{API}/sessions/{ids['diverged']}/step", json={"epochs": 50}).json()["status"] == "diverged"

    r = c.post(f"{API}/sessions", json={"dataset": {"name": "circle"}, "seed": 4})
    ids["weights"] = r.json()["id"]
    w = c.get(f"{API}/sessions/{ids['weights']}/weights").json()
    w["layers"][0]["b"] = [0.25] * len(w["layers"][0]["b"])
    assert c.put(f"{API}/sessions/{ids['weights']}/weights", json=w).status_code == 200
    c.post(f"{API}/sessions/{ids['weights']}/step", json={"steps": 3})
    ids["fork"] = c.post(f"{API}/sessions/{ids['weights']}/fork").json()["id"]
    c.post(f"{API}/sessions/{ids['fork']}/reset", json={"seed": 9})
    c.post(f"{API}/sessions/{ids['fork']}/step", json={"steps": 11})
    return ids


def go_on(c: TestClient, ids: dict[str, str]) -> None:
    for name, sid in ids.items():
        if name == "diverged":
            c.post(f"{API}/sessions/{sid}/reset")
        c.post(f"{API}/sessions/{sid}/step", json={"steps": 31})


def same_reads(a: dict[str, Any], b: dict[str, Any]) -> None:
    a, b = json.loads(json.dumps(a)), json.loads(json.dumps(b))
    a[""].pop("id"), b[""].pop("id")
    assert a == b


def test_sessions_come_back_as_they_were_and_go_on_exactly(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with server(path) as c:
        ids = make_sessions(c)
        before = {name: read_all(c, sid) for name, sid in ids.items()}
    with server(None) as twin_app:
        twin = make_sessions(twin_app)
        with server(path) as c:
            assert sorted(s["id"] for s in (c.get(f"{API}/sessions/{sid}").json() for sid in ids.values())) == \
                sorted(ids.values())
            assert persist_counters(c)["restored"] == len(ids)
            for name, sid in ids.items():
                assert read_all(c, sid) == before[name], name  # config, weights, history, data, status, step
                same_reads(read_all(c, sid), read_all(twin_app, twin[name]))
            go_on(c, ids)
            go_on(twin_app, twin)
            for name, sid in ids.items():
                same_reads(read_all(c, sid), read_all(twin_app, twin[name]))  # bit for bit: JSON floats are exact


def test_a_playing_session_comes_back_paused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with server(path) as c:
        sid = c.post(f"{API}/sessions", json={}).json()["id"]
        c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 200})
        wait_for(lambda: c.get(f"{API}/sessions/{sid}").json()["step"] > 100, "training")
        seen = c.get(f"{API}/sessions/{sid}").json()["step"]
    with server(path) as c:
        back = c.get(f"{API}/sessions/{sid}").json()
        assert back["status"] == "idle" and back["step"] >= seen
        assert len(c.get(f"{API}/sessions/{sid}/history").json()["epoch"]) == back["epoch"]
        c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 200})  # and plays again
        wait_for(lambda: c.get(f"{API}/sessions/{sid}").json()["step"] > back["step"], "training again")


def test_a_change_is_written_at_once_and_playing_every_interval(tmp_path: Path) -> None:
    """Without closing the app: the file has the change (the saver wrote it on its own)."""
    path = tmp_path / "state.sqlite"
    with server(path, save_interval_s=0.2) as c:
        sid = c.post(f"{API}/sessions", json={}).json()["id"]
        wait_for(lambda: saved_step(path, sid) == 0, "the new session written")
        c.post(f"{API}/sessions/{sid}/step", json={"steps": 17})
        wait_for(lambda: saved_step(path, sid) == 17, "a REST step written")
        c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 100})
        written = persist_counters(c)["sessions"]
        wait_for(lambda: persist_counters(c)["sessions"] >= written + 3, "three writes while playing")
        assert (saved_step(path, sid) or 0) > 17
        c.post(f"{API}/sessions/{sid}/pause")
        paused_at = c.get(f"{API}/sessions/{sid}").json()["step"]
        wait_for(lambda: saved_step(path, sid) == paused_at, "the pause written")


def test_a_deleted_session_stays_deleted_and_its_followers_move_on(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with server(path) as c:
        gone, kept, old = (c.post(f"{API}/sessions", json={}).json()["id"] for _ in range(3))
        new = c.post(f"{API}/sessions", json={"dataset": {"name": "xor"}}).json()["id"]
        assert c.delete(f"{API}/sessions/{gone}").status_code == 204
        assert c.delete(f"{API}/sessions/{old}", params={"successor": new}).status_code == 204  # the page moved on
    with server(path) as c:
        assert c.get(f"{API}/sessions/{gone}").status_code == 404
        assert c.get(f"{API}/sessions/{kept}").status_code == 200
        r = c.get(f"{API}/sessions/{old}")
        assert r.status_code == 404 and r.json().get("successor") == new  # a follower's link leads on
        with c.stream("GET", f"{API}/sessions/{old}/stream") as s:
            assert s.status_code == 404
    with sqlite3.connect(path) as db:
        assert {r[0] for r in db.execute("SELECT id FROM sessions")} == {kept, new}
        assert db.execute("SELECT count(*) FROM history WHERE session_id = ?", (gone,)).fetchone()[0] == 0


def test_an_evicted_session_is_not_restored(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with server(path, max_sessions=2) as c:
        first = c.post(f"{API}/sessions", json={}).json()["id"]
        others = [c.post(f"{API}/sessions", json={}).json()["id"] for _ in range(2)]  # evicts the first
    with server(path, max_sessions=2) as c:
        assert c.get(f"{API}/sessions/{first}").status_code == 404
        assert all(c.get(f"{API}/sessions/{sid}").status_code == 200 for sid in others)


def test_the_limits_hold_when_fewer_sessions_are_allowed_now(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with server(path) as c:
        ids = []
        for k in range(4):
            ids.append(c.post(f"{API}/sessions", json={"seed": k}).json()["id"])
            c.post(f"{API}/sessions/{ids[-1]}/step", json={"steps": 1})
            wait_for(lambda: saved_step(path, ids[-1]) == 1, "written")  # so they are saved in this order
    with server(path, max_sessions=2) as c:
        counters = persist_counters(c)
        assert (counters["restored"], counters["dropped"]) == (2, 2)
        assert [c.get(f"{API}/sessions/{sid}").status_code for sid in ids] == [404, 404, 200, 200]  # the newest


COMPARISON = {"base": {"dataset": {"name": "circle", "n_samples": 120}, "layers": [{"units": 6}], "batch_size": 8},
              "vary": {"field": "learning_rate", "values": [0.1, 0.5, 70.0]}, "target_loss": 0.4}


def test_a_comparison_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"

    def start(c: TestClient) -> str:
        cid = c.post(f"{API}/comparisons", json=COMPARISON).json()["id"]
        c.post(f"{API}/comparisons/{cid}/step", json={"steps": 26})  # 60 points, batch 8: inside an epoch
        return cid

    with server(path) as c:
        cid = start(c)
        before = c.get(f"{API}/comparisons/{cid}").json()
        history = c.get(f"{API}/comparisons/{cid}/history").json()
    with server(None) as twin_app:
        twin = start(twin_app)
        with server(path) as c:
            back = c.get(f"{API}/comparisons/{cid}").json()
            assert back == before and c.get(f"{API}/comparisons/{cid}/history").json() == history
            assert back["variants"][2]["status"] == "diverged"
            ids = [v["session_id"] for v in back["variants"]]
            assert all(c.get(f"{API}/sessions/{sid}").status_code == 200 for sid in ids)
            assert c.post(f"{API}/sessions/{ids[0]}/step", json={"steps": 1}).status_code == 409  # still owned
            for client, key in ((c, cid), (twin_app, twin)):
                client.post(f"{API}/comparisons/{key}/step", json={"epochs": 4})
            mine = c.get(f"{API}/comparisons/{cid}").json()
            theirs = twin_app.get(f"{API}/comparisons/{twin}").json()
            for a, b in zip(mine["variants"], theirs["variants"], strict=True):
                same_reads(read_all(c, a["session_id"]), read_all(twin_app, b["session_id"]))
            assert c.delete(f"{API}/comparisons/{cid}").status_code == 204
    with server(path) as c:
        assert c.get(f"{API}/comparisons/{cid}").status_code == 404
        assert persist_counters(c)["restored"] == 0


def test_an_unreadable_row_is_dropped_and_the_rest_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with server(path) as c:
        bad, good = (c.post(f"{API}/sessions", json={}).json()["id"] for _ in range(2))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE sessions SET state = '{\"format\": 999}' WHERE id = ?", (bad,))
    with server(path) as c:
        assert c.get(f"{API}/sessions/{bad}").status_code == 404
        assert c.get(f"{API}/sessions/{good}").status_code == 200
        assert persist_counters(c)["dropped"] == 1


def test_one_server_per_file(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with server(path), pytest.raises(StateFileBusy), server(path):
        pass


def test_where_the_state_lives() -> None:
    assert state_file(Settings(state_path="")) is None
    assert state_file(Settings(state_path="/srv/nnp/state.sqlite")) == Path("/srv/nnp/state.sqlite")
    assert state_file(Settings(state_path="/srv/nnp/state.sqlite", worker="w1")) == Path("/srv/nnp/state.w1.sqlite")
    assert state_file(Settings(state_path="rel/s.db")) == Path.cwd() / "rel" / "s.db"
    assert Settings.model_fields["state_path"].default == ".nnp/state.sqlite"


def test_the_tests_keep_nothing(client: TestClient) -> None:
    assert client.get("/healthz").json()["persist"] is None
