"""Who is blamed: a request the code rejects is a 422, any other failure a 500 the server owns.

Only `RequestError` (and FastAPI's request validation) may become a 422. An engine bug, even a
ValueError such as NumPy's broadcast errors, must show as a server error: JSON in the API's error
shape, with the security headers every answer carries, and logged with its traceback.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.request_error import RequestError
from app.training.session import Session

API = "/api/v1"
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options")


def _strict(text: str) -> Any:
    def refuse(token: str) -> Any:
        raise ValueError(f"non-standard JSON constant {token!r}")

    return json.loads(text, parse_constant=refuse)


def _broken(exc: Exception) -> Any:
    def train_slice(self: Session, updates: int, first: bool, last: bool) -> bool:
        raise exc

    return train_slice


def _step(client: TestClient) -> Any:
    sid = client.post(f"{API}/sessions", json={"dataset": {"name": "xor", "n_samples": 40}}).json()["id"]
    return client.post(f"{API}/sessions/{sid}/step", json={"steps": 1})


@pytest.mark.parametrize("exc", [ValueError("operands could not be broadcast together with shapes (4,2) (3,)"),
                                 FloatingPointError("overflow"), KeyError("W")])
def test_api_an_engine_error_is_a_500_with_headers_and_the_error_shape(
        client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        exc: Exception) -> None:
    monkeypatch.setattr(Session, "train_slice", _broken(exc))
    with caplog.at_level(logging.ERROR, logger="nn_playground.errors"):
        r = _step(client)
    assert r.status_code == 500, r.text
    assert r.headers["content-type"].startswith("application/json")
    for name in SECURITY_HEADERS:
        assert name in r.headers, name
    detail = _strict(r.text)["detail"]
    assert [set(d) for d in detail] == [{"field", "msg", "type"}]
    assert detail[0]["type"] == "server_error"
    assert "broadcast" not in r.text  # the engine's own words stay in the log, not the answer
    logged = [rec for rec in caplog.records if rec.name == "nn_playground.errors"]
    assert len(logged) == 1 and logged[0].exc_info is not None and logged[0].exc_info[1] is exc


def test_api_a_request_error_from_the_same_place_is_still_a_422(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Session, "train_slice", _broken(RequestError("steps: not now")))
    r = _step(client)
    assert r.status_code == 422, r.text
    assert _strict(r.text)["detail"] == [{"field": "steps", "msg": "not now", "type": "value_error"}]
    for name in SECURITY_HEADERS:
        assert name in r.headers, name


def test_api_the_server_still_answers_after_a_500(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(Session, "train_slice", _broken(ValueError("boom")))
        assert _step(client).status_code == 500
    assert _step(client).status_code == 200
