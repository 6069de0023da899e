"""Mini-batch gradient descent: reshuffle every epoch, one optimizer update per batch.

The training set is kept batch-major, (N, n_inputs + 1) with a last column of ones, so a
mini-batch is a contiguous row slice whose transpose is exactly the (features + 1) × batch
input the network wants: no copy per update. Only the shuffle copies, once an epoch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .network import Network
from .optimizers import OPTIMIZERS, Updater
from .regularizers import REGULARIZERS

Array = np.ndarray


@dataclass
class TrainSettings:
    """The settings that may change between updates without touching the weights."""

    optimizer: str = "sgd"
    learning_rate: float = 0.03
    hyper: dict[str, float] = field(default_factory=dict)  # optimizer parameters
    batch_size: int | None = 10  # None: the whole training set
    regularization: str = "none"
    rate: float = 0.0
    dropout: float = 0.0


class Trainer:
    def __init__(self, net: Network, x: Array, y: Array, rng: np.random.Generator,
                 settings: TrainSettings) -> None:
        """x (n_inputs, N) features, y (n_out, N) encoded targets; rng owns shuffles and dropout."""
        self.net, self.rng = net, rng
        self.set_data(x, y)
        self.epoch = 0  # completed epochs
        self.step = 0  # updates taken
        self._tmp = np.empty_like(net.params)
        self.updater: Updater | None = None
        self.settings = settings
        self.configure(settings)

    def set_data(self, x: Array, y: Array) -> None:
        """A training set, x (n_inputs, N) and y (n_out, N): the weights, the optimizer's state and
        the counts stay (fresh points for a trained network); an epoch in progress starts over."""
        n = x.shape[1]
        dt = self.net.dtype
        self._x_rows = np.ones((n, x.shape[0] + 1), dt)  # (N, n_inputs + 1), last column ones
        self._x_rows[:, :-1] = x.T
        self._y_rows = np.ascontiguousarray(y.T, dtype=dt)  # (N, n_out)
        # new shuffle buffers: a cohort that holds this trainer's old ones sees it changed (cohort.intact)
        self._x_shuf = np.empty_like(self._x_rows)
        self._y_shuf = np.empty_like(self._y_rows)
        self.n_examples = n
        self.position = 0  # index of the next example in the current epoch's order

    # ------------------------------------------------------------ settings

    def configure(self, settings: TrainSettings) -> None:
        """Apply new settings; optimizer state is kept unless the optimizer itself changes."""
        kind = OPTIMIZERS[settings.optimizer]
        if self.updater is None or self.settings.optimizer != settings.optimizer:
            self.updater = kind.make(self.net.params.size, self.net.dtype)
        self.updater.configure(settings.learning_rate, **{**kind.defaults, **settings.hyper})
        self.settings = settings
        self._lr_fold = settings.learning_rate if self.updater.folds_lr else 1.0
        self._scales: dict[int, Array] = {}  # batch size -> 0-d array lr_fold / m
        dt = self.net.dtype
        rate = settings.rate if settings.regularization != "none" else 0.0
        self._reg = REGULARIZERS[settings.regularization] if rate > 0 else None
        self._reg_vec = (self.net.weight_mask * (rate * self._lr_fold)).astype(dt)
        if self.batch_size > self.n_examples:
            raise ValueError(f"batch_size: must be in [1, {self.n_examples}] (the training set) or null")

    @property
    def batch_size(self) -> int:
        b = self.settings.batch_size
        return self.n_examples if b is None else b

    @property
    def updates_per_epoch(self) -> int:
        return -(-self.n_examples // self.batch_size)

    def reset(self) -> None:
        self.position = self.epoch = self.step = 0
        assert self.updater is not None
        self.updater.reset()

    # ------------------------------------------------------------ the loop

    def run(self, n_updates: int, on_epoch: Callable[[], bool] | None = None) -> int:
        """Take up to n_updates updates; on_epoch runs after each completed epoch and may
        stop the run by returning False. Returns the number of updates taken."""
        net, upd, reg = self.net, self.updater, self._reg
        assert upd is not None
        params, grad, tmp, reg_vec = net.params, net.grad, self._tmp, self._reg_vec
        dropout, rng, bsize, n = self.settings.dropout, self.rng, self.batch_size, self.n_examples
        with np.errstate(all="ignore"):  # divergence is detected and reported, not warned about
            for done in range(n_updates):
                if self.position == 0:
                    perm = rng.permutation(n)
                    np.take(self._x_rows, perm, axis=0, out=self._x_shuf)
                    np.take(self._y_rows, perm, axis=0, out=self._y_shuf)
                start = self.position
                stop = min(start + bsize, n)
                m = stop - start
                xb = self._x_shuf[start:stop].T  # (n_inputs + 1, m)
                yb = self._y_shuf[start:stop].T  # (n_out, m)
                ws = net.workspace(m)
                net.forward(xb, ws, dropout, rng, train=True)
                net.backward(xb, yb, ws, self._scale(m))
                if reg is not None:
                    reg.grad(params, tmp)
                    tmp *= reg_vec
                    grad += tmp
                upd.update(params, grad)
                self.step += 1
                self.position = stop if stop < n else 0
                if self.position == 0:
                    self.epoch += 1
                    if on_epoch is not None and not on_epoch():
                        return done + 1
        return n_updates

    def _scale(self, m: int) -> Array:
        s = self._scales.get(m)
        if s is None:
            s = self._scales[m] = np.array(self._lr_fold / m, self.net.dtype)
        return s

    # ------------------------------------------------------------ what the last update saw

    def grad_norms(self) -> list[float]:
        """‖dW[l]‖ (Frobenius, weights only) of the last update's gradient, per layer."""
        with np.errstate(all="ignore"):  # an overflowing gradient's norm is inf, and reported so
            return (self.net.weight_norms(self.net.grad) / self._lr_fold).tolist()
