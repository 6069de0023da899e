"""The stability rule (app/training/stability.py): a cost that bounces without getting better is
reported as `unstable`, before (or instead of) a blow-up; a run that learns is never flagged.

The oracle is a closed form: linear regression on x₁ ∈ {−2, 2} (mean 0, mean x₁² = 4) with every
target at 0.5 and b starting at 0.5 has the full-batch cost J_t = ½·4·w_t² = 2·w₀²·(1 − 4α)^{2t}
exactly: α = 0.525 makes w flip sign and grow by 1.1 an epoch (J × 1.21), α = 0.475 flip and
shrink (J × 0.81), α = 0.5 flip at a constant size (J constant). When the rule must fire follows
from the sequence alone.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.config import get_settings
from app.training.session import Session
from app.training.spec import SessionConfig, SessionPatch
from app.training.stability import PROGRESS, SWING, WINDOW, CostWatch

W0 = 0.1
POINTS = [[-2, 0], [2, 0], [-2, 1], [2, 1], [-2, -1], [2, -1]]


def watch(costs: list[float]) -> list[bool]:
    """The flag after each epoch of `costs` (costs[0]: where the watch starts)."""
    w = CostWatch(costs[0])
    w.start(costs[0])
    return [w.record(e, c) is not None for e, c in enumerate(costs[1:], start=1)]


# ------------------------------------------------------------------ the rule on known sequences


def test_a_cost_bouncing_between_1_and_3_5_is_flagged_once_the_window_is_full() -> None:
    costs = [0.69] + [1.0, 3.5] * 30  # tanh at α = 10, as the issue saw it
    flags = watch(costs)
    assert flags.index(True) + 1 == WINDOW
    assert all(flags[WINDOW - 1:])  # and it stays: no flicker with the bounces


def test_a_falling_cost_is_never_flagged_even_bouncing() -> None:
    falling = [3.0 * 0.97 ** t * (1.3 if t % 2 else 1.0) for t in range(200)]  # zigzag, 3 % lower each epoch
    assert not any(watch(falling))


def test_a_converged_run_with_spikes_and_a_plateau_are_not_flagged() -> None:
    spikes = [0.69] + [0.01 if t % 7 else 0.25 for t in range(200)]  # a spike a week: the median is the floor
    plateau = [0.69] * 200  # a dead network: nothing moves
    assert not any(watch(spikes))
    assert not any(watch(plateau))


def test_a_flag_lasts_until_the_cost_beats_its_old_best() -> None:
    costs = [0.69] + [1.0, 3.5] * 15 + [0.3] * 5
    flags = watch(costs)
    assert flags[30 - 1], "bouncing for 30 epochs"
    assert not flags[-1], "a cost below 0.9 × the best before the window is progress"
    assert PROGRESS * 0.69 > 0.3


# ------------------------------------------------------------------ the closed form, trained by a session


def regression(alpha: float) -> Session:
    """Full-batch linear regression on x₁ with the closed form above (4 training points, 2 test)."""
    cfg = SessionConfig.model_validate({
        "dataset": {"name": "custom", "points": POINTS, "labels": [0.5] * 6, "split": ["train"] * 4 + ["test"] * 2},
        "features": ["x1"], "layers": [], "batch_size": None, "optimizer": {"learning_rate": alpha}})
    s = Session("closed-form", cfg, get_settings())
    s.set_weights([(np.array([[W0]]), np.array([0.5]))], initial=True)
    return s


def closed_form(alpha: float, t: int) -> float:
    return 2 * W0 ** 2 * (1 - 4 * alpha) ** (2 * t)


def first_flag(costs: list[float]) -> int | None:
    """When the rule must fire on this sequence, from its definition alone (float64)."""
    for t in range(WINDOW, len(costs)):
        window, before = costs[t - WINDOW + 1:t + 1], costs[:t - WINDOW + 1]
        if min(window) >= PROGRESS * min(before) and float(np.median(window)) - min(window) > SWING * costs[0]:
            return t
    return None


@pytest.mark.parametrize(("alpha", "flagged_at", "diverged_at"), [
    (0.525, WINDOW, 33),  # J × 1.21 an epoch: unstable at epoch 20, long before the blow-up at J > 10 (epoch 33)
    (0.5, None, None),  # J constant: w flips sign at one size; nothing bounces, nothing is learnt
    (0.475, None, None),  # J × 0.81: flipping but converging
])
def test_closed_form_linear_regression(alpha: float, flagged_at: int | None, diverged_at: int | None) -> None:
    s = regression(alpha)
    assert s.metrics.train.cost == pytest.approx(closed_form(alpha, 0), rel=1e-6)
    costs, flags = [s.metrics.train.cost], []
    for epoch in range(1, 41):
        s.train(s.updates_per_epoch)
        if s.status.value == "diverged":
            assert epoch == diverged_at
            assert s.unstable is None  # diverged says more: the flag gives way
            break
        assert s.metrics.train.cost == pytest.approx(closed_form(alpha, epoch), rel=1e-4)
        costs.append(s.metrics.train.cost)
        flags.append(s.unstable)
    assert first_flag([closed_form(alpha, t) for t in range(len(costs))]) == flagged_at  # the oracle's verdict
    got = next((e for e, f in enumerate(flags, start=1) if f is not None), None)
    assert got == flagged_at
    if flagged_at is not None:
        u = flags[flagged_at - 1]
        assert u is not None and u.since == flagged_at and u.window == WINDOW
        assert u.low == pytest.approx(closed_form(alpha, 1), rel=1e-4)
        assert u.high == pytest.approx(closed_form(alpha, WINDOW), rel=1e-4)


# ------------------------------------------------------------------ the runs


def spiral(lr: float, activation: str = "tanh", seed: int = 1) -> Session:
    layers = [{"units": 4, "activation": activation}, {"units": 2, "activation": activation}]
    cfg = SessionConfig.model_validate({"dataset": {"name": "spiral"}, "seed": seed, "layers": layers,
                                        "optimizer": {"learning_rate": lr}})
    return Session("spiral", cfg, get_settings())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tanh_at_learning_rate_10_is_unstable_and_a_lower_rate_clears_it(seed: int) -> None:
    s = spiral(10.0, seed=seed)
    s.train(40 * s.updates_per_epoch)
    assert s.status.value == "idle", "not diverged: the cost only bounces"
    u = s.unstable
    assert u is not None and u.since <= 40 and u.high > 1.5 * u.low
    s.patch(SessionPatch.model_validate({"optimizer": {"learning_rate": 1.0}}))
    assert s.unstable is None  # a new learning rate is watched afresh
    s.reset()
    assert s.unstable is None and s.epoch == 0


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_the_default_learning_rate_is_never_flagged(activation: str) -> None:
    s = spiral(0.03, activation)
    for _ in range(300):
        s.train(s.updates_per_epoch)
        assert s.unstable is None, f"flagged at epoch {s.epoch}"
    assert math.isfinite(s.metrics.train.cost)
