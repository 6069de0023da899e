"""Only the owner changes a session or a comparison; a follower (who has the id) only reads.

Every route that changes or deletes is tried as a follower — with no token (401) and with another
session's owner token (403) — and nothing may change: status, epoch, step, config, weights, history.
Then the owner does the same and it works. Which routes need the owner is read from the app's own
OpenAPI document, so a new route cannot slip past these tests. The app runs with `threaded=False`:
nothing trains between two reads unless the test says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from bench.owners import keep_owner_tokens

API = "/api/v1"
CIRCLE = {"dataset": {"name": "circle", "n_samples": 100}}
ACTIVATIONS = {"vary": {"field": "activation", "values": ["tanh", "relu"]},
               "base": {"dataset": {"name": "circle", "n_samples": 100}}}


@pytest.fixture
def app_client() -> Iterator[TestClient]:
    """A bare client (it sends no token by itself) on an app that trains only when told."""
    with TestClient(create_app(Settings(), clock=lambda: 1000.0, threaded=False)) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def made(c: TestClient, path: str, body: dict[str, Any] | None = None) -> tuple[str, str]:
    r = c.post(f"{API}/{path}", json=body or {})
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["owner_token"]


def session_state(c: TestClient, sid: str) -> dict[str, Any]:
    s = c.get(f"{API}/sessions/{sid}").json()
    return {"session": s, "weights": c.get(f"{API}/sessions/{sid}/weights").json(),
            "history": c.get(f"{API}/sessions/{sid}/history").json()}


def comparison_state(c: TestClient, cid: str) -> dict[str, Any]:
    return {"comparison": c.get(f"{API}/comparisons/{cid}").json(),
            "history": c.get(f"{API}/comparisons/{cid}/history").json()}


def session_changes(c: TestClient, sid: str) -> list[tuple[str, str, Any, int]]:
    """(method, path, body, owner's status) for every change of a session."""
    weights = c.get(f"{API}/sessions/{sid}/weights").json()
    return [("PATCH", "", {"optimizer": {"learning_rate": 0.5}}, 200),
            ("POST", "/step", {"epochs": 2}, 200),
            ("POST", "/reset", {"seed": 7}, 200),
            ("PUT", "/weights", weights, 200),
            ("POST", "/play", {"epochs_per_second": 30}, 200),
            ("POST", "/pause", None, 200),
            ("DELETE", "", None, 204)]


COMPARISON_CHANGES = [("POST", "/step", {"epochs": 1}, 200), ("POST", "/reset", {"seed": 4}, 200),
                      ("POST", "/play", {"epochs_per_second": 20}, 200), ("POST", "/pause", None, 200),
                      ("DELETE", "", None, 204)]


def owner_only_operations(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, ops in doc["paths"].items() for method, op in ops.items()
            if any("owner" in req for req in op.get("security", []))}


def test_the_openapi_document_names_exactly_the_changing_routes_as_owner_only(app_client: TestClient) -> None:
    doc = app_client.get("/openapi.json").json()
    s, c = "/api/v1/sessions/{session_id}", "/api/v1/comparisons/{comparison_id}"
    assert owner_only_operations(doc) == {
        ("PATCH", s), ("DELETE", s), ("POST", f"{s}/step"), ("POST", f"{s}/reset"), ("PUT", f"{s}/weights"),
        ("POST", f"{s}/play"), ("POST", f"{s}/pause"),
        ("DELETE", c), ("POST", f"{c}/step"), ("POST", f"{c}/reset"), ("POST", f"{c}/play"), ("POST", f"{c}/pause")}
    scheme = doc["components"]["securitySchemes"]["owner"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for method, path in owner_only_operations(doc):
        responses = doc["paths"][path][method.lower()]["responses"]
        assert {"401", "403"} <= set(responses), (method, path)
    # what a follower does needs nothing: reading, streaming, predicting, forking ("make it mine")
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if (method.upper(), path) not in owner_only_operations(doc):
                assert "security" not in op, (method, path)
    created = doc["paths"]["/api/v1/sessions"]["post"]["responses"]["201"]["content"]["application/json"]
    assert created["schema"]["$ref"].endswith("/SessionCreated")
    assert "owner_token" in doc["components"]["schemas"]["SessionCreated"]["required"]


def test_a_follower_changes_nothing_in_a_session_and_its_owner_does(app_client: TestClient) -> None:
    c = app_client
    sid, token = made(c, "sessions", CIRCLE)
    _, other_token = made(c, "sessions", CIRCLE)  # the owner of another session: still only a follower here
    c.post(f"{API}/sessions/{sid}/step", json={"epochs": 3}, headers=bearer(token))
    for method, rest, body, owner_status in session_changes(c, sid):
        if rest == "/pause":  # something to pause
            assert c.post(f"{API}/sessions/{sid}/play", json={}, headers=bearer(token)).status_code == 200
        before = session_state(c, sid)
        for headers, status, kind in [({}, 401, "owner_token_missing"), (bearer(other_token), 403, "not_owner"),
                                      (bearer(""), 401, "owner_token_missing"),
                                      ({"Authorization": f"Basic {token}"}, 401, "owner_token_missing"),
                                      (bearer(token[:-1]), 403, "not_owner"), (bearer(sid), 403, "not_owner")]:
            r = c.request(method, f"{API}/sessions/{sid}{rest}", json=body, headers=headers)
            assert r.status_code == status, (method, rest, headers, r.text)
            assert r.json()["detail"][0]["field"] == "authorization" and r.json()["detail"][0]["type"] == kind
            if status == 401:
                assert r.headers["www-authenticate"].startswith("Bearer")
            assert session_state(c, sid) == before, (method, rest, "changed by a follower")
        r = c.request(method, f"{API}/sessions/{sid}{rest}", json=body, headers=bearer(token))
        assert r.status_code == owner_status, (method, rest, r.text)
    assert c.get(f"{API}/sessions/{sid}").status_code == 404  # the owner's DELETE went through


def test_a_follower_changes_nothing_in_a_comparison_and_its_owner_does(app_client: TestClient) -> None:
    c = app_client
    cid, token = made(c, "comparisons", ACTIVATIONS)
    _, other_token = made(c, "sessions", CIRCLE)
    for method, rest, body, owner_status in COMPARISON_CHANGES:
        if rest == "/pause":
            assert c.post(f"{API}/comparisons/{cid}/play", json={}, headers=bearer(token)).status_code == 200
        before = comparison_state(c, cid)
        for headers, status in [({}, 401), (bearer(other_token), 403)]:
            r = c.request(method, f"{API}/comparisons/{cid}{rest}", json=body, headers=headers)
            assert r.status_code == status, (method, rest, r.text)
            assert comparison_state(c, cid) == before, (method, rest, "changed by a follower")
        assert c.request(method, f"{API}/comparisons/{cid}{rest}", json=body,
                         headers=bearer(token)).status_code == owner_status, (method, rest)
    assert c.get(f"{API}/comparisons/{cid}").status_code == 404


def test_a_comparisons_token_does_not_change_its_variants_directly(app_client: TestClient) -> None:
    """A variant is stepped only with its siblings, through the comparison (409 says so); a follower
    reads it and may fork it ("open as playground"), getting a session of its own."""
    c = app_client
    cid, token = made(c, "comparisons", ACTIVATIONS)
    variant = c.get(f"{API}/comparisons/{cid}").json()["variants"][0]["session_id"]
    r = c.post(f"{API}/sessions/{variant}/step", json={"epochs": 1}, headers=bearer(token))
    assert r.status_code == 409 and "through the comparison" in r.json()["detail"][0]["msg"]
    assert c.get(f"{API}/sessions/{variant}").status_code == 200
    fork, fork_token = made(c, f"sessions/{variant}/fork")
    assert c.post(f"{API}/sessions/{fork}/step", json={"epochs": 1}, headers=bearer(fork_token)).status_code == 200


def test_make_it_mine_needs_only_the_id_and_the_fork_has_its_own_owner(app_client: TestClient) -> None:
    c = app_client
    sid, token = made(c, "sessions", CIRCLE)
    c.post(f"{API}/sessions/{sid}/step", json={"epochs": 4}, headers=bearer(token))
    before = session_state(c, sid)
    fork, fork_token = made(c, f"sessions/{sid}/fork")  # a follower's request: no token
    assert fork_token != token and fork != sid
    assert c.get(f"{API}/sessions/{fork}").json()["epoch"] == 4
    assert c.post(f"{API}/sessions/{fork}/step", json={"epochs": 1}, headers=bearer(fork_token)).status_code == 200
    assert c.post(f"{API}/sessions/{sid}/step", json={"epochs": 1}, headers=bearer(fork_token)).status_code == 403
    assert session_state(c, sid) == before


def test_reading_needs_only_the_id_and_never_shows_the_token(app_client: TestClient,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    c = app_client
    sid, token = made(c, "sessions", CIRCLE)
    cid, ctoken = made(c, "comparisons", ACTIVATIONS)
    c.post(f"{API}/sessions/{sid}/step", json={"epochs": 2}, headers=bearer(token))
    seen = []
    for path in [f"sessions/{sid}", f"sessions/{sid}/weights", f"sessions/{sid}/history", f"sessions/{sid}/data",
                 f"sessions/{sid}/boundary?resolution=10", f"sessions/{sid}/export",
                 f"sessions/{sid}/export?format=python", f"sessions/{sid}/gradcheck",
                 f"sessions/{sid}/stream?frames=1", f"comparisons/{cid}", f"comparisons/{cid}/history",
                 f"comparisons/{cid}/stream?frames=1"]:
        r = c.get(f"{API}/{path}")
        assert r.status_code == 200, (path, r.text)
        seen.append(r.text)
    r = c.post(f"{API}/sessions/{sid}/predict", json={"points": [[0.1, 0.2]]})
    assert r.status_code == 200
    seen.append(r.text)
    everything = "\n".join(seen) + "\n".join(rec.getMessage() for rec in caplog.records)
    assert token not in everything and ctoken not in everything


def test_the_token_survives_a_restart_and_only_its_digest_is_kept(tmp_path: Any) -> None:
    path = tmp_path / "state.sqlite"
    with TestClient(create_app(Settings(state_path=str(path)))) as c:
        sid, token = made(c, "sessions", CIRCLE)
        cid, ctoken = made(c, "comparisons", ACTIVATIONS)
        _, other = made(c, "sessions", CIRCLE)
    saved = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("state.sqlite-*"))
    assert token.encode() not in saved and ctoken.encode() not in saved
    with TestClient(create_app(Settings(state_path=str(path)))) as c:
        assert c.post(f"{API}/sessions/{sid}/step", json={"epochs": 1}, headers=bearer(other)).status_code == 403
        assert c.post(f"{API}/sessions/{sid}/step", json={"epochs": 1}, headers=bearer(token)).status_code == 200
        assert c.post(f"{API}/comparisons/{cid}/step", json={"epochs": 1}).status_code == 401
        assert c.post(f"{API}/comparisons/{cid}/step", json={"epochs": 1}, headers=bearer(ctoken)).status_code == 200


def test_a_client_that_keeps_its_tokens_works_like_the_page(client: TestClient) -> None:
    """The suite's usual client (bench.owners.keep_owner_tokens) signs only what it created."""
    sid = client.post(f"{API}/sessions", json=CIRCLE).json()["id"]
    assert client.post(f"{API}/sessions/{sid}/step", json={"epochs": 1}).status_code == 200
    with TestClient(client.app) as stranger:  # type: ignore[arg-type]
        assert stranger.post(f"{API}/sessions/{sid}/step", json={"epochs": 1}).status_code == 401
    theirs = keep_owner_tokens(TestClient(client.app))  # type: ignore[arg-type]
    assert theirs.post(f"{API}/sessions/{sid}/reset", json={}).status_code == 401
    theirs.close()
