"""Request and response bodies of the REST API (the session config itself lives in training.spec)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.config import get_settings
from app.request_error import RequestError
from app.training.fields import RealIn, WholeIn, counted
from app.training.spec import SEED_MAX, SessionConfig

S = get_settings()
WEIGHT_MAX = 1e6
STEP_MAX = 10**7  # larger weights are refused: they only overflow the float32 engine


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- weights

Weight = Annotated[float, RealIn(-WEIGHT_MAX, WEIGHT_MAX)]


class LayerWeights(Strict):
    W: list[list[Weight]] = Field(..., description="shape (n[l], n[l−1]): W[l] in the course's orientation",
                                  max_length=S.max_units)
    b: list[Weight] = Field(..., description="n[l] entries", max_length=S.max_units)


class Weights(Strict):
    layers: list[LayerWeights] = Field(..., max_length=S.max_layers + 1)


# ---------------------------------------------------------------- creating a session


class SessionCreate(SessionConfig):
    """A session config, optionally with initial weights; an export document is accepted too."""

    weights: Weights | None = Field(None, description="initial weights; shapes must fit the network")

    @model_validator(mode="before")
    @classmethod
    def _unwrap_export(cls, data: Any) -> Any:
        # GET …/export returns {"format", "config", "weights", "history", …}: take it back as is
        if isinstance(data, dict) and isinstance(data.get("config"), dict) and "format" in data:
            return {**data["config"], "weights": data.get("weights")}
        return data


# ---------------------------------------------------------------- actions


class StepRequest(Strict):
    # the work one request may do is checked against the app's settings by the route
    steps: Annotated[int, WholeIn(1, STEP_MAX)] | None = Field(None, description="optimizer updates")
    epochs: Annotated[int, WholeIn(1, STEP_MAX)] | None = Field(None, description="whole epochs")

    @model_validator(mode="after")
    def _one(self) -> StepRequest:
        if (self.steps is None) == (self.epochs is None):
            raise RequestError("give exactly one of steps or epochs")
        return self


class ResetRequest(Strict):
    seed: Annotated[int, WholeIn(0, SEED_MAX)] | None = Field(None, description="new initial weights from this seed")


Coordinate = Annotated[float, RealIn(-1e3, 1e3)]


class PredictRequest(Strict):
    points: Annotated[list[tuple[Coordinate, Coordinate]], counted(S.max_predict_points)] = Field(
        ..., min_length=1, max_length=S.max_predict_points, description="[[x1, x2], …] raw inputs")


# ---------------------------------------------------------------- responses


class SplitMetricsOut(BaseModel):
    cost: float | None = Field(description="J = mean loss + R(W)")
    loss: float | None = Field(description="the data term alone")
    accuracy: float | None = Field(description="classification only")


class MetricsOut(BaseModel):
    train: SplitMetricsOut
    test: SplitMetricsOut
    grad_norms: list[float | None] | None = Field(description="‖dW[l]‖ of the last update, per layer")


class DataInfo(BaseModel):
    kind: str
    n_classes: int
    n_train: int
    n_test: int
    seed: int = Field(description="the data seed the points were drawn with: when it changes (PATCH dataset.seed), "
                                  "GET …/data again")


class UnstableOut(BaseModel):
    since: int = Field(description="the epoch the run was first found unstable")
    low: float | None = Field(description="the lowest training cost of the last `window` epochs")
    high: float | None = Field(description="the highest training cost of the last `window` epochs")
    window: int = Field(description="epochs the rule looks back")


class SessionOut(BaseModel):
    id: str
    config: SessionConfig
    status: str = Field(description="idle, running or diverged")
    epoch: int
    step: int
    metrics: MetricsOut
    data: DataInfo
    sizes: list[int] = Field(description="units per layer, inputs first")
    updates_per_epoch: int
    diverged_at: dict[str, int] | None = None
    unstable: UnstableOut | None = Field(None, description=(
        "the training cost bounces without getting better (too large a learning rate, short of diverging): over "
        "the last `window` epochs its lowest value is not 10 % below the lowest before them, and their median "
        "stands more than 0.15 × the initial cost above that lowest value; training goes on"))
    message: str | None = None


OWNER_TOKEN_DOC = ("the owner capability, given once: send it as `Authorization: Bearer <owner_token>` to change "
                   "or delete this; the id alone only reads and streams (a follow link carries only the id)")


class SessionCreated(SessionOut):
    owner_token: str = Field(description=OWNER_TOKEN_DOC)


class HistoryOut(BaseModel):
    epoch: list[int]
    train_cost: list[float | None]
    test_cost: list[float | None]
    train_loss: list[float | None]
    test_loss: list[float | None]
    train_accuracy: list[float | None]
    test_accuracy: list[float | None]
    grad_norms: list[list[float | None] | None] = Field(description="‖dW[l]‖ per layer at each epoch")


class DataOut(BaseModel):
    features: list[str]
    kind: str
    n_classes: int
    train: dict[str, list[Any]]
    test: dict[str, list[Any]]


class BoundaryOut(BaseModel):
    resolution: int
    extent: float
    kind: str
    axis: list[float] = Field(description="grid coordinates, the same for x1 (columns) and x2 (rows)")
    output: list[Any] = Field(description="binary: P(class 1)[row][col]; regression: value; "
                                          "multiclass: [class][row][col] probabilities")
    argmax: list[list[int]] | None = None
    neuron_resolution: int | None = None
    neurons: list[list[list[list[float]]]] | None = Field(
        None, description="[layer][unit][row][col] hidden activations")


class PredictOut(BaseModel):
    outputs: list[list[float | None]] = Field(description="[point][output unit]")
    labels: list[int] | None = Field(description="predicted class per point (classification)")


class GradCheckOut(BaseModel):
    per_layer: list[float]
    overall: float
    checked: int
    epsilon: float
    examples: int
    passed: bool = Field(description="overall relative error < 1e-7 (kinks of ReLU or L1 can exceed it)")


class CsvParsed(BaseModel):
    points: list[list[float]]
    labels: list[float]
    kind: str
    n_classes: int


class PreviewOut(BaseModel):
    kind: str
    n_classes: int
    points: list[list[float]]
    labels: list[float]
