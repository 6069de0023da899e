"""Compact grids for the stream: quantised to uint8, plane-predicted, deflated, base64.

A 100×100 probability map is 10 kB as bytes and ~70 kB as JSON floats; smooth maps deflate
well once each byte is stored as its difference from the plane through its left, upper and
upper-left neighbours (q − left − up + upper-left, mod 256): a flat or evenly sloped patch
becomes zeros. Against row deltas alone (PNG's "up" filter) this cut the largest [8×6] frame of
a 1,600-epoch spiral run from 14.9 to 13.7 kB. The inverse is two running sums, one down the
columns and one along the rows; the page does it in static/js/frame.js.

Deflate runs with the run-length strategy: residuals are runs of zeros and small values, so
longer matches find little more. On the [8×6] spiral frames of a training run it gave the same
bytes as the default strategy (±5 %) at 1/15 of the time (40 µs instead of 600 µs for a 100×100
map), and the frame, built up to 30 times a second for every watched session, is what a server
full of students spends its time on.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

import numpy as np

Array = np.ndarray
LEVELS = 255


def quantise(a: Array, lo: float, hi: float, levels: int = LEVELS) -> Array:
    """Values in [lo, hi] -> uint8 0..levels (clipped; NaN -> 0)."""
    span = hi - lo if hi > lo else 1.0
    with np.errstate(all="ignore"):
        q = (a - lo) * (levels / span)
    # fmax/fmin take the number over NaN: NaN and −inf -> 0, +inf -> levels, in four ufunc calls
    # (nan_to_num + clip cost ~25 µs a grid, and a frame encodes up to a dozen grids)
    np.fmax(q, 0.0, out=q)
    np.fmin(q, levels, out=q)
    return np.rint(q, out=q).astype(np.uint8)


def _maps(q: Array) -> Array:
    """(..., rows, cols) -> (maps, rows, cols), a view; a 1-D grid is one map of one row."""
    return q.reshape(-1, *q.shape[-2:]) if q.ndim >= 2 else q.reshape(1, 1, -1)


def pack(q: Array) -> str:
    """uint8 (..., rows, cols) -> base64(deflate(plane-predictor residuals mod 256)), map by map."""
    maps = _maps(q)
    along = maps.copy()
    along[:, :, 1:] -= maps[:, :, :-1]  # minus the left neighbour (uint8 wraps: exactly invertible)
    residual = along.copy()
    residual[:, 1:] -= along[:, :-1]  # minus the row above's: q − left − up + upper-left
    deflate = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    return base64.b64encode(deflate.compress(residual.tobytes()) + deflate.flush()).decode("ascii")


def unpack(text: str, shape: tuple[int, ...]) -> Array:
    """The inverse of `pack` (used by tests and Python clients)."""
    residual = _maps(np.frombuffer(zlib.decompress(base64.b64decode(text)), np.uint8).reshape(shape))
    along = np.cumsum(residual, axis=1, dtype=np.uint8)
    return np.cumsum(along, axis=2, dtype=np.uint8).reshape(shape)


def encode_grid(a: Array, lo: float | None = None, hi: float | None = None,
                levels: int = LEVELS) -> dict[str, Any]:
    """A grid as {shape, lo, hi, levels, data}: value ≈ lo + byte · (hi − lo) / levels.

    Fewer levels (16 for the small per-unit maps) deflate to a fraction of the bytes.
    """
    with np.errstate(all="ignore"):
        finite = a[np.isfinite(a)]
    lo = float(finite.min()) if lo is None and finite.size else (lo if lo is not None else 0.0)
    hi = float(finite.max()) if hi is None and finite.size else (hi if hi is not None else 1.0)
    if hi <= lo:
        hi = lo + 1e-6
    return {"shape": list(a.shape), "lo": lo, "hi": hi, "levels": levels,
            "data": pack(quantise(a, lo, hi, levels))}


def decode_grid(g: dict[str, Any]) -> Array:
    q = unpack(g["data"], tuple(g["shape"])).astype(np.float64)
    return g["lo"] + q * (g["hi"] - g["lo"]) / g["levels"]
