"""From API shapes to a validated SubscriptionSpec and back; a FieldError becomes a 422 naming the field."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from alerts.profiles import IndustryProfile
from api.subscriptions.schemas import RecipientOut, SubscriptionIn, SubscriptionOut, SubscriptionPatch
from api.subscriptions.validation import FieldError, check_codes, check_profile, check_query
from stdwatch.accounts import Frequency, Language, SubscriptionKind
from stdwatch.store.accounts import Recipient, SubscriptionInfo, SubscriptionSpec

# The field each kind needs; the others must not be sent with it.
KIND_FIELD = {
    SubscriptionKind.SEARCH: "query",
    SubscriptionKind.PROFILE: "profile",
    SubscriptionKind.WATCHLIST: "codes",
}


@contextmanager
def as_422() -> Iterator[None]:
    """Turn a FieldError into the API's 422 with the message `field: message`."""
    try:
        yield
    except FieldError as exc:
        # The field goes into the message: the error handler drops location parts named "query" (it reads
        # them as the query string), which is also the name of a subscription's field.
        raise RequestValidationError(
            [{"loc": ("body",), "msg": f"{exc.field}: {exc.message}", "type": "value_error"}]
        ) from None


def build_spec(data: SubscriptionIn, profiles: Mapping[str, IndustryProfile]) -> SubscriptionSpec:
    """A checked spec: the kind's own field validated and normalized, the other kinds' fields refused."""
    needed = KIND_FIELD[data.kind]
    for kind, name in KIND_FIELD.items():
        if kind is not data.kind and getattr(data, name) is not None:
            raise FieldError(name, f"only for kind={kind.value}; this subscription is kind={data.kind.value}")
    query: dict[str, Any] = {}
    profile: str | None = None
    codes: tuple[str, ...] = ()
    if needed == "query":
        if data.query is None:
            raise FieldError("query", "a saved search needs `query`: the parameters /api/search takes")
        query = check_query(data.query)
    elif needed == "profile":
        profile = check_profile(data.profile, profiles)
    else:
        codes = check_codes(data.codes or [])
    return SubscriptionSpec(
        name=data.name.strip(),
        kind=data.kind.value,
        frequency=data.frequency.value,
        language=data.language.value,
        query=query,
        profile=profile,
        codes=codes,
        emails=tuple(str(e) for e in data.emails),
        active=data.active,
    )


def merged(current: SubscriptionInfo, patch: SubscriptionPatch) -> SubscriptionIn:
    """The subscription as it would be after the patch (a kind change drops the old kind's field)."""
    base: dict[str, Any] = {
        "name": current.name,
        "kind": current.kind,
        "frequency": current.frequency,
        "language": current.language,
        "active": current.active,
        "emails": [r.email for r in current.recipients] or None,
        KIND_FIELD[SubscriptionKind(current.kind)]: _kind_value(current),
    }
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("kind") not in (None, current.kind):
        base.pop(KIND_FIELD[SubscriptionKind(current.kind)])
    base.update(changes)
    try:
        return SubscriptionIn.model_validate({k: v for k, v in base.items() if v is not None})
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None


def _kind_value(current: SubscriptionInfo) -> Any:
    return {"search": current.query, "profile": current.profile, "watchlist": current.codes}[current.kind]


def spec_changes(spec: SubscriptionSpec, patch: SubscriptionPatch) -> dict[str, Any]:
    """The columns to write; `emails` only when the patch names them (kept addresses keep their state)."""
    changes: dict[str, Any] = {
        "name": spec.name,
        "kind": spec.kind,
        "frequency": spec.frequency,
        "language": spec.language,
        "query": spec.query,
        "profile": spec.profile,
        "codes": spec.codes,
        "active": spec.active,
    }
    if "emails" in patch.model_fields_set:
        changes["emails"] = spec.emails
    return changes


def _status(r: Recipient) -> str:
    if r.unsubscribed_at is not None:
        return "unsubscribed"
    return "confirmed" if r.confirmed_at is not None else "pending"


def to_out(sub: SubscriptionInfo) -> SubscriptionOut:
    return SubscriptionOut(
        id=sub.id,
        name=sub.name,
        kind=SubscriptionKind(sub.kind),
        query=sub.query,
        profile=sub.profile,
        codes=sub.codes,
        frequency=Frequency(sub.frequency),
        language=Language(sub.language),
        active=sub.active,
        created_at=sub.created_at,
        updated_at=sub.updated_at,
        recipients=[
            RecipientOut(
                id=r.id,
                email=r.email,
                status=_status(r),
                confirmed_at=r.confirmed_at,
                unsubscribed_at=r.unsubscribed_at,
            )
            for r in sub.recipients
        ],
    )
