"""The app behind a sub-path, as a reverse proxy or a university's shared host would serve it.

`app` is a Starlette app that mounts `app.main:create_app()` under /nn (starlette.routing.Mount);
run it with `uvicorn tests.e2e.subpath_app:app` (or `--app-dir tests/e2e subpath_app:app`). The
pages must then load everything from /nn/… — every URL in them is relative. The inner app's
lifespan (Plotly gzipped at start, training threads stopped at the end) runs inside the outer one's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.routing import Mount

from app.main import create_app

PREFIX = "/nn"
inner = create_app()


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    async with inner.router.lifespan_context(inner):
        yield


app = Starlette(routes=[Mount(PREFIX, app=inner)], lifespan=lifespan)
