"""Input features against their closed forms, and the features × examples matrix."""

import numpy as np
import pytest

from app.data.features import DEFAULT_FEATURES, FEATURES, feature_matrix

POINTS = np.array([[0.0, 0.0], [1.0, -2.0], [-6.0, 6.0], [np.pi / 2, 0.5]])  # (4, 2)
X1, X2 = POINTS[:, 0], POINTS[:, 1]
CLOSED_FORMS = {
    "x1": X1, "x2": X2, "x1_sq": X1**2, "x2_sq": X2**2, "x1x2": X1 * X2,
    "sin_x1": np.sin(X1), "sin_x2": np.sin(X2),
}


def test_registry_order_labels_and_default():
    assert list(FEATURES) == list(CLOSED_FORMS)
    assert [f.label for f in FEATURES.values()] == ["X₁", "X₂", "X₁²", "X₂²", "X₁X₂", "sin(X₁)",
                                                    "sin(X₂)"]
    assert DEFAULT_FEATURES == ("x1", "x2") and all(f.formula for f in FEATURES.values())


@pytest.mark.parametrize("name", list(FEATURES))
def test_each_feature_matches_its_closed_form(name):
    row = feature_matrix(POINTS, [name], dtype=np.float64)
    assert row.shape == (1, len(POINTS))
    np.testing.assert_allclose(row[0], CLOSED_FORMS[name], rtol=0, atol=1e-15)


def test_matrix_is_features_by_examples_in_the_asked_order_and_dtype():
    names = ["sin_x2", "x1", "x1x2"]
    m = feature_matrix(POINTS, names)
    assert m.shape == (3, 4) and m.dtype == np.float32
    expected = np.stack([CLOSED_FORMS[n] for n in names]).astype(np.float32)
    np.testing.assert_array_equal(m, expected)


def test_no_hidden_scaling():
    m = feature_matrix(POINTS, ["x1_sq", "x2_sq"], dtype=np.float64)
    assert m.max() == 36.0  # the corner (-6, 6) squared, not normalised


@pytest.mark.parametrize(("x", "names", "error", "match"), [
    (POINTS, ["x3"], KeyError, "unknown feature 'x3'"),
    (POINTS, [], ValueError, "at least one"),
    (POINTS, ["x1", "x1"], ValueError, "repeat"),
    (POINTS[:, :1], ["x1"], ValueError, r"shape \(n, 2\)"),
])
def test_bad_requests_are_refused(x, names, error, match):
    with pytest.raises(error, match=match):
        feature_matrix(x, names)
