"""Large JSON bodies are decoded and validated in the app's parser process (app.api.bodies), with
the same answers as small ones: the session they make, and the 422 naming the field when wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.api import bodies

API = "/api/v1"


@pytest.fixture
def parsed(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Bodies decoded by the app's parser process so far (its threshold lowered to 16 kB: the
    custom points limit, 2,000, is ~60 kB)."""
    monkeypatch.setattr(bodies, "OFF_LOOP_BYTES", 16 * 1024)
    parser = client.app.state.parser  # type: ignore[attr-defined]
    return lambda: int(parser.parsed)


def custom_points(n: int, seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    pts = rng.uniform(-5, 5, size=(n, 2)).round(9)
    return {"dataset": {"name": "custom", "points": pts.tolist(), "labels": (pts[:, 0] > 0).astype(int).tolist()},
            "seed": 3}


def test_a_big_body_is_decoded_and_validated_in_a_worker_thread(client: TestClient,
                                                               parsed: Callable[[], int]) -> None:
    big = custom_points(2000)
    r = client.post(f"{API}/sessions", json=big)
    assert r.status_code == 201, r.text
    assert parsed() == 1
    # the same session as from the same config sent small (the points are what they were)
    data = client.get(f"{API}/sessions/{r.json()['id']}/data").json()
    n = len(data["train"]["x"]) + len(data["test"]["x"])
    assert n == 2000
    small = client.post(f"{API}/sessions", json=custom_points(50)).json()
    assert parsed() == 1  # a small body is not worth the trip
    assert small["config"]["seed"] == r.json()["config"]["seed"] == 3


def test_a_big_wrong_body_gets_the_same_422_as_a_small_one(client: TestClient,
                                                         parsed: Callable[[], int]) -> None:
    for n in (2001, 30_000):  # past the points limit: ~60 kB and ~1 MB
        r = client.post(f"{API}/sessions", json=custom_points(n))
        assert r.status_code == 422
        detail = r.json()["detail"]
        assert detail[0]["field"] == "dataset.points" and "2000" in detail[0]["msg"], detail
    assert parsed() == 2
    bad = b'{"dataset": ' + b" " * 100_000 + b"[}"
    r = client.post(f"{API}/sessions", content=bad, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"


def test_big_weights_through_put_are_taken_off_the_loop_too(client: TestClient,
                                                           parsed: Callable[[], int]) -> None:
    s = client.post(f"{API}/sessions", json={"layers": [{"units": 64}] * 6, "features": ["x1", "x2"]}).json()
    w = client.get(f"{API}/sessions/{s['id']}/weights").json()
    for layer in w["layers"]:
        layer["W"] = [[round(v * 0.5, 9) for v in row] for row in layer["W"]]
    r = client.put(f"{API}/sessions/{s['id']}/weights", json=w)
    assert r.status_code == 200 and parsed() == 1
    assert abs(r.json()["layers"][1]["W"][0][0] - w["layers"][1]["W"][0][0]) < 1e-6


def test_a_list_past_its_limit_is_refused_before_its_items_are_read(client: TestClient) -> None:
    """150,000 points for predict (limit 10,000; ~1.5 MB, under the body limit): refused on the
    count, naming it, not after validating every point (a malformed one far down is never reached)."""
    sid = client.post(f"{API}/sessions", json={}).json()["id"]
    points: list[Any] = [[0.1, 0.2]] * 150_000
    points[-1] = ["not", "a point"]
    r = client.post(f"{API}/sessions/{sid}/predict", json={"points": points})
    assert r.status_code == 422
    d = r.json()["detail"]
    assert len(d) == 1 and d[0]["field"] == "points" and "at most 10000 items, got 150000" in d[0]["msg"]
