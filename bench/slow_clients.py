"""python -m bench.slow_clients: what 1,500 half-sent requests cost the server, with and without timeouts.

The finding (issue 11): 1,500 connections that each sent part of a request head and then nothing were
held for as long as the client liked (65 s there), the server's fds going 16 → 1,516; a few thousand
more and it cannot accept anyone. In one run, two servers in turn:

- stock uvicorn (`python -m uvicorn app.main:app`, its own httptools protocol): the reference, the
  server as it was;
- `python -m app.cli`, as `nn-playground` and `make run` start it: app/slow_clients.py's protocol,
  which closes a connection whose head is not complete within NNP_HEADER_TIMEOUT_S (10 s by default).

For each: the server process's open fds (from /proc) before, once every connection is open, and
`--wait` seconds later (default: the timeout + 5 s); how many of the connections the server closed
by then (read on the client side: EOF or a 408); and a normal client's /healthz latency while they
are held (a fresh connection per probe). The machine is shared: its load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import selectors
import socket
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx

from .report import num, table
from .server import start_server, stop_server

PARTIAL_HEAD = b"GET /healthz HTTP/1.1\r\nHost: bench\r\nUser-Agent: slow-client\r\n"  # the blank line never comes


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, need), hard))


def _open_half_sent(address: tuple[str, int], n: int) -> list[socket.socket]:
    socks = []
    for _ in range(n):
        s = socket.create_connection(address, timeout=10)
        s.sendall(PARTIAL_HEAD)
        s.setblocking(False)
        socks.append(s)
    return socks


def _warm_up(address: tuple[str, int]) -> None:
    """One request on a connection the server closes (Connection: close), read to its end: whatever
    the server opens lazily is open now, and this connection's fd is closed again before the fds are
    counted (an httpx request's connection was closed by the server at some moment after it
    answered, so a count taken at once could hold it, and the connections held came out one short)."""
    with socket.create_connection(address, timeout=10) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        while s.recv(65536):  # EOF: the server has closed its socket
            pass


def _peak_fds(pid: int, expected: int, bound_s: float = 5.0) -> int:
    """The most fds seen while the server accepts the connections: until `expected` (or `bound_s`)."""
    peak, deadline = 0, time.monotonic() + bound_s
    while peak < expected and time.monotonic() < deadline:
        peak = max(peak, _fds(pid))
        time.sleep(0.02)
    return peak


def _closed_by_server(socks: list[socket.socket]) -> int:
    """How many of these connections the server has closed (EOF, a reset, or a 408 and then EOF)."""
    closed = 0
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    for key, _ in sel.select(timeout=0.5):
        conn = key.fileobj
        assert isinstance(conn, socket.socket)
        try:
            while conn.recv(65536):
                pass
        except BlockingIOError:  # it sent something (a 408) and has not closed yet
            continue
        except ConnectionResetError:
            pass
        closed += 1
    sel.close()
    return closed


def _healthz_ms(url: str, probes: int) -> list[float]:
    times = []
    for _ in range(probes):
        t = time.perf_counter()
        try:
            httpx.get(f"{url}/healthz", timeout=10).raise_for_status()
            times.append((time.perf_counter() - t) * 1000)
        except httpx.HTTPError:
            times.append(float("inf"))
        time.sleep(0.05)
    return times


def measure(name: str, command: Callable[[int], list[str]], env: dict[str, str], connections: int,
            wait_s: float, probes: int) -> dict[str, Any]:
    with open(os.devnull, "wb") as quiet:
        proc, url = start_server(env, command=command, output=quiet)
    try:
        parts = urlsplit(url)
        address = (str(parts.hostname), int(parts.port or 80))
        _warm_up(address)
        before = _fds(proc.pid)
        t0 = time.monotonic()
        socks = _open_half_sent(address, connections)
        opened_s = time.monotonic() - t0
        peak = _peak_fds(proc.pid, before + connections)
        latency = sorted(_healthz_ms(url, probes))
        remaining = wait_s - (time.monotonic() - t0)
        if remaining > 0:
            time.sleep(remaining)
        after = _fds(proc.pid)
        closed = _closed_by_server(socks)
        head_timeouts = httpx.get(f"{url}/healthz", timeout=10).json().get("timeouts", {}).get("head", 0)
        for s in socks:
            s.close()
    finally:
        stop_server(proc)
    return {"server": name, "connections": connections, "open_s": opened_s, "fds_before": before,
            "fds_peak": peak, "fds_after": after, "after_s": wait_s, "closed_by_server": closed,
            "head_timeouts": head_timeouts, "healthz_p50_ms": statistics.median(latency),
            "healthz_max_ms": latency[-1]}


def run(connections: int, header_timeout_s: float, wait_s: float | None, probes: int) -> dict[str, Any]:
    _raise_fd_limit(connections + 256)
    wait = wait_s if wait_s is not None else header_timeout_s + 5
    env = {"NNP_HEADER_TIMEOUT_S": f"{header_timeout_s:g}"}
    servers: list[tuple[str, Callable[[int], list[str]]]] = [
        ("stock uvicorn (reference)", lambda port: [
            sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning"]),
        ("nn-playground (app.cli)", lambda port: [
            sys.executable, "-m", "app.cli", "--host", "127.0.0.1", "--port", str(port)]),
    ]
    load = os.getloadavg()
    rows = [measure(name, command, env, connections, wait, probes) for name, command in servers]
    print(f"Load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)")
    print(table(
        f"{connections:,} half-sent request heads (NNP_HEADER_TIMEOUT_S={header_timeout_s:g})",
        ["server", "open (s)", "fds before", "fds peak", f"fds at {wait:g} s", "closed by server",
         "/healthz p50 ms", "max ms"],
        [[r["server"], num(r["open_s"], 2), str(r["fds_before"]), str(r["fds_peak"]), str(r["fds_after"]),
          f"{r['closed_by_server']:,}", num(r["healthz_p50_ms"]), num(r["healthz_max_ms"])] for r in rows],
        notes=["fds: the server process's open file descriptors (/proc/<pid>/fd); peak: while it accepts "
               "the connections; 'at N s': N s after the first one opened",
               "closed by server: connections that read EOF (or a 408, then EOF) on the client side by then",
               f"/healthz: {probes} probes on fresh connections while the half-sent heads are held"]))
    return {"loadavg_start": list(load), "header_timeout_s": header_timeout_s, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.slow_clients", description=__doc__.splitlines()[0])
    ap.add_argument("--connections", type=int, default=1500)
    ap.add_argument("--header-timeout", type=float, default=10.0, help="NNP_HEADER_TIMEOUT_S (default: the shipped 10)")
    ap.add_argument("--wait", type=float, help="seconds after the first connection to count fds again "
                                               "(default: the timeout + 5)")
    ap.add_argument("--probes", type=int, default=20, help="/healthz requests while the connections are held")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH")
    args = ap.parse_args(argv)
    results = run(args.connections, args.header_timeout, args.wait, args.probes)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    ours = results["rows"][-1]
    return 0 if ours["closed_by_server"] == ours["connections"] else 1


if __name__ == "__main__":
    sys.exit(main())
