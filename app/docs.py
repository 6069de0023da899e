"""/docs (Swagger UI) and /redoc (ReDoc), working under the app's content policy and offline.

FastAPI's own pages load both from a CDN and start them with an inline <script>, which the policy
(script-src 'self', app/headers.py) refuses: they were blank, and a classroom may be offline. Here
the bundles come from the installed `fastapi-standalone-docs` package (Swagger UI and ReDoc as
published, with ReDoc's logo pointed at a local file instead of its CDN), served under /vendor/,
and the start-up code is a file of ours, static/js/apiDocs.js. Every URL in the pages is relative,
so they work under a root path (NNP_ROOT_PATH, a proxy, a mount) too. Only the package's files
are used, not its `StandaloneDocs`, which patches FastAPI's HTML functions (inline scripts still).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_standalone_docs  # type: ignore[import-untyped]  # no type information; only its __file__ is read
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse

from app import __version__
from app.web import RevalidatedStaticFiles, templates

ASSETS = Path(fastapi_standalone_docs.__file__).resolve().parent / "static"
SWAGGER_ASSETS = ASSETS / "swagger"  # swagger-ui-bundle.js, swagger-ui.css
REDOC_ASSETS = ASSETS / "redoc"  # redoc.standalone.js, logo-mini.svg

router = APIRouter(include_in_schema=False)


def _page(request: Request, ui: str, title: str) -> HTMLResponse:
    openapi = (request.app.openapi_url or "/openapi.json").lstrip("/")  # relative to the page
    return templates.TemplateResponse(request, "api_docs.html", {
        "ui": ui, "title": f"{request.app.title} API — {title}", "openapi": openapi, "version": __version__})


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI: every operation, with "Try it out"."""
    return _page(request, "swagger", "Swagger UI")


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc: the same document as one long reference page."""
    return _page(request, "redoc", "ReDoc")


@router.get("/redoc/logo-mini.svg")
def redoc_logo() -> FileResponse:
    """The package's ReDoc bundle asks for its logo at the page's own path + /logo-mini.svg."""
    return FileResponse(REDOC_ASSETS / "logo-mini.svg", media_type="image/svg+xml")


def install(app: FastAPI) -> None:
    """The two pages and the package's bundles; the app is made with docs_url=None, redoc_url=None."""
    app.include_router(router)
    app.mount("/vendor/swagger-ui", RevalidatedStaticFiles(directory=SWAGGER_ASSETS), name="swagger-ui")
    app.mount("/vendor/redoc", RevalidatedStaticFiles(directory=REDOC_ASSETS), name="redoc")
