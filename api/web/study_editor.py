"""The curator's study editor: create a study, edit its metadata, import items from an .xlsx sheet, and the
workflow buttons. Each POST checks the CSRF token, then calls api.studies.router's own handler with the
session's user, so the API's rules (curators only, four eyes for publishing, no edits after publishing) and
its refusal messages are the page's too."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile as FormFile

from api.studies import router as study_api
from api.studies.schemas import ImportOut, MoveIn, StudyIn, StudyOut, StudyPatch
from api.web.i18n import language_of, translate
from api.web.render import error_page, page, services_of
from api.web.session import CSRF_FIELD, check_csrf
from api.web.study_common import call_async, checked_id, curator, repo_of, study_page
from api.web.subscription_pages import PageError, _call
from stdwatch.studies.model import Degree
from stdwatch.studies.workflow import Action

router = APIRouter(include_in_schema=False)
LIST_FIELDS = ("domestic", "counterparts", "authors", "reviewers")
TEXT_FIELDS = ("title", "purpose", "scope", "method", "conclusion", "recommendations")
_EDIT_DONE = {"created": "study.done.created", "saved": "study.done.saved"}


def _fail(request: Request, exc: PageError) -> Response:
    if exc.status == 401:
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
    return error_page(request, exc.status, exc.message)


def _guard(request: Request, form: dict[str, Any]) -> None:
    token = form.get(CSRF_FIELD)
    if not check_csrf(request, token if isinstance(token, str) else None):
        raise PageError(403, translate(language_of(request), "error.csrf"))


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def payload(form: dict[str, Any]) -> dict[str, Any]:
    """The API's JSON body from the metadata form (items are imported, not typed here)."""
    body: dict[str, Any] = {name: str(form.get(name) or "").strip() for name in TEXT_FIELDS}
    body |= {name: _lines(str(form.get(name) or "")) for name in LIST_FIELDS}
    body["degree"] = form.get("degree") or None
    body["illustrative"] = bool(form.get("illustrative"))
    return body


def _values(study: StudyOut) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(study, name) for name in TEXT_FIELDS}
    values["domestic"] = "\n".join(r.code for r in study.domestic)
    values["counterparts"] = "\n".join(r.code for r in study.counterparts)
    values["authors"] = "\n".join(study.authors)
    values["reviewers"] = "\n".join(study.reviewers)
    values["degree"] = study.degree.value if study.degree else ""
    values["illustrative"] = study.illustrative
    return values


def _form_context(values: dict[str, Any], error: str | None = None) -> dict[str, Any]:
    return {"values": values, "error": error, "degrees": [d.value for d in Degree]}


async def _form(request: Request) -> dict[str, Any]:
    data = await request.form()
    return dict(data.items())


# ---------------------------------------------------------------------------------------------- create
@router.get("/studies/new", response_class=HTMLResponse, response_model=None)
def new_form(request: Request) -> Response:
    try:
        curator(request)
    except PageError as exc:
        return _fail(request, exc)
    values = {"illustrative": False, "degree": ""}
    return page(request, "study_form.html", {**_form_context(values), "study": None})


@router.post("/studies/new", response_model=None)
async def create(request: Request) -> Response:
    form = await _form(request)
    try:
        _guard(request, form)
        user = curator(request)
    except PageError as exc:
        return _fail(request, exc)
    services = services_of(request)
    try:
        data = _call(lambda: StudyIn.model_validate(payload(form)))
        created = _call(lambda: study_api.create_study(data, user, repo_of(request), services))
    except PageError as exc:
        context = {**_form_context(form, exc.message), "study": None}
        return page(request, "study_form.html", context, status=exc.status)
    return RedirectResponse(f"/studies/{created.id}/edit?done=created", status_code=303)


# ---------------------------------------------------------------------------------------------- edit
def _editor(
    request: Request, study: StudyOut, values: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    context = {**_form_context(values or _values(study)), "study": study, "imported": None}
    return {**context, **extra}


def _current(request: Request, study_id: int, user: Any) -> StudyOut:
    services = services_of(request)
    return _call(lambda: study_api.get_study(checked_id(study_id), repo_of(request), services, user))


@router.get("/studies/{study_id:int}/edit", response_class=HTMLResponse, response_model=None)
def edit_form(request: Request, study_id: int, done: str = "") -> Response:
    try:
        study = _current(request, study_id, curator(request))
    except PageError as exc:
        return _fail(request, exc)
    flash = translate(language_of(request), _EDIT_DONE[done]) if done in _EDIT_DONE else None
    return page(request, "study_form.html", _editor(request, study, flash=flash))


@router.post("/studies/{study_id:int}/edit", response_model=None)
async def update(request: Request, study_id: int) -> Response:
    form = await _form(request)
    try:
        _guard(request, form)
        user = curator(request)
        study = _current(request, study_id, user)
    except PageError as exc:
        return _fail(request, exc)
    services = services_of(request)
    try:
        patch = _call(lambda: StudyPatch.model_validate(payload(form)))
        _call(lambda: study_api.update_study(study_id, patch, user, repo_of(request), services))
    except PageError as exc:
        context = _editor(request, study, form, error=exc.message)
        return page(request, "study_form.html", context, status=exc.status)
    return RedirectResponse(f"/studies/{study_id}?done=saved", status_code=303)


# ---------------------------------------------------------------------------------------------- import
@router.post("/studies/{study_id:int}/import", response_model=None)
async def import_items(request: Request, study_id: int) -> Response:
    """Good rows are kept; the page lists each bad row with its number and reason (the API's ImportOut)."""
    form = await _form(request)
    try:
        _guard(request, form)
        user = curator(request)
        study = _current(request, study_id, user)
    except PageError as exc:
        return _fail(request, exc)
    upload = form.get("file")
    mode: Literal["append", "replace"] = "replace" if form.get("mode") == "replace" else "append"
    try:
        if not isinstance(upload, FormFile) or not upload.filename:
            raise PageError(400, f"file: {translate(language_of(request), 'study.choose_file')}")
        file = UploadFile(upload.file, filename=upload.filename, headers=upload.headers)
        result: ImportOut = await call_async(
            study_api.import_study_items(study_id, user, repo_of(request), services_of(request), file, mode)
        )
    except PageError as exc:
        context = _editor(request, study, import_error=exc.message)
        return page(request, "study_form.html", context, status=exc.status)
    return page(request, "study_form.html", _editor(request, result.study, imported=result))


# ---------------------------------------------------------------------------------------------- workflow
@router.post("/studies/{study_id:int}/move", response_model=None)
async def move(request: Request, study_id: int) -> Response:
    """submit / return / publish / withdraw; a refusal (e.g. publishing one's own study) is shown on the
    study page with the API's message."""
    form = await _form(request)
    try:
        _guard(request, form)
        user = curator(request)
        checked_id(study_id)
        action = str(form.get("action") or "")
        if action not in {a.value for a in Action}:
            raise PageError(422, f"action: one of {', '.join(a.value for a in Action)}")
    except PageError as exc:
        return _fail(request, exc)
    try:
        note = _call(lambda: MoveIn(note=str(form.get("note") or "").strip())).note
        _call(lambda: study_api._move(Action(action), study_id, user, repo_of(request), note))
    except PageError as exc:
        try:
            return study_page(request, study_id, user, error=exc.message, status=exc.status)
        except PageError as gone:
            return _fail(request, gone)
    return RedirectResponse(f"/studies/{study_id}?done={action}", status_code=303)
