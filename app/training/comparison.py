"""Comparisons: 2–6 variants of one experiment that differ in one field, trained in lockstep.

Every variant is an ordinary session (same data, same seed, so the same initial weights wherever
the shapes agree), owned by the comparison: it may be read like any session, but it is stepped,
played, paused and reset only through the comparison, so all variants always have taken the
same number of updates. A variant that diverges stops where it was; the others go on.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Annotated, Any

import numpy as np
from pydantic import Field, ValidationError, field_validator, model_validator

from app.nn.lockstep import Lockstep, compatible
from app.request_error import RequestError

from .audience import Audience
from .fields import RealIn
from .metrics import Measured
from .session import Session, SessionError, Status
from .spec import SessionConfig, Strict
from .store import ClientShareFull, SessionNotFound, StoreFull
from .vary import VARY_FIELDS, vary_field

DEFAULT_FIELD = next(iter(VARY_FIELDS.values()))  # the activation race: the page's default too (its first)
RECENT_EPOCHS = 10  # the first layer's gradient norm is averaged over this many recent epochs


class Vary(Strict):
    field: str = Field(DEFAULT_FIELD.name, json_schema_extra={"enum": list(VARY_FIELDS)}, description=(
        "the one setting that differs between variants (GET /api/v1/catalog's vary_fields describe each)"))
    values: list[Any] = Field(default_factory=lambda: list(DEFAULT_FIELD.default_values), min_length=2, max_length=6,
                              description="one value per variant, of that field's type in the session config")

    _known = field_validator("field")(lambda cls, v: vary_field(v).name)


class ComparisonConfig(Strict):
    base: SessionConfig = Field(default_factory=SessionConfig)
    vary: Vary = Field(default_factory=Vary)
    target_loss: Annotated[float, RealIn(0.0, 1e3, low_open=True)] = Field(
        0.1, description="a variant reaches it at the first epoch with train cost ≤ it")

    @model_validator(mode="after")
    def _variants_valid(self) -> ComparisonConfig:
        variant_configs(self.base, self.vary)  # raises RequestError naming vary.values.i
        return self


def _blame(message: str, field: str, i: int) -> str:
    """'batch_size: …' -> 'vary.values.1: batch_size: …' when the varied value is at fault,
    else 'base.batch_size: …' (every variant would fail the same way)."""
    where, _, _ = message.partition(": ")
    return f"vary.values.{i}: {message}" if where.startswith(VARY_FIELDS[field].path) else f"base.{message}"


def variant_configs(base: SessionConfig, vary: Vary) -> list[tuple[str, SessionConfig]]:
    out = []
    base_data = base.model_dump(mode="json")  # nulls kept: "batch_size": null means full batch
    field = vary_field(vary.field)
    for i, value in enumerate(vary.values):
        try:
            data = _copy(base_data)
            field.apply(data, value)
            config = SessionConfig.model_validate(data)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            raise RequestError(f"vary.values.{i}: {where}: {msg}") from None
        except RequestError as e:
            raise RequestError(str(e) if str(e).startswith("base.") else f"vary.values.{i}: {e}") from None
        out.append((field.variant_label(value), config))
    return out


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (_copy(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
            for k, v in data.items()}


class Comparison:
    def __init__(self, comparison_id: str, config: ComparisonConfig, sessions: list[Session],
                 labels: list[str]) -> None:
        self.id, self.config, self.sessions, self.labels = comparison_id, config, sessions, labels
        self.lock = threading.RLock()
        self._bumps = itertools.count(1)  # next() is atomic: a viewer joining cannot lose a bump
        self._version_offset = 0
        self.last_seen = time.monotonic()  # a client's last request
        self.audience = Audience()
        self.audience.on_change = self.bump
        self.closed = False
        self.frame_cache: Any = None  # an app.api.frames.FramePack, built there
        self.owner_key: str | None = None  # digest of its owner token (app.capability)
        self.busy = 0  # REST calls training it in slices (app.api.work): the scheduler leaves it alone
        self.client: str | None = None  # who created it, for its share (app.api.clients); None: not counted
        self._sliced: list[int] = []  # the variants live when the current sliced train began
        for s in sessions:
            s.owner = comparison_id
            s.target_loss = config.target_loss
            s.audience.beacon.forward.append(self.audience.beacon)  # a variant's change wakes our viewers
        trainers = [s.trainer for s in sessions]
        self.lockstep = Lockstep(trainers) if compatible(trainers) and _same_data(sessions) else None

    @classmethod
    def build(cls, comparison_id: str, config: ComparisonConfig,
              make_session: Callable[[SessionConfig], Session]) -> Comparison:
        pairs = variant_configs(config.base, config.vary)
        sessions = []
        for i, (_, c) in enumerate(pairs):
            try:
                sessions.append(make_session(c))
            except RequestError as e:  # found only once the data is known: an output, a batch size
                raise RequestError(_blame(str(e), config.vary.field, i)) from None
        return cls(comparison_id, config, sessions, [label for label, _ in pairs])

    # ------------------------------------------------------------ the scheduler's protocol (Runnable)

    @property
    def version(self) -> int:
        """Moves whenever any variant changes (or a viewer comes or goes): frames are cached by it."""
        return sum(s.version for s in self.sessions) + self._version_offset

    def bump(self) -> None:
        """A new version with no variant changed (a viewer came or went)."""
        self._version_offset = next(self._bumps)
        if not self.running:
            self.audience.beacon.fire()

    @property
    def viewers(self) -> int:
        return self.audience.count

    @property
    def running(self) -> bool:
        return any(s.status is Status.RUNNING for s in self.sessions)

    @property
    def updates_per_epoch(self) -> int:
        return self.sessions[0].trainer.updates_per_epoch

    @property
    def step_count(self) -> int:
        return max(s.step_count for s in self.sessions)

    def train(self, updates: int) -> None:
        """Every variant that has not diverged takes the same number of updates: together in one
        stacked pass when their shapes and batches agree (`Lockstep`), else one after another."""
        with self.lock, ExitStack() as held:
            live = [i for i, s in enumerate(self.sessions) if s.status is not Status.DIVERGED]
            if not live:
                raise SessionError("every variant diverged: reset the comparison")
            if self.lockstep is None:
                for i in live:
                    self.sessions[i].train(updates)
                return
            for s in self.sessions:
                held.enter_context(s.lock)
            for i in live:
                self.sessions[i].before_training()
            self.lockstep.run(updates, live, self._epoch_ended)
            for i in live:
                self.sessions[i].after_training()

    def train_slice(self, updates: int, first: bool, last: bool) -> bool:
        """One slice of a `train(n)` cut into slices (the locks are free between them): the same
        updates and checks as one call. True while there is more to do."""
        with self.lock, ExitStack() as held:
            live = [i for i, s in enumerate(self.sessions) if s.status is not Status.DIVERGED]
            if first:
                if not live:
                    raise SessionError("every variant diverged: reset the comparison")
                self._sliced = live
            if self.lockstep is None:  # one after another: each variant sliced on its own
                return any([self.sessions[i].train_slice(updates, first, last) for i in live])
            for s in self.sessions:
                held.enter_context(s.lock)
            if first:
                for i in live:
                    self.sessions[i].before_training()
            if live:
                self.lockstep.run(updates, live, self._epoch_ended)
            still = any(self.sessions[i].status is not Status.DIVERGED for i in self._sliced)
            if last or not still:
                for i in self._sliced:
                    self.sessions[i].after_training()
                return False
            return True

    def _epoch_ended(self, live: list[int]) -> list[int]:
        """Every live variant records its epoch, from one stacked evaluation of all of them;
        returns those that diverged there."""
        assert self.lockstep is not None
        ls, p = self.lockstep, self.sessions[0].problem
        per, out = ls.example_losses(p.x_all, p.y_all)  # (V, N), (V, n_out, N)
        norms, largest = ls.grad_norms(), ls.largest_weights()
        return [i for i in live
                if not self.sessions[i].on_epoch(Measured(per[i], out[i], norms[i], largest[i]))]

    def updates_for(self, steps: int | None, epochs: int | None) -> int:
        """Epochs count in the first live variant's batches (a diverged one stands still)."""
        live = [s for s in self.sessions if s.status is not Status.DIVERGED] or self.sessions
        return live[0].updates_for(steps, epochs)

    def play(self) -> None:
        with self.lock:
            live = [s for s in self.sessions if s.status is not Status.DIVERGED]
            if not live:
                raise SessionError("every variant diverged: reset the comparison")
            for s in live:
                s.play()

    def pause(self) -> None:
        with self.lock:
            for s in self.sessions:
                s.pause()

    def reset(self, seed: int | None = None) -> None:
        with self.lock:
            for s in self.sessions:
                s.reset(seed)
            if self.lockstep is not None:
                self.lockstep.configure()

    # ------------------------------------------------------------ reading

    def first_layer_grad(self, s: Session) -> float | None:
        """Mean ‖dW[1]‖ over the recent epochs: small for saturated sigmoid/tanh units."""
        rows = [g[0] for g in s.history.cols["grad_norms"][-RECENT_EPOCHS:] if g]
        rows = [r for r in rows if r is not None and np.isfinite(r)]
        return float(np.mean(rows)) if rows else None


def _same_data(sessions: list[Session]) -> bool:
    """The variants evaluate on one data set (train and test), so one stacked pass serves all."""
    p0 = sessions[0].problem
    return all(np.array_equal(s.problem.x_all, p0.x_all) and np.array_equal(s.problem.y_all, p0.y_all)
               for s in sessions[1:])


class ComparisonStore:
    """Bounded like the session store: the least recently used comparison that is not running goes
    first, taking its variant sessions with it."""

    def __init__(self, limit: int, on_drop: Callable[[Comparison], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.clock = limit, clock
        self._on_drop = on_drop
        self.on_add: list[Callable[[Comparison], None]] = []  # e.g. keep it (app.training.persist)
        self.on_remove: list[Callable[[Comparison], None]] = []  # after on_drop: deleted or evicted
        self._items: dict[str, Comparison] = {}
        self._lock = threading.Lock()

    def __contains__(self, cid: object) -> bool:
        return cid in self._items

    def __len__(self) -> int:
        return len(self._items)

    def values(self) -> list[Comparison]:
        with self._lock:
            return list(self._items.values())

    def add(self, c: Comparison, per_client: int = 0) -> None:
        """Keep `c`; past `per_client` comparisons of its client, that client's least recently used
        idle one makes room (never another client's); past the limit, anyone's."""
        with self._lock:
            if c.client is not None and per_client:
                mine = [x for x in self._items.values() if x.client == c.client]
                if len(mine) >= per_client and not self._evict_one(mine):
                    raise ClientShareFull("comparisons", f"you have {len(mine)} comparisons running, the most one "
                                          "client may have: pause or close one of them (another tab?)")
            if len(self._items) >= self.limit and not self._evict_one():
                raise StoreFull(f"all {self.limit} comparisons of this server are running; try again in a "
                                "minute (an unwatched one pauses itself), or ask whoever runs the server to "
                                "raise NNP_MAX_COMPARISONS")
            c.last_seen = self.clock()
            self._items[c.id] = c
        for hook in self.on_add:
            hook(c)

    def _evict_one(self, among: list[Comparison] | None = None) -> bool:
        pool = self._items.values() if among is None else among  # in least recently used order
        victim = next((x for x in pool if not x.running), None)
        if victim is None:
            return False
        del self._items[victim.id]
        self.on_drop(victim)
        return True

    def oldest_idle(self) -> float | None:
        with self._lock:
            victim = next((x for x in self._items.values() if not x.running), None)
            return None if victim is None else self.clock() - victim.last_seen

    def evict_oldest(self) -> bool:
        with self._lock:
            return self._evict_one()

    def get(self, cid: str) -> Comparison:
        with self._lock:
            c = self._items.pop(cid, None)
            if c is None:
                raise SessionNotFound(cid)
            self._items[cid] = c  # most recently used last
            c.last_seen = self.clock()
            return c

    def on_drop(self, c: Comparison) -> None:
        c.closed = True  # before the hook: a play racing this delete finds it closed
        c.audience.beacon.fire()  # its viewers hear that it is gone
        self._on_drop(c)
        for hook in self.on_remove:
            hook(c)

    def delete(self, cid: str) -> Comparison:
        c = self.get(cid)
        with self._lock:
            self._items.pop(cid, None)
        self.on_drop(c)
        return c
