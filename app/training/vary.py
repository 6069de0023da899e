"""The settings a comparison may vary, each described once.

One `VaryField` a setting: its name, its label, the shape its values take (`kind`), where it lives
in a session config, how a value is set into a config, how a variant is labelled, and the values a
new comparison of it starts with. `app.training.comparison` validates `vary.field`/`vary.values`
from this table, and GET /api/v1/catalog publishes it (`vary_fields`), from which the comparison
page builds its menu, parses and writes values (one parser a kind, static/js/compare/query.js) and
starts a field's values. Adding a field of an existing kind is one entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

from app.request_error import RequestError

from .fields import RealIn, WholeIn
from .spec import BatchSize, Dropout, LayerConfig, LearningRate, RegularizationRate, S

# the shapes a varied value takes; the page has one parser and one writer for each
Kind = Literal["name", "number", "batch_size", "layers", "regularizer"]
Apply = Callable[[dict[str, Any], Any], None]


def _range(annotated: Any) -> dict[str, Any]:
    """A bounded number type's range (spec.py's own, so the page and the server cannot disagree)."""
    bound = next(m for m in get_args(annotated)[1:] if isinstance(m, RealIn | WholeIn))
    low_open = isinstance(bound, RealIn) and bound.low_open
    return {"min": bound.low, "max": bound.high, "min_exclusive": low_open, "integer": isinstance(bound, WholeIn)}


def _set_at(path: str) -> Apply:
    """Set the value at a dotted path of the config data ("optimizer.learning_rate")."""
    *parents, last = path.split(".")

    def apply(data: dict[str, Any], value: Any) -> None:
        for p in parents:
            data[p] = dict(data[p])
            data = data[p]
        data[last] = value

    return apply


def _every_layer_activation(data: dict[str, Any], value: Any) -> None:
    if not data["layers"]:
        raise RequestError("base.layers: no hidden layers, so no activation to vary")
    data["layers"] = [{**layer, "activation": value} for layer in data["layers"]]


def _optimizer(data: dict[str, Any], value: Any) -> None:
    """A name keeps the base's learning rate; an object is completed with it."""
    lr = data["optimizer"]["learning_rate"]
    data["optimizer"] = {"name": value, "learning_rate": lr} if isinstance(value, str) else \
        {"learning_rate": lr, **value} if isinstance(value, dict) else value


def _layers(data: dict[str, Any], value: Any) -> None:
    """A layer without an activation takes the base's (its first hidden layer's), as on the page."""
    base = data["layers"][0]["activation"] if data["layers"] else None
    if isinstance(value, list) and base is not None:
        value = [{"activation": base, **layer} if isinstance(layer, dict) else layer for layer in value]
    data["layers"] = value


def _regularizer(data: dict[str, Any], value: Any) -> None:
    """A kind alone ("l2") keeps the base's rate, or 0.01 where the base has none."""
    data["regularization"] = {"kind": value, "rate": data["regularization"]["rate"] or 0.01} \
        if isinstance(value, str) else value


def _plain(value: Any) -> str:
    return str(value.get("name") or value.get("kind") or value) if isinstance(value, dict) else str(value)


def _numbered(prefix: str) -> Callable[[Any], str]:
    return lambda v: f"{prefix}{v:g}" if isinstance(v, int | float) and not isinstance(v, bool) else _plain(v)


def _layer_list(value: Any) -> str:
    if not isinstance(value, list):
        return _plain(value)
    return "[" + ", ".join(str(v.get("units", "?")) if isinstance(v, dict) else "?" for v in value) + "]"


def _penalty(value: Any) -> str:
    """"l2 λ = 0.01": the rate too, so l2 at three rates reads as three variants."""
    rate = value.get("rate") if isinstance(value, dict) else None
    if isinstance(rate, int | float) and value.get("kind") not in (None, "none"):
        return f"{value['kind']} λ = {rate:g}"
    return _plain(value)


def _batch(value: Any) -> str:
    return "full batch" if value is None else f"batch {value}"


@dataclass(frozen=True)
class VaryField:
    name: str
    label: str  # the form's menu entry
    kind: Kind
    path: str  # where it lives in a session config: an error there is the varied value's fault
    default_values: tuple[Any, ...]  # a new comparison of it starts with these (server shape)
    apply: Apply  # set one value into the base config's data
    variant_label: Callable[[Any], str] = _plain
    registry: str | None = None  # the catalog list its names come from (a layer list's: its activations)
    bounds: dict[str, Any] | None = None  # kind "number" and "batch_size": the value's range
    hint: str = ""  # what to type, for a field the form offers as text

    def public(self) -> dict[str, Any]:
        """The catalog's description of it (what the page needs to offer, parse and write values)."""
        out: dict[str, Any] = {"name": self.name, "label": self.label, "kind": self.kind,
                               "default_values": list(self.default_values)}
        if self.registry is not None:
            out["registry"] = self.registry
        if self.bounds is not None:
            out.update(self.bounds)
        if self.kind == "layers":
            units = LayerConfig.model_json_schema()["properties"]["units"]
            out.update(max_layers=S.max_layers, units={"min": units["minimum"], "max": units["maximum"],
                                                       "min_exclusive": False, "integer": True})
        if self.kind == "regularizer":
            out["rate"] = _range(RegularizationRate)
        if self.hint:
            out["hint"] = self.hint
        return out


def _units(*sizes: int) -> list[dict[str, int]]:
    return [{"units": n} for n in sizes]


VARY_FIELDS: dict[str, VaryField] = {f.name: f for f in (
    VaryField("activation", "Activation", "name", "layers", ("sigmoid", "tanh", "relu", "leaky_relu"),
              _every_layer_activation, registry="activations"),
    VaryField("learning_rate", "Learning rate α", "number", "optimizer.learning_rate", (0.003, 0.03, 0.3, 3),
              _set_at("optimizer.learning_rate"), _numbered("α = "), bounds=_range(LearningRate),
              hint="numbers > 0, e.g. 0.003, 0.03, 0.3"),
    VaryField("optimizer", "Optimizer", "name", "optimizer", ("sgd", "momentum", "rmsprop", "adam"), _optimizer,
              registry="optimizers"),
    VaryField("init", "Initialisation", "name", "init", ("zeros", "xavier", "he", "large"), _set_at("init"),
              registry="initializers"),
    VaryField("layers", "Hidden layers", "layers", "layers",
              (_units(2), _units(4), _units(8, 8), _units(16, 16)), _layers, _layer_list, registry="activations",
              hint="units a layer: 8-8 | 4 | none; 8-8:relu also sets the activation"),
    VaryField("batch_size", "Batch size", "batch_size", "batch_size", (1, 10, 50, None), _set_at("batch_size"),
              _batch, bounds=_range(BatchSize), hint="sizes or “full”, e.g. 1, 10, full"),
    VaryField("regularization", "Regularisation", "regularizer", "regularization",
              ({"kind": "none", "rate": 0.0}, {"kind": "l2", "rate": 0.001}, {"kind": "l2", "rate": 0.01},
               {"kind": "l2", "rate": 0.1}), _regularizer, _penalty, registry="regularizers",
              hint="none | l2:0.01 | l1:0.001 (kind:λ)"),
    VaryField("dropout", "Dropout", "number", "dropout", (0.0, 0.2, 0.5), _set_at("dropout"), _numbered("dropout "),
              bounds=_range(Dropout), hint="shares from 0 to 0.9, e.g. 0, 0.2, 0.5"),
)}


def vary_field(name: str) -> VaryField:
    """The field of that name; a RequestError naming the fields there are, for anything else."""
    if not isinstance(name, str) or name not in VARY_FIELDS:
        raise RequestError(f"unknown field {name!r}; one of: {', '.join(VARY_FIELDS)}")
    return VARY_FIELDS[name]
