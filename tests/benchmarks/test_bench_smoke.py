"""The benchmark runs (tiny repeats, no timing assertions), and its textbook reference computes the
same function as the engine: same start, same mini-batch order, float64 -> the same weights."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, str(ROOT))

import bench.__main__ as cli  # noqa: E402
from app.nn.network import LayerSpec, Network, NetworkSpec  # noqa: E402
from app.nn.trainer import Trainer, TrainSettings  # noqa: E402
from app.training.boundary import compute_boundary  # noqa: E402
from bench import machine, measure, textbook  # noqa: E402
from bench.report import num, table, target  # noqa: E402

TINY = cli.Profile(repeats=1, target_s=0.001, rest_repeats=1, frames=2)


def _engine(hidden: tuple[int, ...], seed: int = 3) -> Network:
    spec = NetworkSpec(2, tuple(LayerSpec(u, "tanh") for u in hidden), 1, "sigmoid", "bce")
    net = Network(spec, np.float64)
    rng = np.random.default_rng(seed)
    net.initialize("xavier", rng)
    # non-zero biases, so a bias handled differently by the two would show
    net.set_layers([(w, rng.normal(0.0, 0.3, b.shape)) for w, b in net.get_layers()])
    return net


def _max_diff(net: Network, params: dict[str, np.ndarray]) -> float:
    worst = 0.0
    for l, (w, b) in enumerate(net.get_layers(), start=1):
        worst = max(worst, float(np.abs(w - params[f"W{l}"]).max()),
                    float(np.abs(b - params[f"b{l}"][:, 0]).max()))
    return worst


# ---------------------------------------------------------------- the reference is the same function


@pytest.mark.parametrize(("hidden", "batch", "n", "epochs"), [
    ((8, 8), 10, 250, 2),  # the benchmark's setting: 50 updates
    ((8,) * 6, 10, 250, 1),
    ((8, 8), None, 250, 5),  # full batch
    ((5, 3), 7, 50, 3),  # a smaller last batch (50 = 7·7 + 1)
])
def test_textbook_and_engine_give_the_same_weights(hidden, batch, n, epochs):
    x, y = measure.spiral()
    x, y = x[:, :n], y[:, :n]
    net = _engine(hidden)
    params = textbook.parameters_from_layers(net.get_layers())  # the engine's float64 start
    start = [w.copy() for w, _ in net.get_layers()]
    lr = 0.5  # large enough that the weights really move
    trainer = Trainer(net, x, y, np.random.default_rng(11), TrainSettings(learning_rate=lr, batch_size=batch))
    trainer.run(epochs * trainer.updates_per_epoch)
    # the same generator state gives the same permutation each epoch, so the same batches
    params, costs = textbook.model(x, y, params, lr, batch, epochs, np.random.default_rng(11))
    assert trainer.epoch == epochs and len(costs) == epochs
    assert _max_diff(net, params) < 1e-10
    moved = max(float(np.abs(w - w0).max()) for (w, _), w0 in zip(net.get_layers(), start, strict=True))
    assert moved > 1e-2  # not equal merely because nothing happened


def test_textbook_mini_batches_are_the_engines():
    x, y = measure.spiral()
    batches = textbook.random_mini_batches(x, y, 10, np.random.default_rng(4))
    perm = np.random.default_rng(4).permutation(x.shape[1])
    assert len(batches) == 25
    np.testing.assert_array_equal(np.hstack([bx for bx, _ in batches]), x[:, perm])
    np.testing.assert_array_equal(np.hstack([by for _, by in batches]), y[:, perm])


def test_textbook_gradient_matches_a_numerical_one():
    rng = np.random.default_rng(0)
    x, y = measure.spiral()
    params = textbook.initialize_parameters_deep([2, 4, 3, 1], rng)
    al, caches = textbook.L_model_forward(x, params)
    grads = textbook.L_model_backward(al, y, caches)
    eps = 1e-6
    for key in ("W1", "b2", "W3"):
        p = params[key]
        idx = (0, 0)
        saved = p[idx]
        p[idx] = saved + eps
        plus = textbook.compute_cost(textbook.L_model_forward(x, params)[0], y)
        p[idx] = saved - eps
        minus = textbook.compute_cost(textbook.L_model_forward(x, params)[0], y)
        p[idx] = saved
        assert abs((plus - minus) / (2 * eps) - grads["d" + key][idx]) < 1e-7


def test_textbook_boundary_is_the_engines():
    session = measure.make_session(measure.NET_8x2_B10)
    session.train(session.updates_for(epochs=3))
    params = textbook.parameters_from_layers(session.weights())
    ours = compute_boundary(session, 100).output
    ref = textbook.boundary_grid(params, 100, session.settings.grid_extent)
    assert ours.shape == ref.shape == (100, 100)
    assert float(np.abs(ours - ref).max()) < 1e-5  # float32 engine, float64 reference


# ---------------------------------------------------------------- the script works


def test_measurements_run():
    pair = measure.training(measure.NET_8x2_B10, repeats=1, target_s=0.001)
    assert pair.engine.best > 0 and pair.textbook.best > 0 and pair.ratio > 0
    assert pair.extra["updates_per_epoch"] == 25
    b = measure.boundary(measure.NET_8x6_B10, repeats=1, target_s=0.001)
    assert b.extra["max_abs_difference"] < 1e-5
    assert measure.frame_build(measure.NET_8x2_B10, repeats=1, target_s=0.001).best > 0
    json.dumps(pair.as_dict())


def test_rest_and_stream_run():
    with measure.app_client() as client:
        r = measure.rest(client, measure.NET_8x2_B10, repeats=1, epochs=3)
        assert r.extra["epoch_after"] == 3 and r.extra["status"] == "idle"
        s = measure.stream(client, measure.NET_8x6_B10, frames=2, fps=60)
        assert len(s.sizes) == 2 and min(s.sizes) > 0


def test_parse_sse():
    lines = ["event: frame", "id: 3", 'data: {"a":1}', "", ": comment", "event: done", "data: {}", ""]
    assert measure.parse_sse(lines) == [("frame", '{"a":1}'), ("done", "{}")]


def test_report_helpers():
    assert num(1234.5) == "1,234" or num(1234.5) == "1,235"
    assert num(0.0704) == "0.0704"
    assert target(5.2, at_least=5) == "≥5× PASS"
    assert target(16_000, at_most=15_000, unit=" B").endswith("MISS")
    text = table("t", ["a", "b"], [["x", "1"]], ["note"])
    assert "note" in text and "x" in text
    assert machine.describe(machine.info()).startswith("CPU:")


def test_main_writes_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "QUICK", TINY)
    path = tmp_path / "bench.json"
    assert cli.main(["--quick", "--json", str(path)]) == 0
    printed = capsys.readouterr().out
    for heading in ("Training", "Decision boundary", "REST API", "Stream frames", "TF Playground"):
        assert heading in printed
    data = json.loads(path.read_text())
    assert set(data) >= {"machine", "training", "boundary", "rest", "stream"}
    assert len(data["training"]) == 3 and len(data["stream"]) == 2
