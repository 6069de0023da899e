"""The data side of a session: the split, its feature matrices and encoded targets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.data.custom import DataError, parse_csv, parse_points
from app.data.datasets import Split, make_split, split_points
from app.data.features import feature_matrix
from app.nn.network import encode_targets

from .spec import CUSTOM, DatasetConfig

Array = np.ndarray


def build_split(cfg: DatasetConfig, max_points: int, max_bytes: int, extent: float) -> Split:
    """The data set a config names (generated, or the user's own points), split train/test."""
    if cfg.name != CUSTOM:
        return make_split(cfg.name, cfg.n_samples, cfg.noise, cfg.train_ratio, cfg.seed, cfg.classes)
    if cfg.csv is not None:
        x, y, kind, k = parse_csv(cfg.csv, max_points, max_bytes, extent)
    else:
        assert cfg.points is not None and cfg.labels is not None
        x, y, kind, k = parse_points([list(p) for p in cfg.points], list(cfg.labels), max_points, extent)
    if cfg.split is not None:
        return drawn_split(x, y, kind, k, cfg.split)
    return split_points(x, y, kind, k, cfg.train_ratio, np.random.default_rng(cfg.seed))


def drawn_split(x: Array, y: Array, kind: str, n_classes: int, parts: Sequence[str]) -> Split:
    """The split the student chose point by point (each part keeps the points' order): nothing
    becomes a test point behind their back."""
    if len(parts) != len(y):
        raise DataError("split", f"got {len(parts)} parts for {len(y)} points: one 'train' or 'test' each")
    test = np.array([part == "test" for part in parts])
    if test.all():
        raise DataError("split", "every point is a test point: draw at least one training point")
    if not test.any():
        raise DataError("split", "no test point: draw at least one (the test cost needs it)")
    return Split(x[~test], y[~test], x[test], y[test], kind, n_classes)


@dataclass
class Problem:
    """Features × examples matrices for training and for evaluating both splits in one pass."""

    split: Split
    features: list[str]
    output_activation: str
    n_outputs: int
    x_train: Array  # (n_features, n_train) float32
    y_train: Array  # (n_outputs, n_train) encoded targets
    x_all: Array  # (n_features, n_train + n_test): train then test, one forward for both
    y_all: Array
    labels_all: Array | None  # (n_train + n_test,) int64 class labels; None for regression

    @classmethod
    def build(cls, split: Split, features: list[str], output_activation: str) -> Problem:
        n_out = split.n_classes if split.kind == "multiclass" else 1
        x_all_raw = np.concatenate([split.x_train, split.x_test])
        y_all_raw = np.concatenate([split.y_train, split.y_test])
        x_all = feature_matrix(x_all_raw, features)
        y_all = encode_targets(y_all_raw, output_activation, n_out)
        n = len(split.y_train)
        labels = y_all_raw.astype(np.int64) if split.kind != "regression" else None
        return cls(split, features, output_activation, n_out, np.ascontiguousarray(x_all[:, :n]),
                   np.ascontiguousarray(y_all[:, :n]), x_all, y_all, labels)

    @property
    def n_train(self) -> int:
        return self.x_train.shape[1]

    @property
    def kind(self) -> str:
        return self.split.kind
