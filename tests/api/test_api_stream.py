"""GET …/stream (Server-Sent Events), with play and pause: frame contents, sizes, limits, several
viewers, disconnects and deletion. In-process with TestClient, and against a real uvicorn."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.training.encoding import decode_grid
from bench.owners import keep_owner_tokens

API = "/api/v1"
FRAME_KEYS = {"id", "status", "epoch", "step", "metrics", "data", "sizes", "updates_per_epoch", "version",
              "viewers", "speed", "extent", "output", "neurons", "weights"}


def _refuse(token: str) -> Any:
    raise ValueError(f"non-standard JSON constant {token!r}")


def strict_text(text: str) -> Any:
    return json.loads(text, parse_constant=_refuse)


def sse(lines: Iterator[str]) -> Iterator[tuple[str, str, int]]:
    """(event, data, size of the data in bytes) for each event of an SSE line stream."""
    event, data = "message", []
    for line in lines:
        if line == "":
            if data:
                text = "\n".join(data)
                yield event, text, len(text.encode())
            event, data = "message", []
        elif line.startswith(":"):
            continue  # a comment (keep-alive ping)
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)


def made_whole(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The frames as a client keeps them: one that leaves out the slow parts (the stream sent the same
    ones before) gets the last ones back; the first one has them."""
    slow = ("neurons", "weights", "units")
    assert not frames or set(slow) <= set(frames[0])
    last: dict[str, Any] = {}
    for f in frames:
        last = {k: f[k] for k in slow} if "neurons" in f else last
        f.update(last)
    return frames


def create(client: Any, config: dict[str, Any] | None = None, base: str = "") -> str:
    r = client.post(f"{base}{API}/sessions", json=config or {})
    assert r.status_code == 201, r.text
    return str(strict_text(r.text)["id"])


def get(client: Any, sid: str, base: str = "") -> dict[str, Any]:
    r = client.get(f"{base}{API}/sessions/{sid}")
    assert r.status_code == 200, r.text
    return strict_text(r.text)  # type: ignore[no-any-return]


def play(client: Any, sid: str, speed: float | None, base: str = "") -> None:
    r = client.post(f"{base}{API}/sessions/{sid}/play", json={"epochs_per_second": speed})
    assert r.status_code == 200, r.text


def pause(client: Any, sid: str, base: str = "") -> None:
    r = client.post(f"{base}{API}/sessions/{sid}/pause")
    assert r.status_code in (200, 404), r.text


# ---------------------------------------------------------------- frames


def test_api_stream_frames_then_done(client: TestClient) -> None:
    sid = create(client)
    play(client, sid, 50)
    try:
        with client.stream("GET", f"{API}/sessions/{sid}/stream?frames=3&fps=20") as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            events = list(sse(r.iter_lines()))
    finally:
        pause(client, sid)
    assert [e for e, _, _ in events] == ["frame", "frame", "frame", "done"]
    frames = made_whole([strict_text(d) for e, d, _ in events if e == "frame"])
    versions = [f["version"] for f in frames]
    assert versions == sorted(set(versions))  # a new state each time, in order
    for f in frames:
        assert set(f) >= FRAME_KEYS
        assert f["id"] == sid and f["status"] in ("running", "idle")
        assert f["viewers"] == 1 and f["speed"] == 50
        assert f["extent"] == 6.0
        assert set(f["metrics"]) >= {"train", "test"}
        assert f["metrics"]["train"]["loss"] is not None
        assert f["output"]["kind"] == "binary"
        p = decode_grid(f["output"]["p"])
        assert p.shape == (100, 100) and p.min() >= 0 and p.max() <= 1
        layers = f["neurons"]["layers"]
        res = f["neurons"]["resolution"]
        assert [decode_grid(g).shape for g in layers] == [(4, res, res), (2, res, res)]
        assert [decode_grid(g).shape for g in f["weights"]] == [(4, 3), (2, 5), (1, 3)]
    assert frames[-1]["epoch"] >= frames[0]["epoch"]


def test_api_stream_frame_matches_the_rest_api(client: TestClient) -> None:
    sid = create(client, {"dataset": {"name": "blobs"}})
    client.post(f"{API}/sessions/{sid}/step", json={"epochs": 2})
    with client.stream("GET", f"{API}/sessions/{sid}/stream?frames=1") as r:
        (event, data, _), (done, _, _) = list(sse(r.iter_lines()))
    assert (event, done) == ("frame", "done")
    f = strict_text(data)
    s = get(client, sid)
    assert (f["epoch"], f["step"], f["status"], f["metrics"]) == (s["epoch"], s["step"], s["status"], s["metrics"])
    assert f["output"]["kind"] == "multiclass" and f["output"]["classes"] == 3
    conf = decode_grid(f["output"]["confidence"])
    arg = decode_grid(f["output"]["argmax"]).round().astype(int)
    assert conf.shape == arg.shape == (100, 100)
    assert conf.min() >= 1 / 3 - 0.01 and conf.max() <= 1 and set(np.unique(arg)) <= {0, 1, 2}
    b = strict_text(client.get(f"{API}/sessions/{sid}/boundary?resolution=100").text)
    agree = np.mean(arg == np.asarray(b["argmax"]))
    assert agree > 0.99
    w = strict_text(client.get(f"{API}/sessions/{sid}/weights").text)["layers"]
    for grid, layer in zip(f["weights"], w, strict=True):
        wb = np.column_stack([layer["W"], layer["b"]])
        span = (grid["hi"] - grid["lo"]) / grid["levels"]
        np.testing.assert_allclose(decode_grid(grid), wb, atol=span / 2 + 1e-9)


def test_api_stream_frames_of_a_deep_network_stay_small(client: TestClient) -> None:
    sid = create(client, {"layers": [{"units": 8, "activation": "tanh"}] * 6})
    play(client, sid, None)
    try:
        # whole=true: every frame with its unit maps and weights, the largest a frame gets
        with client.stream("GET", f"{API}/sessions/{sid}/stream?frames=8&fps=30&whole=true") as r:
            events = list(sse(r.iter_lines()))
    finally:
        pause(client, sid)
    frames = [(strict_text(d), size) for e, d, size in events if e == "frame"]
    assert len(frames) == 8
    assert sum(f["status"] == "running" for f, _ in frames) >= 6
    for f, size in frames:
        assert size <= 15_000, (f["epoch"], size)
        assert len(f["neurons"]["layers"]) == 6


def test_api_play_advances_and_pause_holds(client: TestClient) -> None:
    sid = create(client)
    play(client, sid, 100)
    try:
        with client.stream("GET", f"{API}/sessions/{sid}/stream?frames=4&fps=5") as r:
            epochs = [strict_text(d)["epoch"] for e, d, _ in sse(r.iter_lines()) if e == "frame"]
    finally:
        pause(client, sid)
    assert len(epochs) == 4
    assert epochs == sorted(epochs) and epochs[-1] > epochs[0]
    a = get(client, sid)
    assert client.app.state.scheduler.alive() == 0  # type: ignore[attr-defined]  # nothing left to train it
    b = get(client, sid)
    assert a["status"] == b["status"] == "idle"
    assert (a["epoch"], a["step"]) == (b["epoch"], b["step"])
    with client.stream("GET", f"{API}/sessions/{sid}/stream?frames=1") as r:
        frame = next(strict_text(d) for e, d, _ in sse(r.iter_lines()) if e == "frame")
    assert frame["status"] == "idle" and frame["epoch"] == b["epoch"] and frame["speed"] is None


def test_api_stream_gone_when_the_session_is_deleted(client: TestClient) -> None:
    sid = create(client)
    with client.stream("GET", f"{API}/sessions/{sid}/stream?fps=30") as r:
        events = sse(r.iter_lines())
        assert next(events)[0] == "frame"
        assert client.delete(f"{API}/sessions/{sid}").status_code == 204
        rest = list(events)
    assert [e for e, _, _ in rest] == ["gone"]
    assert "deleted" in strict_text(rest[0][1])["reason"]


def test_api_stream_of_a_playing_session_deleted(client: TestClient) -> None:
    sid = create(client)
    play(client, sid, 50)
    with client.stream("GET", f"{API}/sessions/{sid}/stream?fps=30") as r:
        events = sse(r.iter_lines())
        assert next(events)[0] == "frame"
        assert client.delete(f"{API}/sessions/{sid}").status_code == 204
        kinds = [e for e, _, _ in events]
    assert kinds[-1] == "gone" and set(kinds[:-1]) <= {"frame"}


def _until_step(events: Iterator[tuple[str, str, int]], step: int) -> list[dict[str, Any]]:
    """Frames read until the first one at `step` updates (inclusive)."""
    got = []
    for event, data, _ in events:
        assert event == "frame", event
        got.append(strict_text(data))
        if got[-1]["step"] == step:
            return got
    raise AssertionError(f"stream ended before step {step}")


def _threads() -> int:
    """Threads other than AnyIO's pooled workers, which stay idle for reuse by design: a closed
    stream must leave no thread (runner, timer, …) of its own."""
    return sum(1 for t in threading.enumerate() if "AnyIO worker" not in t.name and "nnp-heavy" not in t.name)


def _until_viewers(client: TestClient, n: int) -> None:
    """Until the server counts n open streams (it notices a closed one in its own time)."""
    deadline = time.monotonic() + 10
    while (seen := client.get("/healthz").json()["viewers"]) != n:
        assert time.monotonic() < deadline, f"{seen} viewers, not {n}"
        time.sleep(0.01)


def test_api_disconnecting_a_viewer_leaves_nothing_behind(client: TestClient) -> None:
    sid = create(client)
    base = f"{API}/sessions/{sid}/stream?fps=60"

    def bump(n: int) -> None:  # a REST step: a new version every viewer gets a frame of
        r = client.post(f"{API}/sessions/{sid}/step", json={"steps": 1})
        assert r.status_code == 200 and strict_text(r.text)["step"] == n

    with client.stream("GET", base + "&frames=1") as r:  # warm the worker pool that builds frames
        list(r.iter_lines())
    _until_viewers(client, 0)
    before = _threads()
    with client.stream("GET", base) as first:
        a = sse(first.iter_lines())
        assert strict_text(next(a)[1])["viewers"] == 1
        with client.stream("GET", base) as second:
            b = sse(second.iter_lines())
            next(b)
            bump(1)
            assert _until_step(a, 1)[-1]["viewers"] == 2
            assert _until_step(b, 1)[-1]["viewers"] == 2
        _until_viewers(client, 1)  # the server notices the closed connection
        bump(2)
        after = _until_step(a, 2)  # the first viewer carries on, and is alone again
        assert after[-1]["viewers"] == 1
        assert all(f["viewers"] == 1 for f in after)
    deadline = time.monotonic() + 5
    while _threads() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _threads() <= before
    _until_viewers(client, 0)
    bump(3)
    with client.stream("GET", base + "&frames=1") as r:
        frame = strict_text(next(sse(r.iter_lines()))[1])
    assert frame["step"] == 3 and frame["viewers"] == 1


@pytest.mark.parametrize(("query", "field"), [("fps=0", "fps"), ("fps=61", "fps"), ("frames=-1", "frames"),
                                              ("fps=abc", "fps")])
def test_api_stream_limits(client: TestClient, query: str, field: str) -> None:
    sid = create(client)
    r = client.get(f"{API}/sessions/{sid}/stream?{query}")
    assert r.status_code == 422
    assert strict_text(r.text)["detail"][0]["field"] == field


# ---------------------------------------------------------------- a real server, several viewers


def test_api_two_viewers_see_the_same_frames(server_url: str) -> None:
    with keep_owner_tokens(httpx.Client(base_url=server_url, timeout=10)) as http:
        sid = create(http)
        seen: dict[str, list[dict[str, Any]]] = {"a": [], "b": []}
        errors: list[BaseException] = []

        def watch(name: str) -> None:
            try:
                with keep_owner_tokens(httpx.Client(base_url=server_url, timeout=10)) as own, \
                        own.stream("GET", f"{API}/sessions/{sid}/stream?fps=60&frames=50") as r:
                    for event, data, _ in sse(r.iter_lines()):
                        if event != "frame":  # `gone` once the main thread deletes the session
                            return
                        seen[name].append(strict_text(data))
            except BaseException as e:  # reported in the main thread
                errors.append(e)

        def wait_for(pred: Any) -> None:
            deadline = time.monotonic() + 10
            while not pred():
                assert not errors, errors
                assert time.monotonic() < deadline, seen
                time.sleep(0.01)

        threads = [threading.Thread(target=watch, args=(n,), daemon=True) for n in seen]
        for t in threads:
            t.start()
        wait_for(lambda: all(seen.values()))  # both connected: each has its first frame
        for epoch in (1, 2, 3):
            r = http.post(f"{API}/sessions/{sid}/step", json={"epochs": 1})
            assert r.status_code == 200
            wait_for(lambda e=epoch: all(frames and frames[-1]["epoch"] == e for frames in seen.values()))
        assert http.delete(f"{API}/sessions/{sid}").status_code == 204  # ends both streams
        for t in threads:
            t.join(10)
        assert not errors, errors

        def trail(frames: list[dict[str, Any]]) -> list[tuple[int, int, int]]:
            """From the first trained frame up to the first of epoch 3 (nothing changed in between
            but the steps; what follows races with the deletion)."""
            upto = next(i for i, f in enumerate(frames) if f["epoch"] == 3)
            return [(f["version"], f["epoch"], f["step"]) for f in frames[: upto + 1] if f["epoch"] >= 1]

        assert trail(seen["a"]) == trail(seen["b"])
        assert [e for _, e, _ in trail(seen["a"])] == [1, 2, 3]
        assert all(f["viewers"] == 2 for name in seen for f in seen[name] if 1 <= f["epoch"] <= 3)
        a3 = next(f for f in seen["a"] if f["epoch"] == 3)
        b3 = next(f for f in seen["b"] if f["epoch"] == 3)
        assert a3 == b3  # one shared frame per version


def test_api_stream_against_a_real_server(server_url: str) -> None:
    with keep_owner_tokens(httpx.Client(base_url=server_url, timeout=10)) as http:
        sid = create(http, {"layers": [{"units": 8, "activation": "tanh"}] * 6})
        play(http, sid, 20)
        try:
            with http.stream("GET", f"{API}/sessions/{sid}/stream?frames=3&fps=10") as r:
                events = list(sse(r.iter_lines()))
        finally:
            pause(http, sid)
        assert [e for e, _, _ in events] == ["frame"] * 3 + ["done"]
        assert all(size <= 15_000 for e, _, size in events if e == "frame")
        epochs = [strict_text(d)["epoch"] for e, d, _ in events if e == "frame"]
        assert epochs[-1] > epochs[0]
        with http.stream("GET", f"{API}/sessions/{sid}/stream?fps=30") as r:
            it = sse(r.iter_lines())
            assert next(it)[0] == "frame"
            assert http.delete(f"{API}/sessions/{sid}").status_code == 204
            assert [e for e, _, _ in it] == ["gone"]
        assert http.get(f"{API}/sessions/{sid}/stream").status_code == 404
