"""The training scheduler through HTTP, on a fake clock: pacing, one entry per session however many
plays race, play racing DELETE, no polling for slow sessions, even slow-down under overload, and
the unattended pause. The app is built with `threaded=False`: nothing trains until the test calls
`run_due`, so every count below is exact, whatever the machine is doing."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.training.scheduler import TICK_S, Scheduler
from bench.owners import keep_owner_tokens

API = "/api/v1"
CIRCLE = {"dataset": {"name": "circle", "n_samples": 100}}  # 50 training points, batch 10: 5 updates an epoch


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def fake_app(**settings: Any) -> Iterator[tuple[TestClient, FakeClock, Scheduler]]:
    clock = FakeClock()
    # one test client plays a whole class here: no per-client share (tests/api/test_api_clients.py)
    settings = {"max_sessions_per_client": 0, "max_running_per_client": 0, **settings}
    app = create_app(Settings(**settings), clock=clock, threaded=False)
    with keep_owner_tokens(TestClient(app)) as c:
        yield c, clock, app.state.scheduler


def create(c: TestClient) -> str:
    r = c.post(f"{API}/sessions", json=CIRCLE)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def run_for(clock: FakeClock, scheduler: Scheduler, seconds: float, step: float = TICK_S / 4) -> None:
    """Advance the fake clock in small steps, taking every turn that falls due."""
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        scheduler.run_due()


def epoch(c: TestClient, sid: str) -> int:
    return int(c.get(f"{API}/sessions/{sid}").json()["epoch"])


def test_a_paced_session_trains_exactly_its_speed() -> None:
    with fake_app() as (c, clock, scheduler):
        sid = create(c)
        assert c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 20}).status_code == 200
        run_for(clock, scheduler, 3.0)
        assert 59 <= epoch(c, sid) <= 60
        assert c.get("/healthz").json()["training"] == 1


def test_thirty_plays_at_once_train_one_session_once() -> None:
    # the old runner started a thread per play: 30 racing plays at 20 epochs/s trained ~180 epochs/s
    with fake_app() as (c, clock, scheduler):
        sid = create(c)
        with ThreadPoolExecutor(30) as pool:
            codes = list(pool.map(lambda _: c.post(f"{API}/sessions/{sid}/play",
                                                   json={"epochs_per_second": 20}).status_code, range(30)))
        assert codes == [200] * 30
        assert scheduler.alive() == 1
        run_for(clock, scheduler, 2.0)
        assert 39 <= epoch(c, sid) <= 40


def test_play_racing_delete_leaves_nothing_training_or_held() -> None:
    # the old runner could start after the DELETE: a deleted session trained on and was never freed
    with fake_app() as (c, clock, scheduler):
        refs = []
        for _ in range(40):
            sid = create(c)
            refs.append(weakref.ref(c.app.state.store.get(sid)))  # type: ignore[attr-defined]
            with ThreadPoolExecutor(2) as pool:
                play = pool.submit(c.post, f"{API}/sessions/{sid}/play", json={"epochs_per_second": 30})
                gone = pool.submit(c.delete, f"{API}/sessions/{sid}")
                assert play.result().status_code in (200, 404, 409) and gone.result().status_code == 204
        run_for(clock, scheduler, 1.0)
        assert scheduler.alive() == 0
        health = c.get("/healthz").json()
        assert health["sessions"] == 0 and health["training"] == 0
        assert health["scheduler"]["updates"] == 0 or health["scheduler"]["turns"] <= 40
        gc.collect()
        assert sum(r() is not None for r in refs) == 0


def test_slow_sessions_are_visited_when_due_not_polled() -> None:
    # 50 sessions at 0.1 epochs/s need half an update a second each; the old runner woke every 2 ms
    with fake_app() as (c, clock, scheduler):
        sids = [create(c) for _ in range(50)]
        for sid in sids:
            assert c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 0.1}).status_code == 200
        run_for(clock, scheduler, 20.0, step=0.001)
        turns = scheduler.counters.turns
        assert turns <= 50 * 12  # ~10 updates each in 20 s, one turn per update at most
        assert all(epoch(c, sid) == 2 for sid in sids)


def test_under_overload_every_session_slows_evenly() -> None:
    # each update "costs" 2 ms of the fake clock: 10 sessions asking 30 epochs/s (1,500 updates/s)
    # need ~3 s of work a second, so each gets about a third of its speed, and all the same share
    with fake_app() as (c, clock, scheduler):
        sids = [create(c) for _ in range(10)]
        for sid in sids:
            c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 30})
        end = clock.now + 10.0
        while clock.now < end:
            before = scheduler.counters.updates
            scheduler.run_due(limit=1)
            clock.now += max(0.001, 0.002 * (scheduler.counters.updates - before))
        epochs = [epoch(c, sid) for sid in sids]
        assert max(epochs) - min(epochs) <= 0.1 * max(epochs)
        assert 0.1 * 300 < min(epochs) < 0.9 * 300
        assert scheduler.counters.backlog_dropped > 0


def test_nobody_watching_or_asking_pauses_training() -> None:
    with fake_app(unattended_pause_s=120.0) as (c, clock, scheduler):
        asked, forgotten = create(c), create(c)
        for sid in (asked, forgotten):
            c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 5})
        for _ in range(5):  # a script asks about one of them every 60 s
            run_for(clock, scheduler, 60.0, step=0.05)
            assert c.get(f"{API}/sessions/{asked}").json()["status"] == "running"
        run_for(clock, scheduler, 1.0)
        assert c.get(f"{API}/sessions/{forgotten}").json()["status"] == "idle"
        assert scheduler.counters.unattended_pauses == 1 and scheduler.alive() == 1


def test_an_idle_server_takes_no_turns() -> None:
    with fake_app() as (c, clock, scheduler):
        sid = create(c)
        c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 30})
        c.post(f"{API}/sessions/{sid}/pause")
        before = scheduler.counters.turns
        run_for(clock, scheduler, 5.0)
        assert scheduler.counters.turns == before and scheduler.next_due() is None


# ---------------------------------------------------------------- flocks: a class on one lesson


def weights(c: TestClient, sid: str) -> Any:
    return c.get(f"{API}/sessions/{sid}/weights").json()


def test_a_class_on_one_lesson_trains_as_one_flock_each_exactly_as_alone() -> None:
    configs = [{**CIRCLE, "seed": s, "optimizer": {"name": name, "learning_rate": lr}}
               for s, name, lr in [(1, "sgd", 0.1), (2, "sgd", 0.03), (3, "sgd", 0.3), (4, "sgd", 0.1)]]
    with fake_app() as (c, clock, scheduler):
        class_ = [c.post(f"{API}/sessions", json=cfg).json()["id"] for cfg in configs]
        for sid in class_:
            assert c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 30}).status_code == 200
        run_for(clock, scheduler, 2.0)
        for sid in class_:
            c.post(f"{API}/sessions/{sid}/pause")
        assert scheduler.counters.flock_turns > 0
        assert scheduler.counters.flocked_updates > 0.8 * scheduler.counters.updates
        # every student's network is what it would be alone: twins trained by REST steps
        for sid, cfg in zip(class_, configs, strict=True):
            done = c.get(f"{API}/sessions/{sid}").json()
            twin = c.post(f"{API}/sessions", json=cfg).json()["id"]
            stepped = c.post(f"{API}/sessions/{twin}/step", json={"steps": done["step"]}).json()
            assert stepped["epoch"] == done["epoch"] and 50 <= done["epoch"] <= 61
            assert weights(c, twin) == weights(c, sid)
            hist_a = c.get(f"{API}/sessions/{sid}/history").json()
            hist_b = c.get(f"{API}/sessions/{twin}/history").json()
            assert hist_a == hist_b


def test_a_student_who_pauses_or_changes_leaves_the_flock_and_the_rest_go_on() -> None:
    with fake_app() as (c, clock, scheduler):
        class_ = [create(c) for _ in range(3)]
        for sid in class_:
            c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 30})
        run_for(clock, scheduler, 1.0)
        turns = scheduler.counters.flock_turns
        assert turns > 0
        c.post(f"{API}/sessions/{class_[0]}/pause")
        assert c.patch(f"{API}/sessions/{class_[1]}", json={"batch_size": 25}).status_code == 200
        at = {sid: epoch(c, sid) for sid in class_}
        run_for(clock, scheduler, 1.0)
        assert epoch(c, class_[0]) == at[class_[0]]  # paused: no more training
        assert epoch(c, class_[1]) - at[class_[1]] >= 28 and epoch(c, class_[2]) - at[class_[2]] >= 28
        # a batch of 25 is a different kind: no flock of one, both go on alone at their speed
        assert scheduler.alive() == 2


def test_slow_lessons_do_not_flock() -> None:
    # below one epoch a display frame, a flock's whole-epoch steps would show as jumps
    with fake_app() as (c, clock, scheduler):
        for sid in [create(c) for _ in range(3)]:
            c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 5})
        run_for(clock, scheduler, 2.0)
        assert scheduler.counters.flock_turns == 0 and scheduler.counters.updates > 0


def test_a_turn_that_fails_stops_its_session_not_the_scheduler() -> None:
    with fake_app() as (c, clock, scheduler):
        broken, fine = create(c), create(c)
        for sid in (broken, fine):
            c.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 30})

        def boom() -> None:  # a frame that cannot be built, say
            raise RuntimeError("boom")

        scheduler._entries[broken].on_chunk = boom  # fault injection: the one way to reach this path
        run_for(clock, scheduler, 1.0)
        before = epoch(c, fine)
        run_for(clock, scheduler, 1.0)
        assert scheduler.counters.errors >= 1
        assert c.get(f"{API}/sessions/{broken}").json()["status"] == "idle"
        assert epoch(c, fine) - before >= 28 and scheduler.alive() == 1
