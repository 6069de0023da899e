"""Bounded number types for request models: strict, finite, with the range in the schema and the error.

Every range error reads "must be in [low, high]" (or with an open end) so that a client is
always told the field and the allowed range, and the range also appears in OpenAPI as
minimum/maximum for clients and fuzzers to read.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from app.request_error import RequestError


def _range_text(low: float, high: float, low_open: bool) -> str:
    return f"{'(' if low_open else '['}{low:g}, {high:g}]"


def _checker(low: float, high: float, low_open: bool) -> Any:
    text = _range_text(low, high, low_open)

    def check(value: float) -> float:
        too_low = value <= low if low_open else value < low
        if too_low or value > high:
            raise RequestError(f"must be in {text}, got {value:g}")
        return value

    return check


def _schema(low: float, high: float, low_open: bool) -> dict[str, Any]:
    bound = {"exclusiveMinimum": low} if low_open else {"minimum": low}
    return {**bound, "maximum": high}


def _typed(low: float, high: float, low_open: bool, whole: bool) -> Any:
    """Refuse what is not a number of the right kind with the same wording as a range error, so
    true, "fast", NaN, or 2.5 for a count also tell the client the allowed range."""
    text = _range_text(low, high, low_open)
    kind = "a whole number" if whole else "a finite number"

    def check(value: Any) -> Any:
        wrong = isinstance(value, bool) or not isinstance(value, int | float)
        if wrong or (isinstance(value, float) and (whole or not math.isfinite(value))):
            raise RequestError(f"must be {kind} in {text}")
        return value

    return check


def Real(low: float, high: float, *, low_open: bool = False, description: str = "") -> Any:
    """A finite JSON number in [low, high] (or (low, high]); booleans and strings are refused."""
    return Annotated[
        float,
        Field(strict=True, allow_inf_nan=False, description=description,
              json_schema_extra=_schema(low, high, low_open)),
        BeforeValidator(_typed(low, high, low_open, whole=False)),
        AfterValidator(_checker(low, high, low_open)),
    ]


def Whole(low: int, high: int, *, description: str = "") -> Any:
    """A JSON integer in [low, high]; 2.0, true and "2" are refused."""
    return Annotated[
        int,
        Field(strict=True, description=description, json_schema_extra=_schema(low, high, False)),
        BeforeValidator(_typed(low, high, False, whole=True)),
        AfterValidator(_checker(low, high, False)),
    ]


def QueryNumber(kind: type, low: float, high: float, *, alias: str | None = None,
                description: str = "") -> Any:
    """A query parameter (text, so not strict) in [low, high], with the same error wording."""
    from fastapi import Query  # the engine-side models never need FastAPI; only query params do

    return Annotated[
        kind,
        Query(alias=alias, description=description, json_schema_extra=_schema(low, high, False)),
        AfterValidator(_checker(low, high, False)),
    ]
