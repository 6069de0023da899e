"""Following a live session: viewers counted in frames, a replaced session sends its followers on."""

from __future__ import annotations

import json
import threading

import httpx

from bench.owners import keep_owner_tokens

API = "/api/v1"


def _events(lines):  # type: ignore[no-untyped-def]
    event = None
    for line in lines:
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event:
            yield event, json.loads(line[6:])
            event = None


def test_deleting_with_a_successor_moves_the_followers(server_url: str) -> None:
    with keep_owner_tokens(httpx.Client(base_url=server_url, timeout=10)) as http:
        old = http.post(f"{API}/sessions", json={}).json()["id"]
        new = http.post(f"{API}/sessions", json={"dataset": {"name": "xor"}}).json()["id"]
        seen: list[tuple[str, dict]] = []
        first_frame = threading.Event()

        def follow() -> None:
            with keep_owner_tokens(httpx.Client(base_url=server_url, timeout=10)) as viewer, \
                    viewer.stream("GET", f"{API}/sessions/{old}/stream?fps=30") as r:
                for event, data in _events(r.iter_lines()):
                    seen.append((event, data))
                    first_frame.set()
                    if event != "frame":
                        return

        t = threading.Thread(target=follow)
        t.start()
        assert first_frame.wait(5)
        assert http.delete(f"{API}/sessions/{old}", params={"successor": new}).status_code == 204
        t.join(5)
        assert not t.is_alive()
        assert seen[0][0] == "frame" and seen[0][1]["id"] == old
        assert seen[-1] == ("moved", {"id": new})
        # a follower arriving late is told where the session went
        r = http.get(f"{API}/sessions/{old}")
        assert r.status_code == 404 and r.json()["successor"] == new


def test_deleting_without_a_successor_says_gone_and_a_stale_successor_is_not_followed(server_url: str) -> None:
    with keep_owner_tokens(httpx.Client(base_url=server_url, timeout=10)) as http:
        a = http.post(f"{API}/sessions", json={}).json()["id"]
        assert http.delete(f"{API}/sessions/{a}", params={"successor": "no-such-session"}).status_code == 204
        r = http.get(f"{API}/sessions/{a}")
        assert r.status_code == 404 and "successor" not in r.json()


def test_viewers_are_counted_in_frames_while_paused(server_url: str) -> None:
    with keep_owner_tokens(httpx.Client(base_url=server_url, timeout=10)) as http:
        sid = http.post(f"{API}/sessions", json={}).json()["id"]
        with http.stream("GET", f"{API}/sessions/{sid}/stream?fps=30") as teacher:
            frames = _events(teacher.iter_lines())
            assert next(frames)[1]["viewers"] == 1
            with keep_owner_tokens(httpx.Client(base_url=server_url, timeout=10)) as student, \
                    student.stream("GET", f"{API}/sessions/{sid}/stream?fps=30") as r:
                student_frames = _events(r.iter_lines())  # kept: a dropped generator closes the stream
                assert next(student_frames)[1]["viewers"] == 2
                assert next(frames)[1]["viewers"] == 2  # the paused teacher sees the student arrive


def test_a_reconnecting_viewer_resumes_at_the_current_state(server_url: str) -> None:
    # SSE streams are views: a viewer that drops and comes back gets the session as it is now,
    # not a replay of what it missed; pausing and playing again shows in the frames
    with keep_owner_tokens(httpx.Client(base_url=server_url, timeout=10)) as http:
        sid = http.post(f"{API}/sessions", json={}).json()["id"]
        http.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 200})
        try:
            with http.stream("GET", f"{API}/sessions/{sid}/stream?fps=30") as r:
                first = next(_events(r.iter_lines()))[1]["epoch"]
            threading.Event().wait(0.5)  # training goes on while nobody watches
            now = http.get(f"{API}/sessions/{sid}").json()["epoch"]
            assert now > first
            with http.stream("GET", f"{API}/sessions/{sid}/stream?fps=30") as r:
                frames = _events(r.iter_lines())
                resumed = next(frames)[1]
                assert resumed["epoch"] >= now and resumed["status"] == "running"
                http.post(f"{API}/sessions/{sid}/pause")
                paused = next(f for e, f in frames if f["status"] == "idle")
                http.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 200})
                again = next(f for e, f in frames if f["status"] == "running" and f["epoch"] > paused["epoch"])
                assert again["epoch"] > paused["epoch"]
        finally:
            http.post(f"{API}/sessions/{sid}/pause")
