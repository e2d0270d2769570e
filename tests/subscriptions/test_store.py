"""SubscriptionRepository on both databases (embedded SQLite and a real PostgreSQL server): what the delivery
work and the matcher read — pending confirmations, active subscriptions with receiving recipients."""

from __future__ import annotations

from stdwatch.accounts import Role
from stdwatch.store import DocumentRepository
from stdwatch.store.accounts import AccountRepository, SubscriptionRepository, SubscriptionSpec


def _setup(store: DocumentRepository) -> tuple[AccountRepository, SubscriptionRepository, int, int]:
    accounts = AccountRepository(store.engine)
    org = accounts.ensure_organization("Acme", timezone="Europe/Berlin")
    user = accounts.create_user(org.id, "a@acme.example", "A", Role.SUBSCRIBER)
    return accounts, SubscriptionRepository(store.engine), org.id, user.id


def test_pending_confirmations_and_active_subscriptions(store: DocumentRepository) -> None:
    _, subs, org, user = _setup(store)
    search = subs.create(
        org,
        user,
        SubscriptionSpec(
            name="锂电池",
            kind="search",
            frequency="daily",
            language="zh",
            query={"q": ["锂电池"], "hs": ["8507"]},
            emails=("a@acme.example", "B@Acme.example", "a@acme.example"),
        ),
    )
    watch = subs.create(
        org,
        user,
        SubscriptionSpec(
            name="codes",
            kind="watchlist",
            frequency="weekly",
            language="en",
            codes=("GB/T 19001-2016",),
            emails=("c@acme.example",),
        ),
    )
    paused = subs.create(
        org,
        user,
        SubscriptionSpec(
            name="off",
            kind="profile",
            frequency="daily",
            language="zh",
            profile="tea",
            emails=("d@acme.example",),
            active=False,
        ),
    )
    assert [r.email for r in search.recipients] == ["a@acme.example", "b@acme.example"]
    pending = subs.pending_confirmations()
    assert [p.recipient.email for p in pending] == ["a@acme.example", "b@acme.example", "c@acme.example"]
    first = pending[0]
    assert (first.subscription_name, first.language, first.organization) == ("锂电池", "zh", "Acme")

    a, b = search.recipients
    subs.mark_confirmation_sent(a.id)
    subs.confirm_recipient(b.id)
    subs.confirm_recipient(watch.recipients[0].id)
    subs.unsubscribe_recipient(watch.recipients[0].id)
    assert [p.recipient.email for p in subs.pending_confirmations()] == []

    active = {s.id: s for s in subs.active_subscriptions()}
    assert set(active) == {search.id, watch.id} and paused.id not in active
    assert [r.email for r in active[search.id].recipients] == ["b@acme.example"]
    assert active[watch.id].recipients == []  # confirmed, then unsubscribed
    assert active[search.id].timezone == "Europe/Berlin"
    assert active[search.id].query == {"q": ["锂电池"], "hs": ["8507"]}
    assert active[watch.id].codes == ["GB/T 19001-2016"]


def test_update_and_delete_stay_within_the_organization(store: DocumentRepository) -> None:
    accounts, subs, org, user = _setup(store)
    other = accounts.ensure_organization("Other").id
    sub = subs.create(
        org,
        user,
        SubscriptionSpec(
            name="x",
            kind="profile",
            frequency="daily",
            language="zh",
            profile="tea",
            emails=("a@acme.example",),
        ),
    )
    assert subs.get(sub.id, other) is None
    assert subs.update(sub.id, other, {"name": "stolen"}) is None
    assert not subs.delete(sub.id, other)
    updated = subs.update(sub.id, org, {"name": "y", "emails": ("a@acme.example", "n@acme.example")})
    assert updated is not None and updated.name == "y" and len(updated.recipients) == 2
    assert subs.delete(sub.id, org) and subs.get(sub.id) is None
    assert subs.recipient(sub.recipients[0].id) is None


def test_keys_on_both_databases(store: DocumentRepository) -> None:
    accounts, _, _, user = _setup(store)
    issued = accounts.issue_key(user)
    found = accounts.authenticate(issued.key)
    assert found is not None and found.email == "a@acme.example"
    accounts.revoke_key(issued.info.id)
    assert accounts.authenticate(issued.key) is None
