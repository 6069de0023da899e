"""Every number a request may carry, found in the OpenAPI document: out-of-range and non-finite
values are refused with a 422 that names the field and gives the allowed range, never a 500.

JSON allows integers of any size: 10^309 has no float, so formatting it with %g raised
OverflowError (a 500 without the security headers). A query parameter "nan" passed every
comparison (NaN fails none) and killed a stream mid-way. Walking the document rather than listing
fields keeps a field added later covered too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from bench.owners import keep_owner_tokens

API = "/api/v1"
HUGE = 10**309  # the first power of ten no float holds
BODY_VALUES = {"huge": str(HUGE), "-huge": f"-{HUGE}", "1e999": "1e999", "NaN": "NaN", "-Infinity": "-Infinity"}
QUERY_VALUES = [str(HUGE), f"-{HUGE}", "nan", "NaN", "inf", "-inf", "Infinity", "1e400", "fast"]
RANGE = re.compile(r"[\[(]-?[\d.e+-]+, -?[\d.e+-]+\]")


@pytest.fixture(scope="module")
def setup() -> Iterator[tuple[TestClient, dict[str, Any], dict[str, str]]]:
    with keep_owner_tokens(TestClient(create_app())) as c:
        doc = c.get("/openapi.json").json()
        ids = {"session_id": c.post(f"{API}/sessions", json={}).json()["id"],
               "comparison_id": c.post(f"{API}/comparisons", json={}).json()["id"], "name": "blobs"}
        yield c, doc, ids


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _numbers(schema: dict[str, Any], doc: dict[str, Any], path: tuple[Any, ...] = ()
             ) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(path, schema) of every integer or number inside a request body schema."""
    schema = _resolve(schema, doc)
    if schema.get("type") in ("integer", "number"):
        yield path, schema
    for option in schema.get("anyOf", []):
        yield from _numbers(option, doc, path)
    for key, sub in schema.get("properties", {}).items():
        yield from _numbers(sub, doc, (*path, key))
    if schema.get("type") == "array":
        items = schema.get("prefixItems", [])
        for i, sub in enumerate(items):  # a tuple: (place, length), the other places filled with 0
            yield from _numbers(sub, doc, (*path, (i, len(items))))
        if "items" in schema:
            yield from _numbers(schema["items"], doc, (*path, 0))


def _nest(path: tuple[Any, ...], literal: str) -> str:
    """The smallest JSON body that puts `literal` (raw JSON text) at `path`."""
    text = literal
    for key in reversed(path):
        if isinstance(key, tuple):
            place, length = key
            text = "[" + ", ".join(text if i == place else "0" for i in range(length)) + "]"
        else:
            text = f"[{text}]" if isinstance(key, int) else f"{{{json.dumps(key)}: {text}}}"
    return text


def _name(path: tuple[Any, ...]) -> str:
    """The field as the API names it: dotted, list places as numbers."""
    return ".".join(str(k[0] if isinstance(k, tuple) else k) for k in path)


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


def _body_cases(doc: dict[str, Any]) -> list[tuple[str, str, tuple[Any, ...], str]]:
    """(method, path, where in the body, integer or number) for every number of every JSON body."""
    cases = []
    for method, path, op in _operations(doc):
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content is not None:
            cases += [(method, path, p, s["type"]) for p, s in _numbers(content["schema"], doc)]
    return cases


def _query_cases(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(method, path, p["name"]) for method, path, op in _operations(doc)
            for p in op.get("parameters", [])
            if p["in"] == "query" and p["schema"].get("type") in ("integer", "number")]


def _refused(r: Any, field: str) -> str:
    assert r.status_code == 422, (field, r.status_code, r.text[:300])
    assert "content-security-policy" in r.headers
    detail = json.loads(r.text, parse_constant=lambda t: pytest.fail(f"{t} in a response"))["detail"]
    mine = [d for d in detail if d["field"] == field]
    assert mine, (field, detail)
    assert RANGE.search(mine[0]["msg"]), mine[0]  # the allowed range, always
    return str(mine[0]["msg"])


def test_api_numbers_every_body_number_refuses_huge_and_non_finite_values(setup: Any) -> None:
    client, doc, ids = setup
    cases = _body_cases(doc)
    whole = [c for c in cases if c[3] == "integer"]
    assert len(cases) >= 60 and len(whole) >= 19, cases  # the walk really finds the fields
    for method, path, where, _ in cases:
        url = path.format(**ids)
        field = _name(where)
        for name, literal in BODY_VALUES.items():
            r = client.request(method, url, content=_nest(where, literal),
                               headers={"content-type": "application/json"})
            msg = _refused(r, field)
            assert "nan" not in msg.lower() and "inf" not in msg.lower(), (field, name, msg)


def test_api_numbers_every_query_number_refuses_huge_and_non_finite_values(setup: Any) -> None:
    client, doc, ids = setup
    cases = _query_cases(doc)
    assert {name for _, _, name in cases} >= {"fps", "frames", "resolution", "neurons", "since", "classes"}
    for method, path, name in cases:
        url = path.format(**ids)
        for value in QUERY_VALUES:
            # frames=1: were a value ever let through, a stream would end instead of hanging the test
            params = {"frames": "1", name: value} if path.endswith("/stream") else {name: value}
            _refused(client.request(method, url, params=params), name)


def test_api_numbers_a_huge_varied_value_names_the_variant(setup: Any) -> None:
    client, _, _ = setup
    raw = f'{{"vary": {{"field": "batch_size", "values": [{HUGE}, 2]}}}}'
    r = client.post(f"{API}/comparisons", content=raw, headers={"content-type": "application/json"})
    assert _refused(r, "vary.values.0").startswith("batch_size: must be in [1, 2000]")


def test_api_numbers_nan_fps_is_refused_before_the_stream_starts(setup: Any) -> None:
    client, _, ids = setup
    r = client.get(f"{API}/sessions/{ids['session_id']}/stream", params={"fps": "nan", "frames": "1"})
    assert r.headers["content-type"].startswith("application/json")
    assert _refused(r, "fps") == "must be a finite number in [1, 60]"
