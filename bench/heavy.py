"""python -m bench.heavy: what the heaviest allowed request and the biggest bodies do to everyone else.

Two lines of issue 11's "Done means", each number beside a reference measured in the same run, on
a real server started as `nn-playground` starts it (one process, its state saved to a file of its own):

1. **The heaviest allowed step leaves /healthz < 100 ms p99 and other sessions streaming.** The
   heaviest step the limits allow is found from the server itself: a session of as many hidden
   layers of as many gelu units as the catalog allows, every feature, the most points at the
   largest train ratio the schema allows, full batch, dropout on; a step asking for far too many
   epochs is answered 422 "too much work", and the most updates it allows is read from that message
   (and checked against the catalog's limits: updates × parameters × batch ≤ max_work_per_request).
   While that step runs (cut into slices, app/api/work.py) these probes run, each on a connection
   of its own: /healthz every 20 ms, the page (GET /), GET of the same session, three other sessions
   taking small REST steps, and another session playing at 30 epochs/s watched by a stream at
   30 fps (frames received per second, counted in a process of its own, and epochs trained per
   second). The reference is the same probes over a quiet period of the same length just before
   (estimated from a short step of the same session under the same probes). /healthz's `work`
   counters (slices run) show the step was sliced.
2. **A 100 MB body is refused in < 100 ms without memory growth.** A 100 MB body is sent on a raw
   socket (so the answer is seen while the body is still being sent), once with its Content-Length
   declared and once chunked (length unknown); the time to the 413 and the server's RSS
   (/proc/<pid>/status, sampled every few ms) before, at its peak and after. Reference: a small
   POST /sessions. Then bodies just under the limit: weights of the big network written out to
   ~95 % of the limit (PUT …/weights, accepted) and a predict body of that size holding far too many
   points (refused 422 after parsing), each alone (its parse time) and five at once while /healthz
   is probed every 20 ms: whether a big body stalls the event loop shows there.

All probes of this process share one asyncio loop; its own lag is measured and shown (it is part of
every latency here). The machine is shared: the load average at the start and end is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import re
import select
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import httpx

from . import machine
from .capacity import CONFIG, FPS, SPEED, Viewers, percentile, server_command, tree_cpu_seconds
from .report import table
from .server import start_server, stop_server

MAX_P99_MS = 100.0  # the bound for /healthz, the pages and other sessions
MAX_REFUSE_MS = 100.0  # the bound for refusing a 100 MB body
PROBE_TIMEOUT_S = 5.0  # a probe that gets no answer in time counts as this slow (and as an error)
HEALTHZ_PERIOD_S = 0.02
PAGE_PERIOD_S = 0.25
SAME_SESSION_PERIOD_S = 0.1
REST_PERIOD_S = 0.1  # each of the REST sessions: a small step, then this pause
LAG_PERIOD_S = 0.005  # the client loop's own lag, sampled this often
RSS_PERIOD_S = 0.003
CHUNK = 1 << 16  # bytes per send of a big body
MB = 1_000_000


@dataclass(frozen=True)
class Profile:
    layers: int | None = None  # hidden layers of the heavy session (None: the catalog's most)
    units: int | None = None  # units per layer (None: the catalog's most)
    samples: int | None = None  # points of its data set (None: the catalog's most)
    updates: int | None = None  # updates of the heavy step (None: the most the server allows)
    rest_sessions: int = 3  # other sessions taking small REST steps meanwhile
    calibrate_updates: int = 5  # a short step of the heavy session (after one to warm up): sizes the quiet window
    max_quiet_s: float = 120.0  # the quiet window never lasts longer than this
    warmup_s: float = 2.0  # between play and the first window
    huge_body_bytes: int = 100 * MB
    big_body_bytes: int | None = None  # the just-under bodies (None: 95 % of the server's limit)
    concurrent: int = 5  # big bodies parsed at once
    bursts: int = 3  # rounds of `concurrent` big bodies (each kind), /healthz probed throughout
    alone_repeats: int = 3  # each big body alone, for its parse time (median kept)


DEFAULT = Profile()
QUICK = Profile(layers=2, units=8, samples=200, updates=40, rest_sessions=1, calibrate_updates=2, max_quiet_s=1.0,
                warmup_s=0.5, huge_body_bytes=5 * MB, big_body_bytes=200_000, concurrent=2, bursts=1,
                alone_repeats=1)


# ---------------------------------------------------------------- small helpers


def stats(values: Sequence[float]) -> dict[str, float]:
    return {"n": len(values), "p50": percentile(values, 50), "p99": percentile(values, 99),
            "max": max(values) if values else float("nan")}


def rss_kb(pid: int, key: str = "VmRSS") -> int:
    """A line of /proc/<pid>/status in kB (0 once the process is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """The server's RSS every RSS_PERIOD_S in a thread of this process, between start and stop."""

    def __init__(self, pid: int) -> None:
        self.pid, self.samples = pid, [rss_kb(pid)]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(RSS_PERIOD_S):
            self.samples.append(rss_kb(self.pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.samples.append(rss_kb(self.pid))

    @property
    def peak(self) -> int:
        return max(self.samples)


def parameters(sizes: Sequence[int]) -> int:
    """Weights and biases of a network of these layer sizes (inputs first)."""
    return sum(n * m + n for m, n in itertools.pairwise(sizes))


def allowed_by_message(text: str) -> int | None:
    """The most updates a 422 "too much work" allows ("… at most N updates …")."""
    m = re.search(r"at most (\d+) updates", text)
    return int(m.group(1)) if m else None


def allowed_by_catalog(limits: dict[str, Any], params: int, batch: int) -> int:
    """What the catalog's limits allow one request (the server also caps epochs per request, a limit
    the catalog does not list: with a full batch that cap is far above these)."""
    return min(int(limits["max_updates_per_request"]), int(limits["max_example_updates_per_request"]) // batch,
               int(limits["max_work_per_request"]) // (batch * params))


def heavy_config(catalog: dict[str, Any], openapi: dict[str, Any], p: Profile) -> dict[str, Any]:
    """The heaviest session the limits allow (or the profile's smaller one)."""
    limits = catalog["limits"]
    ratio = openapi["components"]["schemas"]["DatasetConfig"]["properties"]["train_ratio"].get("maximum", 0.9)
    features = [f["name"] if isinstance(f, dict) else f for f in catalog["features"]]
    layers = p.layers or int(limits["max_layers"])
    units = p.units or int(limits["max_units"])
    return {"dataset": {"name": "circle", "n_samples": p.samples or int(limits["max_samples"]), "noise": 0.1,
                        "train_ratio": ratio, "seed": 1},
            "features": features, "layers": [{"units": units, "activation": "gelu"}] * layers,
            "batch_size": None, "dropout": 0.5, "optimizer": {"name": "adam", "learning_rate": 0.001}, "seed": 1}


def owner(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['owner_token']}"}


# ---------------------------------------------------------------- part 1: probes in one asyncio loop


@dataclass
class Probes:
    """Latencies (ms) per probe of one window, and what else it saw."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    most_running: int = 0  # the most sliced requests /healthz reported at once

    def add(self, name: str, ms: float, ok: bool) -> None:
        self.latencies.setdefault(name, []).append(ms if ok else PROBE_TIMEOUT_S * 1e3)
        self.errors[name] = self.errors.get(name, 0) + (not ok)


async def _every(period: float, stop: asyncio.Event, once: Callable[[], Awaitable[None]]) -> None:
    """`once()` every `period` s until `stop` (never catching up in bursts after a slow one)."""
    due = time.perf_counter()
    while not stop.is_set():
        await once()
        due += period
        now = time.perf_counter()
        if due < now:
            due = now
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), due - now)


async def _timed(probes: Probes, name: str, request: Awaitable[httpx.Response],
                 expect: int = 200) -> httpx.Response | None:
    t = time.perf_counter()
    try:
        r = await request
    except httpx.HTTPError:
        r = None
    probes.add(name, (time.perf_counter() - t) * 1e3, r is not None and r.status_code == expect)
    return r


async def _loop_lag(probes: Probes, stop: asyncio.Event) -> None:
    """How late this process's own loop wakes up: a part of every latency measured here."""
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(LAG_PERIOD_S)
        probes.add("client loop lag", max(0.0, (time.perf_counter() - t - LAG_PERIOD_S) * 1e3), True)


class Part1:
    """The sessions and clients of part 1, for two windows (quiet, then heavy)."""

    def __init__(self, base: str, pid: int, heavy: dict[str, Any], player: dict[str, Any],
                 rest: list[dict[str, Any]], viewers: Viewers) -> None:
        self.base, self.pid, self.heavy, self.player, self.rest, self.viewers = base, pid, heavy, player, rest, viewers
        timeout = httpx.Timeout(PROBE_TIMEOUT_S)
        self.clients = {name: httpx.AsyncClient(base_url=base, timeout=timeout)
                        for name in ("healthz", "page", "same", "reader", *(f"rest{i}" for i in range(len(rest))))}

    async def connect(self) -> None:
        """Open every connection first: the windows time requests, not TCP handshakes."""
        await asyncio.gather(*(c.get("/healthz") for c in self.clients.values()))

    async def close(self) -> None:
        await asyncio.gather(*(c.aclose() for c in self.clients.values()))

    async def epoch(self, session: dict[str, Any]) -> tuple[float, int | None]:
        t = time.perf_counter()
        try:
            r = await self.clients["reader"].get(f"/api/v1/sessions/{session['id']}")
            e = int(r.json()["epoch"]) if r.status_code == 200 else None
        except httpx.HTTPError:
            e = None
        return (t + time.perf_counter()) / 2, e

    async def healthz(self) -> dict[str, Any]:
        return dict((await self.clients["reader"].get("/healthz")).json())

    async def window(self, until: float | asyncio.Task[Any]) -> dict[str, Any]:
        """Every probe from now until `until` (seconds, or a task's end)."""
        probes, stop = Probes(), asyncio.Event()
        c = self.clients

        async def health() -> None:
            r = await _timed(probes, "/healthz", c["healthz"].get("/healthz"))
            if r is not None and r.status_code == 200:
                probes.most_running = max(probes.most_running, int(r.json().get("work", {}).get("running", 0)))

        async def page() -> None:
            await _timed(probes, "GET / (the page)", c["page"].get("/"))

        async def same() -> None:
            await _timed(probes, "GET the heavy session", c["same"].get(f"/api/v1/sessions/{self.heavy['id']}"))

        def stepper(i: int, s: dict[str, Any]) -> Callable[[], Awaitable[None]]:
            async def once() -> None:
                await _timed(probes, f"POST step, {len(self.rest)} other sessions",
                             c[f"rest{i}"].post(f"/api/v1/sessions/{s['id']}/step", json={"steps": 1},
                                                headers=owner(s)))
            return once

        e0 = await self.epoch(self.player)
        f0, s0, c0, v0 = self.viewers.counts()[0], tree_cpu_seconds(self.pid), time.process_time(), \
            self.viewers.cpu_seconds()
        t0 = time.perf_counter()
        tasks = [asyncio.create_task(t) for t in (
            _every(HEALTHZ_PERIOD_S, stop, health), _every(PAGE_PERIOD_S, stop, page),
            _every(SAME_SESSION_PERIOD_S, stop, same), _loop_lag(probes, stop),
            *(_every(REST_PERIOD_S, stop, stepper(i, s)) for i, s in enumerate(self.rest)))]
        if isinstance(until, asyncio.Task):
            await asyncio.wait([until])
        else:
            await asyncio.sleep(until)
        t1 = time.perf_counter()
        f1, s1, c1, v1 = self.viewers.counts()[0], tree_cpu_seconds(self.pid), time.process_time(), \
            self.viewers.cpu_seconds()
        stop.set()
        await asyncio.gather(*tasks)
        e1 = await self.epoch(self.player)
        dt = t1 - t0
        epochs = (e1[1] - e0[1]) / (e1[0] - e0[0]) if e0[1] is not None and e1[1] is not None else 0.0
        return {"seconds": dt, "fps": (f1 - f0) / dt, "epochs_per_s": epochs,
                "server_cpu_cores": (s1 - s0) / dt, "client_cpu_cores": (c1 - c0 + v1 - v0) / dt,
                "most_running": probes.most_running,
                "probes": {k: {**stats(v), "errors": probes.errors[k]} for k, v in probes.latencies.items()}}


async def _part1(base: str, pid: int, catalog: dict[str, Any], openapi: dict[str, Any], p: Profile,
                 out: Callable[[str], object]) -> dict[str, Any]:
    api = httpx.AsyncClient(base_url=f"{base}/api/v1", timeout=httpx.Timeout(30.0))
    created: list[dict[str, Any]] = []
    viewers: Viewers | None = None
    part: Part1 | None = None
    try:
        async def create(config: dict[str, Any]) -> dict[str, Any]:
            r = await api.post("/sessions", json=config)
            r.raise_for_status()
            created.append(r.json())
            return created[-1]

        config = heavy_config(catalog, openapi, p)
        heavy = await create(config)
        params, batch = parameters(heavy["sizes"]), int(heavy["data"]["n_train"])
        # far too much work: the 422 says how much one request may do
        too_many = int(catalog["limits"]["max_updates_per_request"])
        r = await api.post(f"/sessions/{heavy['id']}/step", json={"epochs": too_many}, headers=owner(heavy))
        asked_status, message = r.status_code, r.text[:500]
        by_message = allowed_by_message(r.text) if r.status_code == 422 else None
        by_catalog = allowed_by_catalog(catalog["limits"], params, batch)
        most = by_message if by_message is not None else by_catalog
        updates = min(most, p.updates) if p.updates else most
        out(f"heavy session: {len(config['layers'])} × {config['layers'][0]['units']} gelu, "
            f"{len(config['features'])} features, {config['dataset']['n_samples']} points "
            f"({batch} to train, full batch), dropout {config['dropout']}: {params:,} parameters")
        out(f"asking {too_many:,} epochs: {r.status_code} — most updates allowed: {by_message} (the 422's message), "
            f"{by_catalog} (catalog: updates × {params:,} × {batch} ≤ {catalog['limits']['max_work_per_request']:,})")

        # warm the session up (one update), then start everyone else
        r = await api.post(f"/sessions/{heavy['id']}/step", json={"steps": 1}, headers=owner(heavy), timeout=600)
        r.raise_for_status()
        player = await create(CONFIG)
        rest = [await create(CONFIG) for _ in range(p.rest_sessions)]
        viewers = Viewers(base, [player["id"]], deadline_s=600 + 3 * p.max_quiet_s)
        await asyncio.to_thread(viewers.wait_connected)
        r = await api.post(f"/sessions/{player['id']}/play", json={"epochs_per_second": SPEED}, headers=owner(player))
        r.raise_for_status()
        part = Part1(base, pid, heavy, player, rest, viewers)
        await part.connect()
        await asyncio.sleep(p.warmup_s)
        # a short step of the heavy session with every probe running (the results dropped): how long one
        # update takes under the same load, to give the quiet window the heavy step's length
        t = time.perf_counter()
        task = asyncio.create_task(api.post(f"/sessions/{heavy['id']}/step", json={"steps": p.calibrate_updates},
                                            headers=owner(heavy), timeout=600))
        await part.window(task)
        task.result().raise_for_status()
        per_update = (time.perf_counter() - t) / p.calibrate_updates
        quiet_s = min(p.max_quiet_s, max(1.0, per_update * updates))

        out(f"quiet window: {quiet_s:.1f} s (one update took {per_update * 1e3:.0f} ms in a {p.calibrate_updates}-"
            f"update step under the same probes; × {updates} updates)…")
        quiet = await part.window(quiet_s)
        before = (await part.healthz())["work"]
        step0 = int(heavy["step"]) + 1 + p.calibrate_updates
        out(f"heavy step: {updates} updates…")
        t = time.perf_counter()
        task = asyncio.create_task(api.post(f"/sessions/{heavy['id']}/step", json={"steps": updates},
                                            headers=owner(heavy), timeout=3600))
        during = await part.window(task)
        r = task.result()
        took = time.perf_counter() - t
        after = (await part.healthz())["work"]
        done = int(r.json()["step"]) - step0 if r.status_code == 200 else 0
        slices = after["slices"] - before["slices"]
        rest_name = f"POST step, {len(rest)} other sessions"
        rest_steps = during["probes"].get(rest_name, {"n": 0, "errors": 0})
        rest_slices = rest_steps["n"] - rest_steps["errors"]  # each small step is one slice
        return {"config": config, "parameters": params, "batch": batch,
                "allowed": {"by_422": by_message, "by_catalog": by_catalog, "status_asking_too_many": asked_status,
                            "message": message},
                "heavy": {"updates_asked": updates, "updates_done": done, "status": r.status_code, "seconds": took,
                          "work_ops": updates * params * batch, "slices": slices, "rest_slices": rest_slices,
                          "heavy_slices": slices - rest_slices,
                          "ms_per_slice": took / (slices - rest_slices) * 1e3 if slices > rest_slices else float("nan"),
                          "work_before": before, "work_after": after, "most_running_seen": during["most_running"]},
                "calibration": {"updates": p.calibrate_updates, "seconds_per_update": per_update},
                "quiet": quiet, "during": during}
    finally:
        if part is not None:
            await part.close()
        if viewers is not None:
            viewers.close()
        for s in created:
            with contextlib.suppress(httpx.HTTPError):
                await api.post(f"/sessions/{s['id']}/pause", headers=owner(s))
                await api.delete(f"/sessions/{s['id']}", headers=owner(s))
        await api.aclose()


# ---------------------------------------------------------------- part 2: big bodies


def huge_body(total: int) -> Iterator[bytes]:
    """`total` bytes of JSON-looking points, CHUNK at a time (never held whole in this process)."""
    head = b'{"dataset": {"name": "custom", "points": ['
    item = b"[0.5, -0.5], "
    yield head
    sent = len(head)
    block = item * (CHUNK // len(item))
    while sent < total:
        piece = block[:total - sent]
        sent += len(piece)
        yield piece


def send_raw(base: str, path: str, total: int, declared: bool, timeout_s: float = 60.0) -> dict[str, Any]:
    """POST `total` bytes on a raw socket, reading while sending: the time to the first byte of the
    answer, its status, and how much of the body had gone out by then (Content-Length declared, or
    chunked when not)."""
    url = httpx.URL(base)
    host, port = url.host, url.port or 80
    framing = f"Content-Length: {total}" if declared else "Transfer-Encoding: chunked"
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"{framing}\r\n\r\n").encode()
    chunks = huge_body(total)
    pending, sent, answer, finished, ended = b"", 0, b"", False, False
    send_error = None
    with socket.create_connection((host, port), timeout=timeout_s) as sock:
        t0 = time.perf_counter()
        sock.sendall(head)
        sock.setblocking(False)
        first = None
        deadline = t0 + timeout_s
        while time.perf_counter() < deadline:
            want_write = not finished and send_error is None
            r, w, _ = select.select([sock], [sock] if want_write else [], [], max(0.0, deadline - time.perf_counter()))
            if r:
                try:
                    data = sock.recv(65536)
                except (ConnectionResetError, BlockingIOError):
                    data = b""
                if first is None and data:
                    first = time.perf_counter()
                answer += data
                if not data or (b"\r\n\r\n" in answer and _complete(answer)):
                    break
            if w:
                if not pending:
                    piece = next(chunks, None)
                    if piece is None:
                        if declared or ended:
                            finished = True
                            continue
                        pending, ended = b"0\r\n\r\n", True  # the chunked body's end
                    else:
                        pending = piece if declared else f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
                try:
                    n = sock.send(pending)
                except (BrokenPipeError, ConnectionResetError) as e:
                    send_error = type(e).__name__
                    continue
                except BlockingIOError:
                    continue
                pending = pending[n:]
                sent += n
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else None
    body = answer.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in answer else b""
    return {"ms": (first - t0) * 1e3 if first else float("nan"), "status": status, "bytes_sent": sent,
            "total": total, "declared": declared, "send_error": send_error,
            "message": body.decode(errors="replace")[:300]}


def _complete(answer: bytes) -> bool:
    head, body = answer.split(b"\r\n\r\n", 1)
    m = re.search(rb"(?i)content-length:\s*(\d+)", head)
    return m is None or len(body) >= int(m.group(1))


def _weights_json(weights: dict[str, Any], fmt: Callable[[float], str]) -> str:
    def row(values: Sequence[float]) -> str:
        return "[" + ", ".join(fmt(v) for v in values) + "]"

    return '{"layers": [' + ", ".join('{"W": [' + ", ".join(row(r) for r in layer["W"]) + '], "b": '
                                      + row(layer["b"]) + "}" for layer in weights["layers"]) + "]}"


def big_weights(weights: dict[str, Any], size: int) -> bytes:
    """These weights as JSON of at most about `size` bytes, padded by writing each number with more
    digits (a valid body the server accepts: its numbers are the same to float precision)."""
    count = sum(len(layer["b"]) + sum(len(r) for r in layer["W"]) for layer in weights["layers"])
    skeleton = len(_weights_json(weights, lambda v: ""))
    digits = max(1, (size - skeleton) // count - 3)  # "-0." before the digits
    while True:
        body = _weights_json(weights, lambda v, d=digits: f"{v:.{d}f}").encode()
        if len(body) <= size or digits == 1:
            return body
        digits = max(1, digits - max(1, (len(body) - size) // count))


def predict_body(size: int) -> bytes:
    """A predict request of about `size` bytes: far more points than one request may ask for."""
    item = b"[0.5, -0.5], "
    n = max(1, (size - 20) // len(item))
    return b'{"points": [' + item * (n - 1) + b"[0.5, -0.5]]}"


async def _healthz_while(client: httpx.AsyncClient, work: Awaitable[Any]) -> tuple[list[float], Any]:
    """/healthz every HEALTHZ_PERIOD_S until `work` is done: its latencies (ms) and `work`'s result."""
    probes, stop = Probes(), asyncio.Event()

    async def once() -> None:
        await _timed(probes, "h", client.get("/healthz"))

    prober = asyncio.create_task(_every(HEALTHZ_PERIOD_S, stop, once))
    try:
        result = await work
    finally:
        stop.set()
        await prober
    return probes.latencies.get("h", []), result


async def _part2(base: str, pid: int, p: Profile, catalog: dict[str, Any], openapi: dict[str, Any],
                 out: Callable[[str], object]) -> dict[str, Any]:
    api = httpx.AsyncClient(base_url=f"{base}/api/v1", timeout=httpx.Timeout(60.0))
    probe = httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(PROBE_TIMEOUT_S))
    created: list[dict[str, Any]] = []
    try:
        await probe.get("/healthz")
        # reference: small bodies
        rss0 = rss_kb(pid)
        small = []
        for _ in range(5):
            t = time.perf_counter()
            r = await api.post("/sessions", json=CONFIG)
            small.append((time.perf_counter() - t) * 1e3)
            r.raise_for_status()
            created.append(r.json())
        rows: dict[str, Any] = {"small POST /sessions": {"ms": statistics.median(small), "ms_max": max(small),
                                                         "status": 201, "rss_before_kb": rss0,
                                                         "rss_peak_kb": rss_kb(pid), "rss_after_kb": rss_kb(pid),
                                                         "bytes": len(json.dumps(CONFIG))}}
        # the huge bodies, declared and chunked
        limit = None
        for declared in (True, False):
            await asyncio.sleep(0.5)
            hwm0 = rss_kb(pid, "VmHWM")
            with RssSampler(pid) as rss:
                res = await asyncio.to_thread(send_raw, base, "/api/v1/sessions", p.huge_body_bytes, declared)
                await asyncio.sleep(0.5)  # what the server keeps after answering
            m = re.search(r"larger than (\d+) bytes", res["message"])
            limit = limit or (int(m.group(1)) if m else None)
            name = f"{p.huge_body_bytes / MB:g} MB, " + ("Content-Length declared" if declared else "chunked")
            rows[name] = {**res, "rss_before_kb": rss.samples[0], "rss_peak_kb": rss.peak,
                          "rss_after_kb": rss.samples[-1], "hwm_before_kb": hwm0, "hwm_after_kb": rss_kb(pid, "VmHWM")}
        limit = limit or 2 * MB
        size = p.big_body_bytes or int(limit * 0.95)

        # just under the limit: the big network's weights, long-hand; and a predict body of too many points
        heavy = (await api.post("/sessions", json=heavy_config(catalog, openapi, p))).json()
        created.append(heavy)
        weights = (await api.get(f"/sessions/{heavy['id']}/weights")).json()
        bodies = {"PUT weights": (f"/sessions/{heavy['id']}/weights", "PUT", big_weights(weights, size), 200),
                  "POST predict": (f"/sessions/{heavy['id']}/predict", "POST", predict_body(size), 422)}
        small_weights = (await api.get(f"/sessions/{created[0]['id']}/weights")).content
        bodies_ref = {"PUT weights (a small network's)": (f"/sessions/{created[0]['id']}/weights", "PUT",
                                                          small_weights, 200)}
        headers = {"content-type": "application/json"}

        async def send(name: str, spec: tuple[str, str, bytes, int],
                       client: httpx.AsyncClient | None = None) -> dict[str, Any]:
            path, method, content, expect = spec
            s = heavy if "weights" in name and "small" not in name else created[0]
            t = time.perf_counter()
            r = await (client or api).request(method, path, content=content, headers={**headers, **owner(s)})
            return {"ms": (time.perf_counter() - t) * 1e3, "status": r.status_code, "expected": expect,
                    "bytes": len(content)}

        alone: dict[str, Any] = {}
        for name, spec in {**bodies_ref, **bodies}.items():
            runs = [await send(name, spec) for _ in range(p.alone_repeats)]
            alone[name] = {"ms": statistics.median(r["ms"] for r in runs), "ms_max": max(r["ms"] for r in runs),
                           "status": runs[-1]["status"], "expected": spec[3], "bytes": len(spec[2])}

        # /healthz: quiet, then while `concurrent` big bodies of one kind are parsed at once
        senders = [httpx.AsyncClient(base_url=f"{base}/api/v1", timeout=httpx.Timeout(60.0))
                   for _ in range(p.concurrent)]
        await asyncio.gather(*(c.get("/catalog") for c in senders))
        quiet, _ = await _healthz_while(probe, asyncio.sleep(2.0))
        concurrent: dict[str, Any] = {"quiet (no body)": {"healthz": stats(quiet), "bodies_ms": []}}
        rss_before = rss_kb(pid)
        with RssSampler(pid) as rss:
            for name, spec in bodies.items():
                lat: list[float] = []
                took: list[float] = []
                statuses: list[int] = []
                for _ in range(p.bursts):
                    ls, res = await _healthz_while(probe, asyncio.gather(*(send(name, spec, c) for c in senders)))
                    lat += ls
                    took += [r["ms"] for r in res]
                    statuses += [r["status"] for r in res]
                concurrent[f"{p.concurrent} × {name}"] = {"healthz": stats(lat), "bodies_ms": took,
                                                          "statuses": sorted(set(statuses))}
        await asyncio.gather(*(c.aclose() for c in senders))
        return {"limit_bytes": limit, "just_under_bytes": size, "huge": rows, "alone": alone,
                "concurrent": concurrent,
                "rss_concurrent": {"before_kb": rss_before, "peak_kb": rss.peak, "after_kb": rss.samples[-1]}}
    finally:
        for s in created:
            with contextlib.suppress(httpx.HTTPError):
                await api.delete(f"/sessions/{s['id']}", headers=owner(s))
        await api.aclose()
        await probe.aclose()


# ---------------------------------------------------------------- the report


def _ms(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.1f}"


def _up(x: float) -> str:  # judged against a bound: rounded away from passing
    return "—" if math.isnan(x) else f"{math.ceil(x * 10) / 10:.1f}"


def report1(r: dict[str, Any]) -> str:
    q, d, h, c = r["quiet"], r["during"], r["heavy"], r["calibration"]
    rows = []
    for name, during in d["probes"].items():
        quiet = q["probes"].get(name, {"n": 0, "p50": float("nan"), "p99": float("nan"), "max": float("nan"),
                                       "errors": 0})
        judged = name != "client loop lag"
        verdict = ("yes" if during["p99"] < MAX_P99_MS else
                   f"NO (+{during['p99'] - MAX_P99_MS:.0f} ms)") if judged else "(client)"
        rows.append([name, _ms(quiet["p50"]), _up(quiet["p99"]), _ms(quiet["max"]), _ms(during["p50"]),
                     _up(during["p99"]), _ms(during["max"]), f"{quiet['n']}/{during['n']}",
                     f"{quiet['errors']}/{during['errors']}", verdict])
    rows.append([f"stream of a session playing at {SPEED:g}/s, frames/s", f"{q['fps']:.1f}", "", "", f"{d['fps']:.1f}",
                 "", "", "", "", ""])
    rows.append(["  that session's epochs/s", f"{q['epochs_per_s']:.1f}", "", "", f"{d['epochs_per_s']:.1f}", "", "",
                 "", "", ""])
    rows.append(["server CPU (cores)", f"{q['server_cpu_cores']:.2f}", "", "", f"{d['server_cpu_cores']:.2f}", "", "",
                 "", "", ""])
    rows.append(["client CPU (cores: probes + viewer)", f"{q['client_cpu_cores']:.2f}", "", "",
                 f"{d['client_cpu_cores']:.2f}", "", "", "", "", ""])
    a = r["allowed"]
    notes = [f"heavy step: {h['updates_done']} of {h['updates_asked']} updates asked (status {h['status']}) in "
             f"{h['seconds']:.1f} s = {h['updates_done'] / h['seconds']:.1f} updates/s; work "
             f"{h['work_ops']:.3g} operations (updates × {r['parameters']:,} parameters × batch {r['batch']})",
             f"most updates allowed: {a['by_422']} (the 422's message), {a['by_catalog']} (from the catalog's limits"
             + (")" if a["by_422"] == a["by_catalog"] else "; the server also caps epochs per request, a limit the "
                "catalog does not list)"),
             f"/healthz work counters: slices {h['work_before']['slices']} → {h['work_after']['slices']} "
             f"(+{h['slices']}: {h['heavy_slices']} for the heavy step, {h['ms_per_slice']:.0f} ms of wall time each, "
             f"and {h['rest_slices']} for the small REST steps, one each); most running at once "
             f"{h['most_running_seen']}",
             f"one update of the heavy network took {c['seconds_per_update'] * 1e3:.0f} ms before the windows "
             f"({c['updates']}-update step under the same probes): a slice holds at least one update, so readers "
             "of that session wait up to that long",
             f"windows: quiet {q['seconds']:.1f} s, during the heavy step {d['seconds']:.1f} s; probes every "
             f"{HEALTHZ_PERIOD_S * 1e3:.0f} ms (/healthz), {PAGE_PERIOD_S * 1e3:.0f} ms (page), "
             f"{SAME_SESSION_PERIOD_S * 1e3:.0f} ms (heavy session), REST: step of 1 update then "
             f"{REST_PERIOD_S * 1e3:.0f} ms; stream at ≤ {FPS} fps",
             f"a probe unanswered within {PROBE_TIMEOUT_S:g} s counts as that long and as an error; "
             f"client loop lag: how late this process's own loop ran (part of every latency above)"]
    return table("The heaviest allowed step vs a quiet server (same run, same probes); latencies in ms",
                 ["probe", "quiet p50", "p99", "max", "heavy p50", "p99", "max", "n", "errors",
                  f"p99 < {MAX_P99_MS:g} ms?"], rows, notes)


def _mb(kb: int) -> str:
    return f"{kb / 1024:.0f}"


def report2(r: dict[str, Any]) -> str:
    rows = []
    for name, x in r["huge"].items():
        judged = "MB" in name
        verdict = ("yes" if x["ms"] < MAX_REFUSE_MS else f"NO (+{x['ms'] - MAX_REFUSE_MS:.0f} ms)") if judged else ""
        sent = x.get("bytes_sent")
        rows.append([name, _up(x["ms"]), str(x["status"]), f"{sent / MB:.2f}" if sent is not None else
                     f"{x['bytes'] / MB:.4f}", _mb(x["rss_before_kb"]), _mb(x["rss_peak_kb"]), _mb(x["rss_after_kb"]),
                     f"{(x['rss_after_kb'] - x['rss_before_kb']) / 1024:+.0f}", verdict])
    notes = [f"the server's limit: {r['limit_bytes']:,} bytes (read from the 413's message); time = from sending the "
             "head to the answer's first byte, on a raw socket that reads while it sends",
             "RSS of the server process in MB, sampled every "
             f"{RSS_PERIOD_S * 1e3:.0f} ms; after = 0.5 s after the answer; small POST: median of 5"]
    notes += [f"{name}: the client's send ended with {x['send_error']} (the server closed the connection)"
              for name, x in r["huge"].items() if x.get("send_error")]
    for name, x in r["huge"].items():
        if "hwm_before_kb" in x and x["hwm_after_kb"] > x["hwm_before_kb"]:
            notes.append(f"{name}: the server's VmHWM rose {_mb(x['hwm_before_kb'])} → {_mb(x['hwm_after_kb'])} MB")
    t1 = table("A huge body vs a small one (same run)",
               ["request", "ms to answer", "status", "MB sent", "RSS before", "peak", "after", "Δ MB",
                f"< {MAX_REFUSE_MS:g} ms?"], rows, notes)
    rows = [[name, f"{x['bytes'] / MB:.3f}", str(x["status"]), _ms(x["ms"]), _ms(x["ms_max"])]
            for name, x in r["alone"].items()]
    t2 = table("Bodies just under the limit, one at a time (their own latency: parse, validate, answer)",
               ["request", "MB", "status", "median ms", "max ms"], rows,
               ["PUT weights: the big network's weights, each number written out with many digits; POST predict: "
                "far more points than one request may ask (refused after parsing)"])
    rows = []
    for name, x in r["concurrent"].items():
        h = x["healthz"]
        b = x["bodies_ms"]
        rows.append([name, _ms(h["p50"]), _up(h["p99"]), _ms(h["max"]), str(h["n"]),
                     _ms(statistics.median(b)) if b else "", _ms(max(b)) if b else "",
                     ",".join(map(str, x.get("statuses", [])))])
    rc = r["rss_concurrent"]
    t3 = table("/healthz while big bodies are parsed at once (same run); ms",
               ["while", "healthz p50", "p99", "max", "n", "body median", "body max", "statuses"], rows,
               [f"server RSS over these bursts: {_mb(rc['before_kb'])} → peak {_mb(rc['peak_kb'])} → "
                f"{_mb(rc['after_kb'])} MB",
                "if /healthz waits about as long as a body takes to parse, the bodies are parsed on the event "
                "loop; if it stays near its quiet figure, off it"])
    return "\n\n".join([t1, t2, t3])


# ---------------------------------------------------------------- running it


async def _both(base: str, pid: int, p: Profile, out: Callable[[str], object]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        catalog = (await c.get("/api/v1/catalog")).json()
        openapi = (await c.get("/openapi.json")).json()
    one = await _part1(base, pid, catalog, openapi, p, out)
    out("")
    out(report1(one))
    out("")
    out("big bodies…")
    two = await _part2(base, pid, p, catalog, openapi, out)
    out("")
    out(report2(two))
    return {"heaviest_step": one, "bodies": two}


def run(p: Profile, out: Callable[[str], object] = print) -> dict[str, Any]:
    info, load = machine.info(), os.getloadavg()
    out(machine.describe(info))
    out(f"Load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (a shared machine)")
    results: dict[str, Any] = {"machine": info, "loadavg_start": list(load), "profile": asdict(p)}
    with tempfile.TemporaryFile() as log, tempfile.TemporaryDirectory(prefix="nnp-heavy-") as state:
        proc, base = start_server({"NNP_STATE_PATH": f"{state}/state.sqlite"}, command=server_command(1),
                                  own_group=True, output=log)
        try:
            results |= asyncio.run(_both(base, proc.pid, p, out))
        finally:
            stop_server(proc)
            log.seek(0)
            errors = [line for line in log.read().decode(errors="replace").splitlines() if "Traceback" in line
                      or line.startswith("ERROR")]
    results["server_errors"] = errors
    if errors:
        out(f"the server logged {len(errors)} error line(s), e.g. {errors[0]}")
    load = os.getloadavg()
    results["loadavg_end"] = list(load)
    out(f"Load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.heavy", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small network and small bodies (a smoke run)")
    ap.add_argument("--updates", type=int, help="updates of the heavy step (default: the most allowed)")
    ap.add_argument("--max-quiet", type=float, help="longest quiet window, s (default 90)")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    args = ap.parse_args(argv)
    given: dict[str, Any] = {}
    if args.updates:
        given["updates"] = args.updates
    if args.max_quiet:
        given["max_quiet_s"] = args.max_quiet
    results = run(replace(QUICK if args.quick else DEFAULT, **given))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2, default=str)
    return 0 if results["heaviest_step"]["heavy"]["status"] == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
