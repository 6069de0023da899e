"""/api/v1/comparisons: variants of one experiment trained side by side, in lockstep."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from app import capability
from app.training.comparison import Comparison, ComparisonConfig
from app.training.fields import QueryIn
from app.training.session import Session
from app.training.spec import SessionConfig

from . import frames, present
from .bodies import OffLoopBodies
from .clients import TOO_MANY, check_running, client_of, streams
from .deps import OWNER_ONLY, OwnerToken, SettingsDep, StoreDep
from .live import SSE_DOC, EventStreamResponse, PlayRequest, open_stream, scheduler
from .schemas import OWNER_TOKEN_DOC, MetricsOut, ResetRequest, StepRequest
from .sessions import most_updates, too_much_work
from .work import work

router = APIRouter(prefix="/api/v1/comparisons", tags=["comparisons"], route_class=OffLoopBodies)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such comparison"}}
OWNED: dict[int | str, dict[str, Any]] = {**NOT_FOUND, **OWNER_ONLY}  # a route that changes the comparison


class VariantOut(BaseModel):
    label: str
    value: Any
    session_id: str = Field(description="also readable as an ordinary session")
    config: SessionConfig
    status: str
    epoch: int
    step: int
    metrics: MetricsOut
    target_epoch: int | None = Field(description="first epoch with train cost ≤ target_loss; null: not yet")
    first_layer_grad: float | None = Field(description="mean ‖dW[1]‖ over the recent epochs")
    diverged_at: dict[str, int] | None


class ComparisonOut(BaseModel):
    id: str
    config: ComparisonConfig
    status: str = Field(description="running, idle, or diverged when every variant has")
    step: int
    variants: list[VariantOut]


class ComparisonCreated(ComparisonOut):
    owner_token: str = Field(description=OWNER_TOKEN_DOC)


def get_comparison(request: Request, comparison_id: Annotated[str, Path(max_length=64)]) -> Comparison:
    return request.app.state.comparisons.get(comparison_id)


ComparisonDep = Annotated[Comparison, Depends(get_comparison)]


def get_owned_comparison(c: ComparisonDep, token: OwnerToken) -> Comparison:
    capability.check("comparison", c.owner_key, token)
    return c


OwnedComparisonDep = Annotated[Comparison, Depends(get_owned_comparison)]


def present_comparison(c: Comparison) -> ComparisonOut:
    with c.lock:
        variants = []
        for label, value, s in zip(c.labels, c.config.vary.values, c.sessions, strict=True):
            out = present.session(s)
            variants.append(VariantOut(
                label=label, value=value, session_id=s.id, config=s.config, status=out.status,
                epoch=out.epoch, step=out.step, metrics=out.metrics, target_epoch=s.target_epoch,
                first_layer_grad=present.finite(c.first_layer_grad(s)), diverged_at=s.diverged_at))
        statuses = {v.status for v in variants}
        status = "running" if "running" in statuses else "diverged" if statuses == {"diverged"} else "idle"
        return ComparisonOut(id=c.id, config=c.config, status=status, step=c.step_count, variants=variants)


@router.post("", status_code=201, response_model=ComparisonCreated,
             responses={422: {"description": "invalid base or values"}, 503: {"description": "store full"},
                        **TOO_MANY})
def create_comparison(request: Request, store: StoreDep, settings: SettingsDep,
                      body: Annotated[ComparisonConfig | None, Body()] = None) -> ComparisonCreated:
    """A new comparison; the response's `owner_token` steps, plays, pauses, resets and deletes it
    (its variants are readable as sessions by their ids, and changed only through it)."""
    body = body or ComparisonConfig()
    cid = store.new_id()
    client = client_of(request)
    made: list[Session] = []

    def owned(sid: str, config: SessionConfig) -> Session:
        s = Session(sid, config, settings)
        s.owner = cid  # owned before it enters the store, so making room never evicts a sibling
        return s

    def make_session(config: SessionConfig) -> Session:
        s = store.add(lambda sid: owned(sid, config), client)
        made.append(s)
        return s

    token, key = capability.new_token()
    try:
        c = Comparison.build(cid, body, make_session)
        c.owner_key = key  # before it is kept: the state file never holds it without its owner
        c.client = client
        request.app.state.comparisons.add(c, settings.max_comparisons_per_client)
    except Exception:
        for s in made:
            s.owner = None
            store.delete(s.id)
        raise
    return ComparisonCreated(**dict(present_comparison(c)), owner_token=token)


@router.get("/{comparison_id}", response_model=ComparisonOut, responses=NOT_FOUND)
def read_comparison(c: ComparisonDep) -> ComparisonOut:
    return present_comparison(c)


@router.delete("/{comparison_id}", status_code=204, responses=OWNED)
def delete_comparison(request: Request, c: OwnedComparisonDep) -> Response:
    request.app.state.comparisons.delete(c.id)
    return Response(status_code=204)


@router.post("/{comparison_id}/step", response_model=ComparisonOut,
             responses={**OWNED, 409: {"description": "every variant diverged"}})
async def step_comparison(request: Request, c: OwnedComparisonDep, settings: SettingsDep,
                          body: StepRequest) -> ComparisonOut:
    """Every variant the same updates, in slices (see the session's step)."""
    updates = c.updates_for(body.steps, body.epochs)
    biggest = max(s.trainer.batch_size for s in c.sessions)
    per = min(s.trainer.updates_per_epoch for s in c.sessions)
    params = max(s.net.params.size for s in c.sessions)
    most = most_updates(settings, biggest, per, params, len(c.sessions))
    if updates > most:
        raise too_much_work("steps" if body.steps else "epochs", updates, most, per)
    return await work(request).train(c, updates, biggest * params * len(c.sessions), lambda: present_comparison(c))


@router.post("/{comparison_id}/reset", response_model=ComparisonOut, responses=OWNED)
def reset_comparison(c: OwnedComparisonDep, body: Annotated[ResetRequest | None, Body()] = None) -> ComparisonOut:
    c.reset(body.seed if body else None)
    return present_comparison(c)


@router.post("/{comparison_id}/play", response_model=ComparisonOut,
             responses={**OWNED, 409: {"description": "every variant diverged"}, **TOO_MANY})
def play_comparison(request: Request, c: OwnedComparisonDep,
                    body: Annotated[PlayRequest | None, Body()] = None) -> ComparisonOut:
    check_running(request, c)
    make = lambda: frames.comparison_frame_json(c, present_comparison)  # noqa: E731
    scheduler(request).play(c, body.epochs_per_second if body else None, frames.refresher(c, make),
                            request.app.state.settings.unattended_pause_s)
    return present_comparison(c)


@router.post("/{comparison_id}/pause", response_model=ComparisonOut, responses=OWNED)
def pause_comparison(request: Request, c: OwnedComparisonDep) -> ComparisonOut:
    scheduler(request).stop(c)
    return present_comparison(c)


@router.get("/{comparison_id}/history", responses=NOT_FOUND)
def comparison_history(c: ComparisonDep,
                       since: Annotated[int, Query(description="only epochs after this (every variant)"),
                                        QueryIn(int, -1, 10**9)] = -1,
                       ) -> dict[str, Any]:
    """Every variant's recorded epochs; `since` = the last epoch a page has charted, so a page whose
    stream skipped epochs fetches only those (the playground's GET sessions/{id}/history?since=)."""
    with c.lock:
        return {"variants": [
            {"label": label, "session_id": s.id,
             **{k: [present.finite_tree(v) for v in col] for k, col in s.history.since(since).items()}}
            for label, s in zip(c.labels, c.sessions, strict=True)]}


@router.get("/{comparison_id}/stream", response_class=EventStreamResponse,
            responses={**NOT_FOUND, **SSE_DOC, **TOO_MANY})
async def stream_comparison(request: Request, c: ComparisonDep, settings: SettingsDep,
                            fps: Annotated[float, Query(description="at most this many a second"),
                                           QueryIn(float, 1.0, 60.0)] = 30.0,
                            frames_: Annotated[int, Query(alias="frames",
                                                          description="stop after this many frames; 0: never"),
                                               QueryIn(int, 0, 1_000_000)] = 0,
                            ) -> EventStreamResponse:
    """One frame carries every variant: its metrics and its output grid, on one colour scale."""
    comparisons = request.app.state.comparisons
    release = streams(request).reserve(client_of(request), settings.max_streams_per_client)
    return open_stream(c, min(fps, settings.max_fps), frames_, lambda: c.id in comparisons,
                       lambda: frames.comparison_frame_json(c, present_comparison), settings.stream_stall_s,
                       release=release)
