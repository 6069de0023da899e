"""/api/v1/sessions: create, read, change, train, reset and delete training sessions."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import PlainTextResponse

from app import capability
from app.config import Settings, get_settings
from app.nn.network import predicted_labels
from app.request_error import RequestError
from app.training.boundary import compute_boundary
from app.training.export import export_document, export_python
from app.training.fields import QueryIn
from app.training.session import Session
from app.training.spec import SessionPatch
from app.training.store import SessionStore

from . import present
from .bodies import OffLoopBodies
from .clients import TOO_MANY, client_of
from .deps import OWNER_ONLY, OwnedSessionDep, SessionDep, SettingsDep, StoreDep
from .schemas import (
    BoundaryOut,
    DataOut,
    GradCheckOut,
    HistoryOut,
    PredictOut,
    PredictRequest,
    ResetRequest,
    SessionCreate,
    SessionCreated,
    SessionOut,
    StepRequest,
    Weights,
)
from .work import work

S = get_settings()
router = APIRouter(prefix="/api/v1/sessions", tags=["sessions"], route_class=OffLoopBodies)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no such session"}}
OWNED: dict[int | str, dict[str, Any]] = {**NOT_FOUND, **OWNER_ONLY}  # a route that changes the session


def _layers(w: Weights) -> list[tuple[np.ndarray, np.ndarray]]:
    """Weights already shape-checked by `_check_shapes` -> [(W, b)] arrays."""
    return [(np.asarray(layer.W, np.float64), np.asarray(layer.b, np.float64)) for layer in w.layers]


def _check_shapes(session_sizes: list[int], w: Weights) -> None:
    expected = [(n_out, n_in) for n_in, n_out in itertools.pairwise(session_sizes)]
    if len(w.layers) != len(expected):
        raise RequestError(f"weights.layers: expected {len(expected)} layers, got {len(w.layers)}")
    for i, (layer, (rows, cols)) in enumerate(zip(w.layers, expected, strict=True)):
        if len(layer.W) != rows or any(len(r) != cols for r in layer.W):
            raise RequestError(f"weights.layers.{i}.W: expected shape {rows}×{cols}")
        if len(layer.b) != rows:
            raise RequestError(f"weights.layers.{i}.b: expected {rows} entries, got {len(layer.b)}")


def created(request: Request, store: SessionStore, make: Callable[[str], Session]) -> SessionCreated:
    """Keep the session `make` builds, owned by a new token: the response has it and, this once,
    the token (the session holds its digest from before it is kept, so it is never saved unowned)."""
    token, key = capability.new_token()

    def owned(session_id: str) -> Session:
        s = make(session_id)
        s.owner_key = key
        return s

    return SessionCreated(**dict(present.session(store.add(owned, client_of(request)))), owner_token=token)


@router.post("", status_code=201, response_model=SessionCreated,
             responses={422: {"description": "invalid config"}, 503: {"description": "store full"}, **TOO_MANY})
def create_session(request: Request, store: StoreDep, settings: SettingsDep,
                   body: Annotated[SessionCreate | None, Body()] = None) -> SessionCreated:
    """A new session; the response's `owner_token` is what changes it later (keep it)."""
    body = body or SessionCreate()
    config = body.model_copy(update={})  # SessionCreate is a SessionConfig with weights on top

    def make(session_id: str) -> Session:
        s = Session(session_id, config, settings)  # a batch larger than the training set raises here
        if body.weights is not None:
            _check_shapes(s.spec.sizes, body.weights)
            s.set_weights(_layers(body.weights), initial=True)
        return s

    return created(request, store, make)


@router.get("/{session_id}", response_model=SessionOut, responses=NOT_FOUND)
def read_session(session: SessionDep) -> SessionOut:
    return present.session(session)


@router.patch("/{session_id}", response_model=SessionOut, responses=OWNED)
def patch_session(session: OwnedSessionDep, patch: SessionPatch) -> SessionOut:
    session.patch(patch)
    return present.session(session)


@router.delete("/{session_id}", status_code=204, responses=OWNED)
def delete_session(store: StoreDep, session: OwnedSessionDep,
                   successor: Annotated[str | None, Query(max_length=64, description=(
                       "the session that replaces this one: its followers are sent there"))] = None) -> Response:
    store.delete(session.id, successor)
    return Response(status_code=204)


def most_updates(settings: Settings, batch_size: int, per_epoch: int, parameters: int, copies: int = 1) -> int:
    """The most updates one request may take: bounded in updates, in example-updates and in work
    (updates × parameters × batch, all copies together), and in epochs (each ends with an
    evaluation of both splits)."""
    return min(settings.max_updates_per_request, settings.max_example_updates_per_request // (batch_size * copies),
               settings.max_work_per_request // (batch_size * copies * parameters),
               settings.max_epochs_per_request * per_epoch)


def too_much_work(field: str, updates: int, most: int, per_epoch: int) -> RequestError:
    """The 422 for a request over its bounds: what it asked, what one request may do, how to split."""
    return RequestError(f"{field}: {updates} updates asked; one request may do at most {most} updates at this "
                        f"network's size and batch (= {most // per_epoch} epochs, limits in /api/v1/catalog); "
                        f"split it into requests of at most {most} updates")


@router.post("/{session_id}/step", response_model=SessionOut,
             responses={**OWNED, 409: {"description": "diverged"}, 422: {"description": "too much work"}})
async def step_session(request: Request, session: OwnedSessionDep, settings: SettingsDep,
                       body: StepRequest) -> SessionOut:
    """`steps` updates (or `epochs`), trained in slices: the session stays readable and streamable
    meanwhile, and other requests never wait for a thread behind it (app.api.work)."""
    updates = session.updates_for(body.steps, body.epochs)
    per = session.trainer.updates_per_epoch
    most = most_updates(settings, session.trainer.batch_size, per, session.net.params.size)
    if updates > most:
        raise too_much_work("steps" if body.steps else "epochs", updates, most, per)
    return await work(request).train(session, updates, session.trainer.batch_size * session.net.params.size,
                                     lambda: present.session(session))


@router.post("/{session_id}/reset", response_model=SessionOut, responses=OWNED)
def reset_session(session: OwnedSessionDep, body: Annotated[ResetRequest | None, Body()] = None) -> SessionOut:
    session.reset(body.seed if body else None)
    return present.session(session)


@router.post("/{session_id}/fork", status_code=201, response_model=SessionCreated,
             responses={**NOT_FOUND, 503: {"description": "store full"}, **TOO_MANY})
def fork_session(request: Request, store: StoreDep, session: SessionDep) -> SessionCreated:
    """A new, independent session at this one's current weights and settings (a follower's
    "make it mine"): the id is enough, and the fork's own owner token comes back; the original
    is untouched."""
    return created(request, store, session.fork)


@router.get("/{session_id}/weights", response_model=Weights, responses=NOT_FOUND)
def read_weights(session: SessionDep) -> dict[str, Any]:
    return present.weights(session.weights())


@router.put("/{session_id}/weights", response_model=Weights, responses=OWNED)
def write_weights(session: OwnedSessionDep, body: Weights) -> dict[str, Any]:
    _check_shapes(session.spec.sizes, body)
    session.set_weights(_layers(body))
    return present.weights(session.weights())


@router.get("/{session_id}/data", response_model=DataOut, responses=NOT_FOUND)
def read_data(session: SessionDep) -> DataOut:
    sp = session.problem.split
    return DataOut(features=session.config.features, kind=sp.kind, n_classes=sp.n_classes,
                   train={"x": sp.x_train.tolist(), "y": sp.y_train.tolist()},
                   test={"x": sp.x_test.tolist(), "y": sp.y_test.tolist()})


@router.get("/{session_id}/history", response_model=HistoryOut, responses=NOT_FOUND)
def read_history(session: SessionDep,
                 since: Annotated[int, Query(description="only epochs after this"), QueryIn(int, -1, 10**9)] = -1
                 ) -> dict[str, Any]:
    with session.lock:
        cols = session.history.since(since)
    return {k: [present.finite_tree(v) for v in col] for k, col in cols.items()}


@router.get("/{session_id}/boundary", response_model=BoundaryOut, responses=NOT_FOUND)
def read_boundary(session: SessionDep, settings: SettingsDep,
                  resolution: Annotated[int, Query(description="grid side"), QueryIn(int, 2, S.max_resolution)] = 100,
                  neurons: Annotated[int, Query(description="each hidden unit's grid side; 0: none"),
                                     QueryIn(int, 0, S.max_neuron_resolution)] = 0,
                  ) -> BoundaryOut:
    return present.boundary(compute_boundary(session, resolution, neurons or None))


@router.post("/{session_id}/predict", response_model=PredictOut, responses=NOT_FOUND)
def predict(session: SessionDep, body: PredictRequest) -> PredictOut:
    out = session.predict(np.asarray(body.points, np.float64))  # (n_out, m)
    labels = None
    if session.problem.kind != "regression":
        labels = predicted_labels(out, session.spec.output_activation).tolist()
    return PredictOut(outputs=[[present.finite(v) for v in col] for col in out.T.tolist()], labels=labels)


@router.get("/{session_id}/gradcheck", response_model=GradCheckOut, responses=NOT_FOUND)
def gradcheck(session: SessionDep) -> GradCheckOut:
    g = session.gradcheck()
    return GradCheckOut(per_layer=[present.finite(e) or 0.0 for e in g.per_layer],
                        overall=present.finite(g.overall) or 0.0, checked=g.checked, epsilon=g.epsilon,
                        examples=min(200, session.problem.n_train), passed=g.overall < 1e-7)


@router.get("/{session_id}/export", responses={**NOT_FOUND, 200: {
    "description": "JSON that POST /api/v1/sessions accepts back, or a NumPy script",
    "content": {"application/json": {}, "text/x-python": {}}}})
def export(session: SessionDep,
           format: Annotated[str, Query(pattern="^(json|python)$", description="json or python")] = "json",
           ) -> Any:
    if format == "python":
        return PlainTextResponse(export_python(session), media_type="text/x-python",
                                 headers={"Content-Disposition": 'attachment; filename="network.py"'})
    return export_document(session)
