"""Bounded number types for request models: strict, finite, with the range in the schema and the error.

Every range error reads "must be in [low, high]" (or with an open end) so that a client is
always told the field and the allowed range, and the range also appears in OpenAPI as
minimum/maximum for clients and fuzzers to read. NaN, ±inf and integers beyond what a float
holds (10^309 and up, which JSON allows) are refused the same way, before anything uses them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any

from annotated_types import GroupedMetadata
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


def counted(most: int) -> BeforeValidator:
    """Refuse a list of more than `most` items before any item is validated: pydantic checks
    `max_length` only after validating every item, so a 2 MB list was read in full to be refused."""
    def check(value: object) -> object:
        if isinstance(value, list) and len(value) > most:
            raise ValueError(f"at most {most} items, got {len(value)}")
        return value

    return BeforeValidator(check)


class RealIn(GroupedMetadata):
    """A finite JSON number in [low, high] (or (low, high]); booleans and strings are refused.

    Metadata for `Annotated[float, RealIn(0.0, 1.0)]`, so type checkers see the float."""

    def __init__(self, low: float, high: float, *, low_open: bool = False, description: str = "") -> None:
        self.low, self.high, self.low_open, self.description = low, high, low_open, description

    def __iter__(self) -> Iterator[object]:
        yield Field(strict=True, allow_inf_nan=False, description=self.description or None,
                    json_schema_extra=_schema(self.low, self.high, self.low_open))
        yield BeforeValidator(_typed(self.low, self.high, self.low_open, whole=False))
        yield AfterValidator(_checker(self.low, self.high, self.low_open))


class WholeIn(GroupedMetadata):
    """A JSON integer in [low, high]; 2.0, true and "2" are refused.

    Metadata for `Annotated[int, WholeIn(1, 10)]`, so type checkers see the int."""

    def __init__(self, low: int, high: int, *, description: str = "") -> None:
        self.low, self.high, self.description = low, high, description

    def __iter__(self) -> Iterator[object]:
        yield Field(strict=True, description=self.description or None,
                    json_schema_extra=_schema(self.low, self.high, False))
        yield BeforeValidator(_typed(self.low, self.high, False, whole=True))
        yield AfterValidator(_checker(self.low, self.high, False))


def Real(low: float, high: float, *, low_open: bool = False, description: str = "") -> Any:
    """`Annotated[float, RealIn(...)]` as a call in an annotation: the older spelling, which type
    checkers refuse (a call is not a type); kept while app/api still uses it."""
    return Annotated[float, RealIn(low, high, low_open=low_open, description=description)]


def Whole(low: int, high: int, *, description: str = "") -> Any:
    """`Annotated[int, WholeIn(...)]` as a call in an annotation: the older spelling (see Real)."""
    return Annotated[int, WholeIn(low, high, description=description)]


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


class QueryIn(GroupedMetadata):
    """A query parameter (text, so not strict) of `kind` (int or float) in [low, high], with the same
    error wording; "nan" and "inf", which pydantic reads as floats, are refused like any value out
    of range. Metadata beside FastAPI's own `Query` (which must stay where FastAPI looks for it):
    `Annotated[int, Query(description=...), QueryIn(int, 2, 9)]`."""

    def __init__(self, kind: type[int] | type[float], low: float, high: float) -> None:
        self.kind, self.low, self.high = kind, low, high

    def __iter__(self) -> Iterator[object]:
        yield Field(json_schema_extra=_schema(self.low, self.high, False))
        yield WrapValidator(_parsed(self.low, self.high, self.kind is int))
        yield AfterValidator(_checker(self.low, self.high, False))


def QueryNumber(kind: type, low: float, high: float, *, alias: str | None = None,
                description: str = "") -> Any:
    """`Annotated[kind, Query(...), QueryIn(kind, low, high)]` as a call in an annotation: the
    older spelling (see Real)."""
    from fastapi import Query  # the engine-side models never need FastAPI; only query params do

    return Annotated[kind, Query(alias=alias, description=description), QueryIn(kind, low, high)]
