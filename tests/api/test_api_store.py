"""The bounded session store through HTTP: eviction of the oldest idle session, 503 when every
session is running, idle expiry. Each test builds its own app from `create_app(Settings(...))`;
those about time move a fake clock (tests/fake_clock.py) instead of sleeping."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from bench.owners import keep_owner_tokens
from tests.fake_clock import FakeClock, run_for

API = "/api/v1"


def _refuse(token: str) -> Any:
    raise ValueError(f"non-standard JSON constant {token!r} in a response")


def strict(r: Any) -> Any:
    return json.loads(r.text, parse_constant=_refuse)


@contextmanager
def app_client(clock: FakeClock | None = None, **settings: Any) -> Iterator[TestClient]:
    """A client of an app of its own; with `clock`, the app reads that fake clock and nothing trains
    until the test calls its scheduler's run_due() (threaded=False)."""
    app = (create_app(Settings(**settings)) if clock is None
           else create_app(Settings(**settings), clock=clock, threaded=False))
    with keep_owner_tokens(TestClient(app)) as c:
        yield c


def create(client: TestClient) -> str:
    r = client.post(f"{API}/sessions", json={"dataset": {"name": "circle", "n_samples": 100}})
    assert r.status_code == 201, r.text
    return str(strict(r)["id"])


def alive(client: TestClient, sid: str) -> bool:
    r = client.get(f"{API}/sessions/{sid}")
    assert r.status_code in (200, 404)
    return r.status_code == 200


def test_api_store_evicts_the_least_recently_used_idle_session() -> None:
    with app_client(max_sessions=3) as c:
        a, b, d = create(c), create(c), create(c)
        assert alive(c, a)  # a is now the most recently used: b is the oldest
        e = create(c)
        assert not alive(c, b)
        assert all(alive(c, s) for s in (a, d, e))
        assert c.post(f"{API}/sessions/{b}/step", json={"steps": 1}).status_code == 404
        f = create(c)  # a, d, e were just read in that order: a goes
        assert not alive(c, a) and all(alive(c, s) for s in (d, e, f))


def test_api_store_full_of_running_sessions_is_503() -> None:
    with app_client(max_sessions=3) as c:
        ids = [create(c) for _ in range(3)]
        try:
            for sid in ids:
                r = c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 1})
                assert r.status_code == 200 and strict(r)["status"] == "running"
            r = c.post(f"{API}/sessions", json={})
            assert r.status_code == 503
            assert r.headers.get("retry-after")
            d = strict(r)["detail"][0]
            assert d["field"] == "sessions"
            assert "all 3 sessions of this server are running" in d["msg"] and "pause or delete" in d["msg"]
            assert all(alive(c, sid) for sid in ids)  # nothing was evicted
            # pausing one makes room: it is the one evicted
            assert c.post(f"{API}/sessions/{ids[1]}/pause").status_code == 200
            new = create(c)
            assert not alive(c, ids[1]) and alive(c, new)
        finally:
            for sid in ids:
                c.post(f"{API}/sessions/{sid}/pause")


def held(c: TestClient, sid: str) -> bool:
    """Whether the store holds the session, without using it (a GET would count as use)."""
    return sid in c.app.state.store  # type: ignore[attr-defined]


def test_api_store_running_sessions_do_not_expire() -> None:
    clock = FakeClock()
    with app_client(clock, max_sessions=10, idle_timeout_s=60) as c:
        running, idle = create(c), create(c)
        assert c.post(f"{API}/sessions/{running}/play", json={"epochs_per_second": 1}).status_code == 200
        clock.now += 61  # neither used since: both past the timeout (nothing trains: threaded=False)
        create(c)  # the store expires idle sessions when it adds one
        assert held(c, running) and not held(c, idle)
        assert c.post(f"{API}/sessions/{running}/pause").status_code == 200


def test_api_store_idle_sessions_expire() -> None:
    clock = FakeClock()
    with app_client(clock, idle_timeout_s=60) as c:
        old = create(c)
        clock.now += 59
        create(c)
        assert held(c, old)  # not yet
        clock.now += 2
        new = create(c)
        assert not held(c, old) and not alive(c, old)
        assert alive(c, new)


def test_api_store_touching_a_session_keeps_it() -> None:
    clock = FakeClock()
    with app_client(clock, idle_timeout_s=60) as c:
        a, b = create(c), create(c)
        for _ in range(3):
            clock.now += 30
            assert alive(c, a)  # a read counts as use
        create(c)  # b unused for 90 s, a for none
        assert alive(c, a)
        assert not alive(c, b)


def test_api_store_delete_stops_training() -> None:
    with app_client(max_sessions=3) as c:
        sid = create(c)
        assert c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 50}).status_code == 200
        assert c.delete(f"{API}/sessions/{sid}").status_code == 204
        assert not alive(c, sid)
        # the room is free again: three new sessions fit without a 503
        ids = [create(c) for _ in range(3)]
        assert all(alive(c, s) for s in ids)


def test_api_play_pause_status() -> None:
    clock = FakeClock()
    with app_client(clock) as client:
        scheduler = client.app.state.scheduler  # type: ignore[attr-defined]
        sid = create(client)
        try:
            r = client.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 200})
            assert r.status_code == 200 and strict(r)["status"] == "running"
            run_for(clock, scheduler, 0.3)
            r = client.post(f"{API}/sessions/{sid}/pause")
            assert r.status_code == 200 and strict(r)["status"] == "idle"
            epoch = strict(r)["epoch"]
            assert 59 <= epoch <= 60  # 0.3 s at 200 epochs/s, to the tick
            assert scheduler.alive() == 0
            run_for(clock, scheduler, 0.3)
            assert strict(client.get(f"{API}/sessions/{sid}"))["epoch"] == epoch
            # play with no body, with null speed; pause twice is fine
            assert client.post(f"{API}/sessions/{sid}/play").status_code == 200
            assert client.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": None}).status_code == 200
        finally:
            assert client.post(f"{API}/sessions/{sid}/pause").status_code == 200
        assert client.post(f"{API}/sessions/{sid}/pause").status_code == 200
        for bad in ({"epochs_per_second": 0}, {"epochs_per_second": 10_001}, {"epochs_per_second": "fast"},
                    {"speed": 1}):
            r = client.post(f"{API}/sessions/{sid}/play", json=bad)
            assert r.status_code == 422, bad
            assert strict(r)["detail"][0]["field"] in ("epochs_per_second", "speed")
        assert strict(client.get(f"{API}/sessions/{sid}"))["status"] == "idle"


def test_api_store_created_app_settings_reach_the_store() -> None:
    with app_client(max_sessions=2) as c:
        a, b = create(c), create(c)
        create(c)
        assert not alive(c, a) and alive(c, b)


def test_api_created_app_settings_reach_the_routes() -> None:
    with app_client(max_sessions=3, max_updates_per_request=100) as c:
        limits = strict(c.get(f"{API}/catalog"))["limits"]
        assert limits["max_sessions"] == 3 and limits["max_updates_per_request"] == 100
        sid = create(c)
        r = c.post(f"{API}/sessions/{sid}/step", json={"steps": 101})
        assert r.status_code == 422
        d = strict(r)["detail"][0]
        assert d["field"] == "steps" and "at most 100 updates" in d["msg"]
        assert c.post(f"{API}/sessions/{sid}/step", json={"steps": 100}).status_code == 200


@pytest.mark.parametrize(("limit", "value"), [("max_predict_points", 2), ("max_resolution", 50), ("max_units", 4),
                                              ("max_csv_bytes", 100)])
def test_api_schema_limits_cannot_differ_from_the_environment(limit: str, value: int) -> None:
    # the request schemas (and so the OpenAPI document) read these at import: an app that
    # advertised one limit and enforced another would be worse than a clear refusal
    with pytest.raises(ValueError, match=limit):
        create_app(Settings(**{limit: value}))


def test_api_training_nobody_watches_or_asks_about_pauses_itself() -> None:
    # a closed tab leaves no stream and sends no request: the scheduler pauses instead of training
    # for nobody until the session expires; a script that keeps asking keeps it running
    clock = FakeClock()
    with app_client(clock, unattended_pause_s=1.5) as c:
        scheduler = c.app.state.scheduler  # type: ignore[attr-defined]
        watched, forgotten = create(c), create(c)
        for sid in (watched, forgotten):
            assert c.post(f"{API}/sessions/{sid}/play", json={}).status_code == 200  # full speed
        for _ in range(40):  # 4 s, the watched one asked about every 0.1 s
            run_for(clock, scheduler, 0.1, step=0.05, turns=2)
            assert strict(c.get(f"{API}/sessions/{watched}"))["status"] == "running"
        assert scheduler.counters.unattended_pauses == 1 and scheduler.alive() == 1
        assert c.post(f"{API}/sessions/{watched}/pause").status_code == 200
        r = c.get(f"{API}/sessions/{forgotten}")  # this request itself arrives after the pause
        assert strict(r)["status"] == "idle" and strict(r)["epoch"] > 0
