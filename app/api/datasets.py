"""POST /api/v1/datasets/csv: parse a user's CSV into points and labels (the page's upload)."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import JSONResponse

from app.config import get_settings
from app.data.custom import DataError, parse_csv
from app.data.datasets import DATASETS, make_split
from app.request_error import RequestError
from app.training.fields import QueryIn

from .deps import SettingsDep
from .errors import error_body
from .schemas import CsvParsed, PreviewOut

S = get_settings()

router = APIRouter(prefix="/api/v1/datasets", tags=["datasets"])


PREVIEW_POINTS = 120


@router.get("/{name}/preview", response_model=PreviewOut, responses={404: {"description": "no such data set"}})
def preview(name: Annotated[str, Path(max_length=64)],
            classes: Annotated[int, Query(description="for multi-class sets"),
                               QueryIn(int, 2, S.max_classes)] = 0) -> Any:
    """A small sample of a data set (noise 0, seed 1) for its thumbnail."""
    if name not in DATASETS:
        return JSONResponse(error_body("name", f"no data set {name!r}; one of: {', '.join(DATASETS)}", "not_found"),
                            status_code=404)
    rng = DATASETS[name].classes  # (fewest, most, default), or None: a fixed number of classes
    k = None
    if rng is not None:
        k = classes or rng[2]
        if not rng[0] <= k <= rng[1]:
            raise RequestError(f"classes: must be in [{rng[0]}, {rng[1]}] for {name}")
    sp = make_split(name, PREVIEW_POINTS, 0.0, 0.5, 1, k)
    return PreviewOut(kind=sp.kind, n_classes=sp.n_classes,
                      points=np.concatenate([sp.x_train, sp.x_test]).round(3).tolist(),
                      labels=np.concatenate([sp.y_train, sp.y_test]).astype(float).round(4).tolist())


@router.post("/csv", response_model=CsvParsed, responses={422: {"description": "names the bad line"}})
async def upload_csv(settings: SettingsDep,
                     file: Annotated[UploadFile, File(description="x1,x2,label rows")]) -> CsvParsed:
    raw = await file.read(settings.max_csv_bytes + 1)
    if len(raw) > settings.max_csv_bytes:
        raise DataError("csv", f"the file is larger than {settings.max_csv_bytes} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("csv", "the file is not UTF-8 text") from None
    x, y, kind, k = parse_csv(text, settings.max_custom_points, settings.max_csv_bytes, settings.grid_extent)
    return CsvParsed(points=x.tolist(), labels=y.astype(float).tolist(), kind=kind, n_classes=k)
