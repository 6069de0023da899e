"""E2E-only fixtures: one browser (pytest-playwright's, session-scoped) and contexts made from it.

Plotly's 4.8 MB bundle costs about a second to parse on every fresh page load, so tests share a
context (its HTTP cache keeps the bundle) and, where their state allows, one page.

Every context made here records each request URL (`requested`) and each console error or page
error (`problems`), so a test can check that nothing left the server's origin and nothing broke.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from bench.owners import keep_owner_tokens

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"  # git-ignored
VIEWPORT = {"width": 1366, "height": 768}
# How long a page may take to load or an element to appear: a bound on waiting, not a claim about
# speed. A shared 2-core CI machine under load parses Plotly's 4.8 MB for several seconds; 15 s
# once timed out there while the page was fine.
WAIT_MS = 60_000


@dataclass
class Recorder:
    """What every context of the session requested and which errors its pages logged."""

    requested: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.on("request", lambda r: self.requested.append(r.url))
        context.on("page", self.watch_page)

    def watch_page(self, page: Page) -> None:
        page.on("console", lambda m: self.problems.append(f"console.{m.type}: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))


ContextFactory = Callable[..., BrowserContext]


@pytest.fixture(scope="session")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="session")
def context_factory(browser: Browser, recorder: Recorder) -> Iterator[ContextFactory]:
    """new(bypass_csp=True, **kwargs) -> a context at 1366×768 that `recorder` watches; all closed at the end.

    bypass_csp is on by default: Playwright's wait_for_function/evaluate inject scripts that the
    page's CSP (script-src 'self') refuses. One test runs without it, to prove the page works
    under its own policy."""
    made: list[BrowserContext] = []

    def new(bypass_csp: bool = True, **kwargs: Any) -> BrowserContext:
        ctx = browser.new_context(viewport=kwargs.pop("viewport", VIEWPORT), bypass_csp=bypass_csp, **kwargs)
        recorder.watch(ctx)
        made.append(ctx)
        return ctx

    yield new
    for ctx in made:
        ctx.close()


@pytest.fixture(scope="session")
def shared_context(context_factory: ContextFactory) -> BrowserContext:
    """One bypass_csp context for the whole session: its cache keeps Plotly between page loads."""
    return context_factory()


@pytest.fixture
def page(shared_context: BrowserContext) -> Iterator[Page]:
    """A fresh page (1366×768) in the shared context, closed after the test."""
    p = shared_context.new_page()
    p.set_default_timeout(WAIT_MS)
    yield p
    p.close()


@pytest.fixture(scope="session")
def api(server_url: str) -> Iterator[httpx.Client]:
    """The REST API of the server the browser talks to, for checking what the page did (it owns
    what it creates; what a page created, only the page changes)."""
    with keep_owner_tokens(httpx.Client(base_url=f"{server_url}/api/v1/", timeout=10)) as c:
        yield c


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Page, str], Path]:
    """shot(page, name) -> tests/e2e/screenshots/<name>.png (the viewport as shown)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def shot(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return shot
