"""A student following a live session keeps following it across a restart of the server.

The server is stopped (SIGTERM) while the teacher's session plays and a student's page follows it,
then started again on the same port and the same state file: the page reconnects by itself (its
EventSource), shows the session where it stopped (paused, nothing lost), and follows it on when the
teacher plays again. A server that keeps nothing loses the runs instead: the playground and the
compare page start theirs again (their live views give up on the old stream, the run reads 404).
Its own browser context: the shared recorder checks that every request went to the suite's server,
and this one talks to its own."""

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


@pytest.mark.browser
def test_a_run_lost_in_a_restart_is_started_again(browser: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that keeps nothing (no state file) restarts: the playground's own session and the
    compare page's comparison are gone. Each page's live view gives up on the old stream, the page
    learns that its run ended (404) and starts it again: a new id on <html>, known to the server, its
    frames shown, and the banner saying so."""
    port = bench.server.free_port()
    monkeypatch.setattr(bench.server, "free_port", lambda: port)  # the same address after the restart
    proc, url = start_server({"NNP_STATE_PATH": ""})
    context = browser.new_context(viewport=VIEWPORT, bypass_csp=True)
    try:
        api = f"{url}/api/v1"
        playground, compare = context.new_page(), context.new_page()
        for page in (playground, compare):
            page.set_default_timeout(WAIT_MS)
        playground.goto(f"{url}/")
        compare.goto(f"{url}/compare")
        wait_until(playground, lambda: int(attr(playground, "data-frames-shown") or 0) >= 1, "the playground's frame",
                   timeout=60)
        wait_until(compare, lambda: int(attr(compare, "data-frames-shown") or 0) >= 1, "the comparison's frame",
                   timeout=60)
        sid, cid = attr(playground, "data-session-id"), attr(compare, "data-comparison-id")

        stop_server(proc)
        proc, url = start_server({"NNP_STATE_PATH": ""})
        assert httpx.get(f"{api}/sessions/{sid}").status_code == 404
        assert httpx.get(f"{api}/comparisons/{cid}").status_code == 404

        wait_until(playground, lambda: attr(playground, "data-session-id") not in (None, sid),
                   "a new session's frame on the playground", timeout=60)
        new_sid = attr(playground, "data-session-id")
        assert httpx.get(f"{api}/sessions/{new_sid}").status_code == 200
        wait_until(compare, lambda: attr(compare, "data-comparison-id") not in (None, cid),
                   "a new comparison on the compare page", timeout=60)
        new_cid = attr(compare, "data-comparison-id")
        assert httpx.get(f"{api}/comparisons/{new_cid}").status_code == 200
        shown = int(attr(compare, "data-frames-shown") or 0)
        wait_until(compare, lambda: attr(compare, "data-stream") == "open", "the new comparison's stream", timeout=60)
        compare.get_by_role("button", name="+1: one epoch").click()
        wait_until(compare, lambda: int(attr(compare, "data-frames-shown") or 0) > shown
                   and attr(compare, "data-epoch") == "1", "the new comparison's frames", timeout=60)
        assert "started again" in (compare.locator("#banner").text_content() or "")
    finally:
        context.close()
        stop_server(proc)
