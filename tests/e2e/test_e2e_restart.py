"""A student following a live session keeps following it across a restart of the server.

The server is stopped (SIGTERM) while the teacher's session plays and a student's page follows it,
then started again on the same port and the same state file: the page reconnects by itself (its
EventSource), shows the session where it stopped (paused, nothing lost), and follows it on when the
teacher plays again. Its own browser context: the shared recorder checks that every request went to
the suite's server, and this one talks to its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

import bench.server
from bench.owners import keep_owner_tokens
from bench.server import start_server, stop_server
from tests.e2e.conftest import VIEWPORT, WAIT_MS
from tests.e2e.test_e2e_playground import attr, wait_until

# the teacher's script: keeps the owner tokens of what it creates (they survive the restart too)
OWNER = keep_owner_tokens(httpx.Client(timeout=30))


@pytest.fixture(scope="module", autouse=True)
def _close_owner() -> Iterator[None]:
    yield
    OWNER.close()


@pytest.mark.browser
def test_a_follower_reconnects_after_a_restart(browser: Browser, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    port = bench.server.free_port()
    monkeypatch.setattr(bench.server, "free_port", lambda: port)  # the same address after the restart
    env = {"NNP_STATE_PATH": str(tmp_path / "state.sqlite")}
    proc, url = start_server(env)
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    try:
        api = f"{url}/api/v1"
        sid = OWNER.post(f"{api}/sessions", json={"dataset": {"name": "xor"}}).json()["id"]
        OWNER.post(f"{api}/sessions/{sid}/play", json={"epochs_per_second": 20})
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{url}/?follow={sid}")
        wait_until(page, lambda: attr(page, "data-mode") == "follow", "the follow mode", timeout=60)
        wait_until(page, lambda: int(attr(page, "data-epoch") or 0) >= 5, "the follower to see epochs", timeout=60)

        stop_server(proc)  # SIGTERM while playing and followed
        proc, url = start_server(env)
        stopped_at = httpx.get(f"{api}/sessions/{sid}").json()
        assert stopped_at["status"] == "idle"
        wait_until(page, lambda: int(attr(page, "data-epoch") or 0) == stopped_at["epoch"],
                   "the follower to show where the session stopped", timeout=60)
        OWNER.post(f"{api}/sessions/{sid}/play", json={"epochs_per_second": 20})
        wait_until(page, lambda: int(attr(page, "data-epoch") or 0) > stopped_at["epoch"] + 3,
                   "the follower to follow it on", timeout=60)
        assert attr(page, "data-mode") == "follow"
        assert not page.locator("#follow-bar").evaluate("e => e.classList.contains('follow-gone')")
    finally:
        context.close()
        stop_server(proc)
