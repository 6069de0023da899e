"""Schemathesis over the whole OpenAPI document: no server error, no undocumented status code, no
response that breaks its schema.

Every operation is fuzzed in-process (ASGI). Operations on a session get, half of the time, the
id of a freshly created real session instead of a random one, and then, half of the time, its owner
token, so the fuzzer reaches the handlers behind the 404 and the 401. Long-lived (`…/stream`) and
thread-starting (`…/play`) operations are left out;
the live tests cover them. The work a single step request may do is capped lower than the
default (the app is built with its own Settings) only so that the run stays bounded in time:
requests above the cap get the documented 422 "too much work", which is a valid answer.

Every 422 body is also checked against the error contract the API promises
({"detail": [{"field", "msg", "type"}]}, see test_api_errors), which the OpenAPI document describes
(`test_api_fuzz_documented_422_schema_matches_the_error_body`), with the 400 and 413 that any body
may get. Every check runs as is: server errors, status codes, content types, headers, schemas.
"""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.main import create_app

pytestmark = pytest.mark.slow

APP = create_app(Settings(max_updates_per_request=2_000, max_example_updates_per_request=200_000))
_client = TestClient(APP)

schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path_regex=r"/(stream|play)$")

# The fuzzer holds the API to: no 5xx, and every response as documented (its status code, the
# status-specific body schema, content type, headers). Schemathesis' other default checks judge how
# precise the request schema is (registry names typed as plain strings are "schema-valid" yet
# refused with a 422) and are left out on purpose.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance,
          response_headers_conformance]

ERROR_CONTRACT = {
    "type": "object", "required": ["detail"], "additionalProperties": False,
    "properties": {"detail": {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["field", "msg", "type"], "additionalProperties": False,
        "properties": {"field": {"type": "string", "minLength": 1}, "msg": {"type": "string"},
                       "type": {"type": "string"}}}}},
}


def _strict(text: str) -> object:
    def refuse(token: str) -> object:
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def _real_session() -> tuple[str, str]:
    """(id, owner token) of a new session."""
    r = _client.post("/api/v1/sessions", json={"dataset": {"name": "circle", "n_samples": 100}})
    assert r.status_code == 201, r.text
    return str(r.json()["id"]), str(r.json()["owner_token"])


@schema.parametrize()
@schema.given(data=st.data())
@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_api_fuzz_no_server_error_and_schema_conformance(case: schemathesis.Case, data: st.DataObject) -> None:
    if "session_id" in case.path_parameters and data.draw(st.booleans(), label="real session"):
        case.path_parameters["session_id"], token = _real_session()
        if data.draw(st.booleans(), label="its owner"):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    response = case.call()
    content_type = (response.headers.get("content-type") or [""])[0]
    if content_type.startswith("application/json"):
        _strict(response.content.decode())  # never NaN or Infinity in a body
    if response.status_code == 422:  # the error contract, beside the documented schema it must match
        jsonschema_rs.validate(ERROR_CONTRACT, _strict(response.content.decode()))
    case.validate_response(response, checks=CHECKS)


def test_api_fuzz_documented_422_schema_matches_the_error_body() -> None:
    doc = _client.get("/openapi.json").json()
    op = doc["paths"]["/api/v1/sessions"]["post"]["responses"]["422"]
    ref = op["content"]["application/json"]["schema"]
    body = _client.post("/api/v1/sessions", json={"bogus": 1}).json()
    assert body["detail"][0]["field"] == "bogus"
    jsonschema_rs.validate({**ref, "components": doc["components"]}, body)


def test_api_fuzz_every_body_may_get_a_documented_400_and_413() -> None:
    """An undecodable body (400) and one over the size limit (413) are answered before a route runs:
    every operation that takes a body documents both, with the error body they really have."""
    doc = _client.get("/openapi.json").json()
    ref = {"$ref": "#/components/schemas/HTTPValidationError"}
    with_body = [op for ops in doc["paths"].values() for op in ops.values() if "requestBody" in op]
    assert len(with_body) >= 10
    for op in with_body:
        for code in ("400", "413"):
            assert op["responses"][code]["content"]["application/json"]["schema"] == ref, (op["operationId"], code)
    r = _client.post("/api/v1/sessions", content=b"{}" + b" " * APP.state.settings.max_body_bytes,
                     headers={"content-type": "application/json"})
    assert r.status_code == 413
    jsonschema_rs.validate({**ref, "components": doc["components"]}, r.json())
