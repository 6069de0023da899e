"""The pages (Jinja2 templates), the static files and the locally served Plotly bundle.

Classrooms are often offline: nothing is loaded from another origin. Plotly comes from the
installed `plotly` package, gzipped once at start-up and cached by the browser for a year
(its URL carries the version).
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import plotly  # type: ignore[import-untyped]  # no type information; only its __file__ is read
from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from app import __version__

ROOT = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=ROOT / "templates")
class RevalidatedStaticFiles(StaticFiles):
    """Our scripts and styles: kept by the browser, but checked (ETag, a 304 when unchanged) before
    each use. The modules import each other by plain URL, so a cache that guessed a freshness would
    mix a new server with an old module (a frame decoder of the previous wire format, say)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        return response


static_files = RevalidatedStaticFiles(directory=ROOT / "static")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_VERSION = plotly.__version__
router = APIRouter(include_in_schema=False)


@cache
def plotly_bytes() -> tuple[bytes, bytes]:
    """(plain, gzipped) plotly.min.js; compressed once, then served from memory."""
    raw = PLOTLY_JS.read_bytes()
    return raw, gzip.compress(raw, compresslevel=6, mtime=0)


@router.get("/vendor/plotly-{version}.min.js")
def plotly_js(version: str, accept_encoding: Annotated[str, Header()] = "") -> Response:
    raw, packed = plotly_bytes()
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding"}
    if "gzip" in accept_encoding:
        headers["Content-Encoding"] = "gzip"
        return Response(packed, media_type="text/javascript", headers=headers)
    return Response(raw, media_type="text/javascript", headers=headers)


def page_context(request: Request, **extra: object) -> dict[str, object]:
    return {"request": request, "version": __version__, "plotly_version": PLOTLY_VERSION, **extra}


def _presets() -> list[object]:
    from app.presets import PRESETS

    return list(PRESETS.values())


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """The playground; ?preset=NAME loads a lesson, ?follow=ID watches someone's session."""
    return templates.TemplateResponse(request, "index.html", page_context(request, presets=_presets()))


def _is_comparison(request: Request) -> bool:
    """A comparison lesson (preset=NAME of kind "comparison") or a comparison URL (vary= / values=)."""
    from app.presets import PRESETS

    q = request.query_params
    preset = PRESETS.get(q.get("preset") or "")
    return (preset is not None and preset.kind == "comparison") or "vary" in q or "values" in q


@router.get("/embed", response_class=HTMLResponse)
def embed(request: Request) -> HTMLResponse:
    """Minimal chrome for a slide or an iframe; everything comes from the query string.

    A comparison (lesson or URL) is the compare page in embed mode, served here so that /embed's
    framing headers apply to it too.
    """
    if _is_comparison(request):
        return templates.TemplateResponse(request, "compare.html",
                                          page_context(request, presets=_presets(), embed=True))
    return templates.TemplateResponse(request, "embed.html", page_context(request, presets=_presets()))


@router.get("/compare", response_class=HTMLResponse)
def compare(request: Request) -> HTMLResponse:
    """Variants of one experiment side by side, trained in lockstep."""
    return templates.TemplateResponse(request, "compare.html", page_context(request, presets=_presets()))
