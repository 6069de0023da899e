"""The reference: a deep L-layer network in NumPy as the deep-learning course writes it.

Course 1 (Neural Networks and Deep Learning) and course 2's mini-batch assignment, written out
the way a student ends up with them: float64, parameters in a dict W1, b1, …, examples as
columns, a cache per layer, the cost J computed on every mini-batch, a fresh shuffle each
epoch, new arrays on every update. Vectorised over the examples throughout — no Python loop
over examples — so it is an honest reference, not a strawman.

Hidden layers use tanh, the output a sigmoid with binary cross-entropy, and the optimizer is
plain gradient descent: θ := θ − α·dθ.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


# ---------------------------------------------------------------- activations


def sigmoid(Z: Array) -> Array:
    return 1 / (1 + np.exp(-Z))


def tanh(Z: Array) -> Array:
    return np.tanh(Z)


# ---------------------------------------------------------------- parameters


def initialize_parameters_deep(layer_dims: list[int], rng: np.random.Generator) -> dict[str, Array]:
    """Xavier: W[l] ~ N(0, 1/n[l−1]), b[l] = 0 (the same distribution as the engine's default)."""
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters["W" + str(l)] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * np.sqrt(
            1 / layer_dims[l - 1])
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def parameters_from_layers(layers: list[tuple[Array, Array]]) -> dict[str, Array]:
    """[(W[l], b[l])] (e.g. the engine's get_layers()) -> the course's dict, float64 copies."""
    parameters = {}
    for l, (W, b) in enumerate(layers, start=1):
        parameters["W" + str(l)] = np.array(W, dtype=np.float64)
        parameters["b" + str(l)] = np.array(b, dtype=np.float64).reshape(-1, 1)
    return parameters


# ---------------------------------------------------------------- forward propagation


def linear_forward(A_prev: Array, W: Array, b: Array) -> tuple[Array, tuple[Array, Array, Array]]:
    Z = np.dot(W, A_prev) + b
    return Z, (A_prev, W, b)


def linear_activation_forward(A_prev: Array, W: Array, b: Array, activation: str) -> tuple[Array, tuple]:
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = sigmoid(Z) if activation == "sigmoid" else tanh(Z)
    return A, (linear_cache, Z)  # the course's activation cache is Z


def L_model_forward(X: Array, parameters: dict[str, Array]) -> tuple[Array, list[tuple]]:
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)], parameters["b" + str(l)], "tanh")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL: Array, Y: Array) -> float:
    """J = −(1/m) Σ (y log a + (1 − y) log(1 − a))."""
    m = Y.shape[1]
    cost = -(1 / m) * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    return float(np.squeeze(cost))


# ---------------------------------------------------------------- backward propagation


def linear_backward(dZ: Array, cache: tuple[Array, Array, Array]) -> tuple[Array, Array, Array]:
    A_prev, W, _ = cache  # (A_prev, W, b)
    m = A_prev.shape[1]
    dW = (1 / m) * np.dot(dZ, A_prev.T)
    db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def sigmoid_backward(dA: Array, Z: Array) -> Array:
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)


def tanh_backward(dA: Array, Z: Array) -> Array:
    return dA * (1 - np.power(np.tanh(Z), 2))


def linear_activation_backward(dA: Array, cache: tuple, activation: str) -> tuple[Array, Array, Array]:
    linear_cache, Z = cache
    dZ = sigmoid_backward(dA, Z) if activation == "sigmoid" else tanh_backward(dA, Z)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL: Array, Y: Array, caches: list[tuple]) -> dict[str, Array]:
    """As the course's week-4 assignment writes it: dA[L] from the cross-entropy, then each layer's
    g′ recomputed from its cached Z."""
    grads = {}
    L = len(caches)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dA_prev, grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(dAL, caches[L - 1], "sigmoid")
    for l in reversed(range(L - 1)):
        dA_prev, grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = linear_activation_backward(
            dA_prev, caches[l], "tanh")
    return grads


def update_parameters(parameters: dict[str, Array], grads: dict[str, Array],
                      learning_rate: float) -> dict[str, Array]:
    L = len(parameters) // 2
    for l in range(1, L + 1):
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * grads["db" + str(l)]
    return parameters


# ---------------------------------------------------------------- mini-batches and the model


def random_mini_batches(X: Array, Y: Array, mini_batch_size: int,
                        rng: np.random.Generator) -> list[tuple[Array, Array]]:
    """Shuffle the columns, then cut them into batches (the last one may be smaller)."""
    m = X.shape[1]
    permutation = rng.permutation(m)
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation]
    mini_batches = []
    for k in range(0, m, mini_batch_size):
        mini_batches.append((shuffled_X[:, k:k + mini_batch_size], shuffled_Y[:, k:k + mini_batch_size]))
    return mini_batches


def model(X: Array, Y: Array, parameters: dict[str, Array], learning_rate: float = 0.03,
          mini_batch_size: int | None = 10, num_epochs: int = 1,
          rng: np.random.Generator | None = None) -> tuple[dict[str, Array], list[float]]:
    """Mini-batch gradient descent; returns the parameters and the average cost of each epoch.

    X (n_x, m), Y (1, m). mini_batch_size None is batch gradient descent (one update per epoch).
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    m = X.shape[1]
    batch = m if mini_batch_size is None else mini_batch_size
    costs = []
    for _ in range(num_epochs):
        cost_total = 0.0
        for minibatch_X, minibatch_Y in random_mini_batches(X, Y, batch, rng):
            AL, caches = L_model_forward(minibatch_X, parameters)
            cost_total += compute_cost(AL, minibatch_Y) * minibatch_X.shape[1]
            grads = L_model_backward(AL, minibatch_Y, caches)
            parameters = update_parameters(parameters, grads, learning_rate)
        costs.append(cost_total / m)
    return parameters, costs


# ---------------------------------------------------------------- the decision boundary


def boundary_grid(parameters: dict[str, Array], resolution: int = 100, extent: float = 6.0) -> Array:
    """P(class 1) over a resolution² grid of [−extent, extent]², as plot_decision_boundary does it."""
    axis = np.linspace(-extent, extent, resolution)
    xx, yy = np.meshgrid(axis, axis)
    AL, _ = L_model_forward(np.c_[xx.ravel(), yy.ravel()].T, parameters)
    return AL.reshape(xx.shape)
