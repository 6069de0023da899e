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
        self.zero, self.half, self.one = (self._const(v, dtype) for v in (0.0, 0.5, 1.0))
        self.slope, self.elu_alpha = self._const(LEAKY_SLOPE, dtype), self._const(ELU_ALPHA, dtype)

    @staticmethod
    def _const(value: float, dtype: type) -> Array:
        a: Array = np.array(value, dtype)
        a.flags.writeable = False  # shared by every call: an in-place slip must fail, not spread
        return a


_CONSTANTS = {np.dtype(t): _Constants(t) for t in (np.float16, np.float32, np.float64, np.longdouble)}


def _k(a: Array) -> _Constants:
    try:
        return _CONSTANTS[a.dtype]
    except KeyError:
        raise TypeError(f"activations take floating-point arrays, not {a.dtype}") from None


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
    # the course's short name, for a narrow place (a network diagram's column head on a projector)
    symbol: str = ""
    # the two values g approaches for large |z| (sigmoid, tanh), where its slope vanishes: what
    # "saturated" is measured against (units.py); None when g does not flatten out on both sides
    bounds: tuple[float, float] | None = None
    # the training pass's form of `forward` + `derivative`: A = g(Z) into a and g'(Z) into g in one
    # call, allocating nothing (a test holds the three to the same values, bit for bit)
    forward_slope: Callable[[Array, Array, Array], None] | None = None

    def __call__(self, z: Array) -> Array:
        return self.forward(z, np.empty_like(z))

    def forward_and_slope(self, z: Array, a: Array, g: Array) -> None:
        """a ← g(z), g ← g'(z): in one call where the entry has a kernel for it."""
        if self.forward_slope is not None:
            self.forward_slope(z, a, g)
        else:
            self.forward(z, a)
            np.copyto(g, self.derivative(z, a))

    @property
    def training_kernel(self) -> Callable[[Array, Array, Array], None]:
        """The cheapest call that does `forward_and_slope` (looked up once by the hot loops)."""
        return self.forward_slope or self.forward_and_slope


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


# ---------------------------------------------------------------- training kernels: A and g'(Z) at once
# One call per layer and variant in the hot loops: the forward is the one above, repeated inline
# (a Python call costs as much as a NumPy one on these small arrays), then g' from a.


def _fs_linear(z: Array, a: Array, g: Array) -> None:
    np.copyto(a, z)
    np.copyto(g, _k(z).one)


def _fs_sigmoid(z: Array, a: Array, g: Array) -> None:
    k = _k(z)
    np.multiply(z, k.half, out=a)
    np.tanh(a, out=a)
    a *= k.half
    a += k.half
    np.subtract(k.one, a, out=g)  # g' = (1 − a)·a
    g *= a


def _fs_tanh(z: Array, a: Array, g: Array) -> None:
    np.tanh(z, out=a)
    np.multiply(a, a, out=g)  # g' = 1 − a²
    np.subtract(_k(z).one, g, out=g)


def _fs_relu(z: Array, a: Array, g: Array) -> None:
    np.maximum(z, _k(z).zero, out=a)
    # a > 0 exactly where z > 0, so sign(a) is the 0/1 step: a float ufunc, where a comparison
    # into a float buffer would cast (3x slower on small arrays)
    np.sign(a, out=g)


def _fs_leaky_relu(z: Array, a: Array, g: Array) -> None:
    k = _k(z)
    np.multiply(z, k.slope, out=a)
    np.maximum(z, a, out=a)
    # sign(a) = sign(z) ∈ {1, 0, −1}; max with the slope gives 1 for z > 0, else the slope
    np.sign(a, out=g)
    np.maximum(g, k.slope, out=g)


def _fs_elu(z: Array, a: Array, g: Array) -> None:
    k = _k(z)
    _elu(z, a)
    # g' = 1 for z > 0, else a + 1 (< 1); and a + 1 > 1 for z > 0: so g' = min(a + 1, 1)
    np.add(a, k.elu_alpha, out=g)
    np.minimum(g, k.one, out=g)


def _d_softmax(z: Array, a: Array) -> Array:
    raise NotImplementedError("softmax is only used with cross-entropy, which fuses dZ = A − Y")


ACTIVATIONS: Registry[Activation] = Registry(
    "activation",
    [
        Activation("linear", "Linear (identity)", "g(z) = z", "g′(z) = 1", "ℝ", _linear, _d_linear,
                   output=True, note="Only for a regression output: stacked linear layers stay linear.", symbol="lin"),
        Activation("sigmoid", "Sigmoid", "g(z) = 1 / (1 + e^(−z))", "g′(z) = g(z)(1 − g(z))", "(0, 1)",
                   _sigmoid, _d_sigmoid, output=True, bounds=(0.0, 1.0),
                   note="Use on a binary output (a probability); its slope vanishes for large |z|.", symbol="σ"),
        Activation("tanh", "Tanh", "g(z) = (e^z − e^(−z)) / (e^z + e^(−z))", "g′(z) = 1 − g(z)²",
                   "(−1, 1)", _tanh, _d_tanh, output=True, bounds=(-1.0, 1.0),
                   note="Zero-centred: usually better than sigmoid in hidden layers.", symbol="tanh"),
        Activation("relu", "ReLU", "g(z) = max(0, z)", "g′(z) = 1 if z > 0 else 0", "[0, ∞)",
                   _relu, _d_relu, note="The default for hidden layers; a unit with z < 0 gets no gradient.",
                   symbol="ReLU"),
        Activation("leaky_relu", "Leaky ReLU", "g(z) = max(0.01z, z)", "g′(z) = 1 if z > 0 else 0.01",
                   "(−∞, ∞)", _leaky_relu, _d_leaky_relu, note="A small slope for z < 0: units never die.",
                   symbol="LReLU"),
        Activation("elu", "ELU", "g(z) = z if z > 0 else e^z − 1", "g′(z) = 1 if z > 0 else g(z) + 1",
                   "(−1, ∞)", _elu, _d_elu, symbol="ELU"),
        Activation("gelu", "GELU", "g(z) = ½z(1 + tanh(√(2/π)(z + 0.044715z³)))",
                   "g′(z) = ½(1 + t) + ½z(1 − t²)√(2/π)(1 + 0.134145z²)", "≈(−0.17, ∞)", _gelu, _d_gelu,
                   note="Tanh approximation of z·Φ(z).", symbol="GELU"),
        Activation("swish", "Swish (SiLU)", "g(z) = z·σ(z)", "g′(z) = σ(z) + g(z)(1 − σ(z))",
                   "≈(−0.28, ∞)", _swish, _d_swish, symbol="SiLU"),
        Activation("softmax", "Softmax", "g(z)ₖ = e^(zₖ) / Σⱼ e^(zⱼ)", "with cross-entropy: dZ = A − Y",
                   "probabilities summing to 1", _softmax, _d_softmax, hidden=False, output=True,
                   note="The generalisation of the logistic output to several classes.", symbol="softmax"),
    ],
)

_KERNELS = {"linear": _fs_linear, "sigmoid": _fs_sigmoid, "tanh": _fs_tanh, "relu": _fs_relu,
            "leaky_relu": _fs_leaky_relu, "elu": _fs_elu}
for _name, _fn in _KERNELS.items():
    object.__setattr__(ACTIVATIONS[_name], "forward_slope", _fn)

HIDDEN_ACTIVATIONS = [a.name for a in ACTIVATIONS.values() if a.hidden]
OUTPUT_ACTIVATIONS = [a.name for a in ACTIVATIONS.values() if a.output]
