"""A training session: owns the data, the network, the optimizer state, the history and the status.

Every public method takes the session's lock, so REST calls and the training scheduler never
interleave inside an update. The status lifecycle is checked in one place (`_set_status`).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import numpy as np

from app.config import Settings
from app.nn.gradcheck import GradCheck, gradient_check
from app.nn.network import LayerSpec, Network, NetworkSpec
from app.nn.trainer import Trainer, TrainSettings
from app.request_error import RequestError

from .audience import Audience
from .history import History
from .metrics import Measured, Metrics, blown_up, evaluate, largest_weight
from .problem import Problem, build_split
from .spec import SessionConfig, SessionPatch, apply_patch
from .stability import CostWatch, Unstable

Array = np.ndarray


class Status(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    DIVERGED = "diverged"


_ALLOWED = {
    Status.IDLE: {Status.IDLE, Status.RUNNING, Status.DIVERGED},
    Status.RUNNING: {Status.RUNNING, Status.IDLE, Status.DIVERGED},
    Status.DIVERGED: {Status.DIVERGED, Status.IDLE},  # only reset (or a new learning rate) leaves it
}


class SessionError(Exception):
    """A request the session's state does not allow (reported as 409)."""


class Session:
    def __init__(self, session_id: str, config: SessionConfig, settings: Settings,
                 weights: list[tuple[Array, Array]] | None = None) -> None:
        self.id, self.settings = session_id, settings
        split = build_split(config.dataset, settings.max_custom_points, settings.max_csv_bytes,
                            settings.grid_extent)
        self.config = config.resolve(split.kind)
        n_train = len(split.y_train)
        if (config.batch_size or 0) > n_train:
            if "batch_size" in config.model_fields_set:  # asked for: refused here, before the engine sees it
                raise RequestError(f"batch_size: must be in [1, {n_train}] (the training set) or null")
            # the default batch of 10 on a handful of drawn points: use them all
            self.config = self.config.model_copy(update={"batch_size": None})
        out = self.config.output.activation
        assert out is not None and self.config.loss is not None
        self.problem = Problem.build(split, self.config.features, out)
        self.spec = NetworkSpec(
            n_inputs=len(self.config.features),
            hidden=tuple(LayerSpec(layer.units, layer.activation) for layer in self.config.layers),
            n_outputs=self.problem.n_outputs, output_activation=out, loss=self.config.loss)
        self.lock = threading.RLock()
        self.net = Network(self.spec)
        self._init_rng, train_rng = _generators(self.config.seed)
        self.net.initialize(self.config.init, self._init_rng)
        if weights is not None:
            self.net.set_layers(weights)
        self.initial_params = self.net.params.copy()
        self._last_good = self.net.params.copy()
        self.trainer = Trainer(self.net, self.problem.x_train, self.problem.y_train, train_rng,
                               self._train_settings())
        self.history = History(settings.max_history)
        self.status = Status.IDLE
        self.diverged_at: dict[str, int] | None = None
        self.clock = time.monotonic  # the store sets its own (tests inject one)
        self.last_used = self.clock()
        # bumped by every change a viewer could see; frames are cached by it. next() on a count is
        # atomic, so a viewer joining on the event loop cannot lose a bump made by training
        self._versions = itertools.count(1)
        self.version = 0
        self.last_seen = self.clock()  # a client's last request (not training)
        self.audience = Audience()  # open streams on this session
        self.audience.on_change = self.bump
        self.closed = False  # deleted or evicted: it never trains again
        self.frame_cache: Any = None  # an app.api.frames.FramePack, built there
        self.frame_parts: dict[str, object] = {}  # the slower parts of a frame, kept between frames
        self.owner: str | None = None  # the comparison this session is a variant of, if any
        self.owner_key: str | None = None  # digest of its owner token (app.capability); a variant has none
        self.busy = 0  # REST calls training it in slices (app.api.work): the scheduler leaves it alone
        self.client: str | None = None  # who created it, for its share (app.api.clients); None: not counted
        # told of every change (app.training.persist saves it): (self, training) — training: a turn
        # of training, not a REST change
        self.on_state_change: Callable[[Session, bool], None] | None = None
        self.target_loss: float | None = None  # when set: the first epoch with train cost ≤ it
        self.target_epoch: int | None = None
        self._metrics: Metrics | None = None
        self._metrics_step = -1
        self._last_good_metrics = self._evaluate()  # metrics of the weights in _last_good
        self._initial_cost = self._last_good_metrics.train.cost
        # a cost that bounces without getting better (app.training.stability): reported, not stopped
        self.cost_watch = CostWatch(self._initial_cost)
        self.cost_watch.start(self._initial_cost)

    # ------------------------------------------------------------ lifecycle

    def _set_status(self, new: Status) -> None:
        if new not in _ALLOWED[self.status]:
            raise SessionError(f"cannot go from {self.status.value} to {new.value}")
        self.status = new

    def touch(self) -> None:
        self.last_used = self.clock()

    @property
    def viewers(self) -> int:
        return self.audience.count

    def bump(self) -> None:
        """A new version: what viewers see changed. While training runs, the scheduler builds the
        frames and wakes the viewers; otherwise (a REST step, a reset, a pause) wake them now."""
        self.version = next(self._versions)
        if not self.running:
            self.audience.beacon.fire()

    def _changed(self, training: bool = False) -> None:
        self.bump()
        self.touch()
        if self.on_state_change is not None:
            self.on_state_change(self, training)

    def play(self) -> None:
        with self.lock:
            if self.status is Status.DIVERGED:
                raise SessionError("the session diverged: reset it, or lower the learning rate")
            self._set_status(Status.RUNNING)
            self._changed()

    def pause(self) -> None:
        with self.lock:
            if self.status is Status.RUNNING:
                self._set_status(Status.IDLE)
            self._changed()

    @property
    def epoch(self) -> int:
        return self.trainer.epoch

    @property
    def running(self) -> bool:
        return self.status is Status.RUNNING

    @property
    def updates_per_epoch(self) -> int:
        return self.trainer.updates_per_epoch

    @property
    def step_count(self) -> int:
        return self.trainer.step

    def _train_settings(self) -> TrainSettings:
        c = self.config
        return TrainSettings(
            optimizer=c.optimizer.name, learning_rate=c.optimizer.learning_rate,
            hyper=c.optimizer.hyper(), batch_size=c.batch_size,
            regularization=c.regularization.kind, rate=c.regularization.rate, dropout=c.dropout)

    # ------------------------------------------------------------ training

    def updates_for(self, steps: int | None = None, epochs: int | None = None) -> int:
        """Updates a step request means: `steps` updates, or enough to finish `epochs` epochs."""
        if steps is not None:
            return steps
        assert epochs is not None
        t = self.trainer
        if t.position == 0:
            return epochs * t.updates_per_epoch
        # the rest of this epoch (from wherever it stands, even after a change of batch size),
        # then whole epochs
        rest = -(-(t.n_examples - t.position) // t.batch_size)
        return rest + (epochs - 1) * t.updates_per_epoch

    def train(self, updates: int) -> Metrics:
        """Take `updates` optimizer updates (recording history at each epoch end)."""
        with self.lock:
            self.before_training()
            self.trainer.run(updates, self._on_epoch)
            return self.after_training()

    def train_slice(self, updates: int, first: bool, last: bool) -> bool:
        """One slice of a `train(n)` cut into slices, so that the lock is free between them (a long
        REST step): the same updates and the same checks as one call — those before with the
        `first` slice, those after with the `last` one (or the one where it diverged). True while
        there is more to do."""
        with self.lock:
            if first:
                self.before_training()
            if self.status is not Status.DIVERGED:
                self.trainer.run(updates, self._on_epoch)
            if last or self.status is Status.DIVERGED:
                self.after_training()
                return False
            return True

    def before_training(self) -> None:
        """Checks before updates are taken (by `train`, or by a comparison's lockstep loop)."""
        self.touch()
        if self.status is Status.DIVERGED:
            raise SessionError("the session diverged: reset it, or lower the learning rate")

    def after_training(self, measured: Measured | None = None) -> Metrics:
        """Checks after updates were taken. `measured`: this network's measurements at its current
        weights, when a cohort took them for every member at once."""
        if self.status is not Status.DIVERGED and self._blown_up(self._evaluate(measured)):
            self._diverge()
        self._changed(training=True)
        return self.metrics

    def on_epoch(self, measured: Measured | None = None) -> bool:
        """Record the epoch that just ended; False when the session has diverged. `measured`:
        this network's measurements when a comparison took them for every variant at once."""
        return self._on_epoch(measured)

    def _on_epoch(self, measured: Measured | None = None) -> bool:
        m = self._evaluate(measured)
        largest = largest_weight(self.net.params) if measured is None else measured.largest_weight
        if self.status is Status.DIVERGED or blown_up(m, largest, self._initial_cost):
            if self.status is not Status.DIVERGED:
                self._diverge()
            return False
        np.copyto(self._last_good, self.net.params)
        self._last_good_metrics = m
        self.history.record(self.epoch, m.history_row())
        self.cost_watch.record(self.epoch, m.train.cost)
        if self.target_epoch is None and self.target_loss is not None and m.train.cost <= self.target_loss:
            self.target_epoch = self.epoch
        return True

    @property
    def unstable(self) -> Unstable | None:
        """The cost bounces without getting better (app.training.stability); None otherwise, and
        once diverged (that says more)."""
        return None if self.status is Status.DIVERGED else self.cost_watch.flag

    def _watch_afresh(self) -> None:
        """After a change of weights or settings, the costs before it say nothing about the run now."""
        self.cost_watch.start(self._evaluate().train.cost)

    def _blown_up(self, m: Metrics) -> bool:
        return blown_up(m, largest_weight(self.net.params), self._initial_cost)

    def _diverge(self) -> None:
        """Keep the last finite weights and metrics; say where it happened."""
        self.diverged_at = {"epoch": self.epoch, "step": self.step_count}
        np.copyto(self.net.params, self._last_good)
        self._metrics, self._metrics_step = self._last_good_metrics, self.step_count
        self._set_status(Status.DIVERGED)

    def _evaluate(self, measured: Measured | None = None) -> Metrics:
        """The metrics at the current weights (computed once per step count)."""
        if measured is None and self._metrics_step == self.step_count and self._metrics is not None:
            return self._metrics
        c = self.config
        if measured is None:
            norms = self.trainer.grad_norms() if self.step_count else None
            m = evaluate(self.net, self.problem, c.regularization.kind, c.regularization.rate, norms)
        else:
            m = evaluate(self.net, self.problem, c.regularization.kind, c.regularization.rate,
                         measured.grad_norms, (measured.per, measured.out))
        self._metrics, self._metrics_step = m, self.step_count
        return m

    @property
    def metrics(self) -> Metrics:
        assert self._metrics is not None
        return self._metrics

    # ------------------------------------------------------------ changes

    def patch(self, p: SessionPatch) -> None:
        """Change training settings live: the weights (and, for the same optimizer, its state) stay."""
        with self.lock:
            self.touch()
            before = self.config.dataset
            self.config = apply_patch(self.config, p, self.problem.n_train)
            if self.config.dataset != before:
                self._new_data()
            self.trainer.configure(self._train_settings())
            self._metrics_step = -1  # the penalty may have changed
            if self.status is Status.DIVERGED and p.optimizer is not None:
                self._set_status(Status.IDLE)  # a new learning rate is a fresh attempt
            self._watch_afresh()
            self._changed()

    def _new_data(self) -> None:
        """The config's data set drawn again (a new data seed): the same kind, size and split
        ratio, so the network, the optimizer's state, the epoch count and the history carry on."""
        c, st = self.config, self.settings
        split = build_split(c.dataset, st.max_custom_points, st.max_csv_bytes, st.grid_extent)
        assert c.output.activation is not None
        self.problem = Problem.build(split, c.features, c.output.activation)
        self.trainer.set_data(self.problem.x_train, self.problem.y_train)
        self._metrics_step = -1
        self._last_good_metrics = self._evaluate()

    def reset(self, seed: int | None = None) -> None:
        """Back to the same initial weights (or new ones from a new seed); history cleared."""
        with self.lock:
            self.touch()
            if seed is not None:
                self.config = self.config.model_copy(update={"seed": seed})
                self._init_rng, train_rng = _generators(seed)
                self.net.initialize(self.config.init, self._init_rng)
                self.initial_params = self.net.params.copy()
            else:
                _, train_rng = _generators(self.config.seed)
            np.copyto(self.net.params, self.initial_params)
            np.copyto(self._last_good, self.initial_params)
            self.trainer.rng = train_rng
            self.trainer.reset()
            self.history.clear()
            self.target_epoch = None
            self.diverged_at = None
            self.status = Status.IDLE  # reset is the one way out of every state
            self._metrics_step = -1
            self._last_good_metrics = self._evaluate()
            self._initial_cost = self._last_good_metrics.train.cost
            self.cost_watch.start(self._initial_cost, scale=self._initial_cost)
            self._changed()

    def set_weights(self, layers: list[tuple[Array, Array]], initial: bool = False) -> None:
        """New weights; `initial`: they are where this session starts (what reset goes back to, and
        the cost that the blow-up and stability rules measure against)."""
        with self.lock:
            self.touch()
            self.net.set_layers(layers)
            np.copyto(self._last_good, self.net.params)
            self._metrics_step = -1
            if self.status is Status.DIVERGED:
                self._set_status(Status.IDLE)
            self._last_good_metrics = self._evaluate()
            if initial:
                self.initial_params = self.net.params.copy()
                self._initial_cost = self._last_good_metrics.train.cost
            self.cost_watch.start(self._last_good_metrics.train.cost, scale=self._initial_cost)
            self._changed()

    def fork(self, new_id: str) -> Session:
        """An independent session at this one's current weights and settings ("make it mine"): its
        initial weights are these, its curves start from this history."""
        with self.lock:
            child = Session(new_id, self.config, self.settings, weights=self.net.get_layers())
            child.history.stride = self.history.stride
            for name, col in self.history.cols.items():
                child.history.cols[name] = list(col)
            child.trainer.epoch, child.trainer.step = self.epoch, self.step_count
            child._metrics_step = -1
            child._last_good_metrics = child._evaluate()
            return child

    # ------------------------------------------------------------ reading

    def weights(self) -> list[tuple[Array, Array]]:
        with self.lock:
            return self.net.get_layers()

    def predict(self, points: Array) -> Array:
        """points (m, 2) raw x1, x2 -> outputs (n_out, m)."""
        from app.data.features import feature_matrix

        with self.lock, np.errstate(all="ignore"):
            return self.net.predict(feature_matrix(points, self.config.features))

    def gradcheck(self, max_examples: int = 200) -> GradCheck:
        with self.lock:
            p = self.problem
            m = min(max_examples, p.n_train)
            c = self.config
            with np.errstate(all="ignore"):
                return gradient_check(self.spec, self.net.get_layers(), p.x_train[:, :m],
                                      p.y_train[:, :m], c.regularization.kind, c.regularization.rate)


def _generators(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent streams for initial weights and for shuffling/dropout, from one seed."""
    init_seq, train_seq = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(init_seq), np.random.default_rng(train_seq)
