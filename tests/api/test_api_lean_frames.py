"""A session's stream leaves a frame's slow parts (unit maps, weights, units) out when it sent the
same ones before: at 60 frames a second they would be ~60 % of every frame's bytes, and they
change at most every SLOW_PARTS_S. Exact: the frame builder reads a clock the test moves."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import frames
from app.api.live import Viewer
from app.cluster.fanout import whole_frames
from app.config import get_settings
from app.training.session import Session
from app.training.spec import SessionConfig
from tests.api.test_api_stream import API, create, sse, strict_text
from tests.fake_clock import FakeClock


def event_json(event: bytes) -> dict[str, Any]:
    """The JSON of one SSE `frame` event's bytes."""
    data = event.decode().split("\ndata: ", 1)[1]
    return json.loads(data)  # type: ignore[no-any-return]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    c = FakeClock()
    monkeypatch.setattr(frames, "time", SimpleNamespace(monotonic=c))
    return c


def test_a_viewer_gets_the_slow_parts_once_per_encoding(clock: FakeClock) -> None:
    s = Session("lean", SessionConfig.model_validate({"layers": [{"units": 4}, {"units": 2}]}), get_settings())
    s.play()  # running: the slow parts are re-encoded at most every SLOW_PARTS_S
    viewer, late, relay = Viewer(s, 60.0), Viewer(s, 60.0), Viewer(s, 60.0, whole=True)
    got: list[dict[str, Any]] = []
    packs: list[frames.FramePack] = []
    for i in range(12):  # 12 frames 1/60 s apart: 0.2 s, so the slow parts are encoded two or three times
        s.train(1)
        pack = frames.frame_json(s, None)
        packs.append(pack)
        got.append(event_json(viewer.bytes_of(pack)))
        viewer.sent(pack)
        assert set(frames.SLOW_KEYS) <= set(event_json(relay.bytes_of(pack)))  # whole=true: always whole
        relay.sent(pack)
        if i == 5:  # a viewer that comes in the middle gets them at once
            assert set(frames.SLOW_KEYS) <= set(event_json(late.bytes_of(pack)))
        clock.now += 1 / 60
    whole = [json.loads(p.text) for p in packs]
    counts = [p.slow for p in packs]
    assert 2 <= len(set(counts)) <= 4 and counts == sorted(counts)
    for i, (frame, full) in enumerate(zip(got, whole, strict=True)):
        sent_here = i == 0 or counts[i] != counts[i - 1]
        assert (set(frames.SLOW_KEYS) <= set(frame)) == sent_here, i
        assert frame == {k: v for k, v in full.items() if sent_here or k not in frames.SLOW_KEYS}
        if not sent_here:  # what it left out is what the viewer has: the same parts as the frame before
            assert all(full[k] == whole[i - 1][k] for k in frames.SLOW_KEYS)
    # the slow parts of a new encoding are new (the network trained meanwhile)
    firsts = [i for i in range(1, len(counts)) if counts[i] != counts[i - 1]]
    assert all(whole[i]["weights"] != whole[i - 1]["weights"] for i in firsts)


def test_a_paused_session_sends_every_frame_whole(client: TestClient) -> None:
    """Not training: every frame is exact, slow parts and all (a REST step moves the weights)."""
    sid = create(client, {"layers": [{"units": 3}]})
    with client.stream("GET", f"{API}/sessions/{sid}/stream?frames=3&fps=60") as r:
        seen = []
        for event, data, _ in sse(r.iter_lines()):
            if event == "frame":
                seen.append(strict_text(data))
                if len(seen) < 3:
                    assert client.post(f"{API}/sessions/{sid}/step", json={"steps": 1}).status_code == 200
    assert len(seen) == 3
    assert all(set(frames.SLOW_KEYS) <= set(f) for f in seen)
    assert seen[0]["weights"] != seen[2]["weights"]


def test_a_relayed_stream_asks_for_whole_frames() -> None:
    """A web process that shares one stream of another process's session among its viewers (Ray's
    fanout) lets each skip frames: a frame it skipped may have carried the slow parts."""
    assert whole_frames(b"/api/v1/sessions/a.b/stream?fps=30") == b"/api/v1/sessions/a.b/stream?fps=30&whole=true"
    assert whole_frames(b"/api/v1/sessions/a.b/stream") == b"/api/v1/sessions/a.b/stream?whole=true"
    assert whole_frames(b"/api/v1/sessions/a.b/stream?") == b"/api/v1/sessions/a.b/stream?whole=true"


def test_whole_true_on_the_stream_sends_them_in_every_frame(client: TestClient) -> None:
    sid = create(client, {"layers": [{"units": 3}]})
    assert client.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 200}).status_code == 200
    try:
        with client.stream("GET", f"{API}/sessions/{sid}/stream?frames=6&fps=60&whole=true") as r:
            seen = [strict_text(d) for e, d, _ in sse(r.iter_lines()) if e == "frame"]
        bad = client.get(f"{API}/sessions/{sid}/stream?whole=sometimes")
    finally:
        client.post(f"{API}/sessions/{sid}/pause")
    assert len(seen) == 6 and all(set(frames.SLOW_KEYS) <= set(f) for f in seen)
    assert bad.status_code == 422 and "whole" in bad.text
