"""Start and stop the worker processes of `nn-playground --workers N`, and tell the front where they are.

Each worker is `uvicorn app.main:app` on a Unix socket in a private folder (mode 0700: only this
user can reach a worker, and its /internal routes), named `w0`, `w1`, … by NNP_WORKER. The front
learns the sockets from NNP_FRONT_SOCKETS ("w0=/path/w0.sock,w1=…"). A worker dies with the process
that started it (Linux's parent-death signal), so a killed front leaves no orphans.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.config import Settings
from app.slow_clients import PROTOCOL

from .front import Owners
from .owners import UnixOwner

PR_SET_PDEATHSIG = 1


def front_owners(settings: Settings) -> Owners | None:
    if not settings.front_sockets:
        return None
    pairs = [item.split("=", 1) for item in settings.front_sockets.split(",") if item]
    return Owners([UnixOwner(name, path) for name, path in pairs], settings)


def worker_count(text: str) -> int:
    """`--workers` as given: a whole number ≥ 1, or "auto" for one per core."""
    if text == "auto":
        return max(1, os.cpu_count() or 1)
    n = int(text)
    if n < 1:
        raise ValueError("workers: at least 1 (or auto)")
    return n


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Workers:
    """N worker processes on Unix sockets; `spec` is what the front needs to reach them."""

    def __init__(self, n: int, log_level: str = "warning") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="nnp-workers-"))
        os.chmod(self.folder, 0o700)
        self.sockets = {f"w{k}": str(self.folder / f"w{k}.sock") for k in range(n)}
        self.procs: list[subprocess.Popen[bytes]] = []
        for name, path in self.sockets.items():
            env = {**os.environ, "NNP_WORKER": name, "NNP_FRONT_SOCKETS": ""}
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "app.main:app", "--uds", path, "--log-level", log_level,
                 "--no-access-log", "--http", PROTOCOL], env=env, preexec_fn=_die_with_parent))

    @property
    def spec(self) -> str:
        return ",".join(f"{name}={path}" for name, path in self.sockets.items())

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        for (name, path), proc in zip(self.sockets.items(), self.procs, strict=True):
            while not _answers(path):
                if proc.poll() is not None:
                    raise RuntimeError(f"worker {name} exited with {proc.returncode}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"worker {name} did not start within {timeout_s:.0f} s")
                time.sleep(0.05)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for path in self.sockets.values():
            Path(path).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.folder.rmdir()


def _answers(path: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(path)
            s.sendall(b"GET /healthz HTTP/1.1\r\nhost: worker\r\nconnection: close\r\n\r\n")
            return s.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
