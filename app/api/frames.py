"""Stream frames: one session's visible state, built once per version and shared by every viewer."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from app.training.boundary import compute_boundary
from app.training.comparison import RECENT_EPOCHS
from app.training.encoding import encode_grid
from app.training.metrics import recent_grad_norms, units
from app.training.session import Session

from . import present

FRAME_RESOLUTION = 100
NEURON_RESOLUTION = 16  # TF Playground draws its unit thumbnails from 10×10
NEURON_LEVELS = 15  # 16 shades are plenty for a thumbnail and keep a [8×6] frame under 15 kB
SLOW_PARTS_S = 0.1  # while training, unit maps and weights are re-encoded at most 10 times a second


def _output(kind: str, grid: np.ndarray) -> dict[str, Any]:
    if kind == "binary":
        return {"kind": kind, "p": encode_grid(grid, 0.0, 1.0)}  # P(class 1)
    if kind == "multiclass":  # (K, r, r) -> winning class and its probability
        return {"kind": kind, "classes": int(grid.shape[0]),
                "argmax": encode_grid(grid.argmax(axis=0).astype(np.float64), 0.0, 255.0),
                "confidence": encode_grid(grid.max(axis=0), 0.0, 1.0)}
    return {"kind": kind, "value": encode_grid(grid)}


def unit_stats(session: Session) -> list[dict[str, Any]]:
    """Per hidden layer: its dead units, saturated share and distinct units (app.nn.units), for the
    network diagram and the lessons' columns. Call with session.lock held."""
    return [vars(layer).copy() for layer in units(session.net, session.problem)]  # asdict deep-copies


SLOW_KEYS = ("neurons", "weights", "units")  # a frame's slow parts, in that order


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def slow_parts_since(session_id: str, now: float) -> float:
    """The start of the slow parts' current period: the last point ≤ now of a grid SLOW_PARTS_S
    apart whose phase is the session's own. A class's sessions trained together in one flock turn
    would otherwise all re-encode their slow parts in the same turn, every third turn at 30 fps:
    a burst that made the turn late and cost every viewer frames (bench.capacity, 2 workers)."""
    digest = hashlib.blake2b(session_id.encode(), digest_size=8).digest()  # spread evenly (crc32's is not)
    phase = int.from_bytes(digest) / 2**64 * SLOW_PARTS_S
    return now - (now - phase) % SLOW_PARTS_S


def build(session: Session, speed: float | None) -> dict[str, Any]:
    """The frame's body. While training runs, the unit maps and weights (which move slowly and cost
    as much to encode as the output map) are re-encoded at most every SLOW_PARTS_S and reused in
    between; otherwise every part is exact."""
    parts = session.frame_parts
    now = time.monotonic()
    slow_due = not session.running or "neurons" not in parts or now - float(parts["at"]) >= SLOW_PARTS_S  # type: ignore[arg-type]
    b = compute_boundary(session, FRAME_RESOLUTION, NEURON_RESOLUTION if slow_due else None)
    with session.lock:
        body = present.session(session).model_dump(mode="json", exclude={"config"})
        layers = session.weights() if slow_due else []
        stats = unit_stats(session) if slow_due else None
    if slow_due:
        slow = {"neurons": {"resolution": NEURON_RESOLUTION,
                            "layers": [encode_grid(layer, levels=NEURON_LEVELS) for layer in (b.neurons or [])]},
                # each layer as one grid [W | b] (n[l], n[l−1] + 1): 255 levels over its range, for the diagram
                "weights": [encode_grid(np.column_stack([w, bias])) for w, bias in layers],
                "units": stats}
        # their JSON once per encoding, and which encoding it is (frame_json: FramePack.slow)
        parts.update(slow, at=slow_parts_since(session.id, now), json=_json(slow)[1:-1],
                     count=int(parts.get("count", 0)) + 1)  # type: ignore[call-overload]
    body.update(version=session.version, viewers=session.viewers, speed=speed, extent=b.extent,
                output=_output(b.kind, b.output), **{key: parts[key] for key in SLOW_KEYS})
    return body


class FramePack(NamedTuple):
    """A frame as every viewer of its version gets it, encoded once."""

    version: int
    text: str  # the whole frame's JSON
    sse: bytes  # the whole frame as an SSE event
    began: float  # when its build began (monotonic): the frames' cadence counts from here
    # the frame without its slow parts (SLOW_KEYS), for a stream that was sent these very parts before
    # (they change at most every SLOW_PARTS_S: at 60 frames a second most frames would repeat ~60 % of
    # their bytes); None: every viewer gets the whole frame
    lean: bytes | None = None
    slow: int = 0  # which slow parts the whole frame carries (their encoding's count in frame_parts)


def sse_event(version: int, text: str) -> bytes:
    """The frame as it goes on the wire, encoded once for every viewer."""
    return f"event: frame\nid: {version}\ndata: {text}\n\n".encode()


def frame_json(session: Session, speed: float | None) -> FramePack:
    """The current frame, from the cache when nothing changed: whole, and lean (without the slow
    parts) for the streams that have them. The slow parts' JSON comes from build, which encodes it
    when it encodes them, not at every frame."""
    with session.lock:
        cached = session.frame_cache
        if cached is not None and cached.version == session.version:
            return cached
        version, began = session.version, time.monotonic()  # the frames' cadence counts from here
        body = build(session, speed)
        for key in SLOW_KEYS:
            del body[key]
        parts = session.frame_parts
        lean = _json(body)
        text = f"{lean[:-1]},{parts['json']}}}"
        session.frame_cache = FramePack(version, text, sse_event(version, text), began,
                                        sse_event(version, lean), int(parts["count"]))  # type: ignore[call-overload]
        return session.frame_cache


def refresher(target: Any, make: Callable[[], FramePack]) -> Callable[[], float | None]:
    """For the scheduler's on_chunk: build the frame when a viewer reads and the last one is a
    display frame old (at the fastest reader's fps), then wake the viewers. A quarter of a frame
    of slack, so a session trained once a display frame gets a frame every tick despite jitter,
    while one trained in 10 ms chunks at full speed does not build a frame after every chunk.
    Returns the seconds until the next frame is due (None: nobody reads), so that the scheduler
    ends a full-speed session's next chunk then: chunks of a fixed 10 ms put a frame after every
    second chunk, ~20 ms plus the build apart, ~46 frames a second for a reader asking 60."""

    def refresh() -> float | None:
        fps = target.audience.fps
        if not fps:
            return None
        cached = target.frame_cache
        if cached is None or time.monotonic() - cached.began >= 0.75 / fps:
            make()
            target.audience.beacon.fire()
            cached = target.frame_cache
        return None if cached is None else cached.began + 1 / fps - time.monotonic()

    return refresh


COMPARISON_RESOLUTION = 100


def comparison_frame_json(c: Any, describe: Any) -> FramePack:
    """One frame for every variant: its row of the live table and its output grid."""
    with c.lock:
        cached = c.frame_cache
        if cached is not None and cached.version == c.version:
            return cached
        version = c.version
        body = describe(c).model_dump(mode="json", exclude={"config"})
        for variant, s in zip(body["variants"], c.sessions, strict=True):
            variant.pop("config", None)
            b = compute_boundary(s, COMPARISON_RESOLUTION)
            variant["output"] = _output(b.kind, b.output)
            with s.lock:  # what a lesson points at besides the maps: its units, each layer's gradient
                variant["units"] = unit_stats(s)
                variant["layer_grads"] = present.finite_tree(
                    recent_grad_norms(s.history.cols["grad_norms"], RECENT_EPOCHS))
        body.update(version=version, viewers=c.viewers, extent=c.sessions[0].settings.grid_extent)
        text = json.dumps(body, separators=(",", ":"), allow_nan=False)
        c.frame_cache = FramePack(version, text, sse_event(version, text), time.monotonic())
        return c.frame_cache
