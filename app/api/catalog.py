"""GET /api/v1/catalog: every registry with labels, formulas, parameters and defaults, and the limits.

The page builds its menus from this, so adding a registry entry needs no front-end change.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import Any

from fastapi import APIRouter

from app.config import get_settings
from app.data.datasets import DATASETS
from app.data.features import FEATURES
from app.nn.activations import ACTIVATIONS
from app.nn.initializers import DEFAULT_INITIALIZER, INITIALIZERS
from app.nn.losses import LOSSES
from app.nn.optimizers import OPTIMIZERS
from app.nn.regularizers import REGULARIZERS
from app.presets import PRESETS
from app.training.boundary import grid_features
from app.training.encoding import encode_grid
from app.training.spec import DEFAULT_LOSS, DEFAULT_OUTPUT, OUTPUTS_FOR_KIND, SessionConfig
from app.training.vary import VARY_FIELDS

from .deps import SettingsDep

router = APIRouter(prefix="/api/v1", tags=["catalog"])


def _activation(a: Any) -> dict[str, Any]:
    return {"name": a.name, "label": a.label, "symbol": a.symbol, "formula": a.formula,
            "derivative": a.derivative_formula, "range": a.range, "note": a.note}


FEATURE_MAP_RESOLUTION = 16


@cache
def _feature_map(name: str) -> dict[str, Any]:
    """The feature's value over the grid, as a stream-style grid, for the input nodes' thumbnails."""
    values = grid_features(FEATURE_MAP_RESOLUTION, get_settings().grid_extent, (name,))[0]
    return encode_grid(values.reshape(FEATURE_MAP_RESOLUTION, FEATURE_MAP_RESOLUTION), levels=15)


def _catalog(settings: Any) -> dict[str, Any]:
    return {
        "activations": [_activation(a) for a in ACTIVATIONS.values() if a.hidden],
        "output_activations": [_activation(a) for a in ACTIVATIONS.values() if a.output],
        "losses": [{"name": lo.name, "label": lo.label, "formula": lo.formula, "outputs": list(lo.outputs),
                    "note": lo.note} for lo in LOSSES.values()],
        "optimizers": [{"name": o.name, "label": o.label, "formula": o.formula,
                        "params": [asdict(p) for p in o.params]} for o in OPTIMIZERS.values()],
        "initializers": [{"name": i.name, "label": i.label, "formula": i.formula, "note": i.note,
                          "default": i.name == DEFAULT_INITIALIZER} for i in INITIALIZERS.values()],
        "regularizers": [{"name": r.name, "label": r.label, "formula": r.formula}
                         for r in REGULARIZERS.values()],
        "datasets": [{"name": d.name, "label": d.label, "kind": d.kind, "description": d.description,
                      "classes": None if d.classes is None else dict(zip(("min", "max", "default"), d.classes,
                                                                          strict=True))}
                     for d in DATASETS.values()],
        "features": [{"name": f.name, "label": f.label, "formula": f.formula, "map": _feature_map(f.name)}
                     for f in FEATURES.values()],
        "problems": {kind: {"outputs": list(outs), "default_output": DEFAULT_OUTPUT[kind]}
                     for kind, outs in OUTPUTS_FOR_KIND.items()},
        "default_loss": DEFAULT_LOSS,
        "presets": [{"name": p.name, "title": p.title, "week": p.week, "kind": p.kind} for p in PRESETS.values()],
        "defaults": SessionConfig().model_dump(mode="json"),
        # what a comparison may vary (POST /api/v1/comparisons validates from the same table)
        "vary_fields": [f.public() for f in VARY_FIELDS.values()],
        "limits": {k: getattr(settings, k) for k in (
            "max_layers", "max_units", "max_classes", "min_samples", "max_samples", "max_custom_points",
            "max_csv_bytes", "max_predict_points", "max_resolution", "max_neuron_resolution",
            "grid_extent", "max_updates_per_request", "max_example_updates_per_request", "max_work_per_request",
            "max_sessions",
            "max_fps", "max_epochs_per_second")} | {"learning_rate": {"min_exclusive": 0, "max": 100}},
    }


@router.get("/catalog")
def catalog(settings: SettingsDep) -> dict[str, Any]:
    return _catalog(settings)
