"""A long step is trained in slices (app.api.work): the same result as in one go, and while it runs
the session's lock, the thread pool and the scheduler are free for everyone else.

The "while it runs" tests hold a step between two slices (a hook that waits on an Event after the
real slice, outside the session's lock): the step is then in progress for as long as the test
likes, whatever the machine's speed, and the checks are on what the server answers and counts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.training.comparison import Comparison, ComparisonConfig
from app.training.session import Session
from app.training.spec import SessionConfig
from bench.owners import keep_owner_tokens

API = "/api/v1"
CIRCLE = {"dataset": {"name": "circle", "n_samples": 100}}


def session(config: dict[str, Any], sid: str = "s") -> Session:
    return Session(sid, SessionConfig.model_validate(config), Settings())


def in_slices(target: Session | Comparison, updates: int, sizes: list[int]) -> None:
    done, i = 0, 0
    while True:
        k = min(sizes[i % len(sizes)], updates - done)
        more = target.train_slice(k, done == 0, done + k >= updates)
        done, i = done + k, i + 1
        if not more:
            return


def same_session(a: Session, b: Session) -> None:
    assert np.array_equal(a.net.params, b.net.params)
    assert a.history.cols == b.history.cols
    assert (a.status, a.diverged_at, a.epoch, a.step_count) == (b.status, b.diverged_at, b.epoch, b.step_count)
    assert a.metrics == b.metrics


@pytest.mark.parametrize("config", [
    {**CIRCLE, "layers": [{"units": 5, "activation": "relu"}], "optimizer": {"name": "adam"}},
    {**CIRCLE, "dropout": 0.2, "regularization": {"kind": "l2", "rate": 0.01}},
    {**CIRCLE, "optimizer": {"name": "sgd", "learning_rate": 60.0}},  # diverges part of the way
])
def test_a_step_in_slices_is_the_same_as_in_one_go(config: dict[str, Any]) -> None:
    whole, sliced = session(config), session(config)
    whole.train(173)
    in_slices(sliced, 173, [1, 7, 3, 40])
    same_session(whole, sliced)


def test_a_diverged_session_refuses_a_sliced_step_as_a_whole_one() -> None:
    s = session({**CIRCLE, "optimizer": {"name": "sgd", "learning_rate": 60.0}})
    s.train(300)
    assert s.status.value == "diverged"
    with pytest.raises(Exception, match="diverged"):
        s.train_slice(5, True, True)


@pytest.mark.parametrize("lr", [0.03, 40.0])
@pytest.mark.parametrize("vary", [
    {"field": "activation", "values": ["tanh", "relu", "sigmoid"]},  # one stacked pass (lockstep)
    {"field": "batch_size", "values": [5, 10]},  # one variant after another
])
def test_a_comparison_step_in_slices_is_the_same_as_in_one_go(vary: dict[str, Any], lr: float) -> None:
    config = ComparisonConfig.model_validate({"vary": vary, "base": {
        **CIRCLE, "optimizer": {"name": "sgd", "learning_rate": lr}}})

    def build(cid: str) -> Comparison:
        made = iter(range(100))
        return Comparison.build(cid, config, lambda c: session(c.model_dump(), f"{cid}{next(made)}"))

    whole, sliced = build("a"), build("b")
    whole.train(61)
    in_slices(sliced, 61, [2, 9, 5])
    for a, b in zip(whole.sessions, sliced.sessions, strict=True):
        same_session(a, b)


# ---------------------------------------------------------------- while a step runs


class HeldStep:
    """Makes the next sliced step of a session stop after its first slice until `release()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.inside, self.go = threading.Event(), threading.Event()
        real = Session.train_slice
        held = self

        def train_slice(self: Session, updates: int, first: bool, last: bool) -> bool:
            more = real(self, updates, first, last)
            if first and self.id == held.target:
                held.inside.set()
                assert held.go.wait(60), "the test never released the step"
            return more

        self.target = ""
        monkeypatch.setattr(Session, "train_slice", train_slice)

    def release(self) -> None:
        self.go.set()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app_client(clock: Clock) -> Iterator[TestClient]:
    # two heavy threads: the held step keeps one (its hook waits inside a slice), the rest use the other
    app = create_app(Settings(heavy_threads=2), clock=clock, threaded=False)
    with keep_owner_tokens(TestClient(app)) as c:
        yield c


def test_a_big_step_runs_in_many_slices(app_client: TestClient) -> None:
    c = app_client
    sid = c.post(f"{API}/sessions", json={**CIRCLE, "layers": [{"units": 8}, {"units": 8}],
                                          "batch_size": None}).json()["id"]
    before = c.get("/healthz").json()["work"]["slices"]
    assert c.post(f"{API}/sessions/{sid}/step", json={"epochs": 4000}).json()["epoch"] == 4000  # 2e7 operations
    assert c.get("/healthz").json()["work"]["slices"] - before >= 2


def test_while_a_long_step_runs_its_session_and_everything_else_answer(
        app_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    c = app_client
    held = HeldStep(monkeypatch)
    big = {**CIRCLE, "layers": [{"units": 8}, {"units": 8}], "batch_size": None}  # 105 parameters × 50 points
    sid = c.post(f"{API}/sessions", json=big).json()["id"]
    other = c.post(f"{API}/sessions", json=CIRCLE).json()["id"]
    held.target = sid
    with ThreadPoolExecutor(64) as pool:
        step = pool.submit(c.post, f"{API}/sessions/{sid}/step", json={"epochs": 4000})  # sliced: 2e7 operations
        assert held.inside.wait(60)
        health = c.get("/healthz").json()
        assert health["work"]["running"] == 1
        # 60 readers of the busy session at once: more than the thread pool's 40, all answered
        reads = [pool.submit(c.get, f"{API}/sessions/{sid}") for _ in range(60)]
        assert {r.result(timeout=60).status_code for r in reads} == {200}
        assert c.get(f"{API}/sessions/{sid}/weights").status_code == 200
        # another session steps to the end meanwhile (on the second heavy thread)
        assert c.post(f"{API}/sessions/{other}/step", json={"epochs": 2}).json()["epoch"] == 2
        assert c.get("/").status_code == 200
        assert not step.done() and c.get("/healthz").json()["work"]["running"] == 1
        held.release()
        done = step.result(timeout=120)
    assert done.status_code == 200 and done.json()["epoch"] == 4000
    assert c.get("/healthz").json()["work"]["running"] == 0


def test_a_second_step_waits_its_turn_and_the_scheduler_leaves_a_stepping_session_alone(
        app_client: TestClient, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    c = app_client
    held = HeldStep(monkeypatch)
    sid = c.post(f"{API}/sessions", json=CIRCLE).json()["id"]
    held.target = sid
    scheduler = c.app.state.scheduler  # type: ignore[attr-defined]
    assert c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 30}).status_code == 200
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(c.post, f"{API}/sessions/{sid}/step", json={"steps": 50})
        assert held.inside.wait(60)
        second = pool.submit(c.post, f"{API}/sessions/{sid}/step", json={"steps": 7})
        skips = scheduler.counters.busy_skips
        for _ in range(5):
            clock.now += 0.05
            scheduler.run_due()  # its turns come: it is busy with the step
        assert scheduler.counters.busy_skips > skips
        assert c.get(f"{API}/sessions/{sid}").json()["step"] == 50  # the step's updates, no play turn's
        assert not second.done()
        held.release()
        assert first.result(timeout=60).json()["step"] == 50
        assert second.result(timeout=60).json()["step"] == 57  # after the first, not inside it


def test_deleting_a_session_ends_its_step(app_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    c = app_client
    held = HeldStep(monkeypatch)
    sid = c.post(f"{API}/sessions", json=CIRCLE).json()["id"]
    held.target = sid
    with ThreadPoolExecutor(2) as pool:
        step = pool.submit(c.post, f"{API}/sessions/{sid}/step", json={"epochs": 100})
        assert held.inside.wait(60)
        assert c.delete(f"{API}/sessions/{sid}").status_code == 204
        held.release()
        assert step.result(timeout=60).status_code == 404
    assert c.get("/healthz").json()["work"]["running"] == 0


def test_a_small_step_does_not_queue_behind_a_heavy_one(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the one heavy thread (the default) held by a big step, a small step of another session
    (under SMALL_WORK) is done at once on the plain pool."""
    c = keep_owner_tokens(TestClient(create_app(Settings(heavy_threads=1), clock=clock, threaded=False)))
    held = HeldStep(monkeypatch)
    big = {**CIRCLE, "layers": [{"units": 8}, {"units": 8}], "batch_size": None}
    sid = c.post(f"{API}/sessions", json=big).json()["id"]
    other = c.post(f"{API}/sessions", json=CIRCLE).json()["id"]
    held.target = sid
    with ThreadPoolExecutor(2) as pool:
        step = pool.submit(c.post, f"{API}/sessions/{sid}/step", json={"epochs": 4000})
        assert held.inside.wait(60)
        assert c.post(f"{API}/sessions/{other}/step", json={"epochs": 3}).json()["epoch"] == 3
        assert not step.done()
        held.release()
        assert step.result(timeout=120).json()["epoch"] == 4000
    c.close()
