"""A class can open a comparison lesson: 30 students (30 addresses) opening the largest comparison
lesson at once, on the default settings, all get a working comparison; the 31st … are still served
by their own shares (a student re-opening the lesson replaces their own comparison, not a classmate's);
when the server really is full, the answer says what to do."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.presets import PRESETS
from bench.owners import keep_owner_tokens

API = "/api/v1"


def largest_comparison_lesson() -> dict[str, object]:
    lessons = [p for p in PRESETS.values() if p.kind == "comparison"]
    return max(lessons, key=lambda p: len(p.config["vary"]["values"])).config


def test_thirty_students_open_the_largest_comparison_lesson_on_the_default_settings() -> None:
    lesson = largest_comparison_lesson()
    app = create_app(Settings(), clock=lambda: 1000.0, threaded=False)  # the defaults, nothing trains by itself
    with TestClient(app):
        students = [keep_owner_tokens(TestClient(app, client=(f"10.0.1.{i}", 5000))) for i in range(30)]
        made = []
        for s in students:
            playground = s.post(f"{API}/sessions", json={})  # each has the playground open too
            assert playground.status_code == 201, playground.text
            r = s.post(f"{API}/comparisons", json=lesson)
            assert r.status_code == 201, r.text
            made.append(r.json()["id"])
        for s, cid in zip(students, made, strict=True):
            assert s.post(f"{API}/comparisons/{cid}/play", json={"epochs_per_second": 30}).status_code == 200
        # every one is still there and running: nobody's was evicted to make room for another's
        assert all(students[0].get(f"{API}/comparisons/{cid}").json()["status"] == "running" for cid in made)
        # a student who opens the lesson again (a reload) replaces their own
        again = students[3].post(f"{API}/comparisons", json=lesson)
        assert again.status_code == 201
        for s in students:
            s.close()


def test_a_full_server_says_what_to_do_not_to_fix_the_settings() -> None:
    lesson = largest_comparison_lesson()
    app = create_app(Settings(max_comparisons=2), clock=lambda: 1000.0, threaded=False)
    with TestClient(app):
        students = [keep_owner_tokens(TestClient(app, client=(f"10.0.2.{i}", 5000))) for i in range(3)]
        for s in students[:2]:
            cid = s.post(f"{API}/comparisons", json=lesson).json()["id"]
            s.post(f"{API}/comparisons/{cid}/play", json={})
        r = students[2].post(f"{API}/comparisons", json=lesson)
        assert r.status_code == 503 and r.headers["retry-after"] == "5"
        msg = r.json()["detail"][0]["msg"]
        assert "try again in a minute" in msg and "NNP_MAX_COMPARISONS" in msg
        for s in students:
            s.close()
