"""POST /api/check: upload a list of standards, get each row's status and successor (JSON, CSV or .xlsx)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, HTTPException, Response, UploadFile
from pydantic import BaseModel

from api.check.service import UploadError, check_upload, read_upload, report_csv, report_xlsx
from api.deps import ServicesDep
from api.errors import error_responses
from stdwatch.catalogue import profiles

router = APIRouter(prefix="/api", tags=["check"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CheckLineOut(BaseModel):
    row: int | None
    listed: str
    found: str | None
    status: str
    replaced_by: list[str]
    note: str


def known_profile(name: str) -> str:
    if name not in profiles():
        raise HTTPException(422, f"profile: unknown column map {name!r}; known: {', '.join(profiles())}")
    return name


@router.post("/check", response_model=list[CheckLineOut], responses=error_responses(400, 422))
async def check(
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="A .csv or .xlsx list of standards, header row first.")],
    profile: Annotated[str, Form(description="Column map (config/catalogue_profiles.toml).")] = "generic",
    format: Annotated[
        Literal["json", "csv", "xlsx"], Form(description="Answer as JSON or a report file.")
    ] = "json",
) -> Response | list[CheckLineOut]:
    """Each listed code's status (current, upcoming, withdrawn, replaced, not in database ...) and successor;
    rejected rows are reported with their reason. Nothing is loaded into the database."""
    try:
        rows = read_upload(file.filename or "", await file.read(), known_profile(profile))
    except UploadError as exc:
        raise HTTPException(400, str(exc)) from None
    reports = check_upload(services.repo, rows)
    if format == "csv":
        return Response(report_csv(reports), media_type="text/csv; charset=utf-8", headers=_attachment("csv"))
    if format == "xlsx":
        return Response(report_xlsx(reports), media_type=XLSX, headers=_attachment("xlsx"))
    return [CheckLineOut(**r.__dict__) for r in reports]


def _attachment(suffix: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="status-report.{suffix}"'}
