"""Dead, saturated and distinct units (app/nn/units.py), on weights chosen so the answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.activations import ACTIVATIONS
from app.nn.network import LayerSpec, Network, NetworkSpec
from app.nn.units import distinct_rows, saturated_share, unit_report
from app.training.metrics import recent_grad_norms

X = np.array([[-2.0, -1.0, 0.5, 1.0, 3.0], [1.0, -2.0, 2.0, 0.0, -1.0]])  # (2 inputs, 5 points)


def _net(activation: str, w1: np.ndarray, b1: np.ndarray) -> Network:
    net = Network(NetworkSpec(2, (LayerSpec(len(b1), activation),), 1, "sigmoid", "bce"), np.float64)
    net.set_layers([(w1, b1), (np.ones((1, len(b1))), np.zeros(1))])
    return net


def _report(net: Network):
    return unit_report(net, net.hidden_activations(X))


def test_a_relu_unit_below_zero_at_every_point_is_dead_and_only_that_one():
    # unit 0: z = x1 + 10 > 0 everywhere; unit 1: z = −10 < 0 everywhere; unit 2: z = x1, on for some points
    w = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    b = np.array([10.0, -10.0, 0.0])
    (layer,) = _report(_net("relu", w, b))
    assert layer.dead == [1] and layer.units == 3
    assert layer.saturated is None  # ReLU has no asymptote on both sides


def test_a_leaky_relu_unit_below_zero_is_not_dead():
    (layer,) = _report(_net("leaky_relu", np.zeros((2, 2)), np.array([-10.0, 1.0])))
    assert layer.dead == []


def test_saturation_counts_activations_within_one_percent_of_an_asymptote():
    # tanh: |a| > 0.99 ⇔ |z| > atanh(0.99) ≈ 2.647; z = x1 at the points −2, −1, 0.5, 1, 3: one of five
    (layer,) = _report(_net("tanh", np.array([[1.0, 0.0]]), np.array([0.0])))
    assert layer.saturated == pytest.approx(1 / 5)
    # sigmoid: a > 0.995 or a < 0.005 ⇔ |z| > ln(199) ≈ 5.29; z = 2·x1: only x1 = 3 (z = 6)
    (layer,) = _report(_net("sigmoid", np.array([[2.0, 0.0]]), np.array([0.0])))
    assert layer.saturated == pytest.approx(1 / 5)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_saturated_means_the_slope_is_under_two_percent_of_its_peak(name):
    g = ACTIVATIONS[name]
    z = np.linspace(-12, 12, 20001)
    a = g.forward(z, np.empty_like(z))
    slope = g.derivative(z, a)
    lo, hi = g.bounds
    flat = np.abs(a - (lo + hi) / 2) > 0.99 * (hi - lo) / 2
    assert slope[flat].max() < 0.02 * slope.max()
    assert saturated_share(a[None, :], g.bounds) == pytest.approx(flat.mean())


def test_distinct_units_counts_equal_rows_of_w_and_b_once():
    wb = np.array([[1.0, 2.0, 0.5], [1.0, 2.0, 0.5], [1.0, 2.0, -0.5], [1.0, 2.0, 0.5 + 1e-9]])
    assert distinct_rows(wb) == 2
    assert distinct_rows(np.zeros((4, 3))) == 1


def test_zero_weights_make_every_unit_a_copy():
    (layer,) = _report(_net("sigmoid", np.zeros((4, 2)), np.zeros(4)))
    assert layer.distinct == 1 and layer.dead == [] and layer.saturated == 0.0


def test_recent_grad_norms_average_each_layer_over_the_last_epochs():
    rows = [[100.0, 100.0], None, [1.0, 4.0], [3.0, float("nan")], [2.0, 6.0]]
    assert recent_grad_norms(rows, 3) == pytest.approx([2.0, 5.0])  # last three rows, NaN left out
    assert recent_grad_norms([None, None], 10) is None


def test_distinct_units_of_a_layer_holding_infinities_count_without_a_warning() -> None:
    """Rows with ±inf in the same place are not the same unit (inf − inf is no small difference), as
    the one-row-at-a-time loop before had it, and saying so warns about nothing (pytest makes
    warnings errors)."""
    inf = float("inf")
    assert distinct_rows(np.array([[inf, 1.0, 0.0]])) == 1
    assert distinct_rows(np.array([[inf, 1.0], [inf, 1.0]])) == 2
