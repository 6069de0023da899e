"""python -m bench.followers: what 30 students following one teacher's session cost the server.

A real uvicorn serves one session training at a fixed speed; 1, then 10, then 30 followers read
its stream (asyncio + httpx in this process). For each, the server process's CPU time over the
same window (from /proc) and the frames each follower received. Frames are built once per
version and shared, so CPU should grow far slower than the number of followers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from pathlib import Path

import httpx

from bench.owners import keep_owner_tokens

from .server import start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


async def _follow(client: httpx.AsyncClient, url: str, stop: float, counts: list[int], i: int) -> None:
    async with client.stream("GET", url) as r:
        async for line in r.aiter_lines():
            if line.startswith("event: frame"):
                counts[i] += 1
            if time.perf_counter() > stop:
                return


async def _window(base: str, sid: str, followers: int, seconds: float, fps: float) -> list[int]:
    counts = [0] * followers
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=followers + 5)
    async with keep_owner_tokens(httpx.AsyncClient(base_url=base, timeout=30, limits=limits)) as client:
        url = f"/api/v1/sessions/{sid}/stream?fps={fps}"
        await asyncio.gather(*(_follow(client, url, stop, counts, i) for i in range(followers)))
    return counts


def _idle(seconds: float) -> list[int]:
    time.sleep(seconds)
    return []


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.followers")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--speed", type=float, default=200.0, help="training epochs per second")
    ap.add_argument("--fps", type=float, default=30.0)
    args = ap.parse_args(argv)
    server, base = start_server()
    try:
        api = keep_owner_tokens(httpx.Client(base_url=f"{base}/api/v1", timeout=30))
        sid = api.post("/sessions", json={"layers": [{"units": 8, "activation": "tanh"}] * 2}).json()["id"]
        api.post(f"/sessions/{sid}/play", json={"epochs_per_second": args.speed})
        print(f"one session, [8,8] tanh, training at {args.speed:g} epochs/s; followers read at ≤ {args.fps:g} fps; "
              f"{args.seconds:g} s windows; server CPU from /proc (2 shared cores)")
        print(f"{'followers':>9} | {'server CPU %':>12} | {'× one':>6} | {'frames/follower (min–max)':>26}")
        baseline = None
        for n in (0, 1, 10, 30):
            before = _cpu_seconds(server.pid)
            t0 = time.perf_counter()
            counts = asyncio.run(_window(base, sid, n, args.seconds, args.fps)) if n else _idle(args.seconds)
            cpu = (_cpu_seconds(server.pid) - before) / (time.perf_counter() - t0) * 100
            if n == 1:
                baseline = cpu
            rel = f"{cpu / baseline:.2f}" if baseline and n else "—"
            span = f"{min(counts)}–{max(counts)}" if counts else "—"
            print(f"{n:>9} | {cpu:>12.1f} | {rel:>6} | {span:>26}")
        api.post(f"/sessions/{sid}/pause")
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
