"""GET /healthz: 200 while the server is up, with what this process holds and what its scheduler did.

It runs on the event loop (an `async` route), so it answers while every worker thread is busy, and
reads only counters: no session lock is taken. Tests and the capacity bench assert on these
counters instead of timing the machine.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app import slow_clients

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str = "ok"
    sessions: int = Field(description="sessions held by this process (comparison variants included)")
    comparisons: int
    training: int = Field(description="sessions and comparisons scheduled to train")
    viewers: int = Field(description="open streams that are reading")
    stalled: int = Field(description="open streams whose client stopped reading")
    scheduler: dict[str, int] = Field(description="turns, updates, backlog_dropped, unattended_pauses, errors")
    timeouts: dict[str, int] = Field(description=(
        "slow clients cut by this process: head (connections whose request head was late), body (408s for "
        "a late body), unread (connections closed after a response instead of waiting for the rest of a body)"))
    work: dict[str, int] = Field(description=(
        "sliced REST work (app.api.work): running (step requests in progress), slices (run so far)"))
    persist: dict[str, int] | None = Field(None, description=(
        "what the saver wrote (writes, sessions, comparisons, deleted, put_off, errors, restored, dropped); "
        "null when nothing is kept"))


@router.get("/healthz", response_model=Health)
async def healthz(request: Request) -> dict[str, Any]:
    state = request.app.state
    targets = [*state.store.values(), *state.comparisons.values()]
    return {"sessions": len(state.store), "comparisons": len(state.comparisons),
            "training": state.scheduler.alive(),
            "viewers": sum(t.audience.count for t in targets),
            "stalled": sum(t.audience.stalled for t in targets),
            "scheduler": asdict(state.scheduler.counters),
            "timeouts": asdict(slow_clients.COUNTS),
            "work": {"running": state.work.running, "slices": state.work.slices},
            "persist": None if state.persist is None else asdict(state.persist.counters)}
