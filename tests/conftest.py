"""Shared fixtures: an in-process TestClient, and a real uvicorn server + Debian's chromium for e2e."""

from __future__ import annotations

import os

# One BLAS thread, as app/__init__ sets for the server: it must happen before NumPy loads, and a
# test module may import NumPy before app (tiny products only lose to thread wake-ups).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Nothing is kept on disk unless a test asks for it (Settings(state_path=…), or NNP_STATE_PATH in a
# server's env): tests must not share a database. Before app is imported: its settings are read once.
os.environ.setdefault("NNP_STATE_PATH", "")
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bench.owners import keep_owner_tokens
from bench.server import free_port, start_server, stop_server  # noqa: F401  (tests import these from here)

ROOT = Path(__file__).resolve().parent.parent
E2E = ROOT / "tests" / "e2e"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    """The tests run in a random order (pytest-randomly: its seed is in the header, `-p no:randomly`
    turns it off), so that none can lean on another's state; all but tests/e2e. Those share one
    server, one browser and pages on purpose (a page load parses Plotly for seconds), a class of them
    carries a classroom on from test to test, and a module's last test checks what all of its pages
    requested: they run last, in the order of their files."""
    collected = {id(item): i for i, item in enumerate(items)}  # before any plugin reorders them
    yield
    e2e = sorted((item for item in items if E2E in item.path.parents), key=lambda item: collected[id(item)])
    items[:] = [item for item in items if E2E not in item.path.parents] + e2e


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A fresh app (own store) per test, with its lifespan run; like the page, it keeps the owner
    token of every session and comparison it creates and sends it with later requests for them."""
    from app.main import create_app

    with keep_owner_tokens(TestClient(create_app())) as c:
        yield c


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A real uvicorn on a free port of 127.0.0.1 for the whole test session."""
    proc, url = start_server()
    try:
        yield url
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    # Debian's chromium, never a downloaded browser (`playwright install` cannot reach its host)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}
