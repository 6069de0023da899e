"""Exports of a session: a JSON document POST /sessions accepts back, and a standalone NumPy script."""

from __future__ import annotations

import json
from typing import Any

from app import __version__
from app.data.features import FEATURES
from app.nn.activations import ACTIVATIONS

from .session import Session

FORMAT = "nn-playground/1"

# NumPy source for each registry entry, as the exported script spells it (z, x1, x2 are arrays)
ACTIVATION_SOURCE = {
    "linear": "z",
    "sigmoid": "0.5 * (1 + np.tanh(0.5 * z))",
    "tanh": "np.tanh(z)",
    "relu": "np.maximum(z, 0)",
    "leaky_relu": "np.maximum(z, 0.01 * z)",
    "elu": "np.where(z > 0, z, np.expm1(np.minimum(z, 0)))",
    "gelu": "0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))",
    "swish": "z * 0.5 * (1 + np.tanh(0.5 * z))",
    "softmax": "np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0)",
}
FEATURE_SOURCE = {
    "x1": "x1", "x2": "x2", "x1_sq": "x1 * x1", "x2_sq": "x2 * x2", "x1x2": "x1 * x2",
    "sin_x1": "np.sin(x1)", "sin_x2": "np.sin(x2)",
}
assert set(ACTIVATION_SOURCE) == set(ACTIVATIONS) and set(FEATURE_SOURCE) == set(FEATURES)


def export_document(session: Session) -> dict[str, Any]:
    with session.lock:
        return {
            "format": FORMAT,
            "version": __version__,
            "config": session.config.model_dump(mode="json"),
            "weights": {"layers": [{"W": w.tolist(), "b": b.tolist()} for w, b in session.weights()]},
            "epoch": session.epoch,
            "step": session.step_count,
            "history": {k: list(v) for k, v in session.history.cols.items()},
        }


def export_python(session: Session) -> str:
    """A script that needs only NumPy and reproduces the network's outputs for any points."""
    with session.lock:
        layers = [{"W": w.tolist(), "b": b.tolist()} for w, b in session.weights()]
        acts = [h.activation for h in session.spec.hidden] + [session.spec.output_activation]
        feats = session.config.features
    feature_rows = ",\n        ".join(FEATURE_SOURCE[f] for f in feats)
    act_defs = "\n".join(f"    {name!r}: lambda z: {ACTIVATION_SOURCE[name]},"
                         for name in dict.fromkeys(acts))
    return f'''"""A network exported from NN Playground {__version__}; needs only NumPy.

features: {", ".join(feats)}
layers:   {" -> ".join(str(n) for n in session.spec.sizes)} ({", ".join(acts)})
Run it to print the outputs for a few points; import it and call predict(points).
"""

import numpy as np

LAYERS = {json.dumps(layers)}
ACTIVATIONS = {acts!r}
G = {{
{act_defs}
}}


def features(points):
    """points (m, 2) raw x1, x2 -> (n_features, m)."""
    x1, x2 = np.asarray(points, dtype=np.float64).T
    return np.array([
        {feature_rows},
    ])


def predict(points):
    """points (m, 2) -> outputs (n_out, m): A[l] = g(W[l]·A[l−1] + b[l])."""
    a = features(points)
    for layer, g in zip(LAYERS, ACTIVATIONS):
        z = np.array(layer["W"]) @ a + np.array(layer["b"])[:, None]
        a = G[g](z)
    return a


if __name__ == "__main__":
    pts = [[0.0, 0.0], [3.0, -2.0], [-4.0, 4.0]]
    for p, out in zip(pts, predict(pts).T):
        print(p, out)
'''
