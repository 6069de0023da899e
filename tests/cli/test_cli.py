"""The installed `nn-playground` command starts a real server with the given host and port."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.server import free_port


def test_the_console_command_is_installed_and_serves() -> None:
    command = shutil.which("nn-playground", path=str(Path(sys.executable).parent))
    assert command is not None, "pip install -e . installs the nn-playground script"
    port = free_port()
    proc = subprocess.Popen([command, "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert r.status_code == 200 and r.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)


def test_help_names_the_options() -> None:
    out = subprocess.run([sys.executable, "-m", "app.cli", "--help"], capture_output=True, text=True, check=True)
    assert "--host" in out.stdout and "--port" in out.stdout and "--reload" in out.stdout
    assert "--workers" in out.stdout and "--ray" in out.stdout and "--hosts" in out.stdout


def test_ray_options_are_checked_before_joining() -> None:
    for argv, word in ((["--ray", "auto", "--workers", "2"], "--workers"),
                       (["--ray", "auto", "--hosts", "-1"], "--hosts"), (["--stop-hosts"], "--stop-hosts")):
        out = subprocess.run([sys.executable, "-m", "app.cli", *argv], capture_output=True, text=True)
        assert out.returncode == 2 and word in out.stderr


def test_the_app_imports_without_ray() -> None:
    """Ray is an optional extra: nothing in the default install may need it."""
    code = "import sys; sys.modules['ray'] = None; import app.main, app.cluster.ray_hosts, app.cluster.host"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_workers_must_be_a_count_or_auto() -> None:
    for bad in ("0", "two", "-1"):
        out = subprocess.run([sys.executable, "-m", "app.cli", "--workers", bad], capture_output=True, text=True)
        assert out.returncode == 2 and "--workers" in out.stderr


def test_workers_auto_is_one_per_core() -> None:
    from app.cluster.workers import worker_count

    assert worker_count("auto") == max(1, os.cpu_count() or 1) and worker_count("3") == 3
