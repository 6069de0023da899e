"""A real uvicorn on a free port of 127.0.0.1, for the browser benches and the tests' fixtures."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

import httpx

from app.slow_clients import PROTOCOL

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str] | None = None, app: str = "app.main:app",
                 prefix: str = "", command: Callable[[int], Sequence[str]] | None = None,
                 own_group: bool = False, output: IO[bytes] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """(process, base URL incl. prefix) once {prefix}/healthz answers; raises if not within 30 s.

    `app` is any ASGI import path (e.g. the app mounted under a sub-path), `prefix` where it lives.
    `command(port)` replaces the uvicorn command line (e.g. `python -m app.cli … --workers 2`);
    `own_group` starts it in a process group of its own, so stop_server ends its workers too;
    `output` takes its stdout and stderr (default: this process's)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}{prefix}"
    argv = list(command(port)) if command else [
        sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        "--http", PROTOCOL]  # as the command serves it: slow clients are timed out (app/slow_clients.py)
    # a bench's server starts empty and keeps nothing, unless asked (NNP_STATE_PATH in env)
    base = {"NNP_STATE_PATH": "", **os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(argv, cwd=ROOT, env={**base, **(env or {})},
                            start_new_session=own_group, stdout=output, stderr=output)
    name = argv[2] if argv[1:2] == ["-m"] else argv[0]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            if own_group:  # workers it may have left behind (a pgid is not reused while its group lives)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            raise RuntimeError(f"{name} exited with {proc.returncode}")
        time.sleep(0.1)
    _signal(proc, signal.SIGKILL)
    proc.wait()
    raise RuntimeError(f"{name} did not answer /healthz within 30 s")


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    """`sig` to the server and, when it leads a group of its own (own_group), to its workers too."""
    try:
        if os.getpgid(proc.pid) == proc.pid:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
    except ProcessLookupError:
        pass  # already gone


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    _signal(proc, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        _signal(proc, signal.SIGKILL)
        proc.wait()
