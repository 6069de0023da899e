"""Dependencies shared by the routers, named with Annotated."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app import capability
from app.config import Settings
from app.training.session import Session, SessionError
from app.training.store import SessionStore


def get_store(request: Request) -> SessionStore:
    return request.app.state.store


def get_app_settings(request: Request) -> Settings:
    """The Settings the app was created with (create_app(settings)), not just the global ones."""
    return request.app.state.settings


StoreDep = Annotated[SessionStore, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(store: StoreDep,
                session_id: Annotated[str, Path(max_length=64, description="the session's id")]) -> Session:
    return store.get(session_id)


SessionDep = Annotated[Session, Depends(get_session)]


def get_free_session(session: SessionDep) -> Session:
    """A session that may be changed directly: not a variant, which only its comparison steps."""
    if session.owner is not None:
        raise SessionError(f"this session is a variant of comparison {session.owner}: step, play, "
                           "pause, reset and change it through the comparison")
    return session


FreeSessionDep = Annotated[Session, Depends(get_free_session)]


bearer = HTTPBearer(auto_error=False, scheme_name="owner", description=(
    "The owner token returned as `owner_token` when the session or comparison was created (or forked). "
    "Every request that changes or deletes it needs it; reading and streaming need only the id."))


def get_owner_token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str | None:
    return credentials.credentials if credentials is not None else None


OwnerToken = Annotated[str | None, Depends(get_owner_token)]


def get_owned_session(session: FreeSessionDep, token: OwnerToken) -> Session:
    """A session the request may change: not a variant, and the request carries its owner token."""
    capability.check("session", session.owner_key, token)
    return session


OwnedSessionDep = Annotated[Session, Depends(get_owned_session)]
# what a route that needs the owner token may answer besides its own codes
OWNER_ONLY: dict[int | str, dict[str, Any]] = {
    401: {"description": "no owner token: send `Authorization: Bearer <owner_token>`"},
    403: {"description": "not the owner token of this session or comparison: nothing was changed"}}
