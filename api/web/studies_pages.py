"""`/studies`: comparison studies for readers, as GET /api/studies answers them (api.studies.router's own
handler functions, so the pages and the API cannot disagree): the list and search, a study with its comparison
table and summary counts, its exports, and the 对标达标 benchmark of a product against a published study.
The curator's editor and workflow buttons are in study_editor.py."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile as FormFile

from api.studies import router as study_api
from api.studies.service import is_curator
from api.web.i18n import language_of, translate
from api.web.render import error_page, page, services_of, url_with
from api.web.session import CSRF_FIELD, check_csrf
from api.web.study_common import call_async, checked_id, reader, repo_of, study_page
from api.web.subscription_pages import PageError, _call
from stdwatch.studies.model import Status

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
MAX_PAGE = 5_000
DONE = ("created", "saved", "submit", "return", "publish", "withdraw")


def _fail(request: Request, exc: PageError) -> Response:
    if exc.status == 401:
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
    return error_page(request, exc.status, exc.message)


@router.get("/studies", response_class=HTMLResponse, response_model=None)
def studies_list(
    request: Request,
    q: Annotated[str, Query(max_length=500)] = "",
    status: str = "",
    page_no: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    try:
        user = reader(request)
        wanted = [Status(status)] if status in {s.value for s in Status} else None
        found = _call(
            lambda: study_api.list_studies(
                services_of(request),
                repo_of(request),
                user,
                q or None,
                wanted,
                PAGE_SIZE,
                (page_no - 1) * PAGE_SIZE,
            )
        )
    except PageError as exc:
        return _fail(request, exc)
    pages = max(1, -(-found.total // PAGE_SIZE))
    context = {
        "q": q,
        "status": status if wanted else "",
        "statuses": [s.value for s in Status],
        "result": found,
        "curator": is_curator(user),
        "page_no": page_no,
        "pages": pages,
        "prev_href": url_with(request, page=str(page_no - 1)) if page_no > 1 else None,
        "next_href": url_with(request, page=str(page_no + 1)) if page_no < pages else None,
        "start": (page_no - 1) * PAGE_SIZE + 1,
    }
    return page(request, "studies.html", context)


@router.get("/studies/{study_id:int}", response_class=HTMLResponse, response_model=None)
def study(request: Request, study_id: int, done: str = "") -> Response:
    try:
        user = reader(request)
        flash = translate(language_of(request), f"study.done.{done}") if done in DONE else None
        response = study_page(request, checked_id(study_id), user, flash=flash)
    except PageError as exc:
        return _fail(request, exc)
    return response


@router.get("/studies/{study_id:int}/export.xlsx", response_model=None)
def export_xlsx(request: Request, study_id: int) -> Response:
    """The API's export with the session's user (so a curator also exports a draft)."""
    try:
        user = reader(request)
        return _call(lambda: study_api.export_study_xlsx(checked_id(study_id), repo_of(request), user))
    except PageError as exc:
        return _fail(request, exc)


@router.get("/studies/{study_id:int}/report", response_model=None)
def report(request: Request, study_id: int, format: str = "html") -> Response:
    try:
        user = reader(request)
        if format not in ("html", "md"):
            raise PageError(422, "format: html or md")
        fmt: Literal["md", "html"] = "html" if format == "html" else "md"
        return _call(lambda: study_api.study_report(checked_id(study_id), repo_of(request), user, fmt))
    except PageError as exc:
        return _fail(request, exc)


@router.post("/studies/{study_id:int}/benchmark", response_model=None)
async def benchmark(request: Request, study_id: int) -> Response:
    """对标达标: the API's benchmark of the uploaded sheet, downloaded as .xlsx; a refusal is shown on the
    study page. Nothing uploaded is stored."""
    form = await request.form()
    try:
        reader(request)
        checked_id(study_id)
        token = form.get(CSRF_FIELD)
        if not check_csrf(request, token if isinstance(token, str) else None):
            raise PageError(403, translate(language_of(request), "error.csrf"))
    except PageError as exc:
        return _fail(request, exc)
    upload = form.get("file")
    try:
        if not isinstance(upload, FormFile) or not upload.filename:
            raise PageError(400, f"file: {translate(language_of(request), 'study.choose_file')}")
        file = UploadFile(upload.file, filename=upload.filename, headers=upload.headers)
        return await call_async(study_api.benchmark_product(study_id, repo_of(request), None, file))
    except PageError as exc:
        return _refused(request, study_id, exc.status, exc.message)


def _refused(request: Request, study_id: int, status: int, message: str) -> Response:
    try:
        return study_page(request, study_id, reader(request), error=message, status=status)
    except PageError as exc:
        return _fail(request, exc)
