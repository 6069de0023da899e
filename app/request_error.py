"""The one exception that means "the request asked for something it may not have" (a 422).

Raised wherever the code rejects what a request asked: a value out of range, a name not in a
registry, a config whose parts do not fit together, too much work for one request. The API maps
only this (and FastAPI's own request validation) to 422; any other exception, a `ValueError` from
NumPy included, is a bug of the server and answered 500, so tests and fuzzers can see it.

It subclasses ValueError so that pydantic validators may raise it like any validation error. It
lives apart from the web layer so the engine-side code (`app.training`, `app.data`) can raise it
without importing FastAPI.
"""

from __future__ import annotations


class RequestError(ValueError):
    """What a request asked cannot be done; the message reads "field: what is wrong" when it can
    name the field (the API puts the part before ": " in `detail[].field`)."""
