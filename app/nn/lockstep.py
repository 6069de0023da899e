"""Training several variants of one network together: one stacked product per layer for all.

Variants (a comparison's sessions) share the data, the batch size and the layer sizes but may
differ in activations, learning rate, optimizer, initial weights or regularisation. Their
parameters live in one (V, P) array; each network's `params` is a row of it, so every layer's
Z for all variants is a single `np.matmul` over stacked weights, and plain SGD updates all
variants in one subtraction. What stays per variant: its activation (one kernel call that
writes A and g'(Z)), and any optimizer with state. The per-epoch metrics of every variant come
from one stacked forward pass (`example_losses`). Every variant's arithmetic stays in its own
slice, so a variant that diverges (NaN, overflow) cannot leak into the others; it is frozen at
its restored weights while the rest go on. Each variant computes what it would alone, bit for
bit (tests/nn/test_nn_lockstep.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .activations import Activation
from .trainer import Trainer

Array = np.ndarray


def compatible(trainers: Sequence[Trainer]) -> bool:
    """True when the trainers can share mini-batches and stacked products, exactly as if alone
    (from an epoch boundary: the shared shuffle starts with the next epoch)."""
    t0 = trainers[0]
    s0 = t0.net.spec
    for t in trainers:
        s = t.net.spec
        if (s.sizes != s0.sizes or s.output_activation != s0.output_activation or s.loss != s0.loss
                or t.batch_size != t0.batch_size or t.settings.dropout > 0.0 or t.position != 0
                or t.net.dtype != t0.net.dtype or t.n_examples != t0.n_examples):
            return False
    # one shuffle serves all (drawn by the lead) only if every generator is at the same place
    state = t0.rng.bit_generator.state
    return all(np.array_equal(t._x_rows, t0._x_rows) and np.array_equal(t._y_rows, t0._y_rows)
               and t.rng.bit_generator.state == state for t in trainers[1:])


@dataclass
class _Stack:
    """Buffers for one batch size m, every variant stacked on axis 0."""

    zs: list[Array]  # (V, n[l], m)
    acts: list[Array]  # hidden A[l]: (V, n[l] + 1, m), last row ones
    acts_t: list[Array]  # their transposes (V, m, n[l] + 1), views made once
    deltas: list[Array]  # (V, n[l], m)
    slopes: list[Array]  # hidden g'(Z[l]), (V, n[l], m): written in the forward pass
    scale: Array  # α/m (SGD) or 1/m: (V, 1, 1), or 0-d when every variant has the same
    # per hidden layer, (training kernel, forward, Z, A, g') of the calls that write A[l] (and
    # g'(Z[l])): one on the whole stack when every variant has the same activation there, else one
    # per variant on its own slice
    activations: list[list[tuple[Callable[..., None], Callable[..., Array], Array, Array, Array]]]


class Lockstep:
    def __init__(self, trainers: Sequence[Trainer]) -> None:
        if not compatible(trainers):
            raise ValueError("variants differ in data, shuffle seed, batch size or shape, or use dropout")
        self.trainers = list(trainers)
        nets = [t.net for t in trainers]
        v = len(nets)
        self.params = np.stack([n.params for n in nets])  # (V, P)
        self.grad = np.zeros_like(self.params)
        for i, net in enumerate(nets):
            net.rebind(self.params[i], self.grad[i])
        net0 = nets[0]
        self.weights = [self.params[:, a:b].reshape(v, *shape)  # (V, n[l], n[l−1] + 1)
                        for a, b, shape in zip(net0.offsets[:-1], net0.offsets[1:], net0.shapes, strict=True)]
        self.grads = [self.grad[:, a:b].reshape(v, *shape)
                      for a, b, shape in zip(net0.offsets[:-1], net0.offsets[1:], net0.shapes, strict=True)]
        self.w_t = [w[:, :, :-1].transpose(0, 2, 1) for w in self.weights]  # Wᵀ without the bias column
        self.acts = [n._acts for n in nets]  # per variant, per layer
        self.out_act = net0._acts[-1]
        self.loss = net0.spec.loss_fn
        self.fused = net0.spec.fused
        self._stacks: dict[int, _Stack] = {}
        self._batch_views: list[tuple[Array, Array, _Stack]] | None = None
        self._eval_input: tuple[Array, Array] | None = None  # (x, x with a row of ones)
        # the shuffled training set, shared by all variants (their data is equal): owned here,
        # not borrowed from one trainer, so any variant may lead once another has diverged
        self._x_shuf = np.empty_like(trainers[0]._x_rows)
        self._y_shuf = np.empty_like(trainers[0]._y_rows)
        self._y_whole = self._y_rest = np.empty(0, self.params.dtype)  # set by _batches

    def _stack(self, m: int) -> _Stack:
        st = self._stacks.get(m)
        if st is None:
            st = self._stacks[m] = self._make_stack(m)
        return st

    def _make_stack(self, m: int) -> _Stack:
        v, dt = len(self.trainers), self.params.dtype
        sizes = self.trainers[0].net.spec.sizes
        acts = []
        for n in sizes[1:-1]:
            a = np.empty((v, n + 1, m), dt)
            a[:, -1] = 1.0
            acts.append(a)
        folds = {t._lr_fold for t in self.trainers}
        scale = np.array(folds.pop() / m, dt) if len(folds) == 1 else \
            np.array([t._lr_fold / m for t in self.trainers], dt).reshape(v, 1, 1)
        zs = [np.empty((v, n, m), dt) for n in sizes[1:]]
        deltas = [np.empty((v, n, m), dt) for n in sizes[1:]]
        slopes = [np.empty((v, n, m), dt) for n in sizes[1:-1]]
        calls = []
        for l in range(len(sizes) - 2):
            per_variant = [acts_v[l] for acts_v in self.acts]
            parts: list[tuple[Activation, int | slice]]  # one call for all variants, or one each
            if all(a is per_variant[0] for a in per_variant):
                parts = [(per_variant[0], slice(None))]
            else:
                parts = [(act, i) for i, act in enumerate(per_variant)]
            calls.append([(act.training_kernel, act.forward, zs[l][i], acts[l][i, ..., :-1, :], slopes[l][i])
                          for act, i in parts])
        return _Stack(zs, acts, [a.transpose(0, 2, 1) for a in acts], deltas, slopes, scale, calls)

    def configure(self) -> None:
        """Re-read each trainer's learning rate (after reset or a change of settings)."""
        self._stacks.clear()
        self._batch_views = None

    # ------------------------------------------------------------ one update for every variant

    def _forward(self, xb: Array, st: _Stack, training: bool = True) -> Array:
        """A[L] (V, n_out, m) for the input xb (n_inputs + 1, m), broadcast over the variants.
        Training also writes every hidden g'(Z); evaluation keeps Z[L] in st.deltas[-1] instead."""
        a = xb
        last = len(self.weights) - 1
        for l, w in enumerate(self.weights):
            z = st.zs[l]
            np.matmul(w, a, out=z)  # (V, n[l], m)
            if l == last:
                if not training:
                    np.copyto(st.deltas[-1], z)  # the logits, for a loss computed from them
                return self.out_act.forward(z, z)  # one output activation for all
            if training:
                for forward_slope, _, z_part, a_part, g_part in st.activations[l]:
                    forward_slope(z_part, a_part, g_part)  # g'(Z) now, while A is hot: one stacked product later
            else:
                for _, forward, z_part, a_part, _ in st.activations[l]:
                    forward(z_part, a_part)
            a = st.acts[l]
        raise AssertionError("unreachable")

    def _backward(self, xb_t: Array, yb: Array, st: _Stack) -> None:
        """xb_t is the batch (m, n_inputs + 1), the input's transpose."""
        out, dz = st.zs[-1], st.deltas[-1]
        if self.fused:
            np.subtract(out, yb, out=dz)  # dZ[L] = A[L] − Y
        else:
            np.multiply(self.loss.grad(out, yb), self.out_act.derivative(out, out), out=dz)
        dz *= st.scale
        for l in range(len(self.weights) - 1, -1, -1):
            np.matmul(dz, st.acts_t[l - 1] if l else xb_t, out=self.grads[l])  # dWb[l] = dZ·A[l−1]ᵀ
            if l == 0:
                return
            da = st.deltas[l - 1]
            if dz.shape[-1] == 1:
                # a batch of one: np.dot takes a matrix-vector path whose rounding a stacked
                # matmul does not reproduce; per variant, the products are the solo ones exactly
                for v in range(da.shape[0]):
                    np.dot(self.w_t[l][v], dz[v], out=da[v])
            else:
                np.matmul(self.w_t[l], dz, out=da)  # dA[l−1] = W[l]ᵀ·dZ[l]
            da *= st.slopes[l - 1]  # dZ[l−1] = dA ∗ g'(Z[l−1]), every variant at once
            dz = da

    # ------------------------------------------------------------ evaluation

    def example_losses(self, x: Array, y: Array) -> tuple[Array, Array]:
        """Every variant's per-example data loss (V, m) and outputs A[L] (V, n_out, m) on x
        (n_inputs, m), y (n_out, m): one stacked forward pass; row v is bit for bit what variant
        v's `Network.example_losses` computes alone. The outputs are a view of scratch memory:
        read them before the next update."""
        m = x.shape[1]
        if self._eval_input is None or self._eval_input[0] is not x:
            a0 = np.ones((x.shape[0] + 1, m), self.params.dtype)  # (n_inputs + 1, m)
            a0[:-1] = x
            self._eval_input = (x, a0)
        st = self._stack(m)  # scratch: shared with a training batch of the same size is fine
        with np.errstate(all="ignore"):
            out = self._forward(self._eval_input[1], st, training=False)
            per = self.loss.from_logits(st.deltas[-1], y) if self.fused else self.loss.per_example(out, y)
        return per, out

    def grad_norms(self) -> list[list[float]]:
        """Every variant's `Trainer.grad_norms()`, from one stacked computation."""
        folds = np.array([t._lr_fold for t in self.trainers], self.params.dtype)[:, None]
        with np.errstate(all="ignore"):
            return (self.trainers[0].net.weight_norms(self.grad) / folds).tolist()

    def largest_weights(self) -> list[float]:
        """max |θ| of every variant (NaN if it has one)."""
        return np.abs(self.params).max(axis=1).tolist()

    # ------------------------------------------------------------ the update

    def _update(self, live: list[int]) -> None:
        for v in live:
            t = self.trainers[v]
            if t._reg is not None:
                t._reg.grad(self.params[v], t._tmp)
                t._tmp *= t._reg_vec
                self.grad[v] += t._tmp
        if all(t.updater is not None and t.updater.folds_lr for t in self.trainers):
            self.params -= self.grad  # SGD everywhere: one subtraction for all variants
            return
        for v in live:  # a frozen variant's optimizer state stays as it was, as if alone
            updater = self.trainers[v].updater
            assert updater is not None
            updater.update(self.params[v], self.grad[v])

    # ------------------------------------------------------------ mini-batches

    def _batches(self) -> list[tuple[Array, Array, _Stack]]:
        """Every mini-batch of an epoch as (xbᵀ, Yb, buffers): xbᵀ (m, n_inputs + 1) a view of the
        shuffled set, Yb (V, n_out, m) the batch's targets repeated for every variant, so that
        dZ[L] = A[L] − Y is a same-shape subtraction (3x cheaper than one broadcasting Y over the
        variants). `_shuffle` refills both in place each epoch, so the views are made once."""
        if self._batch_views is None:
            t0 = self.trainers[0]
            n, bsize, v, n_out = t0.n_examples, t0.batch_size, len(self.trainers), self._y_shuf.shape[1]
            self._y_whole = np.empty((n // bsize, v, n_out, bsize), self.params.dtype)  # the whole batches
            self._y_rest = np.empty((v, n_out, n % bsize), self.params.dtype)  # a last, shorter one
            blocks = [*self._y_whole, self._y_rest] if n % bsize else list(self._y_whole)
            self._batch_views = [(self._x_shuf[i:i + bsize], yb, self._stack(yb.shape[-1]))
                                 for i, yb in zip(range(0, n, bsize), blocks, strict=True)]
            self._fill_targets()  # made again mid-epoch (after configure): this epoch's order
        return self._batch_views

    def _shuffle(self, lead: Trainer) -> None:
        """This epoch's order, drawn by the lead (the others follow: see `_catch_up`)."""
        perm = lead.rng.permutation(lead.n_examples)
        np.take(lead._x_rows, perm, axis=0, out=self._x_shuf)
        np.take(lead._y_rows, perm, axis=0, out=self._y_shuf)
        self._fill_targets()

    def _fill_targets(self) -> None:
        whole, (n, n_out) = self._y_whole, self._y_shuf.shape
        full = whole.shape[0] * whole.shape[-1]
        # (batches·m, n_out) -> (batches, 1, n_out, m), repeated over the variants in one copy
        np.copyto(whole, self._y_shuf[:full].reshape(whole.shape[0], -1, n_out).transpose(0, 2, 1)[:, None])
        if full < n:
            np.copyto(self._y_rest, self._y_shuf[full:].T)

    def _updater(self, live: list[int]) -> Callable[[], None]:
        """The update for the live variants; without penalties or optimizer state it is a single
        subtraction for all (a frozen variant's change is undone by the caller)."""
        if any(t._reg is not None or t.updater is None or not t.updater.folds_lr for t in self.trainers):
            return functools.partial(self._update, live)
        params, grad = self.params, self.grad

        def sgd_everywhere() -> None:
            np.subtract(params, grad, out=params)

        return sgd_everywhere

    # ------------------------------------------------------------ the loop

    def run(self, n_updates: int, live: list[int], on_epoch: Callable[[list[int]], list[int]]) -> None:
        """n_updates updates for the live variants (indices). After each epoch, on_epoch(live)
        returns the variants that stop there; they are frozen, and keep their weights: the
        stacked update is undone for them."""
        live = list(live)
        if not live:
            return
        if len({(self.trainers[v].step, self.trainers[v].position) for v in live}) > 1:
            raise ValueError("live variants must stand at the same step: a variant left out must not "
                             "come back before a reset")
        frozen = {v: self.params[v].copy() for v in range(len(self.trainers)) if v not in live}
        # Every variant's generator has the same seed and draws only these permutations, so only
        # the lead draws; the others are given its state whenever they part (`_catch_up`), which
        # costs one state copy instead of a permutation per variant per epoch.
        with np.errstate(all="ignore"):
            try:
                self._loop(n_updates, live, frozen, on_epoch)
            finally:
                self._catch_up(self.trainers[live[0]] if live else None, live)

    def _catch_up(self, lead: Trainer | None, variants: list[int]) -> None:
        """The variants' shuffle generators take the lead's state: where drawing the same
        permutations alone would have left them."""
        if lead is None:
            return
        state = lead.rng.bit_generator.state
        for v in variants:
            if self.trainers[v] is not lead:
                self.trainers[v].rng.bit_generator.state = state

    def _loop(self, n_updates: int, live: list[int], frozen: dict[int, Array],
              on_epoch: Callable[[list[int]], list[int]]) -> None:
        lead = self.trainers[live[0]]
        bsize = lead.batch_size
        batches = self._batches()
        forward, backward, update = self._forward, self._backward, self._updater(live)
        done = 0
        while done < n_updates:
            if lead.position == 0:
                self._shuffle(lead)
            first = lead.position // bsize  # positions are whole batches into the epoch
            taken = 0
            try:
                for xb_t, yb, st in batches[first:min(len(batches), first + n_updates - done)]:
                    forward(xb_t.T, st)
                    backward(xb_t, yb, st)
                    update()
                    for v, saved in frozen.items():
                        np.copyto(self.params[v], saved)
                    taken += 1
            finally:  # the counters move once per run of batches (and say where an error stopped it)
                done += taken
                position = (first + taken) * bsize if first + taken < len(batches) else 0
                for v in live:
                    t = self.trainers[v]
                    t.step += taken
                    t.position = position
            if position == 0:
                for v in live:
                    self.trainers[v].epoch += 1
                stopped = on_epoch(list(live))
                if stopped:
                    self._catch_up(lead, stopped + live)  # they part here: each at its own place
                for v in stopped:
                    live.remove(v)
                    frozen[v] = self.params[v].copy()
                if not live:
                    return
                lead = self.trainers[live[0]]
                update = self._updater(live)
