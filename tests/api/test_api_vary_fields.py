"""The comparison's vary fields, described once (app/training/vary.py): what GET /api/v1/catalog publishes
as `vary_fields` is exactly what POST /api/v1/comparisons accepts, with the same ranges and defaults, and
the compare page's test copy (tests/js/fixtures/catalog.mjs) is the server's."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.training.spec import SessionConfig

API = "/api/v1"
CIRCLE = {"dataset": {"name": "circle", "n_samples": 100}}  # 50 training examples: a batch of 50 fits
ROOT = Path(__file__).resolve().parents[2]


def _vary_fields(client: TestClient) -> list[dict[str, Any]]:
    r = client.get(f"{API}/catalog")
    assert r.status_code == 200, r.text
    return r.json()["vary_fields"]  # type: ignore[no-any-return]


def _post(client: TestClient, field: str, values: list[Any], base: dict[str, Any] | None = None) -> Any:
    return client.post(f"{API}/comparisons", json={"base": base or CIRCLE, "vary": {"field": field, "values": values}})


def _names(model: type[Any], prefix: str = "") -> set[str]:
    """Every field name of a config model, nested ones too (bare and dotted): what a client might try to vary."""
    out = set()
    for name, info in model.model_fields.items():
        out |= {name, prefix + name}
        sub = info.annotation
        if isinstance(sub, type) and hasattr(sub, "model_fields"):
            out |= _names(sub, f"{prefix}{name}.")
    return out


def test_every_published_field_is_accepted_with_its_defaults(client: TestClient) -> None:
    fields = _vary_fields(client)
    assert len({f["name"] for f in fields}) == len(fields) >= 8
    for f in fields:
        assert {"name", "label", "kind", "default_values"} <= f.keys(), f
        assert f["kind"] in {"name", "number", "batch_size", "layers", "regularizer"}, f
        assert 2 <= len(f["default_values"]) <= 6, f
        r = _post(client, f["name"], f["default_values"])
        assert r.status_code == 201, (f["name"], r.text)
        c = r.json()
        assert c["config"]["vary"] == {"field": f["name"], "values": f["default_values"]}
        labels = [v["label"] for v in c["variants"]]
        assert len(set(labels)) == len(labels), (f["name"], labels)
        assert client.delete(f"{API}/comparisons/{c['id']}").status_code == 204


def test_no_field_outside_the_catalog_is_accepted(client: TestClient) -> None:
    published = {f["name"] for f in _vary_fields(client)}
    tried = _names(SessionConfig) | published | {"momentum", "beta", "noise", "units", "features", "seed"}
    accepted = set()
    for name in sorted(tried):
        r = _post(client, name, [0.1, 0.2])
        if r.status_code == 422:
            detail = r.json()["detail"]
            if any(d["field"] == "vary.field" for d in detail):
                assert all(n in detail[0]["msg"] for n in published), detail  # it tells what may be varied
                continue
        accepted.add(name)  # known (its values may still be wrong for it: 422 at vary.values.i)
        if r.status_code == 201:
            client.delete(f"{API}/comparisons/{r.json()['id']}")
    assert accepted == published
    schema = client.get("/openapi.json").json()["components"]["schemas"]["Vary"]["properties"]["field"]
    assert set(schema["enum"]) == published, "OpenAPI (and so the fuzzers) offers the same fields"


def test_the_published_ranges_are_the_ones_validated(client: TestClient) -> None:
    """A number just inside a published range is accepted, just outside it is a 422 naming
    vary.values.i and the range; the same for a layer's units and count and a regulariser's rate."""
    def accepted(field: str, bad: Any, good: Any) -> str:
        assert _post(client, field, [good, good * 1.5 if good else 0.5]).status_code in (201, 422)
        r = _post(client, field, [good, bad])
        assert r.status_code == 422, (field, bad, r.text)
        d = r.json()["detail"][0]
        assert d["field"].startswith("vary.values.1"), (field, bad, d)
        return d["msg"]  # type: ignore[no-any-return]

    for f in _vary_fields(client):
        if f["kind"] in ("number", "batch_size"):
            lo, hi = f["min"], f["max"]
            if f["kind"] == "batch_size":
                hi = 50  # the training set bounds it before the catalog's max does
            assert _post(client, f["name"], [hi, hi / 2 if not f["integer"] else hi - 1]).status_code == 201, f
            if not f["min_exclusive"]:
                assert _post(client, f["name"], [lo, hi]).status_code == 201, f
            msg = accepted(f["name"], f["max"] + (1 if f["integer"] else f["max"] * 0.01), hi)
            assert f"{f['max']:g}" in msg and f"{f['min']:g}" in msg, (f, msg)  # the range, in the message
            if f["min_exclusive"]:
                assert f"({f['min']:g}," in accepted(f["name"], f["min"], hi)
        elif f["kind"] == "layers":
            most = [{"units": f["units"]["max"]}] * f["max_layers"]
            assert _post(client, f["name"], [most, []]).status_code == 201
            too_many = [{"units": 1}] * (f["max_layers"] + 1)
            assert _post(client, f["name"], [[], too_many]).status_code == 422
            r = _post(client, f["name"], [[], [{"units": f["units"]["max"] + 1}]])
            assert r.status_code == 422 and f"{f['units']['max']}]" in r.json()["detail"][0]["msg"], r.text
        elif f["kind"] == "regularizer":
            rate = f["rate"]
            ok = _post(client, f["name"], [{"kind": "l2", "rate": rate["max"]}, {"kind": "l1", "rate": rate["min"]}])
            assert ok.status_code == 201, ok.text
            r = _post(client, f["name"], ["l2", {"kind": "l2", "rate": rate["max"] * 1.01}])
            assert r.status_code == 422 and r.json()["detail"][0]["field"].startswith("vary.values.1"), r.text
        else:
            names = [e["name"] for e in client.get(f"{API}/catalog").json()[f["registry"]]]
            assert _post(client, f["name"], names[:2]).status_code == 201
            assert _post(client, f["name"], [names[0], "nope"]).status_code == 422


def test_a_layer_list_without_activations_takes_the_bases(client: TestClient) -> None:
    """As the page writes it (8-8 without a suffix: the base's activation), so the catalog's layer defaults
    mean the same thing on both sides."""
    base = {**CIRCLE, "layers": [{"units": 3, "activation": "relu"}]}
    c = _post(client, "layers", [[{"units": 2}], [{"units": 4, "activation": "tanh"}, {"units": 2}]], base).json()
    assert [v["config"]["layers"] for v in c["variants"]] == [
        [{"units": 2, "activation": "relu"}], [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "relu"}]]


def test_the_pages_test_copy_is_the_servers(client: TestClient) -> None:
    """tests/js/fixtures/catalog.mjs's VARY_FIELDS (what the compare page's node tests parse and write
    values with) equals the catalog's, so the node tests test the page against the server's fields."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    code = "import(process.argv[1]).then((m) => process.stdout.write(JSON.stringify(m.VARY_FIELDS)))"
    run = subprocess.run(["node", "--input-type=module", "-e", code,
                          (ROOT / "tests/js/fixtures/catalog.mjs").as_uri()],
                         capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(run.stdout) == _vary_fields(client)
