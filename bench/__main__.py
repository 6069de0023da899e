"""python -m bench [--quick] [--json PATH]: the engine against the textbook reference, same run.

Every engine number sits beside a reference measured in the same process, interleaved with it:
best of N repeats after a warm-up (the median is kept in the JSON). The TF Playground figures
are the issue's, quoted as context, not measured here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from . import compare, machine, measure
from .report import num, ratio, table, target

# targets from the issue
TRAIN_TARGET = {measure.NET_8x2_B10: 5.0, measure.NET_8x6_B10: 4.0}
BOUNDARY_TARGET = 7.0  # [8,8]
REST_TARGET = 4.0
FRAME_BYTES_MAX = 15_000
# TF Playground, from the issue (not measured)
TF_EPOCHS_PER_S = {measure.NET_8x2_B10: "~1,100"}
TF_BOUNDARY_MS = {(8, 8): "23", (8,) * 6: "75"}


@dataclass(frozen=True)
class Profile:
    repeats: int  # samples per measurement (best of, median of)
    target_s: float  # how long one sample lasts
    rest_repeats: int
    frames: int  # frames read from the stream per network
    fps: float = 60.0
    stream_deadline_s: float = 20.0  # a stream with no new frame for this long is ended


DEFAULT = Profile(repeats=7, target_s=0.25, rest_repeats=5, frames=60)
QUICK = Profile(repeats=2, target_s=0.04, rest_repeats=1, frames=20, stream_deadline_s=5.0)


def run(p: Profile, out=print) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    info = machine.info()
    out(machine.describe(info))
    out("Data: spiral, 500 points, noise 0, train ratio 0.5, seed 1 → 250 training points (x1, x2); "
        f"SGD α = {measure.LEARNING_RATE}")
    out(f"Timing: best of {p.repeats} after warm-up, engine and textbook interleaved; "
        "ratio = textbook time / engine time")
    out("")
    results: dict[str, Any] = {"machine": info, "profile": asdict(p)}

    # ---- training
    rows, train = [], {}
    for net in measure.TRAINING_NETS:
        pair = measure.training(net, p.repeats, p.target_s)
        train[net.label] = pair.as_dict()
        upe = pair.extra["updates_per_epoch"]
        goal = TRAIN_TARGET.get(net)
        rows.append([net.label, num(1 / pair.engine.best), num(1e6 * pair.engine.best / upe),
                     num(1 / pair.extra["trainer_only_s"]["best"]),
                     num(1 / pair.textbook.best), num(1e6 * pair.textbook.best / upe), ratio(pair.ratio),
                     target(pair.ratio, goal) if goal else "—", TF_EPOCHS_PER_S.get(net, "—")])
    out(table("Training (epochs/s, higher is better)",
              ["network", "engine ep/s", "µs/update", "Trainer only ep/s", "textbook ep/s", "µs/update",
               "ratio", "target", "TF Playground*"], rows,
              ["engine = app.training Session (float32; per-epoch train+test metrics and history, as users "
               "get it); Trainer only = the same engine without the per-epoch evaluation",
               "textbook = bench/textbook.py (float64, course style); "
               "25 updates/epoch at batch 10, 1 at full batch"]))
    results["training"] = train
    out("")

    # ---- boundary
    rows, bound = [], {}
    for net in (measure.NET_8x2_B10, measure.NET_8x6_B10):
        pair = measure.boundary(net, p.repeats, p.target_s)
        bound[str(list(net.hidden))] = pair.as_dict()
        rows.append([f"{list(net.hidden)}" if len(net.hidden) < 3 else "[8×6]",
                     num(1e3 * pair.engine.best), num(1e3 * pair.textbook.best), ratio(pair.ratio),
                     target(pair.ratio, BOUNDARY_TARGET) if net.hidden == (8, 8) else "—",
                     TF_BOUNDARY_MS[net.hidden], f"{pair.extra['max_abs_difference']:.1e}"])
    out(table("Decision boundary, 100×100 grid (ms, lower is better)",
              ["network", "engine ms", "textbook ms", "ratio", "target", "TF Playground* ms", "max |Δp|"],
              rows,
              ["engine = app.training.boundary.compute_boundary (output only); textbook = meshgrid + "
               "float64 L_model_forward",
               "max |Δp| = largest difference between the two grids (float32 vs float64)"]))
    results["boundary"] = bound
    out("")

    # ---- REST and the stream (one in-process app)
    with measure.app_client() as client:
        pair = measure.rest(client, measure.NET_8x2_B10, p.rest_repeats)
        results["rest"] = pair.as_dict()
        out(table('REST API: POST /api/v1/sessions/{id}/step {"epochs": 300} (TestClient, in-process)',
                  ["network", "engine ep/s", "ms/request", "textbook ep/s", "ms/300 ep", "ratio", "target"],
                  [[measure.NET_8x2_B10.label, num(1 / pair.engine.best), num(300e3 * pair.engine.best),
                    num(1 / pair.textbook.best), num(300e3 * pair.textbook.best), ratio(pair.ratio),
                    target(pair.ratio, REST_TARGET)]],
                  [f"best of {p.rest_repeats}; the session is reset (untimed) before each request"]))
        out("")
        rows, streams, stalls = [], {}, []
        for net in (measure.NET_8x2_B10, measure.NET_8x6_B10):
            s = measure.stream(client, net, p.frames, p.fps, p.stream_deadline_s)
            build = measure.frame_build(net, p.repeats, p.target_s)
            name = "[8,8] tanh" if net.hidden == (8, 8) else "[8×6] tanh"
            streams[name] = {**s.as_dict(), "build_s": build.as_dict()}
            d = streams[name]
            rows.append([name, str(d["frames"]), f"{d['min']:,}", f"{d['median']:,.0f}", f"{d['max']:,}",
                         target(d["max"], at_most=FRAME_BYTES_MAX, unit=" B"), num(1e3 * build.best),
                         f"{d['frames'] / s.seconds:.0f}", f"{s.epochs[0]}→{s.epochs[1]}"])
            if s.timed_out:
                stalls.append(f"{name}: only {d['frames']} of {p.frames} frames in {p.stream_deadline_s:g} s "
                              "(frames come only when training changes the session); ended by the watchdog")
    out(table(f"Stream frames while playing (GET …/stream?frames={p.frames}&fps={p.fps:g})",
              ["network", "frames", "min B", "median B", "max B", "target (max)", "build ms",
               "frames/s", "epochs seen"], rows,
              ["bytes = the `data:` JSON of each `event: frame`; build ms = app.api.frames.build, best of "
               f"{p.repeats}, on an idle session", *stalls]))
    results["stream"] = streams
    out("")
    results["compare"] = compare.report(p.repeats, 10 if p is QUICK else 40, out)
    out("")
    out("* TF Playground figures are quoted from the issue as context, not measured here.")
    results["seconds"] = time.perf_counter() - started
    out(f"({results['seconds']:.0f} s)")
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer, shorter repeats (a smoke run, < 20 s)")
    ap.add_argument("--json", metavar="PATH", help="also write the numbers as JSON to PATH")
    args = ap.parse_args(argv)
    results = run(QUICK if args.quick else DEFAULT)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
