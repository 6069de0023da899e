"""/docs (Swagger UI) and /redoc (ReDoc) in Debian's chromium, under the page's own CSP (no bypass).

Three deployments, each a real uvicorn: at the root (the session's `server_url`), mounted under
/nn by another app (tests/e2e/subpath_app.py), and with NNP_ROOT_PATH=/pfx. In each, every
operation of the OpenAPI document must render, Swagger's "Try it out" must reach the server, and
nothing may be asked of another origin, fail, or log a console error or warning (a CSP violation
is logged as an error). The pages' screenshots go to tests/e2e/screenshots/docs-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bench.server import start_server, stop_server
from tests.e2e.conftest import VIEWPORT, WAIT_MS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=["root", "mounted", "root_path"])
def base(request: pytest.FixtureRequest) -> Iterator[str]:
    """The app's base URL (no trailing slash) in one of the three deployments."""
    if request.param == "root":
        yield request.getfixturevalue("server_url")
        return
    if request.param == "mounted":
        proc, url = start_server(app="tests.e2e.subpath_app:app", prefix="/nn")
    else:
        proc, url = start_server(env={"NNP_ROOT_PATH": "/pfx"}, prefix="/pfx")
    try:
        yield url
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def operations(base: str) -> list[dict[str, Any]]:
    """(method, path, tag, operationId, summary) of every operation the document has."""
    doc = httpx.get(f"{base}/openapi.json", timeout=10).json()
    return [{"method": m, "path": p, "tag": o["tags"][0], "id": o["operationId"], "summary": o["summary"]}
            for p, ops in doc["paths"].items() for m, o in ops.items()]


@dataclass
class Watch:
    """What one context asked for, what failed, and what its pages logged."""

    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def page(self, page: Page) -> None:
        page.on("console", lambda m: self.problems.append(f"console.{m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))

    def check(self, base: str) -> None:
        assert self.problems == [], "\n".join(self.problems)
        foreign = sorted({u for u in self.requests if not u.startswith(f"{base}/")})
        assert foreign == [], foreign


@pytest.fixture
def visit(browser: Browser, base: str) -> Iterator[Callable[[str], tuple[Page, Watch]]]:
    """visit("docs") -> (page, watch): a fresh context with the CSP enforced, watched from its first request."""
    made: list[BrowserContext] = []

    def go(name: str) -> tuple[Page, Watch]:
        ctx = browser.new_context(viewport=VIEWPORT, bypass_csp=False)
        made.append(ctx)
        w = Watch()
        ctx.on("request", lambda r: w.requests.append(r.url))
        ctx.on("requestfailed", lambda r: w.problems.append(f"failed: {r.url} ({r.failure})"))
        ctx.on("response", lambda r: w.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        ctx.on("page", w.page)
        page = ctx.new_page()
        page.set_default_timeout(WAIT_MS)
        response = page.goto(f"{base}/{name}")
        assert response is not None and response.ok
        assert "script-src 'self'" in (response.header_value("content-security-policy") or "")
        return page, w

    yield go
    for ctx in made:
        ctx.close()


def shot_name(base: str, name: str) -> str:
    where = re.sub(r"^http://[^/]+", "", base).strip("/") or "root"
    return f"docs-{name}-{where}"


def test_swagger_ui_renders_every_operation_and_tries_one(visit: Callable[[str], tuple[Page, Watch]], base: str,
                                                          operations: list[dict[str, Any]],
                                                          screenshot: Callable[[Page, str], Path]) -> None:
    page, watch = visit("docs")
    create = next(o for o in operations if o["method"] == "post" and o["path"] == "/api/v1/sessions")
    block = page.locator(f"#operations-{create['tag']}-{create['id']}")
    expect(block).to_be_visible()
    expect(block.locator(".opblock-summary-path")).to_have_text("/api/v1/sessions")
    expect(page.locator(".opblock")).to_have_count(len(operations))
    expect(page.locator(".info .title")).to_contain_text("NN Playground")
    screenshot(page, shot_name(base, "swagger"))
    # "Try it out" on GET /healthz: the request goes to this deployment's base (the document's servers)
    health = next(o for o in operations if o["path"] == "/healthz")
    op = page.locator(f"#operations-{health['tag']}-{health['id']}")
    op.locator(".opblock-summary-control").click()
    op.get_by_role("button", name="Try it out").click()
    op.get_by_role("button", name="Execute").click()
    expect(op.locator(".live-responses-table tbody td.response-col_status")).to_have_text("200")
    expect(op.locator(".request-url pre")).to_have_text(f"{base}/healthz")
    op.locator(".live-responses-table").scroll_into_view_if_needed()
    screenshot(page, shot_name(base, "swagger-tried"))
    assert f"{base}/healthz" in watch.requests
    assert f"{base}/openapi.json" in watch.requests
    page.close()
    watch.check(base)


def test_redoc_renders_every_operation(visit: Callable[[str], tuple[Page, Watch]], base: str,
                                       operations: list[dict[str, Any]],
                                       screenshot: Callable[[Page, str], Path]) -> None:
    page, watch = visit("redoc")
    create = next(o for o in operations if o["method"] == "post" and o["path"] == "/api/v1/sessions")
    section = page.locator(f'[data-section-id="tag/{create["tag"]}/operation/{create["id"]}"]')
    expect(section.locator("h2").first).to_have_text(re.compile(rf"^\s*{create['summary']}\s*$"))
    expect(section.locator("h2").first).to_be_visible()
    expect(page.locator('li[data-item-id*="/operation/"]')).to_have_count(len(operations))
    expect(page.get_by_role("heading", name=re.compile(r"NN Playground"))).to_be_visible()
    screenshot(page, shot_name(base, "redoc"))
    # the menu takes the reader to an operation (and the page shows its request body and samples)
    page.locator(f'li[data-item-id="tag/{create["tag"]}"] > label').click()  # the tag opens its operations
    page.locator(f'li[data-item-id="tag/{create["tag"]}/operation/{create["id"]}"] > label').click()
    expect(section.get_by_text("Request Body schema:").first).to_be_in_viewport()
    screenshot(page, shot_name(base, "redoc-operation"))
    assert f"{base}/redoc/logo-mini.svg" in watch.requests  # the sidebar's logo, from here (not its CDN)
    page.close()
    watch.check(base)
