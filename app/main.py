"""Assembles the app: settings, the session store, routers, static files and pages. Nothing else."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __version__, docs, shutdown, slow_clients, web
from app.api import catalog, comparisons, datasets, errors, health, live, presets, sessions
from app.api.bodies import Parser
from app.api.clients import Streams
from app.api.work import Work
from app.body_limit import BodyLimit
from app.cluster.front import OwnerRouter, Owners
from app.config import SCHEMA_LIMITS, Settings, get_settings
from app.headers import FrameHeaders
from app.training import persist
from app.training.comparison import Comparison, ComparisonStore
from app.training.scheduler import Scheduler
from app.training.store import SessionStore


def create_app(settings: Settings | None = None, *, clock: Callable[[], float] = time.monotonic,
               threaded: bool = True, owners: Owners | None = None) -> FastAPI:
    """The app. `clock` and `threaded=False` are for tests: a fake clock, and a scheduler that trains
    only when the test calls `app.state.scheduler.run_due()`. With `owners`, the front of a
    multi-process server: sessions and comparisons live in those workers, not here."""
    settings = settings or get_settings()
    imported = get_settings()
    differ = [k for k in SCHEMA_LIMITS if getattr(settings, k) != getattr(imported, k)]
    if differ:
        raise ValueError(f"{', '.join(differ)}: read by the request schemas at import; set them in the "
                         "environment (NNP_*) before starting instead")
    scheduler = Scheduler(clock, threaded=threaded)  # by name: the fields after clock may grow

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        web.plotly_bytes()  # gzip the 4.8 MB bundle once, before the first page asks for it
        kept = app.state.persist
        if kept is not None:
            kept.start()  # the sessions of the last run come back (paused), then every change is kept
        restore_signals = shutdown.install(app)  # SIGTERM: stop training, save, end the streams at once
        yield
        restore_signals()
        scheduler.stop_all()  # no training thread outlives the server
        app.state.work.close()
        app.state.parser.close()
        if kept is not None:
            kept.close()  # everything written: nothing is lost

    app = FastAPI(title="NN Playground", version=__version__, root_path=settings.root_path, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # ours: app/docs.py (FastAPI's load a CDN, run inline scripts)
                  description="Train small neural networks step by step: a NumPy engine behind a REST API.")
    app.state.settings = settings
    app.state.store = SessionStore(settings, clock)
    app.state.scheduler = scheduler
    app.state.work = Work(settings.heavy_threads)
    app.state.streams = Streams()
    app.state.parser = Parser()
    app.state.store.on_evict.append(scheduler.stop)  # a deleted or evicted session stops training

    def drop_comparison(c: Comparison) -> None:
        scheduler.stop(c)
        for s in c.sessions:
            s.owner = None
            if s.id in app.state.store:
                app.state.store.delete(s.id)

    app.state.comparisons = ComparisonStore(settings.max_comparisons, drop_comparison, clock)
    # sessions survive a restart; a front holds none (its workers keep theirs)
    app.state.persist = (None if owners is not None
                         else persist.for_app(settings, app.state.store, app.state.comparisons))
    errors.install(app)
    errors.document(app)
    for module in (health, catalog, datasets, sessions, live, comparisons, presets):
        app.include_router(module.router)
    if settings.worker:  # one of several processes: the front asks it for counts and evictions
        from app.cluster import internal

        app.include_router(internal.router)
    app.include_router(web.router)
    docs.install(app)
    app.mount("/static", web.static_files, name="static")
    if owners is not None:
        app.add_middleware(OwnerRouter, owners=owners)  # inside FrameHeaders: one set of security headers
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)  # before any routing reads a body
    slow_clients.install(app, settings.body_timeout_s)  # a body late by NNP_BODY_TIMEOUT_S: 408
    app.add_middleware(errors.ServerErrors)  # inside FrameHeaders: a 500 has the security headers too
    app.add_middleware(FrameHeaders, frame_ancestors=settings.frame_ancestors)
    return app


def _app_for_this_process() -> FastAPI:
    """One process (the default), a worker (NNP_WORKER set), a front (NNP_FRONT_SOCKETS set by
    `nn-playground --workers N`: its workers' names and sockets), or a web process of a Ray cluster
    (NNP_RAY set: its session hosts are Ray actors, found or started now)."""
    from app.cluster.workers import front_owners

    settings = get_settings()
    owners = None
    if not settings.worker:  # a worker or a Ray host owns sessions: it is never a front itself
        owners = front_owners(settings)
        if owners is None and settings.ray:
            from app.cluster import ray_hosts  # Ray itself is imported only when a cluster is asked for

            owners = ray_hosts.front_owners(settings)
    return create_app(settings, owners=owners)


app = _app_for_this_process()
