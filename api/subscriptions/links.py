"""The signed links in emails: confirm an address, and RFC 8058 one-click unsubscribe.

They work without an API key: the token is the authority, signed with STDWATCH_SECRET_KEY for one purpose,
so a confirmation token cannot unsubscribe and the other way round. GET /api/unsubscribe only says what POST
will do (mail scanners follow GET links; RFC 8058 section 3.2 asks that only the POST act).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query

from api.deps import ServicesDep
from api.errors import error_responses, only_params
from api.subscriptions.schemas import LinkOut
from stdwatch.accounts import CONFIRM, CONFIRM_MAX_AGE, UNSUBSCRIBE
from stdwatch.signing import Signer, TokenError
from stdwatch.store.accounts import Recipient, SubscriptionRepository

router = APIRouter(tags=["subscriptions"])
Token = Annotated[str, Query(min_length=1, max_length=2000, description="The signed token from the email.")]


def link_signer(services: ServicesDep) -> Signer:
    """The signer of email links; 503 when STDWATCH_SECRET_KEY is not set (or too short)."""
    secret = services.settings.secret_key
    if secret is None:
        raise HTTPException(503, "links cannot be checked: the server has no STDWATCH_SECRET_KEY set")
    try:
        return Signer(secret.get_secret_value())
    except ValueError as exc:
        raise HTTPException(503, f"links cannot be checked: {exc}") from None


SignerDep = Annotated[Signer, Depends(link_signer)]


def _recipient(
    services: ServicesDep, signer: Signer, purpose: str, token: str, max_age: int | None
) -> tuple[SubscriptionRepository, Recipient, str]:
    try:
        payload = signer.verify(purpose, token, max_age=max_age)
    except TokenError as exc:
        raise HTTPException(400, f"{exc}; ask for a new email") from None
    subs = SubscriptionRepository(services.repo.engine)
    recipient_id = payload.get("r")
    recipient = subs.recipient(recipient_id) if isinstance(recipient_id, int) else None
    subscription = subs.get(recipient.subscription_id) if recipient else None
    if recipient is None or subscription is None:
        raise HTTPException(404, "this address is no longer on the subscription")
    return subs, recipient, subscription.name


@router.get(
    "/api/subscriptions/confirm",
    response_model=LinkOut,
    responses=error_responses(400, 404, 422, 503),
    dependencies=[Depends(only_params("token"))],
)
def confirm(token: Token, services: ServicesDep, signer: SignerDep) -> LinkOut:
    """Confirm an address from the link in its confirmation email (valid for 14 days)."""
    subs, recipient, name = _recipient(services, signer, CONFIRM, token, CONFIRM_MAX_AGE)
    subs.confirm_recipient(recipient.id)
    return LinkOut(
        status="confirmed",
        email=recipient.email,
        subscription=name,
        message=f"{recipient.email} will receive the alerts of {name!r}",
    )


@router.get(
    "/api/unsubscribe",
    response_model=LinkOut,
    responses=error_responses(400, 404, 422, 503),
    dependencies=[Depends(only_params("token"))],
)
def unsubscribe_info(token: Token, services: ServicesDep, signer: SignerDep) -> LinkOut:
    """What POST to this same URL will do (nothing changes on GET)."""
    _, recipient, name = _recipient(services, signer, UNSUBSCRIBE, token, None)
    if recipient.unsubscribed_at is not None:
        return LinkOut(
            status="unsubscribed",
            email=recipient.email,
            subscription=name,
            message=f"{recipient.email} is already unsubscribed from {name!r}",
        )
    return LinkOut(
        status="subscribed",
        email=recipient.email,
        subscription=name,
        message=f"POST to this URL to stop the alerts of {name!r} to {recipient.email}",
    )


@router.post("/api/unsubscribe", response_model=LinkOut, responses=error_responses(400, 404, 422, 503))
def unsubscribe(token: Token, services: ServicesDep, signer: SignerDep) -> LinkOut:
    """RFC 8058 one-click unsubscribe: the token alone is enough (no API key); the body is ignored."""
    subs, recipient, name = _recipient(services, signer, UNSUBSCRIBE, token, None)
    subs.unsubscribe_recipient(recipient.id)
    return LinkOut(
        status="unsubscribed",
        email=recipient.email,
        subscription=name,
        message=f"{recipient.email} will receive no more alerts of {name!r}",
    )
