"""A cohort: K unrelated trainers of one shape stepped together, each exactly as if alone.

Why: in a classroom, 30 students press play on the same lesson. Each session trains a tiny
network ([8,8] on 250 points, batch 10) and an update costs ~12 µs, almost all of it NumPy call
overhead on tiny matrices; one GIL-bound server process spends it 30 times over. `Lockstep`
removes that overhead for a comparison's variants, but needs one data set and one shuffle for all.
A cohort needs only the same shapes and settings: each member keeps its own data, its own initial
weights, its own learning rate and hyperparameters, and its own shuffle generator.

How: every member's parameters, gradient, optimizer state and shuffled training set are rows of
stacked arrays (K, ...), and each `Trainer`/`Network`/`Updater` reads and writes its row through a
view, so a member may leave at any point (between runs) and go on alone without a copy. Per
update, each layer's product for all members is one stacked `np.matmul` (per member, the very
BLAS call the solo `np.dot` makes), an activation is one call on the stack, and the optimizer's
update is a few whole-stack operations with each member's constants as (K, 1) columns. Each epoch,
every member draws its own permutation from its own generator (exactly as `Trainer.run` does), and
one `np.take` lays out the shuffled sets of all; the batch views are made once.

Every member's arithmetic stays in its own row, so one that diverges cannot touch the others; the
caller stops it at an epoch end (`run`'s on_epoch), and it leaves the cohort with its own copies.
Bit for bit, each member computes what `Trainer.run` computes alone (tests/nn/test_nn_cohort.py).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

import numpy as np

from .optimizers import OPTIMIZERS, SGD, Adam, Momentum, RMSProp, Updater
from .trainer import Trainer

Array = np.ndarray
OnEpoch = Callable[[list[int]], list[int]]  # (the live members) -> those that stop at this epoch end


# ---------------------------------------------------------------- who may train together


def cohort_key(t: Trainer) -> Hashable | None:
    """What members of one cohort must share (shapes, batches, the optimizer's and the penalty's
    form); None when this trainer can never be in a cohort. Learning rates, hyperparameters and
    penalty rates may differ: they are per-member columns."""
    s, spec, u = t.settings, t.net.spec, t.updater
    if s.dropout > 0.0 or u is None or s.optimizer not in _STACKED:
        return None
    # constants must be Python numbers: NumPy applies them as weak scalars (cast to the dtype, as
    # the stacked columns are); a NumPy float64 scalar would promote the solo arithmetic instead
    constants = [u.lr, *(getattr(u, name) for name in OPTIMIZERS[s.optimizer].defaults), s.rate]
    if any(type(c) not in (int, float) for c in constants):
        return None
    return (tuple(spec.sizes), tuple(h.activation for h in spec.hidden), spec.output_activation, spec.loss,
            t.net.dtype.str, t.batch_size, t.n_examples, s.optimizer,
            s.regularization if t._reg is not None else "none")


def cohort_compatible(trainers: Sequence[Trainer]) -> bool:
    """True when the trainers can be stepped together, each exactly as alone: one key for all,
    and every one at an epoch boundary (the stacked shuffle starts with the next epoch)."""
    if not trainers:
        return False
    key = cohort_key(trainers[0])
    return key is not None and all(t.position == 0 and cohort_key(t) == key for t in trainers)


def _column(values: Sequence[float], dtype: np.dtype) -> Array:
    """Per-member constants (K, 1), each rounded to the dtype once, as NumPy rounds a Python scalar
    applied to an array of that dtype."""
    return np.array(values, np.float64).astype(dtype).reshape(-1, 1)


# ---------------------------------------------------------------- optimizers over stacked rows


U = TypeVar("U", bound=Updater)


class _Stacked(Generic[U]):
    """One optimizer's update for every member at once. Each member's state vectors are rows of a
    (K, P) array, and its `Updater` holds views of them (so a solo update after the cohort is in
    place). Each op is the solo op with the member's constants as (K, 1) columns: elementwise,
    row for row, the same float operations in the same order. Dead rows (members that left)
    go on being updated into garbage that nobody reads."""

    state: tuple[str, ...] = ()  # the updater's state attributes

    def __init__(self, updaters: list[U], params: Array, grad: Array) -> None:
        self.updaters, self.params, self.grad = updaters, params, grad
        self.dtype = params.dtype
        self.tmp = np.empty_like(params)  # (K, P)
        self.stacks: dict[str, Array] = {}  # (K, P) each
        self.rows: dict[str, list[Array]] = {}  # the views the updaters hold
        for name in self.state:
            stack = self.stacks[name] = np.stack([getattr(u, name) for u in updaters])
            self.rows[name] = [stack[k] for k in range(len(updaters))]
            for u, row in zip(updaters, self.rows[name], strict=True):
                setattr(u, name, row)
        self.configure()

    def configure(self) -> None:
        """Read every member's constants into columns."""

    def column(self, name: str) -> Array:
        return _column([getattr(u, name) for u in self.updaters], self.dtype)

    def bound(self, k: int) -> bool:
        """Member k's updater still keeps its state in our rows (a reset or a new optimizer does not)."""
        u = self.updaters[k]
        return all(getattr(u, name) is rows[k] for name, rows in self.rows.items())

    def detach(self, k: int) -> None:
        """Member k's updater takes its own copies: it leaves the cohort."""
        u = self.updaters[k]
        for name in self.state:
            setattr(u, name, getattr(u, name).copy())

    def prepare(self, n_updates: int, live: list[int]) -> None:
        """Before a run of n_updates (within one epoch): per-update constants, where an optimizer
        has any."""

    def advance(self, live: list[int], taken: int) -> None:
        """After `taken` updates: the members' own counters."""

    def update(self) -> None:
        raise NotImplementedError


class _SGD(_Stacked[SGD]):
    def update(self) -> None:
        np.subtract(self.params, self.grad, out=self.params)  # α is folded into grad: θ -= g


class _Momentum(_Stacked[Momentum]):
    state = ("v",)

    def configure(self) -> None:
        self.beta, self.lr = self.column("beta"), self.column("lr")  # (K, 1)
        self.rest = _column([1 - u.beta for u in self.updaters], self.dtype)  # (1 − β), as solo

    def update(self) -> None:
        v, tmp = self.stacks["v"], self.tmp  # (K, P)
        v *= self.beta  # v = βv + (1 − β)g
        np.multiply(self.grad, self.rest, out=tmp)
        v += tmp
        np.multiply(v, self.lr, out=tmp)  # θ -= αv
        self.params -= tmp


class _RMSProp(_Stacked[RMSProp]):
    state = ("s",)

    def __init__(self, updaters: list[RMSProp], params: Array, grad: Array) -> None:
        super().__init__(updaters, params, grad)
        self.root = np.empty_like(params)  # (K, P)

    def configure(self) -> None:
        self.rho, self.lr, self.eps = self.column("rho"), self.column("lr"), self.column("eps")
        self.rest = _column([1 - u.rho for u in self.updaters], self.dtype)

    def update(self) -> None:
        s, tmp, root = self.stacks["s"], self.tmp, self.root  # (K, P)
        s *= self.rho  # s = ρs + ((1 − ρ)·g)·g
        np.multiply(self.grad, self.rest, out=tmp)
        tmp *= self.grad
        s += tmp
        np.sqrt(s, out=root)  # θ -= (α·g) / (√s + ε)
        root += self.eps
        np.multiply(self.grad, self.lr, out=tmp)
        tmp /= root
        self.params -= tmp


class _Adam(_Stacked[Adam]):
    state = ("m", "v")

    def __init__(self, updaters: list[Adam], params: Array, grad: Array) -> None:
        super().__init__(updaters, params, grad)
        self.root = np.empty_like(params)  # (K, P)
        self.step_scales = self.var_scales = np.empty((0, len(updaters), 1), self.dtype)
        self.i = 0

    def configure(self) -> None:
        self.beta1, self.beta2, self.eps = self.column("beta1"), self.column("beta2"), self.column("eps")
        self.rest1 = _column([1 - u.beta1 for u in self.updaters], self.dtype)
        self.rest2 = _column([1 - u.beta2 for u in self.updaters], self.dtype)

    def prepare(self, n_updates: int, live: list[int]) -> None:
        # the bias corrections of every update of the run, per member at its own t, in Python
        # floats exactly as `Adam.update` computes them (NumPy's power may round differently)
        us, alive = self.updaters, set(live)
        steps = [[u.lr * (1.0 / (1 - u.beta1 ** (u.t + i))) if k in alive else 0.0
                  for k, u in enumerate(us)] for i in range(1, n_updates + 1)]
        corrections = [[1.0 / (1 - u.beta2 ** (u.t + i)) if k in alive else 0.0
                        for k, u in enumerate(us)] for i in range(1, n_updates + 1)]
        shape = (n_updates, len(us), 1)
        self.step_scales = np.array(steps, np.float64).astype(self.dtype).reshape(shape)  # α·m̂ scale
        self.var_scales = np.array(corrections, np.float64).astype(self.dtype).reshape(shape)  # v̂ scale
        self.i = 0

    def advance(self, live: list[int], taken: int) -> None:
        for k in live:
            self.updaters[k].t += taken

    def update(self) -> None:
        m, v = self.stacks["m"], self.stacks["v"]  # (K, P)
        tmp, root, i = self.tmp, self.root, self.i
        self.i += 1
        m *= self.beta1  # m = β₁m + (1 − β₁)g
        np.multiply(self.grad, self.rest1, out=tmp)
        m += tmp
        v *= self.beta2  # v = β₂v + ((1 − β₂)g)·g
        np.multiply(self.grad, self.rest2, out=tmp)
        tmp *= self.grad
        v += tmp
        np.multiply(v, self.var_scales[i], out=root)  # θ -= (α·m̂ scale·m) / (√(v·v̂ scale) + ε)
        np.sqrt(root, out=root)
        root += self.eps
        np.multiply(self.step_scales[i], m, out=tmp)
        tmp /= root
        self.params -= tmp


_STACKED: dict[str, type[_Stacked[Any]]] = {"sgd": _SGD, "momentum": _Momentum, "rmsprop": _RMSProp, "adam": _Adam}


# ---------------------------------------------------------------- buffers


@dataclass
class _Buffers:
    """Everything one stacked pass over a batch of m examples writes, every member on axis 0."""

    zs: list[Array]  # Z[l]: (K, n[l], m)
    acts: list[Array]  # hidden A[l]: (K, n[l] + 1, m), last row ones
    hidden: list[Array]  # their first n[l] rows, (K, n[l], m): where the activation writes
    acts_t: list[Array]  # their transposes (K, m, n[l] + 1), views made once
    deltas: list[Array]  # dZ[l]: (K, n[l], m)
    slopes: list[Array]  # hidden g'(Z[l]), (K, n[l], m): written by the training forward pass
    scale: Array  # α/m (SGD) or 1/m: 0-d when every member has the same, else (K, 1, 1)


class Batch(NamedTuple):
    """One mini-batch of every member: views of the shuffled sets, made once per cohort."""

    x: Array  # (K, n_inputs + 1, m): each member's own examples
    x_t: Array  # (K, m, n_inputs + 1)
    y: Array  # (K, n_out, m), contiguous: refilled each epoch
    buffers: _Buffers


class Measures(NamedTuple):
    """Every member's epoch-end measurements from one stacked pass; row k is member k's, bit for
    bit what its own `Network.example_losses`, `Trainer.grad_norms` and max |θ| give."""

    per: Array  # per-example data loss (K, M)
    out: Array  # outputs A[L] (K, n_out, M): scratch memory, read before the next update
    grad_norms: list[list[float]]
    largest: list[float]


# ---------------------------------------------------------------- the cohort


class Cohort:
    def __init__(self, trainers: Sequence[Trainer]) -> None:
        if not cohort_compatible(trainers) or len({id(t) for t in trainers}) < len(trainers):
            raise ValueError("trainers differ in shape, batch, optimizer or penalty kind, use dropout, "
                             "stand inside an epoch, or one is listed twice")
        self.trainers = list(trainers)
        self.live = list(range(len(self.trainers)))  # members still in the cohort
        self.position = 0  # where every live member stands in its epoch
        t0 = self.trainers[0]
        self.spec, self.dtype = t0.net.spec, t0.net.dtype
        self.batch_size, self.n_examples = t0.batch_size, t0.n_examples
        # looked up once: the spec's properties build their lists anew on every call
        self._acts = self.spec.activations
        self._kernels = [act.training_kernel for act in self._acts[:-1]]
        self._loss, self._fused = self.spec.loss_fn, self.spec.fused
        self._bind_params()
        self._bind_data()
        self._bind_optimizer()
        self._settings = [t.settings for t in self.trainers]  # while these hold, so do the columns
        self._folds = _column([t._lr_fold for t in self.trainers], self.dtype)  # (K, 1): α, or 1
        self._steps = [t.step for t in self.trainers]
        self._stacks: dict[int, _Buffers] = {}
        self._batch_list: list[Batch] | None = None
        self._y_whole: Array = np.empty(0, self.dtype)  # the batches' targets: set by _batches
        self._y_rest: Array = self._y_whole
        self._eval: tuple[Array, Array] | None = None  # (K, n_inputs + 1, M), (K, n_out, M)

    # ------------------------------------------------------------ binding members to the stack

    def _bind_params(self) -> None:
        nets, k = [t.net for t in self.trainers], len(self.trainers)
        self.params = np.stack([n.params for n in nets])  # (K, P)
        self.grad = np.stack([n.grad for n in nets])  # (K, P): grad_norms reads it between runs
        self._param_rows = [self.params[i] for i in range(k)]
        self._grad_rows = [self.grad[i] for i in range(k)]
        for net, p, g in zip(nets, self._param_rows, self._grad_rows, strict=True):
            net.rebind(p, g)
        net0 = nets[0]
        blocks = list(zip(net0.offsets[:-1], net0.offsets[1:], net0.shapes, strict=True))
        self.weights = [self.params[:, a:b].reshape(k, *shape) for a, b, shape in blocks]  # (K, n[l], n[l−1] + 1)
        self.grads = [self.grad[:, a:b].reshape(k, *shape) for a, b, shape in blocks]
        self.w_t = [w[:, :, :-1].transpose(0, 2, 1) for w in self.weights]  # Wᵀ without the bias column
        self._weight_norms = net0.weight_norms
        self._tmp = np.empty_like(self.params)  # (K, P): the penalty's gradient

    def _bind_data(self) -> None:
        """Every member's training set stacked (K·N rows), and its shuffled copy, whose rows the
        trainers use as their own shuffle buffers (a member leaving mid-epoch goes on with them)."""
        ts, k, n = self.trainers, len(self.trainers), self.n_examples
        self._x_rows = np.concatenate([t._x_rows for t in ts])  # (K·N, n_inputs + 1)
        self._y_rows = np.concatenate([t._y_rows for t in ts])  # (K·N, n_out)
        self._x_shuf = np.stack([t._x_shuf for t in ts])  # (K, N, n_inputs + 1)
        self._y_shuf = np.stack([t._y_shuf for t in ts])  # (K, N, n_out)
        self._xs_rows = [self._x_shuf[i] for i in range(k)]
        self._ys_rows = [self._y_shuf[i] for i in range(k)]
        for t, xs, ys in zip(ts, self._xs_rows, self._ys_rows, strict=True):
            t._x_shuf, t._y_shuf = xs, ys
        self._perm = np.empty((k, n), np.int64)  # each member's permutation of its own N
        self._offset = (np.arange(k, dtype=np.int64) * n)[:, None]  # (K, 1): member k's rows start at k·N
        self._index = np.empty((k, n), np.int64)  # rows of the stacked set, in each member's order

    def _bind_optimizer(self) -> None:
        ts = self.trainers
        self._updaters: list[Updater] = []
        for t in ts:
            assert t.updater is not None  # cohort_key refuses a trainer without one
            self._updaters.append(t.updater)
        self._optimizer = _STACKED[ts[0].settings.optimizer](self._updaters, self.params, self.grad)
        reg = ts[0]._reg
        self._penalty = None if reg is None else (reg, np.stack([t._reg_vec for t in ts]))  # (K, P)

    def bound(self, k: int) -> bool:
        """Member k is in the cohort and nothing changed it behind the cohort's back: no new
        settings (PATCH), no reset, no solo step; it still keeps its state in the stack."""
        return k in self.live and self._unchanged(k)

    def _unchanged(self, k: int) -> bool:
        # identities, not values: cheap (30 members in ~10 µs), and any configure() or reset()
        # replaces one of them
        t = self.trainers[k]
        return (t.net.params is self._param_rows[k] and t.net.grad is self._grad_rows[k]
                and t.settings is self._settings[k] and t.updater is self._updaters[k]
                and self._optimizer.bound(k) and t._x_shuf is self._xs_rows[k] and t._y_shuf is self._ys_rows[k]
                and t.step == self._steps[k] and t.position == self.position)

    def intact(self) -> bool:
        """Every member still in the cohort is unchanged since the last run: it may run again
        (those that left are no concern of it, but their rows still cost: see `complete`)."""
        return bool(self.live) and all(self._unchanged(k) for k in self.live)

    @property
    def complete(self) -> bool:
        """No member has left: no row is computed for nobody."""
        return len(self.live) == len(self.trainers)

    def leave(self, k: int) -> None:
        """Member k takes copies of its rows and leaves; it goes on alone exactly where it is. Its
        rows stay in the stack (updated into garbage nobody reads) until the cohort is rebuilt."""
        if k not in self.live:
            return
        t = self.trainers[k]
        t.net.rebind(self.params[k].copy(), self.grad[k].copy())
        self._optimizer.detach(k)
        t._x_shuf, t._y_shuf = t._x_shuf.copy(), t._y_shuf.copy()
        self.live.remove(k)

    def dissolve(self) -> None:
        """Every member leaves: they keep no reference to the stack."""
        for k in list(self.live):
            self.leave(k)

    # ------------------------------------------------------------ buffers and batches

    def _stack(self, m: int) -> _Buffers:
        st = self._stacks.get(m)
        if st is None:
            st = self._stacks[m] = self._make_stack(m)
        return st

    def _make_stack(self, m: int) -> _Buffers:
        k, dt, sizes = len(self.trainers), self.dtype, self.spec.sizes
        acts = []
        for n in sizes[1:-1]:
            a = np.empty((k, n + 1, m), dt)
            a[:, -1] = 1.0  # the constant row that carries the bias
            acts.append(a)
        folds = [t._lr_fold / m for t in self.trainers]  # as `Trainer._scale`: divided in Python
        scale = np.array(folds[0], dt) if len(set(folds)) == 1 else np.array(folds, dt).reshape(k, 1, 1)
        return _Buffers(zs=[np.empty((k, n, m), dt) for n in sizes[1:]], acts=acts,
                        hidden=[a[:, :-1, :] for a in acts], acts_t=[a.transpose(0, 2, 1) for a in acts],
                        deltas=[np.empty((k, n, m), dt) for n in sizes[1:]],
                        slopes=[np.empty((k, n, m), dt) for n in sizes[1:-1]], scale=scale)

    def _batches(self) -> list[Batch]:
        """Every mini-batch of an epoch for all members. The targets are laid out batch-major,
        (batches, K, n_out, m), so dZ[L] = A[L] − Y is a subtraction of contiguous arrays."""
        if self._batch_list is None:
            k, n, bsize, n_out = len(self.trainers), self.n_examples, self.batch_size, self._y_shuf.shape[-1]
            self._y_whole = np.empty((n // bsize, k, n_out, bsize), self.dtype)  # the whole batches
            self._y_rest = np.empty((k, n_out, n % bsize), self.dtype)  # a last, shorter one
            blocks = [*self._y_whole, self._y_rest] if n % bsize else list(self._y_whole)
            self._batch_list = []
            for start, yb in zip(range(0, n, bsize), blocks, strict=True):
                x_t = self._x_shuf[:, start:start + bsize]  # (K, m, n_inputs + 1)
                self._batch_list.append(Batch(x_t.transpose(0, 2, 1), x_t, yb, self._stack(yb.shape[-1])))
            self._fill_targets()  # made mid-epoch: this epoch's order, from the shuffled sets
        return self._batch_list

    def _shuffle(self) -> None:
        """This epoch's order: each live member draws its own permutation from its own generator,
        exactly as `Trainer.run` does; one take lays out every member's shuffled set."""
        n = self.n_examples
        for k in self.live:  # a member that left draws nothing: its generator is its own again
            self._perm[k] = self.trainers[k].rng.permutation(n)
        np.add(self._perm, self._offset, out=self._index)  # (K, N): rows of the stacked set
        flat = self._index.reshape(-1)
        np.take(self._x_rows, flat, axis=0, out=self._x_shuf.reshape(-1, self._x_shuf.shape[-1]))
        np.take(self._y_rows, flat, axis=0, out=self._y_shuf.reshape(-1, self._y_shuf.shape[-1]))
        self._fill_targets()

    def _fill_targets(self) -> None:
        whole = self._y_whole  # (batches, K, n_out, m)
        b, _, n_out, m = whole.shape
        # (K, batches·m, n_out) -> (batches, K, n_out, m) in one copy
        np.copyto(whole, self._y_shuf[:, :b * m].reshape(-1, b, m, n_out).transpose(1, 0, 3, 2))
        if b * m < self.n_examples:
            np.copyto(self._y_rest, self._y_shuf[:, b * m:].transpose(0, 2, 1))

    # ------------------------------------------------------------ one update for every member

    def _forward(self, x: Array, st: _Buffers, training: bool = True) -> Array:
        """A[L] (K, n_out, m) for the members' inputs x (K, n_inputs + 1, m). Training also writes
        every hidden g'(Z); evaluation keeps Z[L] in st.deltas[-1] instead."""
        a = x
        last = len(self.weights) - 1
        acts = self._acts
        for l, w in enumerate(self.weights):
            z = st.zs[l]
            np.matmul(w, a, out=z)  # (K, n[l], m): per member, the gemm the solo np.dot makes
            if l == last:
                if not training:
                    np.copyto(st.deltas[-1], z)  # the logits, for a loss computed from them
                return acts[-1].forward(z, z)
            if training:
                self._kernels[l](z, st.hidden[l], st.slopes[l])  # A and g'(Z), every member at once
            else:
                acts[l].forward(z, st.hidden[l])
            a = st.acts[l]
        raise AssertionError("unreachable")

    def _backward(self, x_t: Array, y: Array, st: _Buffers) -> None:
        """Fill the stacked gradient, scaled by α/m or 1/m; x_t (K, m, n_inputs + 1) is the batch."""
        out, dz = st.zs[-1], st.deltas[-1]  # (K, n_out, m)
        if self._fused:
            np.subtract(out, y, out=dz)  # dZ[L] = A[L] − Y
        else:
            np.multiply(self._loss.grad(out, y), self._acts[-1].derivative(out, out), out=dz)
        dz *= st.scale
        for l in range(len(self.weights) - 1, -1, -1):
            np.matmul(dz, st.acts_t[l - 1] if l else x_t, out=self.grads[l])  # dWb[l] = dZ·A[l−1]ᵀ
            if l == 0:
                return
            da = st.deltas[l - 1]  # (K, n[l−1], m)
            if dz.shape[-1] == 1:
                # a batch of one: np.dot takes a matrix-vector path whose rounding a stacked
                # matmul does not reproduce; per member, the products are the solo ones exactly
                for k in range(da.shape[0]):
                    np.dot(self.w_t[l][k], dz[k], out=da[k])
            else:
                np.matmul(self.w_t[l], dz, out=da)  # dA[l−1] = W[l]ᵀ·dZ[l]
            da *= st.slopes[l - 1]  # dZ[l−1] = dA ∗ g'(Z[l−1])
            dz = da

    def _penalize(self) -> None:
        """grad += λα·∂R/∂W, every member with its own rate (row k of the rates)."""
        assert self._penalty is not None
        reg, rates = self._penalty
        reg.grad(self.params, self._tmp)
        self._tmp *= rates
        self.grad += self._tmp

    # ------------------------------------------------------------ evaluation

    def evaluate_on(self, xs: Sequence[Array], ys: Sequence[Array]) -> None:
        """The members' evaluation sets, x (n_inputs, M) and y (n_out, M) each, one M for all:
        stacked once, for `measure`."""
        x = np.stack(xs)  # (K, n_inputs, M)
        a0 = np.ones((x.shape[0], x.shape[1] + 1, x.shape[2]), self.dtype)  # (K, n_inputs + 1, M)
        a0[:, :-1] = x
        self._eval = (a0, np.stack(ys))  # the targets keep their dtype, as the solo loss sees them

    def example_losses(self) -> tuple[Array, Array]:
        """Every member's per-example data loss (K, M) and outputs (K, n_out, M) on its evaluation
        set, from one stacked forward pass."""
        assert self._eval is not None, "evaluate_on() first"
        a0, y = self._eval
        st = self._stack(a0.shape[-1])  # scratch: shared with a training batch of the same size is fine
        with np.errstate(all="ignore"):
            out = self._forward(a0, st, training=False)
            per = self._loss.from_logits(st.deltas[-1], y) if self._fused else self._loss.per_example(out, y)
        return per, out

    def grad_norms(self) -> list[list[float]]:
        """Every member's `Trainer.grad_norms()`."""
        with np.errstate(all="ignore"):
            return (self._weight_norms(self.grad) / self._folds).tolist()

    def largest_weights(self) -> list[float]:
        """max |θ| of every member (NaN if it has one)."""
        return np.abs(self.params).max(axis=1).tolist()

    def measure(self) -> Measures:
        per, out = self.example_losses()
        return Measures(per, out, self.grad_norms(), self.largest_weights())

    # ------------------------------------------------------------ the loop

    def run(self, n_updates: int, on_epoch: OnEpoch | None = None) -> int:
        """n_updates updates for every live member. After each epoch, on_epoch(live) returns the
        members that stop there (as `Trainer.run` stops when its on_epoch says False); they leave
        the cohort with their own copies, the rest go on. Returns the updates taken."""
        if not all(self._unchanged(k) for k in self.live):
            raise ValueError("a member changed outside the cohort (settings, reset or a solo step): rebuild it")
        if not self.live or n_updates <= 0:
            return 0
        with np.errstate(all="ignore"):  # divergence is detected and reported by the caller
            return self._loop(n_updates, on_epoch)

    def _loop(self, n_updates: int, on_epoch: OnEpoch | None) -> int:
        batches, forward, backward = self._batches(), self._forward, self._backward
        update, penalize = self._optimizer.update, self._penalize if self._penalty is not None else None
        n_batches, done = len(batches), 0
        while done < n_updates and self.live:
            if self.position == 0:
                self._shuffle()
            first = self.position // self.batch_size  # positions are whole batches into the epoch
            segment = batches[first:min(n_batches, first + n_updates - done)]
            self._optimizer.prepare(len(segment), self.live)
            taken = 0
            try:
                for x, x_t, y, st in segment:
                    forward(x, st)
                    backward(x_t, y, st)
                    if penalize is not None:
                        penalize()
                    update()
                    taken += 1
            finally:  # the counters move once per run of batches (and say where an error stopped it)
                done += taken
                self._advance(taken, first + taken < n_batches)
            if self.position == 0 and on_epoch is not None:
                for k in on_epoch(list(self.live)):
                    self.leave(k)
        return done

    def _advance(self, taken: int, mid_epoch: bool) -> None:
        first = self.position // self.batch_size
        self.position = (first + taken) * self.batch_size if mid_epoch else 0
        for k in self.live:
            t = self.trainers[k]
            t.step += taken
            t.position = self.position
            t.epoch += not mid_epoch
            self._steps[k] = t.step
        self._optimizer.advance(self.live, taken)
