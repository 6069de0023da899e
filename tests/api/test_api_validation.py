"""Bad input: every case from the issue gets a 422 whose detail names the field (and, for numbers,
the allowed range), never echoes the value, and is strict JSON. Custom data and the CSV upload."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

API = "/api/v1"


def _refuse(token: str) -> Any:
    raise ValueError(f"non-standard JSON constant {token!r} in a response")


def strict(r: Any) -> Any:
    return json.loads(r.text, parse_constant=_refuse)


def detail(r: Any) -> dict[str, Any]:
    assert r.status_code == 422, (r.status_code, r.text)
    body = strict(r)
    assert isinstance(body["detail"], list) and body["detail"]
    d = body["detail"][0]
    assert set(d) == {"field", "msg", "type"}
    return d  # type: ignore[no-any-return]


def create(client: TestClient, body: Any) -> Any:
    return client.post(f"{API}/sessions", json=body)


# ---------------------------------------------------------------- session config

BAD_CONFIGS = [
    ({"layers": [{"units": 3, "activation": "softsign"}]}, "layers.0.activation", "tanh"),
    ({"layers": [{"units": 3, "activation": "softmax"}]}, "layers.0.activation", "relu"),
    ({"dataset": {"name": "mnist"}}, "dataset.name", "spiral"),
    ({"layers": [{"units": 0}]}, "layers.0.units", "[1, 64]"),
    ({"layers": [{"units": 10**6}]}, "layers.0.units", "[1, 64]"),
    ({"layers": [{"units": 2.5}]}, "layers.0.units", "[1, 64]"),
    ({"layers": [{"units": 2}] * 50}, "layers", "8"),
    ({"optimizer": {"learning_rate": -0.1}}, "optimizer.learning_rate", "(0, 100]"),
    ({"optimizer": {"learning_rate": 0}}, "optimizer.learning_rate", "(0, 100]"),
    ({"optimizer": {"learning_rate": 0.0}}, "optimizer.learning_rate", "(0, 100]"),
    ({"optimizer": {"learning_rate": 1e300}}, "optimizer.learning_rate", "(0, 100]"),
    ({"optimizer": {"learning_rate": "fast"}}, "optimizer.learning_rate", "(0, 100]"),
    ({"optimizer": {"learning_rate": "0.1"}}, "optimizer.learning_rate", "(0, 100]"),
    ({"optimizer": {"learning_rate": True}}, "optimizer.learning_rate", "(0, 100]"),
    ({"optimizer": {"learning_rate": None}}, "optimizer.learning_rate", "(0, 100]"),
    ({"optimizer": {"name": "lbfgs"}}, "optimizer.name", "adam"),
    ({"optimizer": {"name": "adam", "beta1": 1.5}}, "optimizer.beta1", "1.5"),
    ({"dataset": {"n_samples": 10**9}}, "dataset.n_samples", "[10, 2000]"),
    ({"dataset": {"n_samples": 5}}, "dataset.n_samples", "[10, 2000]"),
    ({"dataset": {"noise": 2}}, "dataset.noise", "[0, 1]"),
    ({"dataset": {"train_ratio": 0}}, "dataset.train_ratio", "[0.1, 0.9]"),
    ({"dataset": {"train_ratio": 1}}, "dataset.train_ratio", "[0.1, 0.9]"),
    ({"dataset": {"name": "blobs", "classes": 9}}, "dataset.classes", "[2, 5]"),
    ({"batch_size": 251}, "batch_size", "[1, 250]"),
    ({"batch_size": 0}, "batch_size", "[1, 2000]"),
    ({"dropout": 1}, "dropout", "[0, 0.9]"),
    ({"seed": -1}, "seed", "[0, "),
    ({"features": []}, "features", ""),
    ({"features": ["x3"]}, "features", "x1"),
    ({"features": ["x1", "x1"]}, "features", "once"),
    ({"init": "glorot"}, "init", "xavier"),
    ({"loss": "hinge"}, "loss", "bce"),
    ({"loss": "cross_entropy"}, "loss", "bce"),
    ({"dataset": {"name": "plane"}, "output": {"activation": "softmax"}}, "output.activation", "linear"),
    ({"regularization": {"kind": "l2", "rate": 100}}, "regularization.rate", "[0, 10]"),
    ({"learning_rate": 0.1}, "learning_rate", ""),
    ({"dataset": {"name": "spiral", "colour": "red"}}, "dataset.colour", ""),
]


@pytest.mark.parametrize(("body", "field", "text"), BAD_CONFIGS, ids=[f for _, f, _ in BAD_CONFIGS])
def test_api_bad_config_names_the_field_and_range(client: TestClient, body: dict[str, Any], field: str,
                                                  text: str) -> None:
    d = detail(create(client, body))
    assert d["field"] == field
    assert text in d["msg"]
    assert d["msg"] and "input_value" not in d["msg"]


@pytest.mark.parametrize("body", [b"[1, 2]", b"42", b'"spiral"', b"{", b"not json", b""])
def test_api_malformed_bodies_are_422(client: TestClient, body: bytes) -> None:
    r = client.post(f"{API}/sessions", content=body, headers={"content-type": "application/json"})
    if body == b"":  # an empty body is no body: the defaults
        assert r.status_code == 201
        return
    assert detail(r)["field"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_api_non_finite_numbers_in_the_body(client: TestClient, literal: str) -> None:
    raw = f'{{"optimizer": {{"learning_rate": {literal}}}, "dataset": {{"noise": {literal}}}}}'
    r = client.post(f"{API}/sessions", content=raw, headers={"content-type": "application/json"})
    d = detail(r)
    assert d["field"] in ("optimizer.learning_rate", "dataset.noise")
    assert "NaN" not in r.text and "Infinity" not in r.text and "inf" not in d["msg"].lower()


@pytest.mark.parametrize("raw", ["Infinity", "NaN", "true", '"fast"', '"0.1"', "null", "[0.1]"])
def test_api_learning_rate_type_errors_give_the_range(client: TestClient, raw: str) -> None:
    r = client.post(f"{API}/sessions", content=f'{{"optimizer": {{"learning_rate": {raw}}}}}',
                    headers={"content-type": "application/json"})
    d = detail(r)
    assert d["field"] == "optimizer.learning_rate"
    assert "(0, 100]" in d["msg"]


def test_api_undecodable_body_follows_the_error_contract(client: TestClient) -> None:
    r = client.post(f"{API}/sessions", content=b"\xff\xfe{", headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500
    body = strict(r)
    assert isinstance(body["detail"], list) and body["detail"][0]["field"] == "body"
    for r in (client.get(f"{API}/no-such-thing"), client.put(f"{API}/catalog")):  # 404, 405
        assert r.status_code in (404, 405)
        d = strict(r)["detail"]
        assert isinstance(d, list) and d[0]["field"] and d[0]["msg"]


def test_api_bad_input_is_never_a_server_error(client: TestClient) -> None:
    """A sweep of odd but well-formed bodies over every writing endpoint: only 2xx/4xx, strict JSON."""
    sid = create(client, {}).json()["id"]
    odd: list[Any] = [None, 0, -1, 1e308, -1e308, 5e-324, "", "x" * 10_000, [], {}, [[]], True,
                      {"": None}, [None] * 3]
    targets = [("POST", f"{API}/sessions", ["dataset", "layers", "optimizer", "features", "output",
                                             "regularization", "batch_size", "weights", "loss"]),
               ("PATCH", f"{API}/sessions/{sid}", ["optimizer", "regularization", "batch_size", "dropout"]),
               ("POST", f"{API}/sessions/{sid}/step", ["steps", "epochs"]),
               ("POST", f"{API}/sessions/{sid}/reset", ["seed"]),
               ("POST", f"{API}/sessions/{sid}/predict", ["points"]),
               ("PUT", f"{API}/sessions/{sid}/weights", ["layers"])]
    for method, target, keys in targets:
        for key in keys:
            for value in odd:
                r = client.request(method, target, json={key: value})
                assert r.status_code < 500, (method, target, key, value, r.text)
                strict(r)


# ---------------------------------------------------------------- custom data


def _points(n: int, seed: int = 0) -> list[list[float]]:
    return np.random.default_rng(seed).uniform(-5.5, 5.5, (n, 2)).round(4).tolist()


def _data(client: TestClient, sid: str) -> dict[str, Any]:
    r = client.get(f"{API}/sessions/{sid}/data")
    assert r.status_code == 200
    return strict(r)  # type: ignore[no-any-return]


def test_api_custom_binary_points(client: TestClient) -> None:
    pts = _points(40)
    labels = [int(x + y > 0) for x, y in pts]
    r = create(client, {"dataset": {"name": "custom", "points": pts, "labels": labels}})
    assert r.status_code == 201, r.text
    s = strict(r)
    assert s["data"]["kind"] == "binary" and s["data"]["n_classes"] == 2
    assert s["config"]["output"]["activation"] == "sigmoid" and s["config"]["loss"] == "bce"
    assert s["data"]["n_train"] + s["data"]["n_test"] == 40
    d = _data(client, s["id"])
    got = sorted(zip(map(tuple, d["train"]["x"] + d["test"]["x"]), d["train"]["y"] + d["test"]["y"],
                     strict=True))
    assert got == sorted(zip(map(tuple, pts), labels, strict=True))
    assert client.post(f"{API}/sessions/{s['id']}/step", json={"epochs": 2}).status_code == 200
    # posted back, the resolved config rebuilds the same data
    again = create(client, s["config"])
    assert again.status_code == 201 and _data(client, strict(again)["id"]) == d


def test_api_custom_multiclass_and_regression_points(client: TestClient) -> None:
    pts = _points(60, 1)
    labels = [i % 3 for i in range(60)]
    s = strict(create(client, {"dataset": {"name": "custom", "points": pts, "labels": labels}}))
    assert s["data"]["kind"] == "multiclass" and s["data"]["n_classes"] == 3 and s["sizes"][-1] == 3
    assert s["config"]["output"]["activation"] == "softmax"
    values = [round(x * 0.5 - y, 3) for x, y in pts]
    r = create(client, {"dataset": {"name": "custom", "points": pts, "labels": values}})
    assert r.status_code == 201, r.text
    s = strict(r)
    assert s["data"]["kind"] == "regression" and s["config"]["loss"] == "mse"
    assert sorted(_data(client, s["id"])["train"]["y"] + _data(client, s["id"])["test"]["y"]) == sorted(values)


def test_api_custom_csv_in_the_config(client: TestClient) -> None:
    pts = _points(30, 2)
    csv = "x1,x2,label\n" + "".join(f"{x},{y},{int(x * y > 0)}\n" for x, y in pts)
    r = create(client, {"dataset": {"name": "custom", "csv": csv}})
    assert r.status_code == 201, r.text
    s = strict(r)
    assert s["data"]["kind"] == "binary" and s["data"]["n_train"] + s["data"]["n_test"] == 30
    semi = csv.replace(",", ";")
    assert create(client, {"dataset": {"name": "custom", "csv": semi}}).status_code == 201


BAD_CUSTOM = [
    ({"points": [[7, 0], [1, 1], [2, 2], [3, 3]], "labels": [0, 1, 0, 1]}, "dataset.points.0.0", "[-6, 6]"),
    ({"points": [[0, -6.5], [1, 1], [2, 2], [3, 3]], "labels": [0, 1, 0, 1]}, "dataset.points.0.1", "[-6, 6]"),
    ({"points": [[0, 0], [1, 1], [2, 2], [3, 3]], "labels": [0, 1, 0]}, "labels", "3 labels for 4"),
    ({"points": [[0, 0], [1, 1], [2, 2]], "labels": [0, 1, 0]}, "points", "at least 4"),
    ({"points": [[0, 0], [1, 1], [2, 2], [3, 3]], "labels": [1, 1, 1, 1]}, "labels", "two classes"),
    ({"points": [[0, 0], [1, 1], [2, 2], [3, 3]]}, "dataset", "labels"),
    ({"points": [[0, 0]] * 2001, "labels": [0] * 2001}, "dataset.points", "2000"),
    ({"csv": "x1,x2,label\n1,2,0\n1,2\n3,3,1\n4,4,1\n"}, "csv line 3", "3 values"),
    ({"csv": "1,2,0\n1,abc,1\n3,3,1\n4,4,0\n"}, "csv line 2", "x2"),
    ({"csv": "1,2,0\n1,2,1\n3,9,1\n4,4,0\n"}, "csv line 3", "[-6, 6]"),
    ({"csv": "1,2,0\n1,2,1\n3,3,nan\n4,4,0\n"}, "csv line 3", "label"),
    ({"csv": "1,2,0\n1,2,1\n3,3,1.7e308\n4,4,0\n"}, "csv line 3", "label must be in [-1e+06, 1e+06]"),
    ({"csv": "1,2,0.5\n1,2,1\n3,3,1\n4,4,-1000001\n"}, "csv line 4", "label must be in [-1e+06, 1e+06]"),
    ({"csv": "x1,x2,label\n"}, "csv", "at least 4"),
]


@pytest.mark.parametrize(("dataset", "field", "text"), BAD_CUSTOM, ids=[f"{f}-{t}" for _, f, t in BAD_CUSTOM])
def test_api_bad_custom_data(client: TestClient, dataset: dict[str, Any], field: str, text: str) -> None:
    d = detail(create(client, {"dataset": {"name": "custom", **dataset}, "batch_size": 1}))
    assert d["field"] == field
    assert text in d["msg"]
    if field.startswith("csv line"):  # the line is named (in field; the page shows "field: msg")
        assert field.split()[-1].isdigit()


def test_api_csv_labels_have_the_json_labels_range(client: TestClient) -> None:
    """A CSV label of 1.7e308 once made a session diverged from its first epoch; CSV and JSON
    labels now share one range, its ends included."""
    points = [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]
    for bound in (1e6, -1e6):
        labels = [bound, 0.5, -2, 3, 0, 1]
        csv = "".join(f"{x},{y},{v!r}\n" for (x, y), v in zip(points, labels, strict=True))
        for dataset in ({"csv": csv}, {"points": points, "labels": labels}):
            r = create(client, {"dataset": {"name": "custom", **dataset}})
            assert r.status_code == 201, r.text
            assert strict(r)["data"]["kind"] == "regression"
        over = {"csv": csv.replace(repr(bound), repr(bound * 1.5))}
        assert "[-1e+06, 1e+06]" in detail(create(client, {"dataset": {"name": "custom", **over}}))["msg"]
        d = detail(create(client, {"dataset": {"name": "custom", "points": points, "labels": [bound * 1.5] * 6}}))
        assert d["field"] == "dataset.labels.0" and "[-1e+06, 1e+06]" in d["msg"]


def test_api_custom_name_needs_data_and_data_needs_custom(client: TestClient) -> None:
    d = detail(create(client, {"dataset": {"name": "custom"}}))
    assert d["field"] == "dataset" and "points" in d["msg"]
    d = detail(create(client, {"dataset": {"name": "spiral", "points": [[0, 0]] * 4, "labels": [0, 1, 0, 1]}}))
    assert d["field"] == "dataset" and "custom" in d["msg"]


def test_api_small_custom_set_with_default_config(client: TestClient) -> None:
    r = create(client, {"dataset": {"name": "custom", "points": [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4],
                                                                 [5, 5]], "labels": [0, 1, 0, 1, 0, 1]}})
    assert r.status_code == 201, r.text
    s = strict(r)
    assert s["data"]["n_train"] == 3 and s["config"]["batch_size"] is None  # the unset default: full batch
    assert s["updates_per_epoch"] == 1
    # asked for explicitly, a batch larger than the training set is refused
    d = detail(create(client, {"dataset": s["config"]["dataset"], "batch_size": 10}))
    assert d["field"] == "batch_size" and "[1, 3]" in d["msg"]


# ---------------------------------------------------------------- CSV upload


def upload(client: TestClient, content: bytes, name: str = "points.csv") -> Any:
    return client.post(f"{API}/datasets/csv", files={"file": (name, content, "text/csv")})


def test_api_csv_upload_good_files(client: TestClient) -> None:
    r = upload(client, b"x1,x2,label\n1,2,0\n-1.5,2,1\n3,-3,1\n\n4,4,0\n")
    assert r.status_code == 200
    body = strict(r)
    assert body == {"points": [[1.0, 2.0], [-1.5, 2.0], [3.0, -3.0], [4.0, 4.0]], "labels": [0.0, 1.0, 1.0, 0.0],
                    "kind": "binary", "n_classes": 2}
    r = upload(client, "\ufeff1;2;0\n1;2;1\n3;3;2\n4;4;2\n".encode())  # BOM, semicolons, three classes
    assert r.status_code == 200 and strict(r)["kind"] == "multiclass" and strict(r)["n_classes"] == 3
    r = upload(client, b"1\t2\t0.5\n1\t2\t1.25\n3\t3\t-2\n4\t4\t7\n")
    assert r.status_code == 200 and strict(r)["kind"] == "regression" and strict(r)["n_classes"] == 0
    # what the upload returns creates a session as is
    s = create(client, {"dataset": {"name": "custom", "points": body["points"], "labels": body["labels"]},
                        "batch_size": 1})
    assert s.status_code == 201, s.text


@pytest.mark.parametrize(("content", "line", "text"), [
    (b"x1,x2,label\n1,2,0\n1,2\n3,3,1\n4,4,0\n", 3, "3 values"),
    (b"1,2,0\n1,2,1\n3,3,1\n4,four,0\n", 4, "x2"),
    (b"x1,x2,label\n1,2,0\n1,2,1\n\n3,3,1\n4,4,0,9\n", 6, "3 values"),
    (b"1,2,0\n1,2,1\n3,3,1\n4,40,0\n", 4, "[-6, 6]"),
    (b"1,2,0\n1,2,1\n3,3,1\n4,4,inf\n", 4, "label"),
    (b"1,2,0\n1,2,1\n3,3,1\n4,4,-1.7e308\n", 4, "label must be in [-1e+06, 1e+06]"),
])
def test_api_csv_upload_bad_line_is_named(client: TestClient, content: bytes, line: int, text: str) -> None:
    d = detail(upload(client, content))
    assert d["field"] == f"csv line {line}"
    assert text in d["msg"]


@pytest.mark.parametrize(("content", "text"), [
    (b"1,2,0\n" * 40_000, "200000 bytes"),
    (b"\xff\xfe\x00\x01garbage", "UTF-8"),
    (b"", "at least 4"),
    (b"x1,x2,label\n1,2,0\n", "at least 4"),
    (b"1,2,0\n1,2,0\n3,3,0\n4,4,0\n", "two classes"),
    (b"1,2,0\n1,2,2\n3,3,0\n4,4,2\n", "label 1"),
])
def test_api_csv_upload_bad_files(client: TestClient, content: bytes, text: str) -> None:
    d = detail(upload(client, content))
    assert d["field"] in ("csv", "labels")
    assert text in d["msg"]


def test_api_csv_upload_needs_a_file(client: TestClient) -> None:
    assert detail(client.post(f"{API}/datasets/csv"))["field"] == "file"
    assert detail(client.post(f"{API}/datasets/csv", data={"file": "1,2,0"}))["field"] == "file"
