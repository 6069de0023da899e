"""Every registered activation against closed forms, finite differences and its range claim."""

from __future__ import annotations

import numpy as np
import pytest

from app.nn.activations import (
    ACTIVATIONS,
    HIDDEN_ACTIVATIONS,
    LEAKY_SLOPE,
    OUTPUT_ACTIVATIONS,
)

NAMES = list(ACTIVATIONS)
ELEMENTWISE = [n for n in NAMES if n != "softmax"]
# points away from every kink (relu, leaky relu, elu at 0)
SMOOTH_POINTS = np.array([-4.0, -2.3, -1.0, -0.4, -0.05, 0.07, 0.3, 1.1, 2.7, 4.5])

# known values: the course's table plus literature values of the tanh-approximated GELU
KNOWN = {
    "linear": [(-3.5, -3.5), (0.0, 0.0), (2.0, 2.0)],
    "sigmoid": [(0.0, 0.5), (2.0, 0.8807970779778823), (-2.0, 0.11920292202211755)],
    "tanh": [(0.0, 0.0), (1.0, 0.7615941559557649), (-0.5, -0.46211715726000974)],
    "relu": [(-2.0, 0.0), (0.0, 0.0), (3.0, 3.0)],
    "leaky_relu": [(-2.0, -0.02), (-100.0, -1.0), (3.0, 3.0)],
    "elu": [(-1.0, np.exp(-1.0) - 1.0), (-50.0, -1.0), (2.0, 2.0)],
    "gelu": [(0.0, 0.0), (1.0, 0.841192), (-1.0, -0.158808), (2.0, 1.954598)],
    "swish": [(0.0, 0.0), (1.0, 0.7310585786300049), (-1.0, -0.2689414213699951)],
}

# (low, high, low open?, high open?) as the registry's `range` column claims
RANGES = {
    "linear": (-np.inf, np.inf, True, True),
    "sigmoid": (0.0, 1.0, True, True),
    "tanh": (-1.0, 1.0, True, True),
    "relu": (0.0, np.inf, False, True),
    "leaky_relu": (-np.inf, np.inf, True, True),
    "elu": (-1.0, np.inf, True, True),
    "gelu": (-0.1701, np.inf, False, True),  # ≈(−0.17, ∞): the true minimum is −0.170041
    "swish": (-0.2785, np.inf, False, True),  # ≈(−0.28, ∞): the true minimum is −0.278465
}

IN_PLACE_PARAMS = NAMES  # elu once returned 0 for z > 0 in place: every entry is checked


def test_tables_cover_the_registry(oracle):
    assert set(KNOWN) == set(ELEMENTWISE) == set(RANGES)
    assert set(oracle.G) == set(NAMES)
    assert set(oracle.DG) == set(ELEMENTWISE)
    assert "softmax" not in HIDDEN_ACTIVATIONS and "softmax" in OUTPUT_ACTIVATIONS
    assert LEAKY_SLOPE == 0.01


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_forward_known_values(name):
    z = np.array([p for p, _ in KNOWN[name]])
    expected = np.array([v for _, v in KNOWN[name]])
    np.testing.assert_allclose(ACTIVATIONS[name](z), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_closed_form(name, oracle):
    z = np.random.default_rng(0).uniform(-6.0, 6.0, (3, 40))
    np.testing.assert_allclose(ACTIVATIONS[name](z), oracle.G[name](z), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_finite_differences(name):
    act, h = ACTIVATIONS[name], 1e-6
    z = SMOOTH_POINTS.copy()
    numeric = (act(z + h) - act(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(z, act(z)), numeric, rtol=0, atol=1e-8)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_closed_form(name, oracle):
    act = ACTIVATIONS[name]
    z = np.random.default_rng(1).uniform(-6.0, 6.0, (4, 30))
    np.testing.assert_allclose(act.derivative(z, act(z)), oracle.DG[name](z), rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("name", IN_PLACE_PARAMS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_in_place_equals_out_of_place(name, dtype):
    act = ACTIVATIONS[name]
    z = np.random.default_rng(2).uniform(-5.0, 5.0, (3, 16)).astype(dtype)
    expected = act.forward(z, np.empty_like(z))
    buf = z.copy()
    result = act.forward(buf, buf)
    np.testing.assert_array_equal(buf, expected)
    np.testing.assert_array_equal(result, expected)


@pytest.mark.parametrize("name", NAMES)
def test_float32_extremes_are_finite_without_warnings(name):
    z = np.array([[-1e4, -1e3, -88.0, -20.0, 0.0, 20.0, 88.0, 1e3, 1e4]] * 2, np.float32)
    a = ACTIVATIONS[name](z)
    assert a.dtype == np.float32
    assert np.isfinite(a).all()
    if name != "softmax":
        d = ACTIVATIONS[name].derivative(z, a)
        assert np.isfinite(d).all()


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_saturation_at_float32_extremes(name, oracle):
    # where the function is linear or constant at ±1e4, the exact limit is known
    z = np.array([-1e4, 1e4], np.float32)
    limits = {"linear": (-1e4, 1e4), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0),
              "relu": (0.0, 1e4), "leaky_relu": (-100.0, 1e4), "elu": (-1.0, 1e4),
              "gelu": (0.0, 1e4), "swish": (0.0, 1e4)}
    np.testing.assert_allclose(ACTIVATIONS[name](z), limits[name], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_range_claim(name):
    low, high, low_open, high_open = RANGES[name]
    a = ACTIVATIONS[name](np.linspace(-8.0, 8.0, 16001))
    assert (a > low).all() if low_open else (a >= low).all()
    assert (a < high).all() if high_open else (a <= high).all()


def test_softmax_columns_sum_to_one_and_are_finite():
    softmax = ACTIVATIONS["softmax"]
    z = np.array([[1e4, -1e4, 0.0, 5.0], [-1e4, -1e4, 1.0, 5.0], [0.0, 1e4, 2.0, 5.0]],
                 np.float32)
    a = softmax(z)
    assert np.isfinite(a).all()
    np.testing.assert_allclose(a.sum(axis=0), 1.0, rtol=1e-6)
    np.testing.assert_allclose(a[:, 0], [1.0, 0.0, 0.0], atol=1e-7)
    np.testing.assert_allclose(a[:, 3], [1 / 3] * 3, rtol=1e-6)
    np.testing.assert_allclose(a[:, 2], np.exp([0.0, 1.0, 2.0]) / np.exp([0.0, 1.0, 2.0]).sum(),
                               rtol=1e-6)


def test_softmax_derivative_is_fused_not_formed():
    with pytest.raises(NotImplementedError):
        ACTIVATIONS["softmax"].derivative(np.zeros((2, 1)), np.full((2, 1), 0.5))


@pytest.mark.parametrize("name", [n for n in NAMES if n != "softmax"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_kernel_equals_forward_and_derivative_exactly(name, dtype):
    # training writes A and g'(Z) in one call (its own copy of the forward, for speed): it must
    # give the forward's A and the readable derivative's g', which the finite-difference tests
    # above pin to the truth, to the last bit; solo networks and the lockstep both use it
    act = ACTIVATIONS[name]
    z = np.random.default_rng(12).normal(0.0, 3.0, (5, 7)).astype(dtype)
    z[0, :3] = 0.0  # at the kink too: relu and leaky relu take the z ≤ 0 side
    a, g = np.full_like(z, np.nan), np.full_like(z, np.nan)
    act.training_kernel(z, a, g)
    np.testing.assert_array_equal(a, act(z))
    np.testing.assert_array_equal(g, act.derivative(z, act(z)).astype(dtype))


@pytest.mark.parametrize("dtype", [np.float16, np.longdouble])
def test_other_floating_dtypes_work_too(dtype):
    z = np.array([[-2.0, 0.0, 3.0]], dtype)
    for name in ("sigmoid", "relu", "leaky_relu", "elu"):
        a = ACTIVATIONS[name](z)
        assert a.dtype == dtype
        np.testing.assert_allclose(a.astype(np.float64), ACTIVATIONS[name](z.astype(np.float64)), rtol=2e-3)


def test_integer_arrays_are_refused_with_a_clear_error():
    with pytest.raises(TypeError, match="floating-point arrays, not int64"):
        ACTIVATIONS["relu"](np.array([1, -2], np.int64))
