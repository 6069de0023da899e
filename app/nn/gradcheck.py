"""Gradient checking: backprop against centred finite differences of the cost, in float64.

relative error = ‖g_backprop − g_numeric‖ / (‖g_backprop‖ + ‖g_numeric‖), per layer and overall;
≲ 1e-7 means the backward pass is right (near ReLU's or L1's kink it can be larger).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Network, NetworkSpec
from .regularizers import REGULARIZERS

Array = np.ndarray


@dataclass(frozen=True)
class GradCheck:
    per_layer: list[float]
    overall: float
    checked: int  # parameters perturbed
    epsilon: float


def backprop_gradient(net: Network, x: Array, y: Array, regularization: str, rate: float) -> Array:
    """∂J/∂params (flat) for J = mean loss + R(W), at the network's current parameters."""
    ws = net.workspace(x.shape[1])
    a0 = net.augment(x)
    net.forward(a0, ws, train=True)
    net.backward(a0, y, ws, 1.0 / x.shape[1])
    grad = net.grad.copy()
    if regularization != "none" and rate > 0:
        extra = REGULARIZERS[regularization].grad(net.params, np.empty_like(net.params))
        grad += rate * extra * net.weight_mask
    return grad


def gradient_check(spec: NetworkSpec, layers: list[tuple[Array, Array]], x: Array, y: Array,
                   regularization: str = "none", rate: float = 0.0, epsilon: float = 1e-6,
                   max_params: int = 2000) -> GradCheck:
    """x (n_inputs, m), y (n_out, m) encoded targets. At most max_params entries are perturbed
    (spread evenly over every layer) so the check stays bounded for wide networks."""
    net = Network(spec, np.float64)
    net.set_layers(layers)
    x, y = x.astype(np.float64), y.astype(np.float64)
    analytic = backprop_gradient(net, x, y, regularization, rate)
    numeric = np.zeros_like(analytic)
    size = net.params.size
    chosen = np.unique(np.linspace(0, size - 1, min(size, max_params)).round().astype(np.int64))
    for i in chosen:
        saved = net.params[i]
        net.params[i] = saved + epsilon
        j_plus = net.cost(x, y, regularization, rate)
        net.params[i] = saved - epsilon
        j_minus = net.cost(x, y, regularization, rate)
        net.params[i] = saved
        numeric[i] = (j_plus - j_minus) / (2 * epsilon)
    mask = np.zeros(size, bool)
    mask[chosen] = True
    per_layer = [_rel_error(analytic[a:b][mask[a:b]], numeric[a:b][mask[a:b]])
                 for a, b in zip(net.offsets[:-1], net.offsets[1:], strict=True)]
    return GradCheck(per_layer, _rel_error(analytic[mask], numeric[mask]), int(chosen.size), epsilon)


def _rel_error(a: Array, b: Array) -> float:
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)
