"""/docs and /redoc without a browser: only local, relative assets, no inline script, the app's headers.

The browser test (tests/e2e/test_e2e_docs.py) shows they render under the CSP; this one is fast
and says what went wrong when a page starts naming another origin or an absolute path.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import Mount

from app import docs
from app.config import Settings
from app.main import create_app

PAGES = ("docs", "redoc")


class Page(HTMLParser):
    """Every URL a page names (src, href) and the text of each <script> element."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:  # the pages read nothing of the lifespan's
        yield c


@pytest.mark.parametrize("name", PAGES)
def test_the_page_names_only_relative_urls_and_has_no_inline_script(client: TestClient, name: str) -> None:
    r = client.get(f"/{name}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = Page(r.text)
    assert len(page.urls) >= 3  # a bundle, our start-up script and stylesheet, the OpenAPI link
    for url in page.urls:
        if url == "data:,":  # the empty favicon, as on the app's pages
            continue
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url}: another origin"
        assert not url.startswith("/"), f"{url}: absolute, would miss a root path"
    assert page.scripts and all(s.strip() == "" for s in page.scripts), "an inline script: the CSP refuses it"
    assert re.search(r'<script src="static/js/apiDocs\.js\?v=[^"]+"></script>', r.text)


@pytest.mark.parametrize("name", PAGES)
def test_every_asset_is_served_here(client: TestClient, name: str) -> None:
    base = f"http://testserver/{name}"
    for url in Page(client.get(f"/{name}").text).urls:
        if url.startswith("data:"):
            continue
        got = client.get(urljoin(base, url))
        assert got.status_code == 200, url
        if url.endswith(".js") or ".js?" in url:
            assert got.headers["content-type"].startswith("text/javascript"), url


@pytest.mark.parametrize("name", PAGES)
def test_the_apps_security_headers_are_kept(client: TestClient, name: str) -> None:
    h = client.get(f"/{name}").headers
    assert "script-src 'self';" in h["content-security-policy"]
    assert "frame-ancestors 'self'" in h["content-security-policy"]
    assert h["x-frame-options"] == "SAMEORIGIN" and h["x-content-type-options"] == "nosniff"


def test_the_bundles_are_the_installed_packages_files(client: TestClient) -> None:
    """Served from fastapi-standalone-docs as installed, not from a copy in this repository."""
    for url, file in (("/vendor/swagger-ui/swagger-ui-bundle.js", docs.SWAGGER_ASSETS / "swagger-ui-bundle.js"),
                      ("/vendor/swagger-ui/swagger-ui.css", docs.SWAGGER_ASSETS / "swagger-ui.css"),
                      ("/vendor/redoc/redoc.standalone.js", docs.REDOC_ASSETS / "redoc.standalone.js")):
        r = client.get(url)
        assert r.status_code == 200 and r.content == file.read_bytes(), url
    assert "site-packages" in str(docs.ASSETS) or "dist-packages" in str(docs.ASSETS)


def test_redoc_asks_for_its_logo_here_not_on_a_cdn(client: TestClient) -> None:
    """Upstream ReDoc loads its sidebar logo from its CDN; the package points it at the page's path.
    A package update that lost that would show here before the browser test's CSP violation."""
    bundle = (docs.REDOC_ASSETS / "redoc.standalone.js").read_bytes()
    assert b"cdn.redoc.ly" not in bundle
    assert b'window.location.pathname+"/logo-mini.svg"' in bundle
    r = client.get("/redoc/logo-mini.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")


def test_our_start_up_script_names_no_other_origin(client: TestClient) -> None:
    js = client.get("/static/js/apiDocs.js").text
    assert "SwaggerUIBundle(" in js and "Redoc.init(" in js
    assert "http:" not in js and "https:" not in js and "//" + "cdn" not in js
    assert "validatorUrl: null" in js  # Swagger UI's default validator badge would ask a server on the internet


def test_fastapis_own_pages_are_gone(client: TestClient) -> None:
    assert client.get("/docs/oauth2-redirect").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def _assets_resolve_under(c: TestClient, prefix: str) -> None:
    for name in PAGES:
        r = c.get(f"{prefix}/{name}")
        assert r.status_code == 200, name
        page = Page(r.text)
        assert any(u == "openapi.json" for u in page.urls)
        for url in page.urls:
            if url.startswith("data:"):
                continue
            full = urljoin(f"http://testserver{prefix}/{name}", url)
            assert urlsplit(full).path.startswith(f"{prefix}/"), full
            assert c.get(full).status_code == 200, full


def test_under_a_mount() -> None:
    """As tests/e2e/subpath_app.py serves it: the app mounted at /nn of another app."""
    outer = Starlette(routes=[Mount("/nn", app=create_app())])
    with TestClient(outer) as c:
        _assets_resolve_under(c, "/nn")


def test_under_nnp_root_path() -> None:
    with warnings.catch_warnings():  # recent FastAPI deprecates its root_path argument (app/main.py passes it)
        warnings.filterwarnings("ignore", message=".*root_path.*")
        app = create_app(Settings(root_path="/pfx"))
    with TestClient(app) as c:
        _assets_resolve_under(c, "/pfx")
        assert c.get("/pfx/openapi.json").json()["servers"] == [{"url": "/pfx"}]  # "Try it out" goes there
