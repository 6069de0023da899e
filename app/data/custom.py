"""The student's own points, from JSON or a CSV upload, checked with errors that name the row."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from numbers import Real

import numpy as np

from app.request_error import RequestError

MIN_POINTS = 4  # fewer leaves no sensible train/test split
LABEL_MAX = 1e6  # |label| at most: a regression target beyond it only makes a run diverge at once
Parsed = tuple[np.ndarray, np.ndarray, str, int]  # x (n, 2) float64, y (n,), kind, n_classes


class DataError(RequestError):
    """Bad user data; `field` says where ("points[3]", "csv line 7") so the UI can point at it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _number(value: object) -> float | None:
    """A finite float, or None; bools and strings are not numbers, though float() takes them."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    try:
        f = float(value)
    except OverflowError:  # an int beyond the float range (JSON allows 10**309)
        return None
    return f if math.isfinite(f) else None


def _check_label(value: float, field: str) -> float:
    if abs(value) > LABEL_MAX:
        raise DataError(field, f"label must be in [{-LABEL_MAX:g}, {LABEL_MAX:g}], got {value:g}")
    return value


def _check_count(n: int, max_points: int, field: str) -> None:
    if n < MIN_POINTS:
        raise DataError(field, f"need at least {MIN_POINTS} points, got {n}")
    if n > max_points:
        raise DataError(field, f"at most {max_points} points allowed, got {n}")


def _check_point(point: object, extent: float, field: str) -> tuple[float, float]:
    if isinstance(point, np.ndarray):
        point = point.tolist()  # arrays are accepted like lists (a 0-d one becomes a scalar)
    if not isinstance(point, Sequence) or isinstance(point, str) or len(point) != 2:
        raise DataError(field, f"expected a pair of numbers [x1, x2], got {point!r}")
    x1, x2 = _number(point[0]), _number(point[1])
    if x1 is None or x2 is None:
        raise DataError(field, f"coordinates must be finite numbers, got {list(point)!r}")
    if abs(x1) > extent or abs(x2) > extent:
        raise DataError(field, f"({x1:g}, {x2:g}) lies outside [-{extent:g}, {extent:g}]²")
    return x1, x2


def _targets(labels: list[float], max_classes: int, field: str) -> tuple[np.ndarray, str, int]:
    """Whole labels 0..K-1 (K <= max_classes) mean classes; anything else is a regression target."""
    y = np.asarray(labels, dtype=np.float64)
    whole = np.all(y == np.round(y)) and y.min() >= 0 and y.max() <= max_classes - 1
    if not whole:
        return y, "regression", 0
    present = np.unique(y).astype(np.int64)
    k = int(present[-1]) + 1
    if len(present) < 2:
        raise DataError(field, f"every label is {present[0]}: classification needs two classes")
    missing = sorted(set(range(k)) - set(present.tolist()))
    if missing:
        raise DataError(field, f"labels must be 0..{k - 1} with every class present; "
                               f"no point has label {missing[0]}")
    return y.astype(np.int64), "binary" if k == 2 else "multiclass", k


def _assemble(pts: list[tuple[float, float]], labels: list[float], max_classes: int,
              field: str) -> Parsed:
    y, kind, k = _targets(labels, max_classes, field)
    return np.array(pts, dtype=np.float64).reshape(-1, 2), y, kind, k


def parse_points(points: list[list[float]], labels: list[float], max_points: int,
                 extent: float = 6.0, max_classes: int = 5) -> Parsed:
    """Check points drawn or sent as JSON; errors name the index, e.g. "points[3]"."""
    _check_count(len(points), max_points, "points")
    if len(labels) != len(points):
        raise DataError("labels", f"got {len(labels)} labels for {len(points)} points")
    pts = [_check_point(p, extent, f"points[{i}]") for i, p in enumerate(points)]
    ys = []
    for i, label in enumerate(labels):
        value = _number(label)
        if value is None:
            raise DataError(f"labels[{i}]", f"must be a finite number, got {label!r}")
        ys.append(_check_label(value, f"labels[{i}]"))
    return _assemble(pts, ys, max_classes, "labels")


# --- CSV

_SEPARATORS = re.compile(r"[,;\t]")


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """Non-blank lines as (1-based line number, stripped fields), without a leading header."""
    rows = [(i, [f.strip() for f in _SEPARATORS.split(line)])
            for i, line in enumerate(text.removeprefix("\ufeff").splitlines(), start=1)
            if line.strip()]
    # A first row that does not start with a number is a header such as "x1,x2,label".
    if rows and _float(rows[0][1][0]) is None:
        rows = rows[1:]
    return rows


def _csv_row(line: int, fields: list[str], extent: float) -> tuple[tuple[float, float], float]:
    where = f"csv line {line}"
    if len(fields) != 3:
        raise DataError(where, f"expected 3 values x1,x2,label, got {len(fields)}")
    values = []
    for name, field in zip(("x1", "x2", "label"), fields, strict=True):
        value = _float(field)
        if value is None:
            raise DataError(where, f"{name} must be a finite number, got {field!r}")
        values.append(value)
    return _check_point(values[:2], extent, where), _check_label(values[2], where)


def parse_csv(text: str, max_points: int, max_bytes: int, extent: float = 6.0,
              max_classes: int = 5) -> Parsed:
    """Parse "x1,x2,label" rows; errors name the 1-based line, e.g. "csv line 7"."""
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise DataError("csv", f"file is {size} bytes; at most {max_bytes} allowed")
    rows = _csv_rows(text)
    _check_count(len(rows), max_points, "csv")
    parsed = [_csv_row(line, fields, extent) for line, fields in rows]
    return _assemble([p for p, _ in parsed], [y for _, y in parsed], max_classes, "csv")
