"""Compact grids for the stream: quantised to uint8, row-delta filtered, deflated, base64.

A 100×100 probability map is 10 kB as bytes and ~70 kB as JSON floats; smooth maps deflate
well once each row is stored as its difference from the row above (PNG's "up" filter).
The page inverts this in static/js/frame.js (DecompressionStream('deflate'), then a running sum).
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
        q = np.nan_to_num((a - lo) * (levels / span), nan=0.0, posinf=levels, neginf=0.0)
    return np.clip(np.rint(q), 0, levels).astype(np.uint8)


def pack(q: Array) -> str:
    """uint8 (..., rows, cols) -> base64(deflate(row deltas mod 256))."""
    flat = q.reshape(-1, q.shape[-1])
    delta = flat.copy()
    delta[1:] -= flat[:-1]  # uint8 arithmetic wraps, exactly invertible by a running sum
    return base64.b64encode(zlib.compress(delta.tobytes(), 6)).decode("ascii")


def unpack(text: str, shape: tuple[int, ...]) -> Array:
    """The inverse of `pack` (used by tests and Python clients)."""
    delta = np.frombuffer(zlib.decompress(base64.b64decode(text)), np.uint8).reshape(-1, shape[-1])
    return np.cumsum(delta, axis=0, dtype=np.uint8).reshape(shape)


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
