"""A session's whole state as data, and a session rebuilt from it that goes on exactly as the original.

A session is its config (which rebuilds the data: a generated set from its seed, custom points or
CSV from the config itself) plus what training did since: the network's parameters and the last
update's gradient, the initial and last-good parameters, the optimizer's state (every array and
its step counter), both random generators' states, the trainer's epoch, step and position and,
inside an epoch, that epoch's shuffled order, the history, the status and what goes with it
(where it diverged, the comparison that owns it, its target), and the metrics it reports.
Everything else it holds is derived (workspaces, frames) or belongs to the running process
(viewers, the clock). After `restore_session(capture(s))`, training the copy gives bit for bit the
weights and history the original gives (tests/training/test_training_snapshot.py checks it against
a twin that never stopped). A session that was playing comes back paused: RUNNING restores as IDLE.

The format is plain data: `SessionState.config` the config as JSON data, `scalars` JSON data,
`arrays` NumPy arrays (stored as raw bytes with dtype and shape: `pack`/`unpack`), `history` the
history's columns from row `start` on (a store that has the rows before it appends only the new
ones). A comparison is its config, its labels and its variants' ids (`ComparisonState`); its
variants are captured together, under every lock, so they stand at the same step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.config import Settings

from .comparison import Comparison, ComparisonConfig
from .history import COLUMNS, History
from .metrics import Metrics, SplitMetrics
from .session import Session, Status
from .spec import SessionConfig

Array = np.ndarray
FORMAT = 1  # of the scalars: a saved state of another format is not restored


@dataclass
class HistoryState:
    stride: int
    rewrites: int  # the History's counter when captured: rows before `start` are unchanged while it is
    start: int  # the index of the first row in cols (0: the whole history)
    length: int  # rows in the whole history
    cols: dict[str, list[Any]]


@dataclass
class SessionState:
    id: str
    config: SessionConfig
    scalars: dict[str, Any]
    arrays: dict[str, Array]
    history: HistoryState

    @property
    def step(self) -> int:
        return int(self.scalars["step"])


@dataclass
class ComparisonState:
    id: str
    config: dict[str, Any]  # ComparisonConfig as JSON data
    labels: list[str]
    sessions: list[str]  # the variants' ids, in order
    variants: list[SessionState] = field(default_factory=list)


# ---------------------------------------------------------------- capture


def capture(s: Session, shuffled: tuple[Array, Array] | None = None,
            known: tuple[int, int] | None = None) -> SessionState:
    """Everything about s, copied under its lock. `shuffled`: the current epoch's shuffled (x, y)
    when someone else keeps them (a comparison's Lockstep). `known` (rewrites, rows): the history
    rows a store holds already; only those after them are copied when they are still valid."""
    with s.lock:
        t, net, u = s.trainer, s.net, s.trainer.updater
        assert u is not None
        arrays = {"params": net.params.copy(), "grad": net.grad.copy(), "initial": s.initial_params.copy(),
                  "last_good": s._last_good.copy()}
        for name, value in vars(u).items():
            if isinstance(value, np.ndarray):
                arrays[f"opt.{name}"] = value.copy()
        if t.position:  # inside an epoch: its order (drawn at its start) is the rest of it
            x, y = shuffled if shuffled is not None else (t._x_shuf, t._y_shuf)
            arrays["x_shuf"], arrays["y_shuf"] = x.copy(), y.copy()
        scalars = {
            "format": FORMAT,
            "status": s.status.value, "diverged_at": s.diverged_at, "owner": s.owner, "owner_key": s.owner_key,
            "target_loss": s.target_loss, "target_epoch": s.target_epoch,
            "epoch": t.epoch, "step": t.step, "position": t.position,
            "optimizer": t.settings.optimizer, "optimizer_t": u.t,
            "rng_init": s._init_rng.bit_generator.state, "rng_train": t.rng.bit_generator.state,
            "metrics": _metrics_data(s._metrics), "metrics_step": s._metrics_step,
            "last_good_metrics": _metrics_data(s._last_good_metrics), "initial_cost": s._initial_cost,
            "idle_s": max(0.0, s.clock() - s.last_used),
        }
        h = s.history
        start = known[1] if known is not None and known[0] == h.rewrites and len(h) >= known[1] else 0
        cols = {name: h.cols[name][start:] for name in COLUMNS}  # the rows' values are never mutated
        history = HistoryState(h.stride, h.rewrites, start, len(h), cols)
        return SessionState(s.id, s.config, scalars, arrays, history)


def capture_comparison(c: Comparison, known: dict[str, tuple[int, int]] | None = None,
                       timeout: float = -1) -> ComparisonState | None:
    """The comparison and every variant, all locks held (as `Comparison.train` holds them), so the
    variants are captured at one step. None when a lock was not free within `timeout` seconds."""
    known = known or {}
    with ExitStack() as held:
        for lock in [c.lock, *(s.lock for s in c.sessions)]:
            if not lock.acquire(timeout=timeout):
                return None
            held.callback(lock.release)
        ls = c.lockstep
        shuffled = (ls._x_shuf, ls._y_shuf) if ls is not None else None
        variants = [capture(s, shuffled, known.get(s.id)) for s in c.sessions]
    return ComparisonState(c.id, c.config.model_dump(mode="json"), list(c.labels), [s.id for s in c.sessions],
                           variants)


def _metrics_data(m: Metrics | None) -> list[Any] | None:
    if m is None:
        return None
    return [[m.train.cost, m.train.loss, m.train.accuracy], [m.test.cost, m.test.loss, m.test.accuracy],
            m.grad_norms]


def _metrics(data: list[Any] | None) -> Metrics | None:
    if data is None:
        return None
    train, test, norms = data
    return Metrics(SplitMetrics(*train), SplitMetrics(*test), norms)


# ---------------------------------------------------------------- restore


class NotRestorable(ValueError):
    """A saved state this code cannot rebuild (another format, a config the limits refuse now)."""


def restore_session(state: SessionState, settings: Settings) -> Session:
    """A session exactly as captured (history: the whole of it, start 0); RUNNING comes back IDLE."""
    sc, a = state.scalars, state.arrays
    if sc.get("format") != FORMAT:
        raise NotRestorable(f"session {state.id}: saved in format {sc.get('format')}, this code reads {FORMAT}")
    if state.history.start != 0:
        raise NotRestorable(f"session {state.id}: the history is incomplete")
    s = Session(state.id, state.config, settings)  # the data, the network and the trainer, as at creation
    t, net, u = s.trainer, s.net, s.trainer.updater
    assert u is not None
    if t.settings.optimizer != sc["optimizer"]:
        raise NotRestorable(f"session {state.id}: optimizer {sc['optimizer']}, config {t.settings.optimizer}")
    np.copyto(net.params, a["params"])
    np.copyto(net.grad, a["grad"])
    s.initial_params = a["initial"].astype(net.dtype, copy=True)
    np.copyto(s._last_good, a["last_good"])
    for key, value in a.items():
        if key.startswith("opt."):
            np.copyto(getattr(u, key[4:]), value)
    u.t = sc["optimizer_t"]
    t.epoch, t.step, t.position = sc["epoch"], sc["step"], sc["position"]
    if t.position:
        np.copyto(t._x_shuf, a["x_shuf"])
        np.copyto(t._y_shuf, a["y_shuf"])
    s._init_rng.bit_generator.state = sc["rng_init"]
    t.rng.bit_generator.state = sc["rng_train"]
    h = state.history
    s.history = History(settings.max_history, h.stride, {name: list(h.cols[name]) for name in COLUMNS})
    status = Status(sc["status"])
    s.status = Status.IDLE if status is Status.RUNNING else status  # a session that was playing is paused
    s.diverged_at, s.owner, s.owner_key = sc["diverged_at"], sc["owner"], sc.get("owner_key")
    s.target_loss, s.target_epoch = sc["target_loss"], sc["target_epoch"]
    s._metrics, s._metrics_step = _metrics(sc["metrics"]), sc["metrics_step"]
    last_good = _metrics(sc["last_good_metrics"])
    assert last_good is not None
    s._last_good_metrics, s._initial_cost = last_good, sc["initial_cost"]
    s.cost_watch.start(last_good.train.cost, scale=s._initial_cost)  # its window is not saved: it watches afresh
    return s


def restore_comparison(state: ComparisonState, sessions: Sequence[Session]) -> Comparison:
    """The comparison around its restored variants. Its Lockstep (built when the variants stand at
    an epoch boundary with one shuffle generator state, as they all did when it was created) is
    built as it was then and given the variants' positions, generator states and this epoch's
    order afterwards: a variant that diverged keeps the generator state it stopped with, as it
    does in the original."""
    config = ComparisonConfig.model_validate(state.config)
    trainers = [s.trainer for s in sessions]
    kept = [(t.position, t.rng.bit_generator.state) for t in trainers]
    lead = next((s.trainer for s in sessions if s.status is not Status.DIVERGED), trainers[0])
    for t in trainers:
        t.position, t.rng.bit_generator.state = 0, lead.rng.bit_generator.state
    try:
        c = Comparison(state.id, config, list(sessions), list(state.labels))
    finally:
        for t, (position, rng) in zip(trainers, kept, strict=True):
            t.position, t.rng.bit_generator.state = position, rng
    if c.lockstep is not None and lead.position:
        np.copyto(c.lockstep._x_shuf, lead._x_shuf)
        np.copyto(c.lockstep._y_shuf, lead._y_shuf)
    return c


# ---------------------------------------------------------------- bytes


def pack(arrays: dict[str, Array]) -> tuple[dict[str, list[Any]], bytes]:
    """Arrays -> (manifest {name: [dtype, shape, offset]}, their raw bytes one after another)."""
    manifest, parts, offset = {}, [], 0
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        manifest[name] = [a.dtype.str, list(a.shape), offset]
        parts.append(a.tobytes())
        offset += a.nbytes
    return manifest, b"".join(parts)


def unpack(manifest: dict[str, list[Any]], blob: bytes) -> dict[str, Array]:
    out = {}
    for name, (dtype, shape, offset) in manifest.items():
        dt = np.dtype(dtype)
        count = int(np.prod(shape, dtype=np.int64))
        out[name] = np.frombuffer(blob, dt, count, offset).reshape(shape).copy()
    return out


def dumps(data: Any) -> str:
    """JSON for the database: floats exactly (repr), NaN and ±Infinity kept (a diverged gradient's
    norm), anything that is not plain data refused."""
    return json.dumps(data, separators=(",", ":"), allow_nan=True)


def encode(state: SessionState) -> tuple[str, str, bytes, str]:
    """(config JSON, scalars JSON with the arrays' manifest, the arrays' bytes, history JSON)."""
    scalars, blob = encode_state(state)
    return encode_config(state.config), scalars, blob, encode_history(state.history)


def encode_state(state: SessionState) -> tuple[str, bytes]:
    """(the scalars as JSON, with the arrays' manifest; the arrays' bytes)."""
    manifest, blob = pack(state.arrays)
    return dumps({**state.scalars, "arrays": manifest}), blob


def encode_history(h: HistoryState) -> str:
    return dumps({"stride": h.stride, "start": h.start, "length": h.length, "cols": h.cols})


def encode_config(config: SessionConfig) -> str:
    """The config's own fields (a session created with weights holds a SessionCreate: they are not
    part of it)."""
    return dumps(config.model_dump(mode="json", include=set(SessionConfig.model_fields)))


def decode(session_id: str, config: str, scalars: str, blob: bytes, histories: Sequence[str]) -> SessionState:
    """The inverse of `encode`; histories: the parts in order (a whole history, then appended rows)."""
    sc = json.loads(scalars)
    arrays = unpack(sc.pop("arrays"), blob)
    cols: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    stride = 1
    for part in histories:
        h = json.loads(part)
        if h["start"] != len(cols["epoch"]):
            raise NotRestorable(f"session {session_id}: history rows from {h['start']}, "
                                f"after {len(cols['epoch'])}")
        stride = h["stride"]
        for name in COLUMNS:
            cols[name].extend(h["cols"][name])
    try:
        cfg = SessionConfig.model_validate(json.loads(config))
    except Exception as e:  # a limit lowered since: this config is no longer accepted
        raise NotRestorable(f"session {session_id}: its config is not valid now: {e}") from None
    return SessionState(session_id, cfg, sc, arrays, HistoryState(stride, 0, 0, len(cols["epoch"]), cols))


def roundtrip(s: Session, settings: Settings) -> Session:
    """s through bytes and back (what a restart does to it): for tests and tools."""
    state = capture(s)
    config, scalars, blob, history = encode(state)
    return restore_session(decode(s.id, config, scalars, blob, [history]), settings)
