"""GET /api/v1/presets: the lesson presets (config, caption, formula as MathML, the checked claim)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from app.presets import DEFAULT_PRESET, PRESETS

from .errors import error_body

router = APIRouter(prefix="/api/v1/presets", tags=["presets"])


def preset_body(name: str) -> dict[str, Any]:
    return asdict(PRESETS[name])


@router.get("")
def list_presets() -> dict[str, Any]:
    return {"default": DEFAULT_PRESET, "presets": [preset_body(n) for n in PRESETS]}


@router.get("/{name}", responses={404: {"description": "no such preset"}})
def read_preset(name: Annotated[str, Path(max_length=64)]) -> Any:
    if name not in PRESETS:
        return JSONResponse(error_body("name", f"no preset {name!r}; one of: {', '.join(PRESETS)}", "not_found"),
                            status_code=404)
    return preset_body(name)
