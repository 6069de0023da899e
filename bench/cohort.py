"""python -m bench.cohort: a classroom's sessions trained as one cohort vs one after another.

The case: K students press play on one lesson ([8,8] tanh on spiral, 250 training points, batch
10, SGD: 25 updates an epoch) and each session trains at 30 epochs/s, so every 30-Hz tick owes
each session 25 updates and an epoch end (metrics, history). The students' sessions differ in data
seed, weight seed and learning rate, as a class's do. Solo is what the server does without a
cohort: `Session.train(25)` for each; cohort is `SessionCohort.train(25)` for all. Both are
measured in this process, interleaved, best of N; both compute the same numbers bit for bit
(tests/nn/test_nn_cohort.py, tests/training/test_training_cohort.py).
"""

from __future__ import annotations

import argparse
import time

import app  # noqa: F401  (one BLAS thread, before NumPy loads)
from app.config import get_settings
from app.nn.cohort import Cohort
from app.training.cohort import SessionCohort
from app.training.session import Session
from app.training.spec import SessionConfig

from .report import num, ratio, table
from .timing import Samples, clock

SIZES = (1, 5, 10, 20, 30)
TICK_HZ = 30
RATES = (0.03, 0.1, 0.3)  # the class tries a few learning rates


def lesson(i: int) -> SessionConfig:
    """Student i's session: the lesson's shape, its own data, weights and learning rate."""
    return SessionConfig.model_validate({
        "dataset": {"name": "spiral", "n_samples": 500, "seed": 1 + i % 5}, "seed": 100 + i,
        "layers": [{"units": 8, "activation": "tanh"}] * 2,
        "optimizer": {"name": "sgd", "learning_rate": RATES[i % len(RATES)]}, "batch_size": 10})


def _class(k: int, tag: str) -> list[Session]:
    return [Session(f"{tag}{i}", lesson(i), get_settings()) for i in range(k)]


def build_cost(k: int, repeats: int) -> float:
    """Seconds to build a cohort of k fresh sessions (paid again whenever membership changes)."""
    best = float("inf")
    for _ in range(repeats):
        sessions = _class(k, "b")
        t0 = time.perf_counter()
        SessionCohort(sessions)
        best = min(best, time.perf_counter() - t0)
    return best


def engine(k: int, repeats: int, epochs: int) -> tuple[float, float]:
    """Seconds per session-update of the engines alone (`Trainer.run` each vs `Cohort.run`): the
    updates and each epoch's shuffle, without the epoch end's metrics and history."""
    solo, members = [s.trainer for s in _class(k, "es")], [s.trainer for s in _class(k, "ec")]
    cohort = Cohort(members)
    n = epochs * members[0].updates_per_epoch
    runs = {"solo": lambda: [t.run(n) for t in solo], "cohort": lambda: cohort.run(n)}
    for fn in runs.values():
        fn()
    samples = {name: Samples() for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            samples[name].add(clock(fn), n * k)
    return samples["solo"].best, samples["cohort"].best


def measure(k: int, repeats: int, ticks: int) -> dict[str, float]:
    """Seconds per session per tick (25 updates and an epoch end), solo and as a cohort."""
    solo, members = _class(k, "s"), _class(k, "c")
    cohort = SessionCohort(members)
    upe = members[0].updates_per_epoch

    def solo_ticks() -> None:
        for _ in range(ticks):
            for s in solo:
                s.train(upe)

    def cohort_ticks() -> None:
        with cohort.hold():  # as the scheduler would hold them: once a turn
            for _ in range(ticks):
                cohort.train(upe)

    runs = {"solo": solo_ticks, "cohort": cohort_ticks}
    for fn in runs.values():
        fn()  # warm-up: workspaces, stacked buffers, batch views
    samples = {name: Samples() for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            samples[name].add(clock(fn), ticks * k)
    assert [s.history.cols for s in solo] == [s.history.cols for s in members]  # the same numbers
    engine_solo, engine_cohort = engine(k, repeats, ticks)
    return {"updates_per_tick": upe, "solo_tick_s": samples["solo"].best, "cohort_tick_s": samples["cohort"].best,
            "engine_solo_update_s": engine_solo, "engine_cohort_update_s": engine_cohort,
            "build_s": build_cost(k, repeats)}


def report(repeats: int = 7, ticks: int = 10, sizes: tuple[int, ...] = SIZES, out=print) -> dict[int, dict]:  # type: ignore[no-untyped-def]
    results, rows = {}, []
    for k in sizes:
        m = results[k] = measure(k, repeats, ticks)
        upe, solo, together = m["updates_per_tick"], m["solo_tick_s"], m["cohort_tick_s"]
        bare = f"{num(1e6 * m['engine_solo_update_s'])} → {num(1e6 * m['engine_cohort_update_s'])}"
        rows.append([str(k), num(1e6 * solo / upe), num(1e6 * together / upe), ratio(solo / together), bare,
                     num(1e6 * solo), num(1e6 * together),
                     f"{1 / (TICK_HZ * solo):,.0f} → {1 / (TICK_HZ * together):,.0f}", num(1e6 * m["build_s"])])
    out(table("Cohort: K sessions of one lesson ([8,8] tanh, spiral 250 points, batch 10, SGD), "
              f"{TICK_HZ} epochs/s each",
              ["K", "solo µs/upd", "cohort µs/upd", "speed-up", "engine only", "solo µs/tick", "cohort µs/tick",
               "sessions/core", "build µs"],
              rows,
              [f"µs per session-update and per session per {TICK_HZ}-Hz tick (25 updates + the epoch end: "
               "metrics of both splits, history); best of "
               f"{repeats}, {ticks} ticks a sample, solo and cohort interleaved",
               "solo = Session.train(25) per session; cohort = SessionCohort.train(25) for all, "
               "bit-identical results (checked)",
               "engine only = µs per session-update of Trainer.run (each) → Cohort.run (all): updates and "
               "shuffles, no epoch-end metrics or history",
               f"sessions/core = how many sessions one GIL-bound process could keep at {TICK_HZ} epochs/s "
               "(training only: no frames, no streams)",
               "build = SessionCohort(sessions), paid when membership changes (a PATCH, a reset, "
               "someone joins or leaves)"]))
    return results


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.cohort")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    report(2, 3) if args.quick else report()


if __name__ == "__main__":
    main()
