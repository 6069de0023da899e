"""Our static files: kept by the browser but revalidated, so a new server never meets an old module."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_static_files_are_revalidated_before_each_use(client: TestClient) -> None:
    r = client.get("/static/js/frame.js")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-cache"
    etag = r.headers["etag"]
    again = client.get("/static/js/frame.js", headers={"If-None-Match": etag})
    assert again.status_code == 304  # unchanged: nothing re-sent
    assert again.headers["cache-control"] == "no-cache"


def test_the_plotly_bundle_is_still_cached_for_a_year(client: TestClient) -> None:
    src = re.search(r'src="(vendor/plotly-[^"]+)"', client.get("/").text)
    assert src is not None
    r = client.get("/" + src.group(1))
    assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
