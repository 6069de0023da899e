"""A fully connected network over one flat parameter vector, in the course's orientation.

Layout (chosen for speed on tiny networks, where each NumPy call costs ~1 µs):
- activations are features × batch; every layer's input carries a constant last row of ones,
  so the bias is the last column of an augmented weight matrix Wb[l] = [W[l] | b[l]] of shape
  (n[l], n[l−1] + 1), and Z[l] = Wb[l]·A[l−1] is a single `np.dot` with `out=`;
- all Wb[l] are views into one flat vector `params` (and the gradients into `grad`), so an
  optimizer update is a handful of whole-vector operations;
- per batch size, preallocated buffers (a `Workspace`) so the hot loop allocates little.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from .activations import ACTIVATIONS, Activation
from .initializers import INITIALIZERS
from .losses import LOSSES, Loss
from .regularizers import REGULARIZERS

Array = np.ndarray
_WORKSPACES_KEPT = 6  # distinct batch sizes cached: train batch, its remainder, splits, grids


@dataclass(frozen=True)
class LayerSpec:
    units: int
    activation: str


@dataclass(frozen=True)
class NetworkSpec:
    """What the network is, as plain data: enough to rebuild it anywhere."""

    n_inputs: int
    hidden: tuple[LayerSpec, ...]
    n_outputs: int
    output_activation: str
    loss: str

    @property
    def sizes(self) -> list[int]:
        return [self.n_inputs, *(h.units for h in self.hidden), self.n_outputs]

    @property
    def activations(self) -> list[Activation]:
        return [ACTIVATIONS[h.activation] for h in self.hidden] + [ACTIVATIONS[self.output_activation]]

    @property
    def loss_fn(self) -> Loss:
        return LOSSES[self.loss]

    @property
    def fused(self) -> bool:
        """True when dZ[L] = A[L] − Y (the loss's canonical output activation)."""
        return self.loss_fn.fused_output == self.output_activation


@dataclass
class Workspace:
    """Buffers for one batch size m; acts[l] is (n[l] + 1, m) with a last row of ones."""

    m: int
    acts: list[Array]  # acts[0] is the input buffer for evaluation; training passes its own
    zs: list[Array]  # zs[l] for l = 1..L at index l − 1, (n[l], m)
    deltas: list[Array]  # dA then dZ of hidden layers, (n[l], m)
    slopes: list[Array]  # hidden g'(Z[l]), (n[l], m): written by a training forward pass
    masks: list[Array | None] = field(default_factory=list)  # dropout, inverted scaling
    trained: bool = False  # the last forward pass wrote slopes (backward needs them)


class Network:
    def __init__(self, spec: NetworkSpec, dtype: type = np.float32) -> None:
        self.spec, self.dtype = spec, np.dtype(dtype)
        sizes = spec.sizes
        self.shapes = [(n_out, n_in + 1) for n_in, n_out in itertools.pairwise(sizes)]
        self.offsets = np.cumsum([0] + [r * c for r, c in self.shapes]).tolist()
        self.params = np.zeros(self.offsets[-1], self.dtype)  # every Wb[l], flattened, in order
        self.grad = np.zeros_like(self.params)
        self.layers = self._views(self.params)  # Wb[l]: (n[l], n[l−1] + 1)
        self.grads = self._views(self.grad)
        self.weight_mask = np.zeros(self.params.size, bool)  # True on W entries, False on biases
        for view in self._views(self.weight_mask):
            view[:, :-1] = True
        self._weight_index = np.flatnonzero(self.weight_mask)  # the W entries, layer after layer
        self._weight_starts = np.cumsum([0] + [r * (c - 1) for r, c in self.shapes[:-1]])  # each W[l]'s first
        self._acts = spec.activations
        self._kernels = [act.training_kernel for act in self._acts[:-1]]  # hidden layers
        self._workspaces: dict[int, Workspace] = {}

    def rebind(self, params: Array, grad: Array) -> None:
        """Keep the parameters in someone else's buffers (a row of a Lockstep's stack)."""
        params[...] = self.params
        self.params, self.grad = params, grad
        self.layers, self.grads = self._views(params), self._views(grad)

    def weight_norms(self, flat: Array) -> Array:
        """‖W[l]‖ (Frobenius, biases left out) per layer of a parameter-shaped vector (L,), or of
        stacked ones (V, P) -> (V, L): one gather and one segmented sum, where a norm per layer
        costs 3x as much (every epoch); a row's sums are those of the row alone."""
        w = flat[..., self._weight_index]
        np.square(w, out=w)
        norms = np.add.reduceat(w, self._weight_starts, axis=-1)
        return np.sqrt(norms, out=norms)

    def _views(self, flat: Array) -> list[Array]:
        return [flat[a:b].reshape(shape)
                for a, b, shape in zip(self.offsets[:-1], self.offsets[1:], self.shapes, strict=True)]

    @property
    def n_layers(self) -> int:
        return len(self.shapes)

    # ------------------------------------------------------------ weights as the course writes them

    def initialize(self, name: str, rng: np.random.Generator) -> None:
        draw = INITIALIZERS[name].draw
        for wb, (n_out, n_in1) in zip(self.layers, self.shapes, strict=True):
            w, b = draw(rng, n_out, n_in1 - 1)
            wb[:, :-1], wb[:, -1] = w, b

    def get_layers(self) -> list[tuple[Array, Array]]:
        """[(W[l] (n[l], n[l−1]), b[l] (n[l],))] as float64 copies."""
        return [(wb[:, :-1].astype(np.float64), wb[:, -1].astype(np.float64)) for wb in self.layers]

    def set_layers(self, layers: list[tuple[Array, Array]]) -> None:
        for l, ((w, b), wb) in enumerate(zip(layers, self.layers, strict=True)):
            w, b = np.asarray(w, np.float64), np.asarray(b, np.float64)
            if w.shape != (wb.shape[0], wb.shape[1] - 1) or b.shape != (wb.shape[0],):
                raise ValueError(f"layer {l}: W must be {wb.shape[0]}×{wb.shape[1] - 1} "
                                 f"and b of length {wb.shape[0]}, got {w.shape} and {b.shape}")
            wb[:, :-1], wb[:, -1] = w, b

    # ------------------------------------------------------------ workspaces

    def workspace(self, m: int) -> Workspace:
        ws = self._workspaces.get(m)
        if ws is None:
            if len(self._workspaces) >= _WORKSPACES_KEPT:
                self._workspaces.pop(next(iter(self._workspaces)))
            ws = self._workspaces[m] = self._new_workspace(m)
        return ws

    def _new_workspace(self, m: int) -> Workspace:
        sizes, dt = self.spec.sizes, self.dtype
        acts = []
        for n in sizes[:-1]:
            a = np.empty((n + 1, m), dt)
            a[-1] = 1.0  # the constant row that carries the bias
            acts.append(a)
        zs = [np.empty((n, m), dt) for n in sizes[1:]]
        deltas = [np.empty((n, m), dt) for n in sizes[1:]]
        slopes = [np.empty((n, m), dt) for n in sizes[1:-1]]
        return Workspace(m, acts, zs, deltas, slopes, [None] * (len(sizes) - 2))

    def augment(self, x: Array) -> Array:
        """x (n_inputs, m) -> the workspace's input buffer (n_inputs + 1, m), last row ones."""
        a0 = self.workspace(x.shape[1]).acts[0]
        a0[:-1] = x
        return a0

    # ------------------------------------------------------------ forward and backward

    def forward(self, a0: Array, ws: Workspace, dropout: float = 0.0,
                rng: np.random.Generator | None = None, keep_logits: bool = False,
                train: bool = False) -> Array:
        """a0 (n_inputs + 1, m) -> A[L] (n_out, m), a view of ws.zs[-1] (overwritten in place).

        train also writes every hidden g'(Z[l]) into ws.slopes, which `backward` needs: in the
        same call as A[l], while it is hot. keep_logits copies Z[L] into ws.deltas[-1] for a loss
        computed from logits; training skips it, since every output derivative it needs is a
        function of A[L] alone.
        """
        a = a0
        last = self.n_layers - 1
        ws.trained = train
        for l, (wb, act) in enumerate(zip(self.layers, self._acts, strict=True)):
            z = ws.zs[l]
            np.dot(wb, a, out=z)  # (n[l], m)
            if l == last:
                if keep_logits:
                    np.copyto(ws.deltas[-1], z)
                return act.forward(z, z)
            a = ws.acts[l + 1]
            if train:
                self._kernels[l](z, a[:-1], ws.slopes[l])  # A[l] and g'(Z[l]); the ones row stays
            else:
                act.forward(z, a[:-1])
            if dropout > 0.0 and rng is not None:
                keep = 1.0 - dropout
                mask = (rng.random(z.shape, dtype=self.dtype) < keep) * self.dtype.type(1.0 / keep)
                ws.masks[l] = mask
                a[:-1] *= mask
            else:
                ws.masks[l] = None
        raise AssertionError("unreachable")

    def backward(self, a0: Array, y: Array, ws: Workspace, scale: float | Array) -> None:
        """Fill self.grad with scale · ∂(Σ batch loss)/∂params after `forward(..., train=True)`
        on the same ws.

        scale is 1/m for the mean (times α when the optimizer folds the learning rate in), a float
        or a 0-d array of the network's dtype (the trainer's: no weak-scalar promotion).
        """
        if not ws.trained and self.n_layers > 1:
            raise ValueError("backward needs forward(..., train=True) on the same workspace first")
        out, dz = ws.zs[-1], ws.deltas[-1]
        if self.spec.fused:
            np.subtract(out, y, out=dz)  # dZ[L] = A[L] − Y
        else:
            g = self._acts[-1].derivative(out, out)  # output g' depend on A[L] only (σ, tanh)
            np.multiply(self.spec.loss_fn.grad(out, y), g, out=dz)  # dZ = dL/dA · g'(Z)
        dz *= scale
        for l in range(self.n_layers - 1, -1, -1):
            a_prev = ws.acts[l] if l else a0  # (n[l−1] + 1, m)
            np.dot(dz, a_prev.T, out=self.grads[l])  # dWb[l] = dZ[l]·A[l−1]ᵀ  (n[l], n[l−1] + 1)
            if l == 0:
                return
            da = ws.deltas[l - 1]
            np.dot(self.layers[l][:, :-1].T, dz, out=da)  # dA[l−1] = W[l]ᵀ·dZ[l]  (n[l−1], m)
            da *= ws.slopes[l - 1]  # dZ[l−1] = dA ∗ g'(Z), g' taken before any dropout mask
            mask = ws.masks[l - 1]
            if mask is not None:
                da *= mask
            dz = da

    # ------------------------------------------------------------ evaluation

    def predict(self, x: Array) -> Array:
        """x (n_inputs, m) -> a copy of A[L] (n_out, m)."""
        ws = self.workspace(x.shape[1])
        return self.forward(self.augment(x), ws).copy()

    def hidden_activations(self, x: Array) -> list[Array]:
        """Every hidden layer's A[l] (n[l], m) for x (n_inputs, m): each unit's own map."""
        ws = self.workspace(x.shape[1])
        self.forward(self.augment(x), ws)
        return [a[:-1].copy() for a in ws.acts[1:]]

    def example_losses(self, x: Array, y: Array) -> tuple[Array, Array]:
        """Per-example data loss (m,) and outputs A[L] (n_out, m), computed stably from logits."""
        ws = self.workspace(x.shape[1])
        out = self.forward(self.augment(x), ws, keep_logits=True)
        loss = self.spec.loss_fn
        per = loss.from_logits(ws.deltas[-1], y) if self.spec.fused else loss.per_example(out, y)
        return per, out

    def penalty(self, regularization: str, rate: float) -> float:
        """R(W) over weights only."""
        if regularization == "none" or rate == 0.0:
            return 0.0
        return REGULARIZERS[regularization].penalty(self.params[self.weight_mask], rate)

    def cost(self, x: Array, y: Array, regularization: str = "none", rate: float = 0.0) -> float:
        """J = mean over the examples of L(ŷ, y) + R(W)."""
        per, _ = self.example_losses(x, y)
        return float(per.astype(np.float64).mean()) + self.penalty(regularization, rate)


def encode_targets(y: Array, output_activation: str, n_outputs: int, dtype: type = np.float32) -> Array:
    """Labels or values (m,) -> targets (n_out, m) in the output's range.

    One-hot for softmax; ±1 for a binary tanh output; the values themselves otherwise.
    """
    y = np.asarray(y)
    if output_activation == "softmax":
        t: Array = np.zeros((n_outputs, y.size), dtype)
        t[y.astype(np.int64), np.arange(y.size)] = 1
        return t
    if output_activation == "tanh" and np.issubdtype(y.dtype, np.integer):
        return (2.0 * y - 1.0).astype(dtype)[None, :]
    return y.astype(dtype)[None, :]


def predicted_labels(out: Array, output_activation: str) -> Array:
    """Outputs (n_out, m) -> class labels (m,) int64."""
    if out.shape[0] > 1:
        return out.argmax(axis=0)
    threshold = 0.0 if output_activation == "tanh" else 0.5
    return (out[0] > threshold).astype(np.int64)
