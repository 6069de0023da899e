"""python -m bench.compare: a comparison's variants trained together vs one after another vs alone.

The issue's target: the activation race (sigmoid, tanh, relu, leaky_relu) on [8,8], batch 10,
for ≤ 2× the time of one run, where one after another costs 4×. "One run" is the mean of the
four activations trained alone as ordinary sessions; all three are measured in this process,
interleaved, best of N. Also the stream: a comparison frame (4 variants) against 4× one
session's frame.
"""

from __future__ import annotations

import argparse
import itertools

import app  # noqa: F401  (one BLAS thread, before NumPy loads)
from app.config import get_settings
from app.training.comparison import Comparison, ComparisonConfig
from app.training.session import Session

from .report import num, ratio, table, target
from .timing import Samples, clock

RACE = ["sigmoid", "tanh", "relu", "leaky_relu"]
BASE = {"dataset": {"name": "spiral", "n_samples": 500, "seed": 1}, "seed": 1,
        "layers": [{"units": 8, "activation": "tanh"}] * 2, "optimizer": {"name": "sgd", "learning_rate": 0.03},
        "batch_size": 10}
TARGET = 2.0


def _comparison() -> Comparison:
    ids = itertools.count()
    config = ComparisonConfig.model_validate({"base": BASE, "vary": {"field": "activation", "values": RACE}})
    return Comparison.build("bench", config, lambda c: Session(f"v{next(ids)}", c, get_settings()))


def measure(repeats: int, epochs: int) -> dict[str, float]:
    together = _comparison()
    apart = _comparison()
    apart.lockstep = None  # the same variants, stepped one after another
    alone = [Session(f"s{i}", v.config, get_settings()) for i, v in enumerate(together.sessions)]
    upe = together.updates_per_epoch
    runs = {"lockstep": lambda: together.train(epochs * upe),
            "sequential": lambda: apart.train(epochs * upe),
            "alone": lambda: [s.train(epochs * upe) for s in alone]}
    for fn in runs.values():
        fn()  # warm-up
    samples = {name: Samples() for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            samples[name].add(clock(fn), epochs)
    one = samples["alone"].best / len(RACE)  # the mean single run, per epoch
    return {"one_s": one, "lockstep_s": samples["lockstep"].best, "sequential_s": samples["sequential"].best}


def frame_bytes() -> tuple[int, int]:
    """(one session's frame, the 4-variant comparison's frame) in bytes, same base, after 20 epochs."""
    from app.api import frames
    from app.api.comparisons import present_comparison

    c = _comparison()
    c.train(20 * c.updates_per_epoch)
    single = Session("single", c.sessions[1].config, get_settings())
    single.train(20 * single.updates_per_epoch)
    return len(frames.frame_json(single, None)[1]), len(frames.comparison_frame_json(c, present_comparison)[1])


def report(repeats: int = 7, epochs: int = 40, out=print) -> dict[str, float]:  # type: ignore[no-untyped-def]
    m = measure(repeats, epochs)
    one, lock, seq = m["one_s"], m["lockstep_s"], m["sequential_s"]
    out(table("Comparison: 4 activations, [8,8] tanh-shaped, batch 10, spiral (ms per epoch, all variants)",
              ["run", "ms/epoch", "× one run", "target"],
              [["one run (mean of the 4 alone)", num(1e3 * one), "1.0×", "—"],
               ["4 one after another", num(1e3 * seq), ratio(seq / one, 2), "—"],
               ["4 in lockstep (stacked)", num(1e3 * lock), ratio(lock / one, 2),
                target(lock / one, at_most=TARGET)]],
              [f"best of {repeats}, {epochs} epochs a sample, interleaved; per-epoch metrics and history included",
               "two digits: the margin is small, and run-to-run noise here is about ±0.03×"]))
    single, four = frame_bytes()
    out(table("Comparison stream frame", ["frame", "bytes", "× one", "target"],
              [["one session (output + units + weights)", f"{single:,}", "1.0×", "—"],
               ["comparison, 4 variants (outputs)", f"{four:,}", ratio(four / single),
                target(four / single, at_most=4.0)]]))
    return {**m, "frame_single_bytes": single, "frame_comparison_bytes": four}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.compare")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    report(2, 10) if args.quick else report()


if __name__ == "__main__":
    main()
