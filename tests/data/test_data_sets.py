"""Every registered data set: shape, range, balance, determinism, noise, the split, and oracles."""

import numpy as np
import pytest

from app.data.datasets import DATASETS, DEFAULT_DATASET, Split, make_split, split_points

NAMES = list(DATASETS)
CLASSIFY = [n for n in NAMES if DATASETS[n].kind != "regression"]
# Sets whose labels are fixed by construction; circle and xor relabel points by noise on purpose.
FIXED_LABELS = ["gauss", "spiral", "moons", "flower", "random", "blobs", "spiral_multi"]


def whole(split: Split) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([split.x_train, split.x_test])
    return x, np.concatenate([split.y_train, split.y_test])


def n_classes(name: str) -> int:
    entry = DATASETS[name]
    return entry.classes[2] if entry.classes else {"binary": 2, "regression": 0}[entry.kind]


def test_registry_has_the_promised_sets_and_default():
    assert NAMES == ["circle", "xor", "gauss", "spiral", "moons", "flower", "random",
                     "blobs", "spiral_multi", "plane", "multi_gauss"]
    assert DEFAULT_DATASET in DATASETS
    for entry in DATASETS.values():
        assert entry.kind in {"binary", "multiclass", "regression"}
        assert entry.description.endswith(".") and "noise" in entry.description.lower()
        assert (entry.classes is not None) == (entry.kind == "multiclass")


@pytest.mark.parametrize("noise", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("n", [2, 7, 400])
@pytest.mark.parametrize("name", NAMES)
def test_shape_dtype_and_range(name, n, noise):
    split = make_split(name, n, noise, 0.5, seed=3)
    x, y = whole(split)
    assert x.shape == (n, 2) and x.dtype == np.float64 and y.shape == (n,)
    assert np.all(np.abs(x) <= 6.0) and np.all(np.isfinite(x))
    assert split.kind == DATASETS[name].kind and split.n_classes == n_classes(name)
    if split.kind == "regression":
        assert y.dtype == np.float64 and np.all(np.abs(y) <= 1.0)
    else:
        assert y.dtype == np.int64 and set(np.unique(y)) <= set(range(split.n_classes))


@pytest.mark.parametrize("n", [10, 401])
@pytest.mark.parametrize("name", CLASSIFY)
def test_classes_balanced_when_clean(name, n):
    _, y = whole(make_split(name, n, 0.0, 0.5, seed=5))
    counts = np.bincount(y, minlength=n_classes(name))
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("k", [3, 4, 5])
@pytest.mark.parametrize("name", FIXED_LABELS)
def test_classes_balanced_at_any_noise(name, k):
    classes = k if DATASETS[name].classes else None
    split = make_split(name, 203, 1.0, 0.5, seed=5, classes=classes)
    counts = np.bincount(whole(split)[1], minlength=split.n_classes)
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_bits_other_seed_other_data(name):
    a, b = (make_split(name, 300, 0.3, 0.7, seed=11) for _ in range(2))
    for field in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), strict=True)
    assert not np.array_equal(a.x_train, make_split(name, 300, 0.3, 0.7, seed=12).x_train)


@pytest.mark.parametrize("name", NAMES)
def test_noise_changes_the_data(name):
    clean, noisy = (whole(make_split(name, 300, noise, 0.5, seed=2)) for noise in (0.0, 1.0))
    assert not (np.array_equal(clean[0], noisy[0]) and np.array_equal(clean[1], noisy[1]))


@pytest.mark.parametrize("name", NAMES)
def test_generators_use_only_the_given_rng(name):
    # Reading NumPy's global state (never seeding it) shows that no generator draws from it.
    before = np.random.get_state()
    DATASETS[name].generate(50, 0.5, np.random.default_rng(0), n_classes(name) or 2)
    after = np.random.get_state()
    np.testing.assert_array_equal(after[1], before[1])
    assert after[2] == before[2]  # position in the key stream


@pytest.mark.parametrize(("n", "ratio", "n_train"),
                         [(10, 0.5, 5), (10, 0.0, 1), (10, 1.0, 9), (2, 0.5, 1), (7, 0.8, 6)])
def test_split_sizes_keep_one_point_on_each_side(n, ratio, n_train):
    split = make_split("gauss", n, 0.0, ratio, seed=0)
    assert (len(split.x_train), len(split.x_test)) == (n_train, n - n_train)
    assert len(split.y_train) == n_train


def test_split_points_shuffles_without_losing_points():
    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    y = np.arange(20, dtype=np.float64)
    split = split_points(x, y, "regression", 0, 0.75, np.random.default_rng(1))
    assert (len(split.x_train), len(split.x_test)) == (15, 5)
    got_x, got_y = whole(split)
    np.testing.assert_array_equal(got_x[:, 0] / 2, got_y)  # each point keeps its own target
    assert sorted(got_y) == list(y) and not np.array_equal(got_y, y)


@pytest.mark.parametrize("name", ["blobs", "spiral_multi"])
def test_multiclass_takes_k_within_its_range(name):
    for k in (3, 4, 5):
        split = make_split(name, 100, 0.0, 0.5, seed=0, classes=k)
        assert split.n_classes == k and set(np.unique(whole(split)[1])) == set(range(k))
    for k in (2, 6):
        with pytest.raises(ValueError, match="3 to 5 classes"):
            make_split(name, 100, 0.0, 0.5, seed=0, classes=k)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"name": "nope"}, "unknown dataset 'nope'"),
    ({"classes": 3}, "has 2 classes"),
    ({"name": "plane", "classes": 2}, "has 0 classes"),
    ({"n_samples": 1}, "at least 2"),
    ({"noise": 1.5}, "noise"),
    ({"train_ratio": -0.1}, "train_ratio"),
])
def test_impossible_inputs_are_refused(kwargs, match):
    args = {"name": "circle", "n_samples": 50, "noise": 0.0, "train_ratio": 0.5, "seed": 0} | kwargs
    with pytest.raises((ValueError, KeyError), match=match):
        make_split(**args)


# --- oracles: the geometry must teach what the course says it teaches


def accuracy_of_logistic_regression(x: np.ndarray, y: np.ndarray) -> float:
    w, b = np.zeros(2), 0.0
    for _ in range(2000):  # plain batch gradient descent on the cross-entropy
        dz = 1 / (1 + np.exp(-(x @ w + b))) - y
        w, b = w - 0.5 * x.T @ dz / len(y), b - 0.5 * dz.mean()
    return float(((x @ w + b > 0) == y).mean())


def accuracy_of_tanh4(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    """The course's shallow network: 4 tanh units, a sigmoid output, lr 1.2, full batch."""
    rng = np.random.default_rng(seed)
    w1, b1 = rng.normal(0, 0.01, (4, 2)), np.zeros((4, 1))
    w2, b2 = rng.normal(0, 0.01, (1, 4)), 0.0
    xt, m = x.T, len(y)  # (2, m)
    for _ in range(5000):
        a1 = np.tanh(w1 @ xt + b1)  # (4, m)
        dz2 = 1 / (1 + np.exp(-(w2 @ a1 + b2))) - y  # (1, m)
        dz1 = w2.T @ dz2 * (1 - a1**2)  # (4, m)
        w2, b2 = w2 - 1.2 * dz2 @ a1.T / m, b2 - 1.2 * dz2.mean()
        w1, b1 = w1 - 1.2 * dz1 @ xt.T / m, b1 - 1.2 * dz1.mean(axis=1, keepdims=True)
    return float((((w2 @ np.tanh(w1 @ xt + b1) + b2) > 0)[0] == y).mean())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_flower_defeats_a_line_but_not_four_tanh_units(seed):
    # Course reference: logistic regression ~47%, 4 tanh units ~90% on 400 points, jitter 0.2.
    x, y = DATASETS["flower"].generate(400, 0.5, np.random.default_rng(seed), 2)
    assert accuracy_of_logistic_regression(x, y) < 0.6
    assert accuracy_of_tanh4(x, y, seed) > 0.85


@pytest.mark.parametrize("name", ["circle", "xor", "gauss", "spiral", "moons", "blobs"])
def test_clean_sets_are_learnable_by_nearest_neighbour(name):
    train = make_split(name, 600, 0.0, 0.5, seed=4)
    d = ((train.x_test[:, None, :] - train.x_train[None, :, :]) ** 2).sum(axis=2)  # (test, train)
    predicted = train.y_train[d.argmin(axis=1)]
    assert (predicted == train.y_test).mean() > 0.95


def test_random_labels_cannot_be_generalised():
    split = make_split("random", 1000, 0.0, 0.5, seed=4)
    d = ((split.x_test[:, None, :] - split.x_train[None, :, :]) ** 2).sum(axis=2)
    assert abs((split.y_train[d.argmin(axis=1)] == split.y_test).mean() - 0.5) < 0.1


def test_clean_plane_is_exactly_linear():
    x, y = whole(make_split("plane", 200, 0.0, 0.5, seed=0))
    np.testing.assert_allclose(y, x.sum(axis=1) / 12)
