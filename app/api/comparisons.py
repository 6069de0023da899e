"""/api/v1/comparisons: variants of one experiment trained side by side, in lockstep."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Request, Response
from pydantic import BaseModel, Field

from app.training.comparison import Comparison, ComparisonConfig
from app.training.fields import QueryNumber
from app.training.session import Session
from app.training.spec import SessionConfig

from . import frames, present
from .deps import SettingsDep, StoreDep
from .live import SSE_DOC, EventStreamResponse, PlayRequest, open_stream, scheduler
from .schemas import MetricsOut, ResetRequest, StepRequest
from .sessions import most_updates, too_much_work

router = APIRouter(prefix="/api/v1/comparisons", tags=["comparisons"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such comparison"}}


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


def get_comparison(request: Request, comparison_id: Annotated[str, Path(max_length=64)]) -> Comparison:
    return request.app.state.comparisons.get(comparison_id)  # type: ignore[no-any-return]


ComparisonDep = Annotated[Comparison, Depends(get_comparison)]


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


@router.post("", status_code=201, response_model=ComparisonOut,
             responses={422: {"description": "invalid base or values"}, 503: {"description": "store full"}})
def create_comparison(request: Request, store: StoreDep, settings: SettingsDep,
                      body: Annotated[ComparisonConfig | None, Body()] = None) -> ComparisonOut:
    body = body or ComparisonConfig()
    cid = store.new_id()
    made: list[Session] = []

    def owned(sid: str, config: SessionConfig) -> Session:
        s = Session(sid, config, settings)
        s.owner = cid  # owned before it enters the store, so making room never evicts a sibling
        return s

    def make_session(config: SessionConfig) -> Session:
        s = store.add(lambda sid: owned(sid, config))
        made.append(s)
        return s

    try:
        c = Comparison.build(cid, body, make_session)
        request.app.state.comparisons.add(c)
    except Exception:
        for s in made:
            s.owner = None
            store.delete(s.id)
        raise
    return present_comparison(c)


@router.get("/{comparison_id}", response_model=ComparisonOut, responses=NOT_FOUND)
def read_comparison(c: ComparisonDep) -> ComparisonOut:
    return present_comparison(c)


@router.delete("/{comparison_id}", status_code=204, responses=NOT_FOUND)
def delete_comparison(request: Request, c: ComparisonDep) -> Response:
    request.app.state.comparisons.delete(c.id)
    return Response(status_code=204)


@router.post("/{comparison_id}/step", response_model=ComparisonOut,
             responses={**NOT_FOUND, 409: {"description": "every variant diverged"}})
def step_comparison(c: ComparisonDep, settings: SettingsDep, body: StepRequest) -> ComparisonOut:
    updates = c.updates_for(body.steps, body.epochs)
    biggest = max(s.trainer.batch_size for s in c.sessions)
    per = min(s.trainer.updates_per_epoch for s in c.sessions)
    most = most_updates(settings, biggest, per, max(s.net.params.size for s in c.sessions), len(c.sessions))
    if updates > most:
        raise too_much_work("steps" if body.steps else "epochs", updates, most, per)
    c.train(updates)
    return present_comparison(c)


@router.post("/{comparison_id}/reset", response_model=ComparisonOut, responses=NOT_FOUND)
def reset_comparison(c: ComparisonDep, body: Annotated[ResetRequest | None, Body()] = None) -> ComparisonOut:
    c.reset(body.seed if body else None)
    return present_comparison(c)


@router.post("/{comparison_id}/play", response_model=ComparisonOut,
             responses={**NOT_FOUND, 409: {"description": "every variant diverged"}})
def play_comparison(request: Request, c: ComparisonDep,
                    body: Annotated[PlayRequest | None, Body()] = None) -> ComparisonOut:
    make = lambda: frames.comparison_frame_json(c, present_comparison)  # noqa: E731
    scheduler(request).play(c, body.epochs_per_second if body else None, frames.refresher(c, make),
                            request.app.state.settings.unattended_pause_s)
    return present_comparison(c)


@router.post("/{comparison_id}/pause", response_model=ComparisonOut, responses=NOT_FOUND)
def pause_comparison(request: Request, c: ComparisonDep) -> ComparisonOut:
    scheduler(request).stop(c)
    return present_comparison(c)


@router.get("/{comparison_id}/history", responses=NOT_FOUND)
def comparison_history(c: ComparisonDep) -> dict[str, Any]:
    with c.lock:
        return {"variants": [
            {"label": label, "session_id": s.id,
             **{k: [present.finite_tree(v) for v in col] for k, col in s.history.cols.items()}}
            for label, s in zip(c.labels, c.sessions, strict=True)]}


@router.get("/{comparison_id}/stream", response_class=EventStreamResponse, responses={**NOT_FOUND, **SSE_DOC})
async def stream_comparison(request: Request, c: ComparisonDep, settings: SettingsDep,
                            fps: QueryNumber(float, 1.0, 60.0, description="at most this many a second")
                            = 30.0,
                            frames_: QueryNumber(int, 0, 1_000_000, alias="frames",
                                                 description="stop after this many frames; 0: never") = 0,
                            ) -> EventStreamResponse:
    """One frame carries every variant: its metrics and its output grid, on one colour scale."""
    comparisons = request.app.state.comparisons
    return open_stream(c, min(fps, settings.max_fps), frames_, lambda: c.id in comparisons,
                       lambda: frames.comparison_frame_json(c, present_comparison), settings.stream_stall_s)
