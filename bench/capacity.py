"""python -m bench.capacity: how many students can train live on one server before their pages stutter.

In a classroom every student's page plays its own network at the same time. Each session here is
what the page makes by default (SGD α = 0.03, batch 10) on the spiral, with the network fixed at
[8,8] tanh, playing at the page's default speed of 30 epochs/s, with one viewer reading its
stream at up to 30 frames/s. For each number of sessions N (a fresh server per N, started as
`nn-playground` starts it, with 1 worker and with one per core), over a window of a few seconds
after a warm-up:

- frames/s each viewer received (median, worst): under ~25 the page visibly stutters;
- epochs/s each session trained (median, worst): under 27 training falls behind the speed asked;
- /healthz latency (p50, p99), probed 10 times a second on a connection of its own: how long any
  other request (a student loading the page) waits behind the live work;
- the server's CPU in cores: its process and every descendant (workers), from /proc.

The capacity is the largest N meeting all three thresholds. The viewers run in a process of their
own (raw sockets, counting `event: frame` in the bytes, never parsing a frame), so this process only
probes and reads counters; their CPU is reported too, because on a small machine the load
generator competes with the server for the same cores. The machine is shared: its load average at
the start is printed with the results.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from bench.owners import keep_owner_tokens

from . import machine
from .report import table
from .server import start_server, stop_server

# what a class notices: a page drawing under 25 fps stutters; training under 27 of its 30 epochs/s
# falls visibly behind; a page load waiting > 100 ms behind the live work feels slow
MIN_FPS = 25.0
MIN_EPOCHS_PER_S = 27.0
MAX_P99_MS = 100.0

SPEED = 30.0  # epochs/s: the page's default speed (static/js/state.js)
FPS = 30  # what the page asks its stream for
PROBE_HZ = 10
PROBE_TIMEOUT_S = 2.0  # a probe that gets no answer in time counts as this slow
DEFAULT_SESSIONS = (1, 10, 20, 30, 40, 50, 60, 80)
FRAME = b"event: frame"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# the page's toConfig(defaultState()) (static/js/state.js), with the network fixed at [8,8] tanh
CONFIG: dict[str, Any] = {
    "dataset": {"name": "spiral", "n_samples": 500, "noise": 0.0, "train_ratio": 0.5, "seed": 1},
    "features": ["x1", "x2"],
    "layers": [{"units": 8, "activation": "tanh"}, {"units": 8, "activation": "tanh"}],
    "output": {"activation": None}, "loss": None,
    "optimizer": {"name": "sgd", "learning_rate": 0.03},
    "batch_size": 10, "regularization": {"kind": "none", "rate": 0.0}, "dropout": 0.0,
    "init": "xavier", "seed": 1,
}


@dataclass(frozen=True)
class Profile:
    sessions: tuple[int, ...] = DEFAULT_SESSIONS
    workers: tuple[int, ...] = (1, os.cpu_count() or 1)
    seconds: float = 8.0  # the measuring window
    warmup: float = 2.0  # between play and the window: streams and runner threads settle
    repeats: int = 2  # runs of each N; the best counts (other jobs on a shared machine only slow it)
    overload: bool = True  # also one run at twice the capacity found


DEFAULT = Profile()
QUICK = Profile(sessions=(1, 2), workers=(1,), seconds=1.0, warmup=0.5, repeats=1, overload=False)


# ---------------------------------------------------------------- CPU from /proc


def _tree(root: int) -> dict[int, float]:
    """CPU seconds of `root` and each of its descendants, found by walking ppid in /proc/*/stat."""
    cpu, children = {}, {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # exited while we looked
        pid = int(d.name)
        children.setdefault(int(fields[1]), []).append(pid)
        # utime + stime, plus cutime + cstime: children it reaped keep counting (a live child is
        # not in them, so nothing is counted twice)
        cpu[pid] = sum(int(f) for f in fields[11:15]) / CLK_TCK
    found, todo = {}, [root]
    while todo:  # bounded: each pid is visited once (a tree has no cycles)
        pid = todo.pop()
        if pid in cpu and pid not in found:
            found[pid] = cpu[pid]
            todo.extend(children.get(pid, []))
    return found


def tree_cpu_seconds(root: int) -> float:
    return sum(_tree(root).values())


# ---------------------------------------------------------------- the viewers (their own process)


def count_frames(carry: bytes, chunk: bytes) -> tuple[int, bytes]:
    """`event: frame` lines in carry + chunk, and the new carry: the last bytes, in which a marker
    cut by a chunk boundary may begin (too short to hold a whole one, so none counts twice)."""
    buf = carry + chunk
    return buf.count(FRAME), buf[-(len(FRAME) - 1):]


async def _view(host: str, port: int, path: str, i: int, frames: Any, status: Any) -> None:
    """One viewer on a raw socket: the request by hand, then count markers in whatever arrives.
    An HTTP client library would parse every chunk; here the load generator shares the machine's
    two cores with the server, so it does the least it can (about a quarter of the CPU httpx took here),
    and what it takes is reported beside the server's. The server writes each SSE event as one
    chunk, so the chunked encoding's size lines never cut a marker."""
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        status[i] = -1
        return
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: identity\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        status[i] = int(head.split(b" ", 2)[1])
        carry = b""
        while chunk := await reader.read(1 << 16):
            n, carry = count_frames(carry, chunk)
            frames[i] += n
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        status[i] = status[i] or -1
    finally:
        writer.close()


async def _watch(base: str, paths: list[str], frames: Any, status: Any, stop: Any, deadline_s: float) -> None:
    url = httpx.URL(base)
    host, port = url.host, url.port or 80
    tasks = [asyncio.create_task(_view(host, port, p, i, frames, status)) for i, p in enumerate(paths)]
    for _ in range(int(deadline_s / 0.05)):  # bounded: ends by itself should the bench die
        if stop.is_set() or all(t.done() for t in tasks):
            break
        await asyncio.sleep(0.05)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _viewer_main(base: str, paths: list[str], frames: Any, status: Any, stop: Any, deadline_s: float) -> None:
    try:
        import uvloop  # installed with uvicorn[standard]: a cheaper loop for a cheaper load

        uvloop.run(_watch(base, paths, frames, status, stop, deadline_s))
    except ImportError:
        asyncio.run(_watch(base, paths, frames, status, stop, deadline_s))


class Viewers:
    """One SSE viewer per session, all in one spawned process; frame counts in shared memory
    (status per viewer: 0 connecting, the HTTP status once answered, -1 on a connection error)."""

    def __init__(self, base: str, ids: Sequence[str], deadline_s: float) -> None:
        ctx = mp.get_context("spawn")  # a clean interpreter: nothing of this process's state
        self.frames = ctx.Array("q", len(ids), lock=False)
        self.status = ctx.Array("q", len(ids), lock=False)
        self._stop = ctx.Event()
        paths = [f"/api/v1/sessions/{sid}/stream?fps={FPS}" for sid in ids]
        self.proc = ctx.Process(target=_viewer_main, daemon=True,
                                args=(base, paths, self.frames, self.status, self._stop, deadline_s))
        self.proc.start()

    def wait_connected(self, timeout_s: float = 30.0) -> None:
        for _ in range(int(timeout_s / 0.05)):
            if all(self.status) or not self.proc.is_alive():
                return
            time.sleep(0.05)

    def counts(self) -> list[int]:
        return list(self.frames)

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.proc.pid) if self.proc.pid else 0.0

    def close(self) -> None:
        self._stop.set()
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(5)


# ---------------------------------------------------------------- the API


def auth(session: dict[str, Any]) -> dict[str, str]:
    """Run-control headers: the owner token, when the server hands one out with the session."""
    token = session.get("owner_token")
    return {"Authorization": f"Bearer {token}"} if token else {}


def create_sessions(api: httpx.Client, n: int) -> list[dict[str, Any]]:
    sessions = []
    for _ in range(n):
        r = api.post("/sessions", json=CONFIG)
        r.raise_for_status()
        sessions.append(r.json())
    return sessions


def play_all(api: httpx.Client, sessions: list[dict[str, Any]]) -> int:
    """Play each at SPEED; the number refused (counted, not raised: a refused one trains at 0)."""
    refused = 0
    for s in sessions:
        r = api.post(f"/sessions/{s['id']}/play", json={"epochs_per_second": SPEED}, headers=auth(s))
        refused += r.status_code != 200
    return refused


def read_epochs(api: httpx.Client, sessions: list[dict[str, Any]]) -> list[tuple[float, int | None]]:
    """(time, epoch) per session, each timed at its own answer: a slow read does not skew its rate."""
    out = []
    for s in sessions:
        t = time.perf_counter()
        try:
            r = api.get(f"/sessions/{s['id']}")
            epoch = int(r.json()["epoch"]) if r.status_code == 200 else None
        except httpx.HTTPError:
            epoch = None
        out.append(((t + time.perf_counter()) / 2, epoch))
    return out


def remove_all(api: httpx.Client, sessions: list[dict[str, Any]]) -> None:
    for s in sessions:
        with contextlib.suppress(httpx.HTTPError):
            api.post(f"/sessions/{s['id']}/pause", headers=auth(s))
            api.delete(f"/sessions/{s['id']}", headers=auth(s))


# ---------------------------------------------------------------- one window


def _probe(client: httpx.Client, until: float) -> list[float]:
    """/healthz latencies (ms) at PROBE_HZ until `until`; a failed probe counts as PROBE_TIMEOUT_S."""
    latencies: list[float] = []
    start = time.perf_counter()
    for i in range(int((until - start) * PROBE_HZ) + 1):
        due = start + i / PROBE_HZ
        if due >= until:
            break
        time.sleep(max(0.0, due - time.perf_counter()))
        t = time.perf_counter()
        try:
            ok = client.get("/healthz").status_code == 200
        except httpx.HTTPError:
            ok = False
        latencies.append((time.perf_counter() - t) * 1e3 if ok else PROBE_TIMEOUT_S * 1e3)
    time.sleep(max(0.0, until - time.perf_counter()))
    return latencies


def _window(base: str, server_pid: int, viewers: Viewers, seconds: float) -> dict[str, Any]:
    """Frame counts, CPU and /healthz latencies over one window of `seconds`."""
    with keep_owner_tokens(httpx.Client(base_url=base, timeout=PROBE_TIMEOUT_S)) as probe:
        probe.get("/healthz")  # connect first: the window times requests, not a TCP handshake
        f0, s0, c0 = viewers.counts(), tree_cpu_seconds(server_pid), viewers.cpu_seconds()
        t0 = time.perf_counter()
        latencies = _probe(probe, t0 + seconds)
        t1 = time.perf_counter()
        f1, s1, c1 = viewers.counts(), tree_cpu_seconds(server_pid), viewers.cpu_seconds()
    dt = t1 - t0
    return {"seconds": dt, "fps": [(b - a) / dt for a, b in zip(f0, f1, strict=True)],
            "server_cpu": (s1 - s0) / dt, "client_cpu": (c1 - c0) / dt, "latencies": latencies}


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between the closest ranks (q in [0, 100])."""
    if not values:
        return float("nan")
    v = sorted(values)
    k = (len(v) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def _rates(before: list[tuple[float, int | None]], after: list[tuple[float, int | None]]) -> list[float]:
    """Epochs/s per session; a session that could not be read counts as 0."""
    return [(e1 - e0) / (t1 - t0) if e0 is not None and e1 is not None else 0.0
            for (t0, e0), (t1, e1) in zip(before, after, strict=True)]


def summarise(n: int, w: dict[str, Any], epochs: list[float], status: list[int], refused: int) -> dict[str, Any]:
    lat = w["latencies"]
    row = {"sessions": n, "window_s": w["seconds"],
           "fps_median": statistics.median(w["fps"]), "fps_worst": min(w["fps"]),
           "epochs_median": statistics.median(epochs), "epochs_worst": min(epochs),
           "healthz_p50_ms": percentile(lat, 50), "healthz_p99_ms": percentile(lat, 99), "probes": len(lat),
           "server_cpu_cores": w["server_cpu"], "client_cpu_cores": w["client_cpu"],
           "errors": {"streams": sum(s != 200 for s in status), "play": refused,
                      "probes": sum(x >= PROBE_TIMEOUT_S * 1e3 for x in lat)},
           # why streams failed: HTTP status per viewer (-1: connection error, 0: never answered)
           "stream_status": {str(k): v for k, v in sorted(Counter(status).items())}}
    row["ok"] = bool(row["fps_worst"] >= MIN_FPS and row["epochs_worst"] >= MIN_EPOCHS_PER_S
                     and row["healthz_p99_ms"] < MAX_P99_MS)
    return row


# ---------------------------------------------------------------- one server, one N


def server_command(workers: int) -> Callable[[int], list[str]]:
    """The command line `nn-playground` runs, for a port."""
    def argv(port: int) -> list[str]:
        cmd = [sys.executable, "-m", "app.cli", "--host", "127.0.0.1", "--port", str(port)]
        return cmd + (["--workers", str(workers)] if workers > 1 else [])
    return argv


def _wait_for_workers(pid: int, workers: int, timeout_s: float = 15.0) -> None:
    """/healthz answers once one worker is up: wait (bounded) until the tree holds all of them, and a
    moment more for their imports, so the first worker is not handed every session."""
    for _ in range(int(timeout_s / 0.1)):
        if len(_tree(pid)) - 1 >= workers:
            break
        time.sleep(0.1)
    time.sleep(1.0)


def measure_point(base: str, server_pid: int, n: int, p: Profile) -> dict[str, Any]:
    """Create, view and play n sessions; measure one window; then pause, delete and close them all."""
    with keep_owner_tokens(httpx.Client(base_url=f"{base}/api/v1", timeout=30)) as api:
        sessions = create_sessions(api, n)
        viewers = Viewers(base, [s["id"] for s in sessions], deadline_s=120 + p.warmup + p.seconds + n)
        try:
            viewers.wait_connected()
            refused = play_all(api, sessions)
            time.sleep(p.warmup)
            before = read_epochs(api, sessions)
            w = _window(base, server_pid, viewers, p.seconds)
            after = read_epochs(api, sessions)
        finally:
            remove_all(api, sessions)
            viewers.close()
    return summarise(n, w, _rates(before, after), list(viewers.status), refused)


def run_point(workers: int, n: int, p: Profile) -> dict[str, Any]:
    """A fresh server for this N (nothing left over from the last one), measured, then ended. It
    saves its sessions to a state file of its own, as `nn-playground` does by default."""
    with tempfile.TemporaryFile() as log, tempfile.TemporaryDirectory(prefix="nnp-capacity-") as state:
        try:
            proc, base = start_server({"NNP_STATE_PATH": f"{state}/state.sqlite"}, command=server_command(workers),
                                      own_group=True, output=log)
        except RuntimeError as e:
            log.seek(0)
            tail = log.read().decode(errors="replace").strip().splitlines()[-3:]
            raise RuntimeError("; ".join([str(e), *tail])) from None
        try:
            if workers > 1:
                _wait_for_workers(proc.pid, workers)
            return measure_point(base, proc.pid, n, p)
        finally:
            stop_server(proc)


# ---------------------------------------------------------------- all N, per worker count


def run_workers(workers: int, p: Profile, out: Callable[[str], object] = print) -> dict[str, Any]:
    """Every N in turn until two in a row miss; capacity = the largest N that met the thresholds."""
    rows: list[dict[str, Any]] = []
    misses, error = 0, None
    for n in p.sessions:
        out(f"  {_plural(workers)}, {n} session{'s' if n > 1 else ''}…")
        try:
            runs = [run_point(workers, n, p) for _ in range(p.repeats)]
            rows.append(max(runs, key=lambda r: (r["ok"], r["fps_worst"])))
        except (RuntimeError, httpx.HTTPError) as e:
            error = f"at {n} sessions: {e}"
            break
        misses = 0 if rows[-1]["ok"] else misses + 1
        if misses == 2:
            break
    capacity = max((r["sessions"] for r in rows if r["ok"]), default=0) if rows else None
    return {"workers": workers, "rows": rows, "capacity": capacity, "error": error}


def _plural(workers: int) -> str:
    return f"{workers} worker{'s' if workers > 1 else ''}"


# the columns judged against a threshold round away from passing, so that 24.998 frames/s (a miss)
# is not shown as 25.0 beside "no"
def _down(x: float) -> str:
    return f"{math.floor(x * 10) / 10:.1f}"


def _up(x: float) -> str:
    return f"{math.ceil(x * 10) / 10:.1f}"


def _flags(r: dict[str, Any]) -> str:
    misses = [name for name, bad in (("fps", r["fps_worst"] < MIN_FPS),
                                     ("epochs", r["epochs_worst"] < MIN_EPOCHS_PER_S),
                                     ("p99", not r["healthz_p99_ms"] < MAX_P99_MS)) if bad]
    return "yes" if r["ok"] else "no: " + ", ".join(misses)


def _errors(r: dict[str, Any]) -> str:
    e = r["errors"]
    return (f"{r['sessions']} sessions: {e['streams']} stream(s) failed "
            f"(viewers per HTTP status: {r['stream_status']}), "
            f"{e['play']} play(s) refused, {e['probes']} probe(s) unanswered")


def report(result: dict[str, Any], p: Profile) -> str:
    w = result["workers"]
    rows = [[str(r["sessions"]), f"{r['fps_median']:.1f}", _down(r["fps_worst"]), f"{r['epochs_median']:.1f}",
             _down(r["epochs_worst"]), f"{r['healthz_p50_ms']:.1f}", _up(r["healthz_p99_ms"]),
             f"{r['server_cpu_cores']:.2f}", f"{r['client_cpu_cores']:.2f}", _flags(r)] for r in result["rows"]]
    notes = [f"each session: spiral, [8,8] tanh, the page's defaults, playing at {SPEED:g} epochs/s; one viewer "
             f"each at ≤ {FPS} fps; a fresh server per run; {p.seconds:g} s window after {p.warmup:g} s warm-up; "
             f"best of {p.repeats} runs",
             f"ok = worst viewer ≥ {MIN_FPS:g} frames/s, worst session ≥ {MIN_EPOCHS_PER_S:g} epochs/s, "
             f"/healthz p99 < {MAX_P99_MS:g} ms ({PROBE_HZ}/s on its own connection)",
             "CPU in cores: server = its process and descendants; client = the viewers' process (same machine)"]
    notes += [_errors(r) for r in result["rows"] if any(r["errors"].values())]
    if result["error"]:
        notes.append(f"stopped: {result['error']}")
    return table(f"Live sessions on one server, {_plural(w)}",
                 ["sessions", "fps/viewer median", "worst", "epochs/s median", "worst", "healthz p50 ms",
                  "p99 ms", "server CPU cores", "client CPU cores", "ok?"], rows, notes)


def overload_line(r: dict[str, Any], capacity: int) -> str:
    """At twice the capacity the server should degrade, never fail: every viewer still gets frames
    (fewer, fairly shared), training slows evenly, /healthz stays under 250 ms p99, nothing errors."""
    fair = r["fps_worst"] / r["fps_median"] if r["fps_median"] else 0.0
    even = r["epochs_worst"] / r["epochs_median"] if r["epochs_median"] else 0.0
    errors = sum(r["errors"].values())
    verdict = "degrades" if r["fps_worst"] > 0 and r["healthz_p99_ms"] < 250 and not errors else "FAILS"
    return (f"at 2× capacity ({r['sessions']} sessions): fps/viewer median {r['fps_median']:.1f}, worst "
            f"{r['fps_worst']:.1f} ({fair:.2f} of the median); epochs/s median {r['epochs_median']:.1f}, worst "
            f"{r['epochs_worst']:.1f} ({even:.2f}); /healthz p50 {r['healthz_p50_ms']:.1f} ms, p99 "
            f"{r['healthz_p99_ms']:.1f} ms; errors {errors} — {verdict} (target: p99 < 250 ms, no errors, "
            f"every viewer served)")


def ratios(by_workers: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """Capacity with W workers / capacity with 1 (None when either is missing or 1 worker held none)."""
    one = by_workers.get("1", {}).get("capacity")
    return {w: (r["capacity"] / one if one and r["capacity"] is not None else None)
            for w, r in by_workers.items() if w != "1"}


def run(p: Profile, out: Callable[[str], object] = print) -> dict[str, Any]:
    info, load = machine.info(), os.getloadavg()
    out(machine.describe(info))
    out(f"Load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (a shared machine)")
    results: dict[str, Any] = {"machine": info, "loadavg_start": list(load), "profile": asdict(p),
                               "criteria": {"min_fps": MIN_FPS, "min_epochs_per_s": MIN_EPOCHS_PER_S,
                                            "max_healthz_p99_ms": MAX_P99_MS}, "workers": {}}
    for w in p.workers:
        r = results["workers"][str(w)] = run_workers(w, p, out)
        out("")
        out(report(r, p) if r["rows"] else f"{_plural(w)}: nothing measured ({r['error']})")
        out(f"capacity ({_plural(w)}): {'n/a' if r['capacity'] is None else r['capacity']}")
        if p.overload and r["capacity"]:
            r["overload"] = run_point(w, 2 * r["capacity"], p)
            out(overload_line(r["overload"], r["capacity"]))
    results["ratios"] = ratios(results["workers"])
    for w, x in results["ratios"].items():
        out(f"capacity ratio ({w} workers / 1 worker): {'n/a' if x is None else f'{x:.2f}×'}")
    return results


# ---------------------------------------------------------------- command line


def _ints(text: str, auto: int) -> tuple[int, ...]:
    """'1,10,20' or '1,auto' -> distinct positive ints in the order given ('auto' = `auto`)."""
    values = [auto if v.strip() == "auto" else int(v) for v in text.split(",") if v.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return tuple(dict.fromkeys(values))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=lambda t: tuple(sorted(_ints(t, 0))), help="session counts, e.g. 1,10,20")
    ap.add_argument("--workers", type=lambda t: _ints(t, os.cpu_count() or 1), help="e.g. 1,auto (auto = cores)")
    ap.add_argument("--seconds", type=float, help="measuring window per session count (default 8)")
    ap.add_argument("--warmup", type=float, help="seconds between play and the window (default 2)")
    ap.add_argument("--repeats", type=int, help="runs of each session count, the best kept (default 2)")
    ap.add_argument("--no-overload", action="store_true", help="skip the run at twice the capacity")
    ap.add_argument("--quick", action="store_true", help="1 worker, 1 and 2 sessions, 1 s windows (a smoke run)")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    args = ap.parse_args(argv)
    given = {k: getattr(args, k) for k in ("sessions", "workers", "seconds", "warmup", "repeats")
             if getattr(args, k)}
    if args.no_overload:
        given["overload"] = False
    results = run(replace(QUICK if args.quick else DEFAULT, **given))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return 0 if any(r["rows"] for r in results["workers"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
