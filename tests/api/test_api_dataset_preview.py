"""GET /api/v1/datasets/{name}/preview: what the data-set picker draws its thumbnails from
(static/js/controls/data.js drawThumb reads points, labels and kind), for every data set, without a session."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.data.datasets import DATASETS

API = "/api/v1"


def _ok(r: Any) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("name", list(DATASETS))
def test_preview_has_what_a_thumbnail_draws(client: TestClient, name: str) -> None:
    cat = _ok(client.get(f"{API}/catalog"))
    listed = {d["name"]: d for d in cat["datasets"]}
    assert name in listed
    before = _ok(client.get("/healthz"))["sessions"]
    p = _ok(client.get(f"{API}/datasets/{name}/preview"))
    assert _ok(client.get("/healthz"))["sessions"] == before, "a preview makes no session"
    assert p["kind"] == listed[name]["kind"]
    assert len(p["points"]) == len(p["labels"]) == 120
    extent = cat["limits"]["grid_extent"]
    assert all(len(pt) == 2 and abs(pt[0]) <= extent and abs(pt[1]) <= extent for pt in p["points"])
    labels = p["labels"]
    if p["kind"] == "regression":
        assert p["n_classes"] == 0
        assert len(set(labels)) > 10, "targets that vary, drawn as a colour scale"
    else:
        # drawThumb colours a point by its label as a class index
        k = p["n_classes"]
        assert k == (2 if p["kind"] == "binary" else listed[name]["classes"]["default"])
        assert set(labels) == set(range(k))


def test_preview_of_a_multiclass_set_takes_its_classes(client: TestClient) -> None:
    name, hi = next((n, d.classes[1]) for n, d in DATASETS.items() if d.classes is not None)
    p = _ok(client.get(f"{API}/datasets/{name}/preview", params={"classes": hi}))
    assert p["n_classes"] == hi and set(p["labels"]) == set(range(hi))
    assert client.get(f"{API}/datasets/{name}/preview", params={"classes": hi + 1}).status_code == 422
    r = client.get(f"{API}/datasets/no_such_set/preview")
    assert r.status_code == 404
    assert r.json()["detail"][0]["field"] == "name"
