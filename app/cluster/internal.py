"""Routes a worker answers for the front only (never in the public API, never forwarded by it):
what it holds, and "drop your oldest idle session" so a limit holds across the whole server."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response

router = APIRouter(prefix="/internal", include_in_schema=False)


@router.get("/stats")
async def stats(request: Request) -> dict[str, Any]:
    state = request.app.state
    return {"sessions": len(state.store), "comparisons": len(state.comparisons),
            "training": state.scheduler.alive(),
            "oldest_idle_session": state.store.oldest_idle(),
            "oldest_idle_comparison": state.comparisons.oldest_idle()}


@router.post("/evict")
def evict(request: Request, kind: Literal["session", "comparison"] = "session") -> Response:
    store = request.app.state.store if kind == "session" else request.app.state.comparisons
    return Response(status_code=204 if store.evict_oldest() else 409)
