"""`nn-playground --ray ADDRESS` on a real two-node Ray cluster, started as an operator starts one.

A head and a second node come up with the `ray start` command (one CPU each, their own temp
folders, so one machine holds two nodes), then one web process joins through each node. Sessions
land on both nodes (the hosts are actors spread one per CPU); the page's whole flow works through
either web process, whichever one created the session; stopping the second node turns its sessions
into a clear `gone` (410 for REST, `event: gone` on a stream, also on one already open) while the
head's keep training.

Ray names each node by the address its machine would use to reach the internet (it replaces
127.0.0.1 by it on Linux). So that every packet stays on loopback, the whole cluster (both nodes
and both web processes) runs in a network namespace of its own with only a loopback interface,
where Ray falls back to 127.0.0.1, and this test's HTTP client enters that namespace to reach
the web processes. Everything is torn down by process id, the namespace last.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from bench.owners import OwnerTokens, keep_owner_tokens
from tests.conftest import ROOT, free_port

pytest.importorskip("ray", reason="Ray is the optional cluster extra: pip install -e '.[cluster]' to run this")
pytestmark = [pytest.mark.cluster, pytest.mark.slow]

API = "/api/v1"
CIRCLE = {"dataset": {"name": "circle", "n_samples": 100}}
RAY = Path(sys.executable).with_name("ray")
# the cluster's own token (Ray binds every interface): never ~/.ray's, and nothing written there
AUTH = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32), "RAY_USAGE_STATS_ENABLED": "0"}
START_S = 120.0  # a node or a web process on this loaded 2-core machine


CLONE_NEWNET = 0x40000000


@contextlib.contextmanager
def loopback_namespace() -> Iterator[list[str]]:
    """A network namespace with only `lo` up; yields the prefix that runs a command inside it, and
    keeps this thread inside it meanwhile (its sockets reach the cluster's loopback)."""
    if shutil.which("ip") is None:
        pytest.skip("the cluster test runs in a loopback-only network namespace: needs `ip` (iproute2)")
    name = f"nnp-ray-{os.getpid()}-{secrets.token_hex(2)}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"the cluster test needs a network namespace of its own (ip netns add: {made.stderr.strip()})")
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
        there = os.open(f"/var/run/netns/{name}", os.O_RDONLY)
        try:
            assert libc.setns(there, CLONE_NEWNET) == 0, os.strerror(ctypes.get_errno())
        finally:
            os.close(there)
        yield ["ip", "netns", "exec", name]
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(home)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


class Node:
    """One `ray start --block` in a process group of its own: stopping the group stops the node."""

    def __init__(self, folder: Path, name: str, args: list[str], inside: list[str]) -> None:
        self.name, self.temp_dir, self.log_path = name, folder / name, folder / f"{name}.log"
        self.log: IO[bytes] = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([*inside, str(RAY), "start", "--block", "--num-cpus=1", "--disable-usage-stats",
                                      f"--temp-dir={self.temp_dir}", *args],
                                     env={**os.environ, **AUTH}, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_started(self) -> None:
        deadline = time.monotonic() + START_S
        while b"Ray runtime started" not in self.log_path.read_bytes():
            assert self.proc.poll() is None, f"{self.name}: ray start exited\n{self._tail()}"
            assert time.monotonic() < deadline, f"{self.name}: not started in {START_S:.0f} s\n{self._tail()}"
            time.sleep(0.2)

    def pids(self) -> set[int]:
        """The node's processes: the group of `ray start`, and the workers its raylet started
        (each in a group of its own)."""
        return _descendants(self.proc.pid)

    def stop(self, grace_s: float = 15.0) -> None:
        """Like `ray stop` on that machine only (SIGTERM, then SIGKILL after `grace_s`), by process
        id: `ray stop` itself would stop every Ray process of the machine, both nodes and others'."""
        pids = self.pids()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        self.log.close()

    def _tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


class Web:
    """`python -m app.cli --ray ADDRESS` joined through one node (its temp folder names it)."""

    def __init__(self, folder: Path, name: str, address: str, node: Node, inside: list[str]) -> None:
        self.port, self.log_path = free_port(), folder / f"{name}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.log: IO[bytes] = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.address, self.env = address, {**os.environ, **AUTH, "PYTHONPATH": str(ROOT), "NNP_MAX_SESSIONS": "40"}
        self.proc = subprocess.Popen(
            [*inside, sys.executable, "-m", "app.cli", "--ray", address, "--ray-temp-dir", str(node.temp_dir),
             "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_started(self) -> None:
        deadline = time.monotonic() + START_S
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            assert self.proc.poll() is None, f"web process exited\n{self.log_path.read_text(errors='replace')[-3000:]}"
            assert time.monotonic() < deadline, f"web process not up in {START_S:.0f} s"
            time.sleep(0.2)

    def hosts(self) -> dict[str, tuple[str, int]]:
        """The session hosts it found or started: their node and pid (from its start-up log)."""
        text = self.log_path.read_text(errors="replace")
        found = re.findall(r"host (h\d+) on node (\w+) \(pid (\d+)\)", text)
        return {name: (node, int(pid)) for name, node, pid in found}

    def node(self) -> str:
        """The node this web process joined through."""
        found = re.search(r"web process \d+ on node (\w+)", self.log_path.read_text(errors="replace"))
        assert found is not None
        return found[1]

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(entry))
    return kids


def _descendants(pid: int) -> set[int]:
    kids, found, todo = _children(), {pid}, [pid]
    while todo:
        for kid in kids.get(todo.pop(), []):
            if kid not in found:
                found.add(kid)
                todo.append(kid)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[Node, Node, Web, Web]]:
    folder = Path(tempfile.mkdtemp(prefix="nnpray-"))  # short: Ray's socket paths live under it
    started: list[Node | Web] = []
    t0 = time.monotonic()
    with contextlib.ExitStack() as stack:
        inside = stack.enter_context(loopback_namespace())
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        stack.callback(_stop_all, started)
        yield from _start_cluster(folder, started, inside, t0)


def _stop_all(started: list[Node | Web]) -> None:
    for thing in reversed(started):  # a head asked to stop lingers (its GCS and raylet wait on each other)
        thing.stop(grace_s=3.0) if isinstance(thing, Node) else thing.stop()


def _start_cluster(folder: Path, started: list[Node | Web], inside: list[str],
                   t0: float) -> Iterator[tuple[Node, Node, Web, Web]]:
    port = free_port()
    head = Node(folder, "head", ["--head", f"--port={port}", "--include-dashboard=false"], inside)
    started.append(head)
    head.wait_started()
    second = Node(folder, "second", [f"--address=127.0.0.1:{port}", '--resources={"second": 1}'], inside)
    started.append(second)
    second.wait_started()
    web_a = Web(folder, "web-a", f"127.0.0.1:{port}", head, inside)
    started.append(web_a)
    web_a.wait_started()
    web_b = Web(folder, "web-b", f"127.0.0.1:{port}", second, inside)
    started.append(web_b)
    web_b.wait_started()
    for node in (head, second):  # every node names itself by loopback: no packet leaves `lo`
        assert re.search(rb"Local node IP: 127\.0\.0\.1", node.log_path.read_bytes()), node._tail()
    print(f"\ncluster of 2 nodes and 2 web processes up in {time.monotonic() - t0:.1f} s (loopback only)")
    yield head, second, web_a, web_b


def _events(r: httpx.Response | Iterator[str], n: int, of: str | None = None) -> list[str]:
    """The next n event names of a stream, or of its lines read so far (only those named `of`,
    when given, are counted)."""
    got = []
    for line in (r.iter_lines() if isinstance(r, httpx.Response) else r):
        if line.startswith("event: "):
            got.append(line[7:])
            if len([e for e in got if of is None or e == of]) == n:
                break
    return got


def _frames(lines: Iterator[str], n: int) -> list[dict[str, object]]:
    """The next n frames of a stream's lines, parsed."""
    got: list[dict[str, object]] = []
    frame = False
    for line in lines:
        if line.startswith("event: "):
            frame = line == "event: frame"
        elif line.startswith("data: ") and frame:
            got.append(json.loads(line[6:]))
            if len(got) == n:
                break
    return got


def test_a_two_node_cluster_serves_one_playground(cluster: tuple[Node, Node, Web, Web]) -> None:
    head, second, web_a, web_b = cluster
    hosts = web_a.hosts()
    assert set(hosts) == {"h0", "h1"} and web_b.hosts() == hosts  # one per CPU, shared by both web processes
    node_of = {name: ("head" if pid in head.pids() else "second" if pid in second.pids() else "?")
               for name, (_, pid) in hosts.items()}
    assert sorted(node_of.values()) == ["head", "second"], node_of  # one host on each node (its raylet's child)
    ray_node = {node_of[name]: node for name, (node, _) in hosts.items()}
    assert (web_a.node(), web_b.node()) == (ray_node["head"], ray_node["second"])  # a web process on each node
    tokens = OwnerTokens()  # one script talking to both web processes: either may change what it made
    a = keep_owner_tokens(httpx.Client(base_url=web_a.url, timeout=30), tokens)
    b = keep_owner_tokens(httpx.Client(base_url=web_b.url, timeout=30), tokens)
    with a, b:
        ids = [(a if k % 2 else b).post(f"{API}/sessions", json=CIRCLE).json()["id"] for k in range(4)]
        assert {node_of[i.split(".")[0]] for i in ids} == {"head", "second"}  # sessions on both nodes
        on: dict[str, str] = {}
        for sid in ids:
            on.setdefault(node_of[sid.split(".")[0]], sid)
        spare = next(sid for sid in ids if sid not in on.values())
        for k, sid in enumerate(ids):  # each through the web process that did not create it
            r = (b if k % 2 else a).post(f"{API}/sessions/{sid}/step", json={"epochs": 2})
            assert r.status_code == 200 and r.json()["epoch"] == 2, r.text
        patched = b.patch(f"{API}/sessions/{ids[1]}", json={"optimizer": {"name": "adam", "learning_rate": 0.01}})
        assert patched.status_code == 200 and patched.json()["config"]["optimizer"]["name"] == "adam"
        assert a.get(f"{API}/sessions/{ids[1]}").json()["config"]["optimizer"]["name"] == "adam"

        # play on both nodes; a teacher watches through A, a follower through B
        for sid in on.values():
            assert a.post(f"{API}/sessions/{sid}/play", json={"epochs_per_second": 50}).status_code == 200
        lost, kept = on["second"], on["head"]
        url = f"{API}/sessions/{lost}/stream?fps=30"
        with a.stream("GET", url) as teacher, b.stream("GET", url) as one, b.stream("GET", url) as two:
            lines = [r.iter_lines() for r in (teacher, one, two)]
            seen = [_frames(it, 3) for it in lines]
            watching = [frames[-1]["viewers"] for frames in seen]
            # a shared stream's viewers skip frames: it asks the host for every frame whole
            assert all("neurons" in f and "weights" in f for f in seen[1] + seen[2]), seen
            # B's two students share one stream from the host, which still counts three viewers
            assert _frames(lines[0], 2)[-1]["viewers"] == 3, watching
        assert b.get(f"{API}/sessions/{lost}").json()["epoch"] > 2
        fork = b.post(f"{API}/sessions/{lost}/fork")
        assert fork.status_code == 201 and fork.json()["epoch"] >= 2
        assert fork.json()["id"].split(".")[0] == lost.split(".")[0]  # made where its parent lives
        assert a.get(f"{API}/sessions/{fork.json()['id']}").status_code == 200

        cmp = b.post(f"{API}/comparisons", json={"base": CIRCLE}).json()
        assert a.post(f"{API}/comparisons/{cmp['id']}/step", json={"epochs": 1}).status_code == 200
        with b.stream("GET", f"{API}/comparisons/{cmp['id']}/stream?frames=1") as r:
            assert _events(r, 2) == ["frame", "done"]
        assert a.delete(f"{API}/sessions/{spare}").status_code == 204
        assert b.get(f"{API}/sessions/{spare}").status_code == 404
        assert a.get(f"{API}/sessions/h9.nothing").status_code == 404
        assert b.get("/").status_code == 200 and b.get("/openapi.json").status_code == 200

        # stop the second node while a viewer watches one of its sessions
        with a.stream("GET", f"{API}/sessions/{lost}/stream?fps=30") as open_stream:
            lines = open_stream.iter_lines()
            assert _events(lines, 1) == ["frame"]
            t = time.monotonic()
            second.stop()
            tail = _events(lines, 1, of="gone")
            print(f"open stream told `gone` {time.monotonic() - t:.1f} s after the node was stopped")
            assert tail[-1] == "gone"
        r = a.get(f"{API}/sessions/{lost}")
        assert r.status_code == 410 and r.json()["detail"][0]["type"] == "gone"
        assert a.post(f"{API}/sessions/{lost}/play", json={}).status_code == 410
        assert a.get(f"{API}/comparisons/{cmp['id']}").status_code in (200, 410)
        with a.stream("GET", f"{API}/sessions/{lost}/stream") as s:
            assert _events(s, 1) == ["gone"]

        before = a.get(f"{API}/sessions/{kept}").json()["epoch"]
        with a.stream("GET", f"{API}/sessions/{kept}/stream?fps=30") as s:
            assert _events(s, 3) == ["frame"] * 3
        after = a.get(f"{API}/sessions/{kept}").json()
        assert after["epoch"] > before and after["status"] == "running"
        created = a.post(f"{API}/sessions", json=CIRCLE)  # new sessions go to the host still there
        assert created.status_code == 201 and node_of[created.json()["id"].split(".")[0]] == "head"
        assert json.loads(a.get("/healthz").content)["status"] == "ok"

        # the operator stops the hosts (after a code update, say): their sessions are gone too
        out = subprocess.run([sys.executable, "-m", "app.cli", "--ray", web_a.address, "--ray-temp-dir",
                              str(head.temp_dir), "--stop-hosts"], env=web_a.env, cwd=ROOT, capture_output=True,
                             text=True, timeout=START_S)
        assert out.returncode == 0 and out.stdout.strip() == f"stopped: {kept.split('.')[0]}", out.stderr[-2000:]
        assert a.get(f"{API}/sessions/{kept}").status_code == 410
