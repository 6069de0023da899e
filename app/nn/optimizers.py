"""Optimizers over one flat parameter vector: each keeps its state in vectors of the same layout.

An updater is configured with the learning rate and its hyperparameters (which PATCH may change
at any time without losing the state) and then applied as `update(params, grad)`. Plain SGD
asks the network to fold α into the gradient (`folds_lr`), so its update is one subtraction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .registry import Param, Registry

Array = np.ndarray


class Updater:
    folds_lr = False

    def __init__(self, size: int, dtype: np.dtype) -> None:
        self.size, self.dtype = size, dtype
        self.lr = 0.0
        self.t = 0  # updates taken, for Adam's bias correction
        self.reset()

    def configure(self, lr: float, **hyper: float) -> None:
        self.lr = lr
        for name, value in hyper.items():
            setattr(self, name, value)

    def reset(self) -> None:
        self.t = 0

    def _zeros(self) -> Array:
        return np.zeros(self.size, self.dtype)

    def update(self, params: Array, grad: Array) -> None:
        raise NotImplementedError


class SGD(Updater):
    folds_lr = True  # grad arrives already multiplied by α

    def update(self, params: Array, grad: Array) -> None:
        params -= grad


class Momentum(Updater):
    beta = 0.9

    def reset(self) -> None:
        super().reset()
        self.v = self._zeros()

    def update(self, params: Array, grad: Array) -> None:
        # v = βv + (1 − β)g;  θ -= αv
        self.v *= self.beta
        self.v += (1 - self.beta) * grad
        params -= self.lr * self.v


class RMSProp(Updater):
    rho = 0.9
    eps = 1e-8

    def reset(self) -> None:
        super().reset()
        self.s = self._zeros()

    def update(self, params: Array, grad: Array) -> None:
        # s = ρs + (1 − ρ)g²;  θ -= αg / (√s + ε)
        self.s *= self.rho
        self.s += (1 - self.rho) * grad * grad
        params -= self.lr * grad / (np.sqrt(self.s) + self.eps)


class Adam(Updater):
    beta1 = 0.9
    beta2 = 0.999
    eps = 1e-8

    def reset(self) -> None:
        super().reset()
        self.m, self.v = self._zeros(), self._zeros()

    def update(self, params: Array, grad: Array) -> None:
        # m = β₁m + (1 − β₁)g;  v = β₂v + (1 − β₂)g²;  θ -= α·m̂ / (√v̂ + ε), hats bias-corrected
        self.t += 1
        self.m *= self.beta1
        self.m += (1 - self.beta1) * grad
        self.v *= self.beta2
        self.v += (1 - self.beta2) * grad * grad
        m_hat_scale = 1.0 / (1 - self.beta1**self.t)
        v_hat_scale = 1.0 / (1 - self.beta2**self.t)
        params -= (self.lr * m_hat_scale) * self.m / (np.sqrt(self.v * v_hat_scale) + self.eps)


@dataclass(frozen=True)
class Optimizer:
    name: str
    label: str
    formula: str
    make: Callable[[int, np.dtype], Updater]
    params: tuple[Param, ...] = field(default=())

    @property
    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}


_BETA = Param("beta", "β (momentum)", 0.9, 0.0, 0.9999)
_EPS = Param("eps", "ε", 1e-8, 1e-12, 1e-2)

OPTIMIZERS: Registry[Optimizer] = Registry(
    "optimizer",
    [
        Optimizer("sgd", "Gradient descent", "θ := θ − α·∂J/∂θ", SGD),
        Optimizer("momentum", "Momentum", "v := βv + (1 − β)·dθ;  θ := θ − α·v", Momentum, (_BETA,)),
        Optimizer("rmsprop", "RMSProp", "s := ρs + (1 − ρ)·dθ²;  θ := θ − α·dθ / (√s + ε)", RMSProp,
                  (Param("rho", "ρ (decay)", 0.9, 0.0, 0.9999), _EPS)),
        Optimizer("adam", "Adam",
                  "m := β₁m + (1 − β₁)dθ;  v := β₂v + (1 − β₂)dθ²;  θ := θ − α·m̂ / (√v̂ + ε)", Adam,
                  (Param("beta1", "β₁", 0.9, 0.0, 0.9999), Param("beta2", "β₂", 0.999, 0.0, 0.99999),
                   _EPS)),
    ],
)
