"""/api/subscriptions (subscriber role or higher, own organization only), /api/profiles, and the email links.

Another organization's subscription answers 404, exactly as one that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response

from alerts.matcher import AlertMatcher, compile_subscription
from alerts.profiles import default_profiles
from api.auth import SubscriberUser, auth_responses
from api.deps import ServicesDep
from api.errors import error_responses
from api.subscriptions.links import router as links_router
from api.subscriptions.schemas import (
    PreviewHit,
    PreviewOut,
    ProfileOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPatch,
)
from api.subscriptions.service import as_422, build_spec, merged, spec_changes, to_out
from stdwatch.store.accounts import SubscriptionInfo, SubscriptionRepository

router = APIRouter()
# The links come first: /api/subscriptions/confirm must not be taken for a subscription id.
router.include_router(links_router)
SubscriptionId = Annotated[int, Path(ge=1, description="The subscription's id.")]
_ERRORS = {**auth_responses(401, 403), **error_responses(404, 422)}


def subscriptions(services: ServicesDep) -> SubscriptionRepository:
    return SubscriptionRepository(services.repo.engine)


SubscriptionsDep = Annotated[SubscriptionRepository, Depends(subscriptions)]


def _owned(repo: SubscriptionRepository, subscription_id: int, organization_id: int) -> SubscriptionInfo:
    found = repo.get(subscription_id, organization_id)
    if found is None:
        raise HTTPException(404, f"no subscription {subscription_id} in your organization")
    return found


@router.get("/api/profiles", response_model=list[ProfileOut], tags=["subscriptions"])
def profiles() -> list[ProfileOut]:
    """The industry profiles a subscription of kind `profile` can name, with their HS, ICS and keywords."""
    return [ProfileOut(**p.__dict__) for p in default_profiles().values()]


@router.get(
    "/api/subscriptions", response_model=list[SubscriptionOut], tags=["subscriptions"], responses=_ERRORS
)
def list_subscriptions(user: SubscriberUser, repo: SubscriptionsDep) -> list[SubscriptionOut]:
    """Your organization's subscriptions."""
    return [to_out(s) for s in repo.of_organization(user.organization_id)]


@router.post(
    "/api/subscriptions",
    response_model=SubscriptionOut,
    status_code=201,
    tags=["subscriptions"],
    responses=_ERRORS,
)
def create_subscription(
    data: SubscriptionIn, user: SubscriberUser, repo: SubscriptionsDep
) -> SubscriptionOut:
    """Create a subscription; each address is sent a confirmation link before any alert."""
    with as_422():
        spec = build_spec(data, default_profiles())
    return to_out(repo.create(user.organization_id, user.id, spec))


@router.get(
    "/api/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    tags=["subscriptions"],
    responses=_ERRORS,
)
def get_subscription(
    subscription_id: SubscriptionId, user: SubscriberUser, repo: SubscriptionsDep
) -> SubscriptionOut:
    """One of your organization's subscriptions, with the state of each address."""
    return to_out(_owned(repo, subscription_id, user.organization_id))


@router.patch(
    "/api/subscriptions/{subscription_id}",
    response_model=SubscriptionOut,
    tags=["subscriptions"],
    responses=_ERRORS,
)
def update_subscription(
    subscription_id: SubscriptionId, patch: SubscriptionPatch, user: SubscriberUser, repo: SubscriptionsDep
) -> SubscriptionOut:
    """Change fields; new addresses must be confirmed, kept addresses keep their state."""
    current = _owned(repo, subscription_id, user.organization_id)
    with as_422():
        spec = build_spec(merged(current, patch), default_profiles())
    updated = repo.update(subscription_id, user.organization_id, spec_changes(spec, patch))
    if updated is None:  # deleted meanwhile
        raise HTTPException(404, f"no subscription {subscription_id} in your organization")
    return to_out(updated)


@router.delete(
    "/api/subscriptions/{subscription_id}", status_code=204, tags=["subscriptions"], responses=_ERRORS
)
def delete_subscription(
    subscription_id: SubscriptionId, user: SubscriberUser, repo: SubscriptionsDep
) -> Response:
    """Delete a subscription and its recipients."""
    if not repo.delete(subscription_id, user.organization_id):
        raise HTTPException(404, f"no subscription {subscription_id} in your organization")
    return Response(status_code=204)


@router.get(
    "/api/subscriptions/{subscription_id}/preview",
    response_model=PreviewOut,
    tags=["subscriptions"],
    responses=_ERRORS,
)
def preview_subscription(
    subscription_id: SubscriptionId,
    user: SubscriberUser,
    repo: SubscriptionsDep,
    services: ServicesDep,
    days: Annotated[int, Query(ge=1, le=366, description="Look back this many days.")] = 30,
) -> PreviewOut:
    """What the subscription would have matched among the documents stored or changed in the last N days
    (the same matcher as the alerts; nothing is sent)."""
    found = _owned(repo, subscription_id, user.organization_id)
    matcher = AlertMatcher(services)
    compiled = compile_subscription(found, matcher.analyzer, default_profiles())
    alerts = matcher.preview(compiled, days)
    docs = {d.id: d for d in services.repo.get_many(list(dict.fromkeys(a.document_id for a in alerts)))}
    hits = []
    for alert in alerts[:500]:
        data = docs[alert.document_id].data if alert.document_id in docs else {}
        title = data.get("title_zh") or data.get("title") or data.get("title_en") or ""
        hits.append(
            PreviewHit(
                document_id=alert.document_id,
                version=alert.version,
                reason=alert.reason,
                details=alert.details,
                code=data.get("code") or data.get("symbol") or "",
                title=title,
            )
        )
    return PreviewOut(subscription_id=subscription_id, days=days, matches=hits)
