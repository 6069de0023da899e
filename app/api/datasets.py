"""POST /api/v1/datasets/csv: parse a user's CSV into points and labels (the page's upload)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from app.data.custom import DataError, parse_csv

from .deps import SettingsDep
from .schemas import CsvParsed

router = APIRouter(prefix="/api/v1/datasets", tags=["datasets"])


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
