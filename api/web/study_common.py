"""What the study pages share: the study repository, who may see or edit, and the study page's context."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse

from api.studies import router as study_api
from api.studies.schemas import StudyOut
from api.studies.service import is_curator
from api.web.i18n import language_of, translate
from api.web.render import current_user, page, services_of
from api.web.subscription_pages import PageError, _call, _describe
from stdwatch.store.accounts import UserInfo
from stdwatch.store.studies import StudyRepository
from stdwatch.studies.judging import UNJUDGED
from stdwatch.studies.model import Judgment, Status
from stdwatch.studies.workflow import MOVES

T = TypeVar("T")
JUDGMENTS = [str(j) for j in Judgment] + [UNJUDGED]
MAX_ID = 2**31 - 1


async def call_async(action: Awaitable[T]) -> T:
    """Await an async API handler; its 4xx becomes a PageError with the same message (as `_call`)."""
    try:
        return await action
    except HTTPException as exc:
        raise PageError(exc.status_code, str(exc.detail)) from None
    except RequestValidationError as exc:
        raise PageError(422, _describe(exc)) from None


def repo_of(request: Request) -> StudyRepository:
    return StudyRepository(services_of(request).repo.engine)


def reader(request: Request) -> UserInfo | None:
    """The session's user, if any; PageError 401 when the server is closed to anonymous readers (the API's
    search_access rule)."""
    user = current_user(request)
    if user is None and not services_of(request).settings.search_open:
        raise PageError(401, translate(language_of(request), "error.signin_needed"))
    return user


def curator(request: Request) -> UserInfo:
    user = current_user(request)
    if user is None:
        raise PageError(401, translate(language_of(request), "error.signin_needed"))
    if not is_curator(user):
        raise PageError(403, translate(language_of(request), "study.curators_only"))
    return user


def checked_id(study_id: int) -> int:
    if not 1 <= study_id <= MAX_ID:
        raise PageError(404, f"no study {study_id}")
    return study_id


def actions_for(status: Status) -> list[str]:
    """The workflow buttons a study in `status` shows (whether the user may press them is the API's call)."""
    return [str(a) for a, (source, _) in MOVES.items() if source is status]


def study_context(request: Request, study: StudyOut, user: UserInfo | None) -> dict[str, Any]:
    history = None
    if is_curator(user) and user is not None:
        history = _call(lambda: study_api.study_history(study.id, user, repo_of(request)))
    return {
        "study": study,
        "judgments": [j for j in JUDGMENTS if study.summary.get(j)],
        "total_cells": sum(study.summary.values()),
        "curator": is_curator(user),
        "actions": actions_for(study.status) if is_curator(user) else [],
        "history": history,
        "error": None,
    }


def study_page(
    request: Request,
    study_id: int,
    user: UserInfo | None,
    error: str | None = None,
    status: int = 200,
    flash: str | None = None,
) -> HTMLResponse:
    """The study page; `error` (an API refusal) is shown above the buttons that caused it."""
    services = services_of(request)
    study = _call(lambda: study_api.get_study(study_id, repo_of(request), services, user))
    context = {**study_context(request, study, user), "error": error, "flash": flash}
    return page(request, "study.html", context, status=status)
