"""Bounded number types for request models: strict, finite, with the range in the schema and the error.

Every range error reads "must be in [low, high]" (or with an open end) so that a client is
always told the field and the allowed range, and the range also appears in OpenAPI as
minimum/maximum for clients and fuzzers to read. NaN, ±inf and integers beyond what a float
holds (10^309 and up, which JSON allows) are refused the same way, before anything uses them.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, WrapValidator

from app.request_error import RequestError


def _bound(x: float) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"  # a whole bound exactly: 2147483647, not 2.14748e+09


def _range_text(low: float, high: float, low_open: bool) -> str:
    return f"{'(' if low_open else '['}{_bound(low)}, {_bound(high)}]"


def _finite(value: float) -> bool:
    """Not NaN or ±inf, and a float can hold it (an int of 309 digits cannot: OverflowError)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _shown(value: float) -> str:
    """The refused number for the message; %g cannot format an int beyond the float range."""
    return f"{value:g}" if _finite(value) else "a number too large for a float"


def _checker(low: float, high: float, low_open: bool) -> Any:
    text = _range_text(low, high, low_open)

    def check(value: float) -> float:
        if isinstance(value, float) and not _finite(value):  # NaN fails no comparison below
            raise RequestError(f"must be a finite number in {text}")
        too_low = value <= low if low_open else value < low
        if too_low or value > high:
            raise RequestError(f"must be in {text}, got {_shown(value)}")
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
        if wrong or (isinstance(value, float) and whole) or (not whole and not _finite(value)):
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


def _parsed(low: float, high: float, whole: bool) -> Any:
    """Pydantic's own parsing of a query value, with its refusals ("fast", "1e3" for a count)
    reworded to give the allowed range like every other error."""
    text = _range_text(low, high, False)
    kind = "a whole number" if whole else "a finite number"

    def parse(value: Any, handler: Any) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise RequestError(f"must be {kind} in {text}") from None

    return parse


def QueryNumber(kind: type, low: float, high: float, *, alias: str | None = None,
                description: str = "") -> Any:
    """A query parameter (text, so not strict) in [low, high], with the same error wording;
    "nan" and "inf", which pydantic reads as floats, are refused like any value out of range."""
    from fastapi import Query  # the engine-side models never need FastAPI; only query params do

    return Annotated[
        kind,
        Query(alias=alias, description=description, json_schema_extra=_schema(low, high, False)),
        WrapValidator(_parsed(low, high, kind is int)),
        AfterValidator(_checker(low, high, False)),
    ]
