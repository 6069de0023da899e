"""python -m bench.frames: what the page draws while a [8×6] tanh network trains as fast as it goes.

A real uvicorn serves the app; headless Debian chromium opens `/?layers=8,8,8,8,8,8&act=tanh&speed=max`
(the page's URL state), presses play and, over a window (10 s by default), reads the counters the
page keeps on <html>: `data-frames-shown` (frames decoded and drawn) and `data-epoch`. Also:
page load → first boundary (the page's performance mark "nnp:first-boundary", cold cache and
warm), and the bytes of one frame as the API streams it (the SSE `data:` JSON of
GET api/v1/sessions/{id}/stream, read with httpx while the same session trains).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from bench.owners import keep_owner_tokens

from .report import table
from .server import start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUERY = "?layers=8,8,8,8,8,8&act=tanh&speed=max"  # speed=max: "as fast as it goes"
MARK = "nnp:first-boundary"

# targets from the issue
FPS_TARGET, FPS_STRETCH = 30.0, 60.0
LOAD_TARGET_S = 1.5
FRAME_BYTES_MAX = 15_000


@dataclass
class Result:
    load_cold_s: float
    load_warm_s: float
    fps: float
    epochs_per_s: float
    longest_gap_s: float  # longest time the drawn-frame counter stood still while training
    frame_bytes_mean: float
    frame_bytes_max: int
    frames_read: int
    seconds: float


def _counter(page: Page, name: str) -> int:
    return int(page.locator("html").get_attribute(name) or 0)


def _load(page: Page, url: str) -> float:
    """Navigate; seconds from navigation start to the page's first-boundary mark."""
    page.goto(url)
    page.wait_for_function(f"performance.getEntriesByName({MARK!r}).length > 0", timeout=30_000)
    return float(page.evaluate(f"performance.getEntriesByName({MARK!r})[0].startTime")) / 1000


def _frame_bytes(base: str, sid: str, n: int) -> list[int]:
    """Sizes of the `data:` payloads of the next `n` frame events of the session's stream."""
    sizes: list[int] = []
    event = ""
    with keep_owner_tokens(httpx.Client(base_url=base, timeout=30)) as c, \
            c.stream("GET", f"/api/v1/sessions/{sid}/stream", params={"fps": 60, "frames": n}) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event == "frame":
                sizes.append(len(line.removeprefix("data:").strip().encode()))
            elif line == "" and event in ("done", "gone"):
                break
    return sizes


def run(base: str, seconds: float, frames_to_read: int) -> Result:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # bypass_csp: evaluate() injects a script the page's CSP (script-src 'self') would refuse
            ctx = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
            page = ctx.new_page()
            cold = _load(page, f"{base}/{QUERY}")
            warm = _load(page, f"{base}/{QUERY}")  # same context: Plotly from the HTTP cache
            sid = page.locator("html").get_attribute("data-session-id") or ""
            page.locator("#transport button.play").click()
            page.wait_for_function("Number(document.documentElement.dataset.epoch || 0) > 0", timeout=30_000)
            page.wait_for_timeout(1000)  # warm-up: the first frames of a run are not the steady state

            samples: list[tuple[float, int, int]] = []
            end = time.perf_counter() + seconds
            while True:
                now = time.perf_counter()
                samples.append((now, _counter(page, "data-frames-shown"), _counter(page, "data-epoch")))
                if now >= end:
                    break
                page.wait_for_timeout(20)
            (t0, f0, e0), (t1, f1, e1) = samples[0], samples[-1]
            gap, still_since, last_f = 0.0, t0, f0
            for t, f, _ in samples:
                if f != last_f:
                    gap, still_since, last_f = max(gap, t - still_since), t, f
            gap = max(gap, t1 - still_since)

            sizes = _frame_bytes(base, sid, frames_to_read)  # the session is still training
            ctx.close()  # the page deletes its session as it goes (only its owner may stop it)
        finally:
            browser.close()
    return Result(load_cold_s=cold, load_warm_s=warm, fps=(f1 - f0) / (t1 - t0), epochs_per_s=(e1 - e0) / (t1 - t0),
                  longest_gap_s=gap, frame_bytes_mean=statistics.fmean(sizes) if sizes else float("nan"),
                  frame_bytes_max=max(sizes, default=0), frames_read=len(sizes), seconds=t1 - t0)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(r: Result) -> str:
    fps_v = verdict(r.fps >= FPS_TARGET) + (" (stretch PASS)" if r.fps >= FPS_STRETCH else " (stretch MISS)")
    rows = [
        ["frames drawn / s", f"{r.fps:.1f}", f"≥{FPS_TARGET:g} (stretch {FPS_STRETCH:g})", fps_v],
        ["epochs / s", f"{r.epochs_per_s:,.0f}", "—", "(info)"],
        ["longest stall between drawn frames", f"{r.longest_gap_s * 1000:.0f} ms", "—", "(info)"],
        ["load → first boundary, cold cache", f"{r.load_cold_s:.2f} s", f"<{LOAD_TARGET_S:g} s",
         verdict(r.load_cold_s < LOAD_TARGET_S)],
        ["load → first boundary, warm cache", f"{r.load_warm_s:.2f} s", f"<{LOAD_TARGET_S:g} s",
         verdict(r.load_warm_s < LOAD_TARGET_S)],
        ["bytes per frame, mean", f"{r.frame_bytes_mean:,.0f} B", f"≤{FRAME_BYTES_MAX / 1000:g} KB",
         verdict(r.frame_bytes_mean <= FRAME_BYTES_MAX)],
        ["bytes per frame, max", f"{r.frame_bytes_max:,} B", f"≤{FRAME_BYTES_MAX / 1000:g} KB",
         verdict(r.frame_bytes_max <= FRAME_BYTES_MAX)],
    ]
    return table(f"Page frames: [8×6] tanh, spiral, speed max, headless chromium at 1366×768, {r.seconds:.1f} s window",
                 ["measure", "value", "target", "result"], rows,
                 notes=[f"bytes: JSON of {r.frames_read} SSE frames read with httpx from the same training session",
                        "load: navigation start → performance mark nnp:first-boundary (two animation frames after "
                        "the first boundary draw); cold = a fresh context, warm = reloaded in it",
                        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end "
                        "(browser, server and anything else share them)"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.frames", description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="measurement window (default 10)")
    ap.add_argument("--frames", type=int, default=30, help="stream frames to size (default 30)")
    ap.add_argument("--url", help="an already running server instead of starting one")
    args = ap.parse_args(argv)
    proc = None
    base = args.url
    if base is None:
        proc, base = start_server()
    try:
        print(report(run(base.rstrip("/"), args.seconds, args.frames)))
    finally:
        if proc is not None:
            stop_server(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
