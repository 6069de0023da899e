"""Issue 12's server side: Regenerate keeps the trained network (PATCH dataset.seed), own points
keep the split the student drew (dataset.split), and a bouncing cost is reported (`unstable`) in
the REST answers and the stream's frames."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from app.config import get_settings
from app.training.session import Session
from app.training.spec import SessionConfig, SessionPatch
from tests.api.test_api_stream import sse, strict_text

API = "/api/v1/sessions"
POINTS = [[-3.0, -3.0], [-2.0, -3.0], [3.0, 3.0], [2.0, 3.0], [3.0, 2.0], [-3.0, 2.5]]


def ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return strict_text(r.text)


def create(client: TestClient, config: dict[str, Any]) -> dict[str, Any]:
    return ok(client.post(API, json=config), 201)  # type: ignore[no-any-return]


def points(client: TestClient, sid: str) -> dict[str, Any]:
    return ok(client.get(f"{API}/{sid}/data"))  # type: ignore[no-any-return]


# ------------------------------------------------------------------ Regenerate: new points, same network


def test_patch_data_seed_keeps_weights_epoch_and_curves(client: TestClient) -> None:
    s = create(client, {"dataset": {"name": "moons", "noise": 0.2},
                        "optimizer": {"name": "adam", "learning_rate": 0.01}})
    sid = s["id"]
    assert s["data"]["seed"] == 1
    ok(client.post(f"{API}/{sid}/step", json={"epochs": 12}))
    w = ok(client.get(f"{API}/{sid}/weights"))
    old = points(client, sid)
    r = ok(client.patch(f"{API}/{sid}", json={"dataset": {"seed": 9}}))
    assert (r["epoch"], r["data"]["seed"], r["config"]["dataset"]["seed"]) == (12, 9, 9)
    assert ok(client.get(f"{API}/{sid}/weights")) == w  # the trained network, untouched
    assert len(ok(client.get(f"{API}/{sid}/history"))["epoch"]) == 12  # the curves carry on
    new = points(client, sid)
    fresh = create(client, {"dataset": {"name": "moons", "noise": 0.2, "seed": 9}, "layers": []})
    assert new == points(client, fresh["id"]) != old  # the points a session of data seed 9 has
    # the cost is the trained network's on the new points
    on_new = create(client, {"dataset": {"name": "moons", "noise": 0.2, "seed": 9}, "weights": w})
    assert r["metrics"]["train"]["cost"] == on_new["metrics"]["train"]["cost"]
    r = ok(client.post(f"{API}/{sid}/step", json={"epochs": 1}))
    assert r["epoch"] == 13
    # reset: the initial weights again, on the new points
    r = ok(client.post(f"{API}/{sid}/reset"))
    assert r["epoch"] == 0 and r["data"]["seed"] == 9
    start = create(client, {"dataset": {"name": "moons", "noise": 0.2, "seed": 9},
                            "optimizer": {"name": "adam", "learning_rate": 0.01}})
    assert ok(client.get(f"{API}/{sid}/weights")) == ok(client.get(f"{API}/{start['id']}/weights"))


def test_patch_data_seed_keeps_the_optimizer_state() -> None:
    cfg = SessionConfig.model_validate({"dataset": {"name": "xor"}, "optimizer": {"name": "adam"}})
    s = Session("s", cfg, get_settings())
    s.train(3 * s.updates_per_epoch)
    u = s.trainer.updater
    m, v, t = u.m.copy(), u.v.copy(), u.t  # type: ignore[union-attr]
    s.patch(SessionPatch.model_validate({"dataset": {"seed": 5}}))
    assert s.trainer.updater is u and u.t == t  # type: ignore[union-attr]
    np.testing.assert_array_equal(u.m, m)  # type: ignore[union-attr]
    np.testing.assert_array_equal(u.v, v)  # type: ignore[union-attr]
    s.train(s.updates_per_epoch)
    assert s.epoch == 4


def test_patch_data_seed_is_checked_and_owned(client: TestClient) -> None:
    sid = create(client, {})["id"]
    r = client.patch(f"{API}/{sid}", json={"dataset": {"seed": -1}})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "dataset.seed"
    r = client.patch(f"{API}/{sid}", json={"dataset": {"noise": 0.5}})  # only the seed is live
    assert r.status_code == 422
    r = client.patch(f"{API}/{sid}", json={"dataset": {"seed": 4}}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 403
    assert ok(client.get(f"{API}/{sid}"))["data"]["seed"] == 1


# ------------------------------------------------------------------ own points: the split as drawn


def test_custom_points_keep_the_split_the_student_drew(client: TestClient) -> None:
    split = ["train", "test", "train", "train", "test", "train"]
    s = create(client, {"dataset": {"name": "custom", "points": POINTS, "labels": [0, 0, 1, 1, 1, 0], "split": split}})
    assert (s["data"]["n_train"], s["data"]["n_test"]) == (4, 2)
    d = points(client, s["id"])
    assert d["train"]["x"] == [p for p, part in zip(POINTS, split, strict=True) if part == "train"]
    assert d["test"]["x"] == [[-2.0, -3.0], [3.0, 2.0]]
    assert d["test"]["y"] == [0, 1]
    assert s["config"]["dataset"]["split"] == split  # posted back, the same session


def test_a_drawn_split_needs_a_part_per_point_and_both_parts(client: TestClient) -> None:
    labels = [0, 0, 1, 1, 1, 0]
    for split, words in ((["train"] * 6, "no test point"), (["test"] * 6, "training point"),
                         (["train"] * 5, "5 parts for 6 points")):
        r = client.post(API, json={"dataset": {"name": "custom", "points": POINTS, "labels": labels, "split": split}})
        assert r.status_code == 422
        (err,) = r.json()["detail"]
        assert err["field"] == "split" and words in err["msg"]
    r = client.post(API, json={"dataset": {"name": "circle", "split": ["train"]}})
    assert r.status_code == 422


# ------------------------------------------------------------------ unstable, in answers and frames


def test_unstable_is_reported_in_the_session_and_the_frame(client: TestClient) -> None:
    sid = create(client, {"dataset": {"name": "spiral"}, "optimizer": {"learning_rate": 10}})["id"]
    r = ok(client.post(f"{API}/{sid}/step", json={"epochs": 40}))
    assert r["status"] == "idle" and r["unstable"] is not None
    assert r["unstable"]["window"] == 20 and r["unstable"]["high"] > r["unstable"]["low"]
    assert "unstable" in r["message"]
    with client.stream("GET", f"{API}/{sid}/stream?frames=1") as s:
        (event, data, _), _done = list(sse(s.iter_lines()))
    frame = strict_text(data)
    assert event == "frame" and frame["unstable"] == r["unstable"] and frame["data"]["seed"] == 1
    r = ok(client.patch(f"{API}/{sid}", json={"optimizer": {"learning_rate": 1}}))
    assert r["unstable"] is None and r["message"] is None
