"""`/check`: upload a company's list of standards, see each row's status and successor, download the report.
Reading, checking and the report files are api.check.service's (what POST /api/check answers)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from api.check.router import XLSX
from api.check.service import UploadError, check_upload, read_upload, report_csv, report_xlsx
from api.web.i18n import language_of, translate
from api.web.render import current_user, error_page, page, services_of
from api.web.session import CSRF_FIELD, check_csrf
from stdwatch.catalogue import ListedCode, RowError, profiles

router = APIRouter(include_in_schema=False)
MAX_ROWS_FIELD = 4 * 1024 * 1024


def _rows_field(rows: list[ListedCode | RowError]) -> str:
    """The rows as read, so the report can be downloaded without uploading the file again."""
    return json.dumps(
        [[r.row, r.listed, None] if isinstance(r, ListedCode) else [r.row, r.listed, r.reason] for r in rows],
        ensure_ascii=False,
    )


def _rows_from(field: str) -> list[ListedCode | RowError]:
    items = json.loads(field)
    if not isinstance(items, list):
        raise ValueError("rows must be a list")
    out: list[ListedCode | RowError] = []
    for item in items:
        row, listed, reason = item
        if not isinstance(row, int) or not (listed is None or isinstance(listed, str)):
            raise ValueError("a row is [number, code, reason]")
        out.append(ListedCode(row, listed or "") if reason is None else RowError(row, str(reason), listed))
    return out


# The fixed notes of stdwatch.status_check, by i18n key: the page shows them in the reader's language; the
# JSON API and the downloaded reports keep the English words (programs may compare them).
_NOTES = {
    "superseded by a newer edition": "check.note_superseded",
    "no record of this standard in the database": "check.note_not_found",
    "found, but no source states its status and it has no dates to work it out from": "check.note_no_status",
}
_NEWER_LISTED = "newer edition(s) listed: "


def note_in(lang: str, note: str) -> str:
    """A report's note for the page, translated when it is one of the fixed notes (others are shown as is:
    a code's parse error, a rejected row's reason)."""
    if note in _NOTES:
        return translate(lang, _NOTES[note])
    if note.startswith(_NEWER_LISTED):
        return translate(lang, "check.note_newer", codes=note.removeprefix(_NEWER_LISTED))
    return note


def _context(**extra: Any) -> dict[str, Any]:
    return {
        "profiles": list(profiles()),
        "profile": "generic",
        "reports": None,
        "notes": [],
        "rows": None,
        "error": None,
        **extra,
    }


def _blocked(request: Request) -> Response | None:
    if current_user(request) is None and not services_of(request).settings.search_open:
        return error_page(
            request, 401, "the check is closed to anonymous users on this server: sign in first"
        )
    return None


@router.get("/check", response_class=HTMLResponse, response_model=None)
def check_form(request: Request) -> Response:
    return _blocked(request) or page(request, "check.html", _context())


@router.post("/check", response_model=None)
async def check(request: Request) -> Response:
    if blocked := _blocked(request):
        return blocked
    form = await request.form()
    if not check_csrf(request, _text(form.get(CSRF_FIELD))):
        return error_page(request, 403, translate(language_of(request), "error.csrf"))
    profile = _text(form.get("profile")) or "generic"
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return page(request, "check.html", _context(profile=profile, error=_no_file(request)), status=400)
    if profile not in profiles():
        return page(
            request, "check.html", _context(error=f"profile: unknown column map {profile!r}"), status=422
        )
    try:
        rows = read_upload(upload.filename, await upload.read(), profile)
    except UploadError as exc:
        return page(request, "check.html", _context(profile=profile, error=str(exc)), status=400)
    reports = check_upload(services_of(request).repo, rows)
    notes = [note_in(language_of(request), r.note) for r in reports]
    context = _context(profile=profile, reports=reports, notes=notes, rows=_rows_field(rows))
    return page(request, "check.html", context)


@router.post("/check/report", response_model=None)
async def report(request: Request) -> Response:
    if blocked := _blocked(request):
        return blocked
    form = await request.form()
    if not check_csrf(request, _text(form.get(CSRF_FIELD))):
        return error_page(request, 403, translate(language_of(request), "error.csrf"))
    field, fmt = _text(form.get("rows")), _text(form.get("format"))
    if fmt not in ("csv", "xlsx"):
        return error_page(request, 422, "format: csv or xlsx")
    try:
        if len(field) > MAX_ROWS_FIELD:
            raise ValueError("too many rows")
        rows = _rows_from(field)
    except (ValueError, TypeError):
        return error_page(request, 400, "rows: not the list this page sent; upload the file again")
    reports = check_upload(services_of(request).repo, rows)
    body, media = (
        (report_csv(reports), "text/csv; charset=utf-8") if fmt == "csv" else (report_xlsx(reports), XLSX)
    )
    headers = {"Content-Disposition": f'attachment; filename="status-report.{fmt}"'}
    return Response(body, media_type=media, headers=headers)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _no_file(request: Request) -> str:
    return "file: " + ("请选择文件" if language_of(request) == "zh" else "choose a file")
