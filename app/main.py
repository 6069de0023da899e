"""Assembles the app: settings, the session store, routers, static files and pages. Nothing else."""

from __future__ import annotations

from fastapi import FastAPI

from app import __version__
from app.api import catalog, datasets, errors, health, sessions
from app.config import Settings, get_settings
from app.training.store import SessionStore


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="NN Playground", version=__version__, root_path=settings.root_path,
                  description="Train small neural networks step by step: a NumPy engine behind a REST API.")
    app.state.settings = settings
    app.state.store = SessionStore(settings)
    errors.install(app)
    for module in (health, catalog, datasets, sessions):
        app.include_router(module.router)
    return app


app = create_app()
