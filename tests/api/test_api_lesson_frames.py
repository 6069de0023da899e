"""What a lesson points at reaches the page: units and per-layer gradients in the frames, and each
preset's `shows` and `chart` in GET /api/v1/presets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.presets import PRESETS, QUANTITIES
from tests.stream_frame import stream_frame

API = "/api/v1"


def test_a_session_frame_reports_every_hidden_layers_units(client: Any) -> None:
    r = client.post(f"{API}/sessions", json={"layers": [{"units": 5, "activation": "tanh"},
                                                       {"units": 3, "activation": "relu"}]})
    sid = r.json()["id"]
    units = stream_frame(client, f"{API}/sessions/{sid}")["units"]  # from the first frame, epoch 0
    assert [u["units"] for u in units] == [5, 3]
    assert 0.0 <= units[0]["saturated"] <= 1.0 and units[1]["saturated"] is None  # tanh saturates, ReLU not
    assert all(isinstance(u["dead"], list) and 1 <= u["distinct"] <= u["units"] for u in units)


def test_a_session_without_hidden_layers_has_no_units(client: Any) -> None:
    sid = client.post(f"{API}/sessions", json={"layers": []}).json()["id"]
    assert stream_frame(client, f"{API}/sessions/{sid}")["units"] == []


def test_a_comparison_frame_carries_units_and_the_recent_mean_gradient_of_every_layer(client: Any) -> None:
    r = client.post(f"{API}/comparisons", json={"base": {"layers": [{"units": 4}, {"units": 4}]},
                                                "vary": {"field": "init", "values": ["zeros", "xavier"]}})
    c = r.json()
    url = f"{API}/comparisons/{c['id']}"
    first = stream_frame(client, url)["variants"]
    assert [v["layer_grads"] for v in first] == [None, None]  # no update yet: nothing to average
    assert [[u["distinct"] for u in v["units"]] for v in first] == [[1, 1], [4, 4]]
    assert client.post(f"{url}/step", json={"epochs": 12}).status_code == 200
    for v in stream_frame(client, url)["variants"]:
        norms = np.array(client.get(f"{API}/sessions/{v['session_id']}/history").json()["grad_norms"], float)
        assert len(v["layer_grads"]) == 3  # two hidden layers and the output
        assert v["layer_grads"] == pytest.approx(norms[-10:].mean(axis=0), rel=1e-9)
        assert v["first_layer_grad"] == pytest.approx(v["layer_grads"][0], rel=1e-9)


def test_every_preset_names_what_its_claim_is_about(client: Any) -> None:
    body = client.get(f"{API}/presets").json()["presets"]
    for p in body:
        assert p["shows"], f"{p['name']}: which quantity does its claim speak of?"
        assert set(p["shows"]) <= set(QUANTITIES), p["name"]
        assert p["chart"] in ("train", "test", "layers")
    charts = {p["name"]: p["chart"] for p in body}
    assert charts["overfitting-l2"] == charts["overfitting-dropout"] == "test"  # the test-cost U-curve first
    assert charts["vanishing-gradients"] == "layers"


def test_the_dropout_lesson_shows_dropouts_formula_not_l2s() -> None:
    dropout, l2 = PRESETS["overfitting-dropout"].formula, PRESETS["overfitting-l2"].formula
    assert dropout != l2 and "Bernoulli" in dropout and "λ" not in dropout
