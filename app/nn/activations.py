"""Activation functions: each entry keeps its forward pass and its derivative side by side.

`forward(z, out)` writes g(z) into `out` (which may be `z` itself) so the hot loop allocates
nothing; `derivative(z, a)` returns g'(z) given both z and a = g(z), because most derivatives
are cheapest in terms of a (tanh: 1 − a²) and a few need z (gelu). Softmax is an output
activation only: its Jacobian is never formed, the loss fuses it (dZ = A − Y).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .registry import Registry

Array = np.ndarray
LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0
_GELU_C = np.sqrt(2.0 / np.pi)


class _Constants:
    """The hot loop's scalars as 0-d arrays of the computation's dtype: on the playground's small
    arrays NumPy takes these in about half the time of a Python float (no weak-scalar promotion)."""

    def __init__(self, dtype: type) -> None:
        self.zero, self.half, self.one = (np.array(v, dtype) for v in (0.0, 0.5, 1.0))
        self.slope, self.elu_alpha = np.array(LEAKY_SLOPE, dtype), np.array(ELU_ALPHA, dtype)


_CONSTANTS = {np.dtype(t): _Constants(t) for t in (np.float32, np.float64)}


def _k(a: Array) -> _Constants:
    return _CONSTANTS[a.dtype]


@dataclass(frozen=True)
class Activation:
    name: str
    label: str
    formula: str  # g(z), for display
    derivative_formula: str
    range: str
    forward: Callable[[Array, Array], Array]
    derivative: Callable[[Array, Array], Array]
    hidden: bool = True  # usable on hidden layers
    output: bool = False  # usable on the output layer
    note: str = ""
    # g'(z) written into out, allocating nothing: the hot loop's form of `derivative` (the same
    # values; a test holds them equal)
    slope: Callable[[Array, Array, Array], None] | None = None

    def __call__(self, z: Array) -> Array:
        return self.forward(z, np.empty_like(z))

    def slope_into(self, z: Array, a: Array, out: Array) -> None:
        """out ← g'(z), in place where the entry has an in-place form."""
        if self.slope is not None:
            self.slope(z, a, out)
        else:
            np.copyto(out, self.derivative(z, a))

    def multiply_grad(self, z: Array, a: Array, da: Array, tmp: Array) -> None:
        """da ← da ∗ g'(z), with tmp as scratch."""
        self.slope_into(z, a, tmp)
        da *= tmp


# ---------------------------------------------------------------- forwards (in place into out)


def _linear(z: Array, out: Array) -> Array:
    if out is not z:
        np.copyto(out, z)
    return out


def _sigmoid(z: Array, out: Array) -> Array:
    # σ(z) = ½(1 + tanh(z/2)): never overflows, unlike 1/(1+e^(−z)) at z = −1e4 in float32
    k = _k(z)
    np.multiply(z, k.half, out=out)
    np.tanh(out, out=out)
    out *= k.half
    out += k.half
    return out


def _tanh(z: Array, out: Array) -> Array:
    return np.tanh(z, out=out)


def _relu(z: Array, out: Array) -> Array:
    return np.maximum(z, _k(z).zero, out=out)


def _leaky_relu(z: Array, out: Array) -> Array:
    slope = _k(z).slope
    if out is z:
        return np.maximum(z, z * slope, out=out)
    np.multiply(z, slope, out=out)  # out as scratch: no temporary
    return np.maximum(z, out, out=out)


def _elu(z: Array, out: Array) -> Array:
    neg = np.expm1(np.minimum(z, 0)) * ELU_ALPHA  # exp only of z ≤ 0: no overflow
    # for z ≤ 0, e^z − 1 ≥ z; for z > 0, neg = 0 < z: so the max picks the right branch,
    # and works in place (out is z)
    return np.maximum(z, neg, out=out)


def _gelu(z: Array, out: Array) -> Array:
    inner = np.tanh(_GELU_C * (z + 0.044715 * z * z * z))
    np.multiply(0.5 * z, 1 + inner, out=out)
    return out


def _swish(z: Array, out: Array) -> Array:
    s = _sigmoid(z, np.empty_like(z))
    return np.multiply(z, s, out=out)


def _softmax(z: Array, out: Array) -> Array:
    # over the units axis (−2: units × batch, or variants × units × batch when stacked);
    # subtracting the max keeps exp finite for any z
    np.subtract(z, z.max(axis=-2, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=-2, keepdims=True)
    return out


# ---------------------------------------------------------------- derivatives g'(z)


def _d_linear(z: Array, a: Array) -> Array:
    return np.ones_like(z)


def _d_sigmoid(z: Array, a: Array) -> Array:
    return a * (1 - a)


def _d_tanh(z: Array, a: Array) -> Array:
    return 1 - a * a


def _d_relu(z: Array, a: Array) -> Array:
    return (z > 0).astype(z.dtype)


def _d_leaky_relu(z: Array, a: Array) -> Array:
    return np.where(z > 0, 1, LEAKY_SLOPE).astype(z.dtype)


def _d_elu(z: Array, a: Array) -> Array:
    return np.where(z > 0, 1, a + ELU_ALPHA).astype(z.dtype)


def _d_gelu(z: Array, a: Array) -> Array:
    inner = np.tanh(_GELU_C * (z + 0.044715 * z**3))
    d_inner = (1 - inner * inner) * _GELU_C * (1 + 3 * 0.044715 * z * z)
    return (0.5 * (1 + inner) + 0.5 * z * d_inner).astype(z.dtype)


def _d_swish(z: Array, a: Array) -> Array:
    s = _sigmoid(z, np.empty_like(z))
    return s + a * (1 - s)  # d/dz z·σ(z) = σ + zσ(1−σ) = σ + a(1−σ)


# ---------------------------------------------------------------- g'(z) in place, into out


def _s_linear(z: Array, a: Array, out: Array) -> None:
    np.copyto(out, _k(z).one)


def _s_sigmoid(z: Array, a: Array, out: Array) -> None:
    np.subtract(_k(a).one, a, out=out)
    out *= a


def _s_tanh(z: Array, a: Array, out: Array) -> None:
    np.multiply(a, a, out=out)
    np.subtract(_k(a).one, out, out=out)


def _s_relu(z: Array, a: Array, out: Array) -> None:
    # a = max(z, 0) > 0 exactly where z > 0, so sign(a) is the 0/1 step: a float ufunc, where
    # a comparison into a float buffer would cast (3x slower on small arrays)
    np.sign(a, out=out)


def _s_leaky_relu(z: Array, a: Array, out: Array) -> None:
    # sign(a) = sign(z) ∈ {1, 0, −1}; max with the slope gives 1 for z > 0, else the slope
    np.sign(a, out=out)
    np.maximum(out, _k(a).slope, out=out)


def _s_elu(z: Array, a: Array, out: Array) -> None:
    # g' = 1 for z > 0, else a + 1 (< 1); and a + 1 > 1 for z > 0: so g' = min(a + 1, 1)
    k = _k(a)
    np.add(a, k.elu_alpha, out=out)
    np.minimum(out, k.one, out=out)


def _d_softmax(z: Array, a: Array) -> Array:
    raise NotImplementedError("softmax is only used with cross-entropy, which fuses dZ = A − Y")


ACTIVATIONS: Registry[Activation] = Registry(
    "activation",
    [
        Activation("linear", "Linear (identity)", "g(z) = z", "g′(z) = 1", "ℝ", _linear, _d_linear,
                   output=True, note="Only for a regression output: stacked linear layers stay linear."),
        Activation("sigmoid", "Sigmoid", "g(z) = 1 / (1 + e^(−z))", "g′(z) = g(z)(1 − g(z))", "(0, 1)",
                   _sigmoid, _d_sigmoid, output=True,
                   note="Use on a binary output (a probability); its slope vanishes for large |z|."),
        Activation("tanh", "Tanh", "g(z) = (e^z − e^(−z)) / (e^z + e^(−z))", "g′(z) = 1 − g(z)²",
                   "(−1, 1)", _tanh, _d_tanh, output=True,
                   note="Zero-centred: usually better than sigmoid in hidden layers."),
        Activation("relu", "ReLU", "g(z) = max(0, z)", "g′(z) = 1 if z > 0 else 0", "[0, ∞)",
                   _relu, _d_relu, note="The default for hidden layers; a unit with z < 0 gets no gradient."),
        Activation("leaky_relu", "Leaky ReLU", "g(z) = max(0.01z, z)", "g′(z) = 1 if z > 0 else 0.01",
                   "(−∞, ∞)", _leaky_relu, _d_leaky_relu, note="A small slope for z < 0: units never die."),
        Activation("elu", "ELU", "g(z) = z if z > 0 else e^z − 1", "g′(z) = 1 if z > 0 else g(z) + 1",
                   "(−1, ∞)", _elu, _d_elu),
        Activation("gelu", "GELU", "g(z) = ½z(1 + tanh(√(2/π)(z + 0.044715z³)))",
                   "g′(z) = ½(1 + t) + ½z(1 − t²)√(2/π)(1 + 0.134145z²)", "≈(−0.17, ∞)", _gelu, _d_gelu,
                   note="Tanh approximation of z·Φ(z)."),
        Activation("swish", "Swish (SiLU)", "g(z) = z·σ(z)", "g′(z) = σ(z) + g(z)(1 − σ(z))",
                   "≈(−0.28, ∞)", _swish, _d_swish),
        Activation("softmax", "Softmax", "g(z)ₖ = e^(zₖ) / Σⱼ e^(zⱼ)", "with cross-entropy: dZ = A − Y",
                   "probabilities summing to 1", _softmax, _d_softmax, hidden=False, output=True,
                   note="The generalisation of the logistic output to several classes."),
    ],
)

_IN_PLACE = {"linear": _s_linear, "sigmoid": _s_sigmoid, "tanh": _s_tanh, "relu": _s_relu,
             "leaky_relu": _s_leaky_relu, "elu": _s_elu}
for _name, _fn in _IN_PLACE.items():
    object.__setattr__(ACTIVATIONS[_name], "slope", _fn)

HIDDEN_ACTIVATIONS = [a.name for a in ACTIVATIONS.values() if a.hidden]
OUTPUT_ACTIVATIONS = [a.name for a in ACTIVATIONS.values() if a.output]
