"""python -m bench.frames: what the page draws while a [8×6] tanh network trains as fast as it goes.

A real uvicorn serves the app; headless Debian chromium opens `/?layers=8,8,8,8,8,8&act=tanh&speed=max`
(the page's URL state), presses play and, over a window (10 s by default), reads the counters the
page keeps on <html>: `data-frames-shown` (frames decoded and drawn) and `data-epoch`. Also:
page load → first boundary (the page's performance mark "nnp:first-boundary", cold cache and
warm), and the bytes of one frame as the API streams it (the SSE `data:` JSON of
GET api/v1/sessions/{id}/stream, read with httpx while the same session trains).

Then the smoothness matrix of issue 12 (item 3): [4,2] and [8×6] on spiral at 30 epochs/s and at max,
each at 1× and 4× CPU (DevTools `Emulation.setCPUThrottlingRate`): frames the server sent on the page's
stream and frames the page drew per second, the main thread's share in long tasks, and the p95 of a
click's latency (a CDP click every 300 ms), beside the issue's targets. `--profile` adds each cell's
CPU profile (CDP Profiler over the window): the page's functions ranked by their share of the samples,
self and inclusive (the page's own modules), which is steadier than fps on a shared machine.
`--speeds 100,max --throttles 4 --nets "[4,2]" "[8×6]"` picks cells (any speed in epochs/s); `--busy N` runs
N busy loops beside the matrix (another program on the machine, as the training server at max speed
is: a reference for what a core taken costs the page, measured in the same run).

Under a throttle the run first measures what the throttle itself costs: DevTools' throttle spins the
renderer's main thread through the throttled part of every slice, so an idle page at 4× keeps ~¾ of a
core busy, which a slow laptop's CPU does not (its slowness takes no extra CPU). On 2 cores, with the
server training flat out on one, that spin and the page share the other. `--server-yields` therefore
measures each throttled cell at max speed twice: as before, and with the server's autogroup at nice 19
(the server started in a session of its own; the kernel shares the CPU between autogroups first): the
page's CPU first, as when the class's server runs on another machine. Both rows are printed.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.owners import keep_owner_tokens

from .capacity import tree_cpu_seconds
from .report import table
from .server import start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUERY = "?dataset=spiral&layers=8,8,8,8,8,8&act=tanh&speed=max"  # speed=max: "as fast as it goes"
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


# --- the smoothness matrix (issue 12, item 3): [4,2] and [8×6] on spiral, 30 epochs/s and max, 1× and 4× CPU

NETS = {"[4,2]": "4,2", "[8×6]": "8,8,8,8,8,8"}
SPEEDS = {"30/s": "30", "max": "max"}  # the matrix's; --speeds takes any other (e.g. 100 → "100/s")
THROTTLES = (1.0, 4.0)
# the targets: (fps drawn at max speed, long-task share, click p95 ms); under 4× throttle no long-task target
TARGETS = {1.0: (55.0, 0.25, 100.0), 4.0: (25.0, None, 250.0)}
CLICK_EVERY_MS = 300
CLICK_LABEL = "Show test data"  # a view-only control: toggling it redraws the points, training goes on

# Installed before the page's own scripts: counts the stream's frame events (what the server sent), sums
# main-thread long tasks, and times each click from the input's timestamp to the frame after its handlers
# (requestAnimationFrame, then a task: the paint has happened), beside the Event Timing API's durations.
PROBE = """
(() => {
  const p = window.__nnp = {framesIn: 0, longtasks: [], clicks: [], events: []};
  const ES = window.EventSource;
  window.EventSource = class extends ES {
    constructor(...a) { super(...a); this.addEventListener("frame", () => { p.framesIn++; }); }
  };
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) p.longtasks.push([e.startTime, e.duration]); })
      .observe({type: "longtask", buffered: true});
  } catch (e) {}
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries())
      if (e.interactionId) p.events.push([e.interactionId, e.duration]); })
      .observe({type: "event", durationThreshold: 16, buffered: true});
  } catch (e) {}
  addEventListener("click", (ev) => {
    const t = ev.timeStamp;
    requestAnimationFrame(() => setTimeout(() => p.clicks.push(performance.now() - t), 0));
  }, true);
})();
"""


@dataclass
class Cell:
    net: str
    speed: str
    throttle: float
    fps_drawn: float
    fps_sent: float  # frame events the server sent on the page's stream, per second
    epochs_per_s: float
    longtask_share: float
    click_p95_ms: float
    event_p95_ms: float  # Event Timing API: entries ≥ 16 ms only; a click without one counts as 16 ms
    clicks: int
    seconds: float
    profile: Profile | None = None  # with --profile
    # CPU over the window, in cores (None: a server this run did not start): the server and its
    # workers; the browser (Chromium's processes and Playwright's driver, this process's other children)
    server_cores: float | None = None
    browser_cores: float | None = None
    server_nice: int = 0  # the server's autogroup's nice during the cell (--server-yields: 19)


@dataclass
class Profile:
    """Shares of a CPU profile's sampled time: (share, "function file:line"), largest first."""

    own: list[tuple[float, str]]  # self time, any function (native ones as "(program)", "(garbage collector)" …)
    inclusive: list[tuple[float, str]]  # self + callees, the page's own modules only (not Plotly, not native)


def profile_shares(profile: dict[str, Any], top: int = 12) -> Profile:
    """A CDP `Profiler.stop` profile → the functions that took the most of it, self and inclusive."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    spent: collections.Counter[int] = collections.Counter()
    for node, dt in zip(profile["samples"], profile["timeDeltas"], strict=False):
        spent[node] += max(0, dt)
    total = sum(spent.values()) or 1

    def name(node: int) -> tuple[str, str]:
        f = nodes[node]["callFrame"]
        file = f["url"].rsplit("/", 1)[-1]
        return f"{f['functionName'] or '(anonymous)'} {file}:{f['lineNumber'] + 1}" if file else f["functionName"], file

    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    for node, t in spent.items():
        own[name(node)[0]] += t
        seen: set[str] = set()
        at: int | None = node
        while at is not None:
            label, file = name(at)
            if file.endswith(".js") and "plotly" not in file and label not in seen:
                seen.add(label)
                inclusive[label] += t
            at = parent.get(at)
    return Profile(own=[(t / total, k) for k, t in own.most_common(top)],
                   inclusive=[(t / total, k) for k, t in inclusive.most_common(top)])


def _p95(xs: list[float]) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]


def _own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


_BESIDE: set[int] = set()  # pids of --busy loops: this process's children, not the browser


def _browser_cpu_seconds(server_pid: int | None) -> float:
    """CPU seconds so far of the browser: this process's descendants (Chromium, Playwright's driver)
    without this process's own, the server's tree or the busy loops."""
    others = (tree_cpu_seconds(server_pid) if server_pid is not None else 0.0) + sum(map(tree_cpu_seconds, _BESIDE))
    return tree_cpu_seconds(os.getpid()) - _own_cpu_seconds() - others


def _cpu_split(server_pid: int | None) -> tuple[float, float] | None:
    """CPU seconds so far of (the server's tree, the browser: _browser_cpu_seconds)."""
    if server_pid is None:
        return None
    return tree_cpu_seconds(server_pid), _browser_cpu_seconds(server_pid)


def measure_cell(ctx: BrowserContext, base: str, net: str, speed: str, throttle: float, seconds: float,
                 profile: bool = False, server_pid: int | None = None) -> Cell:
    """One page: load, play, warm up 1 s, then a window of `seconds` with a click every 300 ms (and
    a CPU profile of that window, if asked); the server's and the browser's CPU over the window when
    the server's pid is known."""
    page = ctx.new_page()
    try:
        page.add_init_script(PROBE)
        _load(page, f"{base}/?dataset=spiral&layers={NETS[net]}&act=tanh&speed={speed_query(speed)}")
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.locator("#transport button.play").click()
        page.wait_for_function("Number(document.documentElement.dataset.epoch || 0) > 0", timeout=60_000)
        page.wait_for_timeout(1000)
        box = page.get_by_label(CLICK_LABEL).bounding_box()
        assert box is not None, f"{CLICK_LABEL!r} is not on the screen"
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

        def snap() -> tuple[float, int, int, int]:
            v = page.evaluate("[performance.now(), Number(document.documentElement.dataset.framesShown || 0),"
                              " Number(document.documentElement.dataset.epoch || 0), window.__nnp.framesIn,"
                              " window.__nnp.clicks.length]")
            return float(v[0]), int(v[1]), int(v[2]), int(v[3])

        if profile:
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 250})  # µs
            cdp.send("Profiler.start")
        c0 = int(page.evaluate("window.__nnp.clicks.length"))
        n_ids = {int(i) for i, _ in page.evaluate("window.__nnp.events")}
        cpu0 = _cpu_split(server_pid)
        t0, f0, e0, s0 = snap()
        end = time.perf_counter() + seconds
        clicks = 0
        while time.perf_counter() < end:
            for kind in ("mousePressed", "mouseReleased"):
                cdp.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})
            clicks += 1
            page.wait_for_timeout(CLICK_EVERY_MS)
        t1, f1, e1, s1 = snap()
        cpu1 = _cpu_split(server_pid)
        shares = profile_shares(cdp.send("Profiler.stop")["profile"]) if profile else None
        with contextlib.suppress(PlaywrightTimeoutError):  # every click's paint, however late (throttled: seconds)
            page.wait_for_function(f"window.__nnp.clicks.length >= {c0 + clicks}", timeout=20_000)
        lat = [float(v) for v in page.evaluate("window.__nnp.clicks")][c0:]
        longtask_ms = sum(min(s + d, t1) - max(s, t0)
                          for s, d in page.evaluate("window.__nnp.longtasks") if s + d > t0 and s < t1)
        per_id: dict[int, float] = {}
        for i, d in page.evaluate("window.__nnp.events"):
            if int(i) not in n_ids:
                per_id[int(i)] = max(per_id.get(int(i), 0.0), float(d))
        events = list(per_id.values()) + [16.0] * max(0, clicks - len(per_id))
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        wall = (t1 - t0) / 1000
        cores = [(b - a) / wall for a, b in zip(cpu0, cpu1, strict=True)] if cpu0 and cpu1 else [None, None]
        return Cell(net, speed, throttle, fps_drawn=(f1 - f0) / wall, fps_sent=(s1 - s0) / wall,
                    epochs_per_s=(e1 - e0) / wall, longtask_share=longtask_ms / (t1 - t0),
                    click_p95_ms=_p95(lat), event_p95_ms=_p95(events), clicks=clicks, seconds=wall, profile=shares,
                    server_cores=cores[0], browser_cores=cores[1])
    finally:
        page.close()  # the page deletes its session as it goes


def speed_query(speed: str) -> str:
    """A cell's speed as the page's URL says it: "max", "30/s" → "30"."""
    return SPEEDS.get(speed, speed.removesuffix("/s"))


@contextlib.contextmanager
def busy_loops(n: int) -> Any:
    """`n` processes that spin a core each while the block runs (another program on the machine)."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    _BESIDE.update(p.pid for p in procs)
    try:
        yield procs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
        _BESIDE.difference_update(p.pid for p in procs)


YIELD_NICE = 19  # --server-yields: the server's autogroup's nice (lowest priority)


@contextlib.contextmanager
def server_priority(pid: int, nice: int) -> Any:
    """The autogroup of the server `pid` (started in a session of its own) at `nice` while the block
    runs, then back at what it was. The kernel shares the CPU between autogroups (sessions) before threads, so
    `nice` on a thread does not reach Chromium's; an autogroup's nice does (Linux, kernel.sched_autogroup_enabled)."""
    path = Path(f"/proc/{pid}/autogroup")
    was = autogroup_nice(path)
    _set_autogroup_nice(path, nice)
    try:
        yield
    finally:
        _set_autogroup_nice(path, was)


def autogroup_nice(path: Path) -> int:
    """The nice of the autogroup a /proc/PID/autogroup file names ("/autogroup-42 nice 0"). A process
    in the root group (one whose session never left init's, as under some CI runners) reads as an
    empty file, and the kernel will not renice that group: say so rather than fail on the parse."""
    text = path.read_text()
    if "nice" not in text:
        raise ValueError(f"{path}: the process is in the root autogroup (no session of its own); "
                         "start it with a session of its own (setsid) to lower its priority")
    return int(text.rsplit("nice", 1)[1])


def _set_autogroup_nice(path: Path, nice: int, tries: int = 20) -> None:
    """Write an autogroup's nice. The kernel refuses a change within 100 ms of the last one (EAGAIN)
    unless the writer has CAP_SYS_ADMIN: try again a little later; a priority that cannot be put back
    is an error, not a silently mislabelled table."""
    for attempt in range(tries):
        try:
            path.write_text(str(nice))
            return
        except BlockingIOError:
            if attempt == tries - 1:
                raise
            time.sleep(0.05)


def throttle_cost(ctx: BrowserContext, base: str, throttle: float, server_pid: int | None = None,
                  seconds: float = 3.0) -> float:
    """Cores the browser takes for an idle page (loaded, not training) under `throttle`: at 1× about
    nothing; what it takes more under a throttle is the throttle's own spinning."""
    page = ctx.new_page()
    try:
        _load(page, f"{base}/?dataset=spiral&layers={NETS['[4,2]']}&act=tanh")
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.wait_for_timeout(1000)
        cpu0, t0 = _browser_cpu_seconds(server_pid), time.perf_counter()
        page.wait_for_timeout(seconds * 1000)
        cpu1, t1 = _browser_cpu_seconds(server_pid), time.perf_counter()
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        return (cpu1 - cpu0) / (t1 - t0)
    finally:
        page.close()


def run_matrix(base: str, seconds: float, nets: tuple[str, ...] = tuple(NETS),
               speeds: tuple[str, ...] = tuple(SPEEDS), throttles: tuple[float, ...] = THROTTLES,
               profile: bool = False, server_pid: int | None = None,
               server_yields: bool = False) -> tuple[list[Cell], dict[float, float]]:
    """The cells, and each throttle's cost on an idle page (cores: throttle_cost). `server_yields`
    (the server in a session of its own, `server_pid`): each throttled cell at max speed measured
    again with the server's autogroup at YIELD_NICE."""
    cells: list[Cell] = []
    idle: dict[float, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
            for throttle in throttles:
                idle[throttle] = throttle_cost(ctx, base, throttle, server_pid)
                for net in nets:
                    for speed in speeds:
                        cells.append(measure_cell(ctx, base, net, speed, throttle, seconds, profile, server_pid))
                        if server_yields and server_pid is not None and throttle > 1 and speed == "max":
                            with server_priority(server_pid, YIELD_NICE):
                                cell = measure_cell(ctx, base, net, speed, throttle, seconds, profile, server_pid)
                            cell.server_nice = YIELD_NICE
                            cells.append(cell)
            ctx.close()
        finally:
            browser.close()
    return cells, idle


def report_matrix(cells: list[Cell], busy: int = 0, idle: dict[float, float] | None = None) -> str:
    spent = ", ".join(f"{t:g}× {c:.2f} cores" for t, c in sorted((idle or {}).items()))
    rows = []
    for c in cells:
        fps_t, lt_t, click_t = TARGETS.get(c.throttle, (None, None, None))
        fps_ok = (f"≥{fps_t:g} {verdict(c.fps_drawn >= fps_t)}" if fps_t is not None and c.speed == "max"
                  else "—")
        lt_ok = f"<{lt_t:.0%} {verdict(c.longtask_share < lt_t)}" if lt_t is not None else "—"
        click_ok = f"<{click_t:g} {verdict(c.click_p95_ms < click_t)}" if click_t is not None else "—"
        cores = "—" if c.server_cores is None else f"{c.server_cores:.2f} + {c.browser_cores:.2f}"
        label = f"{c.net} {c.speed} CPU {c.throttle:g}×" + (f", server nice {c.server_nice}" if c.server_nice else "")
        rows.append([label, f"{c.fps_sent:.1f}", f"{c.fps_drawn:.1f}", fps_ok,
                     f"{c.epochs_per_s:,.0f}", f"{c.longtask_share:.0%}", lt_ok,
                     f"{c.click_p95_ms:.0f}", f"{c.event_p95_ms:.0f}", click_ok, cores])
    secs = statistics.fmean(c.seconds for c in cells) if cells else 0.0
    return table(f"Smooth on a modest laptop (issue 12): spiral, tanh, headless chromium 1366×768, {secs:.1f} s a cell",
                 ["cell", "sent/s", "drawn/s", "target", "epochs/s", "long tasks", "target",
                  "click p95 ms", "Event Timing p95", "target", "cores: server + browser"], rows,
                 notes=["sent/s: frame events the server sent on the page's stream; drawn/s: the page's "
                        "data-frames-shown (frames decoded and drawn); fps target at max speed only",
                        "long tasks: PerformanceObserver 'longtask' ms / wall ms over the window",
                        f"click: a CDP mouse click on {CLICK_LABEL!r} every {CLICK_EVERY_MS} ms; input timestamp → "
                        "requestAnimationFrame + a task after the handlers; Event Timing: entries ≥ 16 ms "
                        "(a click without one counts 16)",
                        "throttle: Emulation.setCPUThrottlingRate after the page loaded",
                        "cores: CPU over the window from /proc — the server and its workers, and the browser "
                        "(Chromium's processes and Playwright's driver); — when the server was not started by this run",
                        *([f"the throttle's own cost, an idle page (loaded, not training): {spent} — DevTools' "
                           "throttle spins the main thread; a slow laptop's CPU does not"] if idle else []),
                        *(["server nice 19: the server's autogroup lowered for the cell (--server-yields): the page's "
                           "CPU first, as with the class's server on another machine"]
                          if any(c.server_nice for c in cells) else []),
                        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end"
                        + (f"; {busy} busy loop(s), a core each, beside the run" if busy else "")])


def report_profiles(cells: list[Cell]) -> str:
    """Each profiled cell's top functions: self time (any) beside inclusive time (the page's modules)."""
    parts = []
    for c in cells:
        if c.profile is None:
            continue
        rows = [[f"{a[0]:.1%}" if a else "", a[1] if a else "", f"{b[0]:.1%}" if b else "", b[1] if b else ""]
                for a, b in itertools.zip_longest(c.profile.own, c.profile.inclusive)]
        parts.append(table(f"CPU profile: {c.net} {c.speed} CPU {c.throttle:g}×, {c.fps_drawn:.1f} frames drawn/s",
                           ["self", "function", "inclusive", "function (the page's modules)"], rows))
    return "\n".join(parts)


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
    ap.add_argument("--cell-seconds", type=float, default=6.0,
                    help="window of each smoothness cell (default 6; 0 leaves the matrix out)")
    ap.add_argument("--matrix-only", action="store_true", help="only the smoothness matrix")
    ap.add_argument("--profile", action="store_true",
                    help="a CPU profile of each matrix cell: the page's functions by their share of the samples")
    ap.add_argument("--url", help="an already running server instead of starting one")
    ap.add_argument("--nets", nargs="+", default=list(NETS), help=f"matrix networks, of {' '.join(NETS)} (default all)")
    ap.add_argument("--speeds", default="30,max",
                    help="matrix speeds: epochs/s or max, comma-separated (default 30,max)")
    ap.add_argument("--throttles", default=",".join(f"{t:g}" for t in THROTTLES),
                    help="matrix CPU throttle rates, comma-separated (default 1,4)")
    ap.add_argument("--server-yields", action="store_true",
                    help="each throttled cell at max speed again with the server's autogroup at nice 19 (Linux)")
    ap.add_argument("--busy", type=int, default=0,
                    help="busy loops beside the matrix, a core each (default 0): what another program costs the page")
    args = ap.parse_args(argv)
    nets = tuple(args.nets)
    if unknown := [n for n in nets if n not in NETS]:
        ap.error(f"--nets: {unknown} not among {list(NETS)}")
    speeds = tuple("max" if v.strip() == "max" else f"{float(v):g}/s" for v in args.speeds.split(",") if v.strip())
    throttles = tuple(float(t) for t in args.throttles.split(",") if t.strip())
    proc = None
    base = args.url
    if args.server_yields and base is not None:
        ap.error("--server-yields needs the server this run starts (not --url)")
    if base is None:
        proc, base = start_server(own_group=args.server_yields)  # a session, so an autogroup, of its own
    try:
        if not args.matrix_only:
            print(report(run(base.rstrip("/"), args.seconds, args.frames)))
        if args.cell_seconds > 0:
            with busy_loops(args.busy):
                cells, idle = run_matrix(base.rstrip("/"), args.cell_seconds, nets, speeds, throttles,
                                         profile=args.profile, server_pid=proc.pid if proc is not None else None,
                                         server_yields=args.server_yields)
            print(report_matrix(cells, busy=args.busy, idle=idle))
            if args.profile:
                print(report_profiles(cells))
    finally:
        if proc is not None:
            stop_server(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
