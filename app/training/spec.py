"""The session config as validated data: every field optional, every name checked against a registry.

The API validates a request into a `SessionConfig`; `resolve()` fills in what depends on the
data (output activation and loss follow the problem kind; optimizer parameters their defaults),
so the config a session reports is complete and can be posted back to rebuild it exactly.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.config import get_settings
from app.data.custom import LABEL_MAX
from app.data.datasets import DATASETS, DEFAULT_DATASET
from app.data.features import DEFAULT_FEATURES, FEATURES
from app.nn.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from app.nn.initializers import DEFAULT_INITIALIZER, INITIALIZERS
from app.nn.losses import LOSSES
from app.nn.optimizers import OPTIMIZERS
from app.nn.registry import Registry
from app.nn.regularizers import REGULARIZERS
from app.request_error import RequestError

from .fields import RealIn, WholeIn, counted

S = get_settings()
SEED_MAX = 2**31 - 1
CUSTOM = "custom"
DEFAULT_OUTPUT = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}
OUTPUTS_FOR_KIND = {"binary": ("sigmoid", "tanh"), "multiclass": ("softmax",),
                    "regression": ("linear", "tanh")}
DEFAULT_LOSS = {"sigmoid": "bce", "softmax": "cross_entropy", "linear": "mse", "tanh": "mse"}


def _one_of(registry: Registry[Any], allowed: list[str] | None = None) -> Any:
    names = allowed if allowed is not None else list(registry)

    def check(value: str) -> str:
        if value not in names:
            raise RequestError(f"unknown {registry.kind} {value!r}; one of: {', '.join(names)}")
        return value

    return check


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


Coordinate = Annotated[float, RealIn(-S.grid_extent, S.grid_extent)]
Seed = Annotated[int, WholeIn(0, SEED_MAX)]
LearningRate = Annotated[float, RealIn(0.0, 100.0, low_open=True)]
RegularizationRate = Annotated[float, RealIn(0.0, 10.0)]
BatchSize = Annotated[int, WholeIn(1, S.max_samples)]
Dropout = Annotated[float, RealIn(0.0, 0.9)]


class DatasetConfig(Strict):
    name: str = Field(DEFAULT_DATASET, description="a data set from the catalog, or 'custom' with points or csv")
    n_samples: Annotated[int, WholeIn(S.min_samples, S.max_samples)] = 500
    noise: Annotated[float, RealIn(0.0, 1.0)] = 0.0
    train_ratio: Annotated[float, RealIn(0.1, 0.9)] = 0.5
    seed: Seed = 1
    classes: Annotated[int, WholeIn(2, S.max_classes)] | None = Field(None, description="for multi-class sets")
    points: Annotated[list[tuple[Coordinate, Coordinate]] | None, counted(S.max_custom_points)] = Field(
        None, max_length=S.max_custom_points, description="custom data: [[x1, x2], …]")
    labels: Annotated[list[Annotated[float, RealIn(-LABEL_MAX, LABEL_MAX)]] | None, counted(S.max_custom_points)] = \
        Field(None, max_length=S.max_custom_points, description="custom data: class 0..K−1 or a value")
    csv: str | None = Field(None, max_length=S.max_csv_bytes, description="custom data as x1,x2,label rows")
    split: Annotated[list[Literal["train", "test"]] | None, counted(S.max_custom_points)] = Field(
        None, max_length=S.max_custom_points, description=(
            "custom data: each point's part, 'train' or 'test', in order (at least one of each), as the student "
            "drew them; omitted: a random split by train_ratio"))

    @field_validator("name")
    @classmethod
    def _known(cls, v: str) -> str:
        return v if v == CUSTOM else _one_of(DATASETS)(v)

    @model_validator(mode="after")
    def _consistent(self) -> DatasetConfig:
        custom = self.points is not None or self.labels is not None or self.csv is not None
        if self.name != CUSTOM and (custom or self.split is not None):
            raise RequestError("points, labels, csv and split go with name 'custom'")
        if self.name == CUSTOM and self.csv is None and (self.points is None or self.labels is None):
            raise RequestError("name 'custom' needs points and labels, or csv")
        if self.name != CUSTOM and self.classes is not None:
            rng = DATASETS[self.name].classes
            if rng is None:
                raise RequestError(f"classes: {self.name} has a fixed number of classes")
            if not rng[0] <= self.classes <= rng[1]:
                raise RequestError(f"classes: must be in [{rng[0]}, {rng[1]}] for {self.name}")
        return self


class LayerConfig(Strict):
    units: Annotated[int, WholeIn(1, S.max_units)]
    activation: str = "tanh"
    _check = field_validator("activation")(lambda cls, v: _one_of(ACTIVATIONS, HIDDEN_ACTIVATIONS)(v))


class OutputConfig(Strict):
    activation: str | None = Field(None, description="default follows the problem: sigmoid/softmax/linear")
    _check = field_validator("activation")(
        lambda cls, v: v if v is None else _one_of(ACTIVATIONS, OUTPUT_ACTIVATIONS)(v))


def _hyper(name: str) -> RealIn:
    """The range of an optimizer parameter (the same for every optimizer that takes it)."""
    for opt in OPTIMIZERS.values():
        for p in opt.params:
            if p.name == name:
                return RealIn(p.low, p.high, description=p.label)
    raise KeyError(name)


class OptimizerConfig(Strict):
    name: str = "sgd"
    learning_rate: LearningRate = 0.03
    beta: Annotated[float, _hyper("beta")] | None = None
    rho: Annotated[float, _hyper("rho")] | None = None
    eps: Annotated[float, _hyper("eps")] | None = None
    beta1: Annotated[float, _hyper("beta1")] | None = None
    beta2: Annotated[float, _hyper("beta2")] | None = None
    _check = field_validator("name")(lambda cls, v: _one_of(OPTIMIZERS)(v))

    @model_validator(mode="after")
    def _belongs(self) -> OptimizerConfig:
        allowed = {p.name for p in OPTIMIZERS[self.name].params}
        for key in ("beta", "rho", "eps", "beta1", "beta2"):
            if getattr(self, key) is not None and key not in allowed:
                raise RequestError(f"{key} is not a parameter of {self.name} "
                                 f"(it takes: {', '.join(sorted(allowed)) or 'none'})")
        return self

    def hyper(self) -> dict[str, float]:
        """Every parameter of this optimizer, defaults filled in."""
        return {p.name: (getattr(self, p.name) if getattr(self, p.name) is not None else p.default)
                for p in OPTIMIZERS[self.name].params}


class RegularizationConfig(Strict):
    kind: str = "none"
    rate: RegularizationRate = 0.0
    _check = field_validator("kind")(lambda cls, v: _one_of(REGULARIZERS)(v))


def _default_layers() -> list[LayerConfig]:
    return [LayerConfig(units=4, activation="tanh"), LayerConfig(units=2, activation="tanh")]


class SessionConfig(Strict):
    """An experiment: data, network and training settings. Every field is optional."""

    dataset: DatasetConfig = Field(default_factory=DatasetConfig)
    features: list[str] = Field(default_factory=lambda: list(DEFAULT_FEATURES), min_length=1,
                                max_length=len(FEATURES))
    layers: list[LayerConfig] = Field(default_factory=_default_layers, max_length=S.max_layers)
    output: OutputConfig = Field(default_factory=OutputConfig)
    loss: str | None = Field(None, description="default follows the output: bce, cross_entropy or mse")
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)
    batch_size: BatchSize | None = Field(10, description="null: the whole training set")
    regularization: RegularizationConfig = Field(default_factory=RegularizationConfig)
    dropout: Dropout = 0.0
    init: str = DEFAULT_INITIALIZER
    seed: Seed = 1

    _check_init = field_validator("init")(lambda cls, v: _one_of(INITIALIZERS)(v))
    _check_loss = field_validator("loss")(lambda cls, v: v if v is None else _one_of(LOSSES)(v))

    @field_validator("features")
    @classmethod
    def _features(cls, v: list[str]) -> list[str]:
        for name in v:
            _one_of(FEATURES)(name)
        if len(set(v)) != len(v):
            raise RequestError("each feature at most once")
        return [f for f in FEATURES if f in v]  # catalog order, so equal sets give equal networks

    def resolve(self, kind: str) -> SessionConfig:
        """Fill output and loss from the problem kind; check the pairing. Raises RequestError."""
        out = self.output.activation or DEFAULT_OUTPUT[kind]
        if out not in OUTPUTS_FOR_KIND[kind]:
            raise RequestError(f"output.activation: a {kind} problem takes "
                             f"{' or '.join(OUTPUTS_FOR_KIND[kind])}, not {out}")
        loss = self.loss or DEFAULT_LOSS[out]
        if out not in LOSSES[loss].outputs:
            allowed = [n for n, lo in LOSSES.items() if out in lo.outputs]
            raise RequestError(f"loss: {loss} cannot follow a {out} output; use {' or '.join(allowed)}")
        opt = self.optimizer.model_copy(update=self.optimizer.hyper())
        return self.model_copy(update={"output": OutputConfig(activation=out), "loss": loss,
                                       "optimizer": opt})


# ---------------------------------------------------------------- partial updates (PATCH)


class OptimizerPatch(Strict):
    name: str | None = None
    learning_rate: LearningRate | None = None
    beta: Annotated[float, _hyper("beta")] | None = None
    rho: Annotated[float, _hyper("rho")] | None = None
    eps: Annotated[float, _hyper("eps")] | None = None
    beta1: Annotated[float, _hyper("beta1")] | None = None
    beta2: Annotated[float, _hyper("beta2")] | None = None
    _check = field_validator("name")(lambda cls, v: v if v is None else _one_of(OPTIMIZERS)(v))


class RegularizationPatch(Strict):
    kind: str | None = None
    rate: RegularizationRate | None = None
    _check = field_validator("kind")(lambda cls, v: v if v is None else _one_of(REGULARIZERS)(v))


class DatasetPatch(Strict):
    seed: Seed | None = Field(None, description=(
        "new points from this data seed (the same data set, size, noise and split ratio); the weights, "
        "the optimizer's state, the epoch count and the curves carry on: how the network copes with fresh data"))


class SessionPatch(Strict):
    """The settings that change without resetting the weights; omitted fields stay as they are."""

    dataset: DatasetPatch | None = None
    optimizer: OptimizerPatch | None = None
    regularization: RegularizationPatch | None = None
    batch_size: BatchSize | None = Field(
        None, description="omit to keep it; null for the whole training set")
    dropout: Dropout | None = None


def apply_patch(c: SessionConfig, p: SessionPatch, n_train: int) -> SessionConfig:
    """The config with a PATCH applied; optimizer parameters carry over while the optimizer stays."""
    updates: dict[str, object] = {}
    if p.dataset is not None and p.dataset.seed is not None:
        updates["dataset"] = c.dataset.model_copy(update={"seed": p.dataset.seed})
    if p.optimizer is not None:
        fields = p.optimizer.model_dump(exclude_none=True)
        name = fields.get("name", c.optimizer.name)
        base = c.optimizer.model_dump() if name == c.optimizer.name else {"learning_rate": c.optimizer.learning_rate}
        merged = {k: v for k, v in {**base, **fields, "name": name}.items() if v is not None}
        try:
            opt = OptimizerConfig.model_validate(merged)
        except ValidationError as e:  # e.g. a parameter the (new) optimizer does not take
            raise RequestError(f"optimizer: {e.errors()[0]['msg'].removeprefix('Value error, ')}") from None
        updates["optimizer"] = opt.model_copy(update=opt.hyper())
    if p.regularization is not None:
        updates["regularization"] = c.regularization.model_copy(update=p.regularization.model_dump(exclude_none=True))
    if "batch_size" in p.model_fields_set:
        if p.batch_size is not None and p.batch_size > n_train:
            raise RequestError(f"batch_size: must be in [1, {n_train}] (the training set) or null")
        updates["batch_size"] = p.batch_size
    if p.dropout is not None:
        updates["dropout"] = p.dropout
    return c.model_copy(update=updates)


Status = Literal["idle", "running", "diverged"]
Point = Annotated[list[float], Field(min_length=2, max_length=2)]
