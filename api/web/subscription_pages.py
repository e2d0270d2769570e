"""Sign-in and the subscription pages. Every action calls the JSON API's own handler functions
(api.subscriptions.router / links), so the page and the API cannot disagree; the page adds forms, a session
cookie instead of an API key header, and a CSRF check on every POST."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from alerts.profiles import default_profiles
from api.subscriptions import links as link_api
from api.subscriptions import router as sub_api
from api.subscriptions.schemas import SubscriptionIn, SubscriptionOut, SubscriptionPatch
from api.web.i18n import language_of, translate
from api.web.render import accounts_of, current_user, error_page, page, services_of
from api.web.session import CSRF_FIELD, check_csrf, sign_in, sign_out
from stdwatch.accounts import Frequency, Language, Role, SubscriptionKind
from stdwatch.store.accounts import SubscriptionRepository, UserInfo

router = APIRouter(include_in_schema=False)
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
T = TypeVar("T")
_FLASH = {"created": "sub.created", "saved": "sub.saved", "deleted": "sub.deleted"}


class PageError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _describe(exc: RequestValidationError | ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts)


def _call(action: Callable[[], T]) -> T:
    """Run an API handler; its 4xx becomes a PageError with the same message."""
    try:
        return action()
    except HTTPException as exc:
        raise PageError(exc.status_code, str(exc.detail)) from None
    except (RequestValidationError, ValidationError) as exc:
        raise PageError(422, _describe(exc)) from None


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never `//host` or `https://...`): no open redirect through sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/subscriptions"
    return target


def _subscriber(request: Request) -> UserInfo:
    user = current_user(request)
    if user is None:
        raise PageError(401, translate(language_of(request), "error.signin_needed"))
    if not user.role.allows(Role.SUBSCRIBER):
        raise PageError(403, translate(language_of(request), "signin.role"))
    return user


def _repo(request: Request) -> SubscriptionRepository:
    return SubscriptionRepository(services_of(request).repo.engine)


def _guard(request: Request, token: str | None) -> None:
    if not check_csrf(request, token):
        raise PageError(403, translate(language_of(request), "error.csrf"))


def _fail(request: Request, exc: PageError) -> Response:
    if exc.status == 401:
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
    return error_page(request, exc.status, exc.message)


# ---------------------------------------------------------------------------------------------- sign-in
@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, next: str = "/subscriptions") -> HTMLResponse:
    return page(request, "signin.html", {"next": _safe_next(next), "failed": False})


@router.post("/signin", response_model=None)
def signin(
    request: Request,
    csrf: CsrfField = "",
    key: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    if not check_csrf(request, csrf):
        return error_page(request, 403, translate(language_of(request), "error.csrf"))
    response = RedirectResponse(_safe_next(next), status_code=303)
    if sign_in(request, response, accounts_of(request), key.strip()) is None:
        return page(request, "signin.html", {"next": _safe_next(next), "failed": True}, status=401)
    return response


@router.post("/signout", response_model=None)
def signout(request: Request, csrf: CsrfField = "") -> Response:
    if not check_csrf(request, csrf):
        return error_page(request, 403, translate(language_of(request), "error.csrf"))
    response = RedirectResponse("/", status_code=303)
    sign_out(request, response)
    return response


# ---------------------------------------------------------------------------------------------- list, create
@router.get("/subscriptions", response_class=HTMLResponse, response_model=None)
def subscriptions_page(request: Request, done: str = "") -> Response:
    try:
        user = _subscriber(request)
        items = _call(lambda: sub_api.list_subscriptions(user, _repo(request)))
    except PageError as exc:
        return _fail(request, exc)
    flash = translate(language_of(request), _FLASH[done]) if done in _FLASH else None
    return page(request, "subscriptions.html", {"items": items, "flash": flash})


def _form_context(request: Request, values: dict[str, Any], error: str | None = None) -> dict[str, Any]:
    return {
        "values": values,
        "error": error,
        "kinds": [k.value for k in SubscriptionKind],
        "frequencies": [f.value for f in Frequency],
        "languages": [lang.value for lang in Language],
        "profiles": list(default_profiles().values()),
    }


@router.get("/subscriptions/new", response_class=HTMLResponse, response_model=None)
def new_form(request: Request, query: str = "") -> Response:
    try:
        user = _subscriber(request)
    except PageError as exc:
        return _fail(request, exc)
    values = {
        "kind": "search",
        "query": query,
        "emails": user.email,
        "frequency": "daily",
        "language": language_of(request),
        "active": True,
        "name": _name_of(query),
    }
    return page(request, "subscription_form.html", _form_context(request, values))


def _name_of(query: str) -> str:
    params = dict(parse_qsl(query))
    return (params.get("q") or "").strip()[:200] or query[:200]


def _query_params(text: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(text.strip().lstrip("?"), keep_blank_values=True):
        params.setdefault(name, []).append(value)
    return params


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _payload(form: dict[str, Any]) -> dict[str, Any]:
    """The API's JSON body from the form's fields (only the chosen kind's own field is sent)."""
    kind = form.get("kind") or "search"
    body: dict[str, Any] = {
        "name": form.get("name", ""),
        "kind": kind,
        "emails": _lines(form.get("emails", "")),
        "frequency": form.get("frequency") or "daily",
        "language": form.get("language") or "zh",
        "active": bool(form.get("active")),
    }
    if kind == "search":
        body["query"] = _query_params(form.get("query", ""))
    elif kind == "profile":
        body["profile"] = form.get("profile", "")
    else:
        body["codes"] = _lines(form.get("codes", ""))
    return body


async def _form(request: Request) -> dict[str, Any]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}


@router.post("/subscriptions/new", response_model=None)
async def create(request: Request) -> Response:
    form = await _form(request)
    try:
        _guard(request, form.get(CSRF_FIELD))
        user = _subscriber(request)
    except PageError as exc:
        return _fail(request, exc)
    try:
        created = _call(
            lambda: sub_api.create_subscription(
                SubscriptionIn.model_validate(_payload(form)), user, _repo(request)
            )
        )
    except PageError as exc:
        return page(
            request, "subscription_form.html", _form_context(request, form, exc.message), status=exc.status
        )
    return RedirectResponse(f"/subscriptions/{created.id}?done=created", status_code=303)


@router.post("/subscriptions/from-search", response_model=None)
async def create_from_search(request: Request) -> Response:
    """One click on the search page: a daily saved search of the current query, to the user's own address."""
    form = await _form(request)
    try:
        _guard(request, form.get(CSRF_FIELD))
        user = _subscriber(request)
        query = form.get("query", "")
        body = {
            "name": _name_of(query) or "search",
            "kind": "search",
            "query": _query_params(query),
            "emails": [user.email],
            "frequency": "daily",
            "language": language_of(request),
        }
        created = _call(
            lambda: sub_api.create_subscription(SubscriptionIn.model_validate(body), user, _repo(request))
        )
    except PageError as exc:
        return _fail(request, exc)
    return RedirectResponse(f"/subscriptions/{created.id}?done=created", status_code=303)


# ---------------------------------------------------------------------------------------------- one subscription
def _readable(value: str) -> str:
    """A query-string value people can read (Chinese kept as it is); parse_qsl gives back the same value."""
    return "".join(f"%{ord(c):02X}" if c in "%&=+#" else c for c in value).replace(" ", "+")


def _values(sub: SubscriptionOut) -> dict[str, Any]:
    return {
        "name": sub.name,
        "kind": sub.kind.value,
        "query": "&".join(f"{k}={_readable(v)}" for k, vs in sub.query.items() for v in vs),
        "profile": sub.profile or "",
        "codes": "\n".join(sub.codes),
        "emails": "\n".join(r.email for r in sub.recipients),
        "frequency": sub.frequency.value,
        "language": sub.language.value,
        "active": sub.active,
    }


@router.get("/subscriptions/{subscription_id:int}", response_class=HTMLResponse, response_model=None)
def subscription_page(request: Request, subscription_id: int, done: str = "") -> Response:
    try:
        user = _subscriber(request)
        sub = _call(lambda: sub_api.get_subscription(subscription_id, user, _repo(request)))
    except PageError as exc:
        return _fail(request, exc)
    flash = translate(language_of(request), _FLASH[done]) if done in _FLASH else None
    context = {**_form_context(request, _values(sub)), "sub": sub, "flash": flash}
    return page(request, "subscription.html", context)


@router.post("/subscriptions/{subscription_id:int}", response_model=None)
async def update(request: Request, subscription_id: int) -> Response:
    form = await _form(request)
    try:
        _guard(request, form.get(CSRF_FIELD))
        user = _subscriber(request)
        sub = _call(lambda: sub_api.get_subscription(subscription_id, user, _repo(request)))
    except PageError as exc:
        return _fail(request, exc)
    body = _payload(form)
    for other in ("query", "profile", "codes"):  # a kind change drops the old kind's field (as PATCH does)
        body.setdefault(other, None)
    try:
        patch = _call(lambda: SubscriptionPatch.model_validate(body))
        _call(lambda: sub_api.update_subscription(subscription_id, patch, user, _repo(request)))
    except PageError as exc:
        context = {**_form_context(request, form, exc.message), "sub": sub}
        return page(request, "subscription.html", context, status=exc.status)
    return RedirectResponse(f"/subscriptions/{subscription_id}?done=saved", status_code=303)


@router.post("/subscriptions/{subscription_id:int}/delete", response_model=None)
async def delete(request: Request, subscription_id: int) -> Response:
    form = await _form(request)
    try:
        _guard(request, form.get(CSRF_FIELD))
        user = _subscriber(request)
        _call(lambda: sub_api.delete_subscription(subscription_id, user, _repo(request)))
    except PageError as exc:
        return _fail(request, exc)
    return RedirectResponse("/subscriptions?done=deleted", status_code=303)


@router.get("/subscriptions/{subscription_id:int}/preview", response_class=HTMLResponse, response_model=None)
def preview(request: Request, subscription_id: int, days: int = 30) -> Response:
    try:
        user = _subscriber(request)
        if not 1 <= days <= 366:
            raise PageError(422, "days: a whole number from 1 to 366")
        services = services_of(request)
        sub = _call(lambda: sub_api.get_subscription(subscription_id, user, _repo(request)))
        found = _call(
            lambda: sub_api.preview_subscription(subscription_id, user, _repo(request), services, days)
        )
    except PageError as exc:
        return _fail(request, exc)
    return page(request, "preview.html", {"sub": sub, "preview": found})


# ---------------------------------------------------------------------------------------------- email links
@router.get("/subscriptions/confirm", response_class=HTMLResponse, response_model=None)
def confirm_page(request: Request, token: str = "") -> Response:
    """Where the confirmation link of an email lands: confirms, as GET /api/subscriptions/confirm does."""
    services = services_of(request)
    try:
        signer = _call(lambda: link_api.link_signer(services))
        result = _call(lambda: link_api.confirm(token, services, signer))
    except PageError as exc:
        return error_page(request, exc.status, exc.message)
    return page(request, "link.html", {"title_key": "link.confirm_title", "result": result, "token": None})


@router.get("/unsubscribe", response_class=HTMLResponse, response_model=None)
def unsubscribe_page(request: Request, token: str = "") -> Response:
    """Says what the button will do; only the POST changes anything (mail scanners follow GET links)."""
    services = services_of(request)
    try:
        signer = _call(lambda: link_api.link_signer(services))
        result = _call(lambda: link_api.unsubscribe_info(token, services, signer))
    except PageError as exc:
        return error_page(request, exc.status, exc.message)
    return page(request, "link.html", {"title_key": "link.unsub_title", "result": result, "token": token})


@router.post("/unsubscribe", response_model=None)
async def unsubscribe(request: Request) -> Response:
    form = await _form(request)
    services = services_of(request)
    try:
        _guard(request, form.get(CSRF_FIELD))
        signer = _call(lambda: link_api.link_signer(services))
        result = _call(lambda: link_api.unsubscribe(form.get("token", ""), services, signer))
    except PageError as exc:
        return error_page(request, exc.status, exc.message)
    return page(request, "link.html", {"title_key": "link.unsub_title", "result": result, "token": None})
