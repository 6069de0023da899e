"""A real uvicorn on a free port of 127.0.0.1, for the browser benches and the tests' fixtures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str] | None = None, app: str = "app.main:app",
                 prefix: str = "") -> tuple[subprocess.Popen[bytes], str]:
    """(process, base URL incl. prefix) once {prefix}/healthz answers; raises if not within 30 s.

    `app` is any ASGI import path (e.g. the app mounted under a sub-path), `prefix` where it lives."""
    port = free_port()
    url = f"http://127.0.0.1:{port}{prefix}"
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
                             "--log-level", "warning"], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}")
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("uvicorn did not answer /healthz within 30 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
