"""All SQL of accounts and subscriptions: organizations, users, API keys, subscriptions, recipients."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Engine, RowMapping, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from stdwatch.accounts import Role, generate_key, hash_secret, parse_key, verify_secret
from stdwatch.store.account_models import ApiKey, Organization, Subscription, SubscriptionRecipient, User
from stdwatch.store.repository import utcnow

_ORGS = cast(Table, Organization.__table__)
_USERS = cast(Table, User.__table__)
_KEYS = cast(Table, ApiKey.__table__)
_SUBS = cast(Table, Subscription.__table__)
_RECIPIENTS = cast(Table, SubscriptionRecipient.__table__)
# last_used_at is a hint for admins, not an audit log: write it at most once a minute per key.
_TOUCH_EVERY = timedelta(minutes=1)


class AccountError(ValueError):
    """A request the store cannot carry out (a duplicate email, an unknown organization)."""


@dataclass(frozen=True)
class OrganizationInfo:
    id: int
    name: str
    timezone: str
    created_at: datetime


@dataclass(frozen=True)
class UserInfo:
    id: int
    organization_id: int
    organization: str
    email: str
    name: str
    role: Role
    disabled: bool
    created_at: datetime


@dataclass(frozen=True)
class KeyInfo:
    id: int
    user_id: int
    prefix: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class IssuedKey:
    """A new key: `key` is its full text, shown to the user once and never stored."""

    info: KeyInfo
    key: str


def _user(row: RowMapping) -> UserInfo:
    return UserInfo(
        id=row["id"],
        organization_id=row["organization_id"],
        organization=row["organization"],
        email=row["email"],
        name=row["name"],
        role=Role(row["role"]),
        disabled=row["disabled"],
        created_at=row["created_at"],
    )


def _key(row: RowMapping) -> KeyInfo:
    return KeyInfo(**{k: row[k] for k in KeyInfo.__dataclass_fields__})


_USER_QUERY = select(*_USERS.c, _ORGS.c.name.label("organization")).join(
    _ORGS, _ORGS.c.id == _USERS.c.organization_id
)


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


class AccountRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------------------------------ organizations
    def organization(self, org_id: int) -> OrganizationInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_ORGS).where(_ORGS.c.id == org_id)).mappings().first()
        return OrganizationInfo(**row) if row else None

    def ensure_organization(self, name: str, timezone: str = "Asia/Shanghai") -> OrganizationInfo:
        """The organization of that name, created (with `timezone`) if it does not exist yet."""
        name = name.strip()
        if not name:
            raise AccountError("an organization needs a name")
        with self.engine.begin() as conn:
            row = conn.execute(select(_ORGS).where(_ORGS.c.name == name)).mappings().first()
            if row is None:
                conn.execute(insert(_ORGS).values(name=name, timezone=timezone, created_at=utcnow()))
                row = conn.execute(select(_ORGS).where(_ORGS.c.name == name)).mappings().one()
        return OrganizationInfo(**row)

    # ------------------------------------------------------------------------------------------ users
    def create_user(self, organization_id: int, email: str, name: str, role: Role) -> UserInfo:
        email = email.strip().lower()
        try:
            with self.engine.begin() as conn:
                new_id = _new_id(
                    conn.execute(
                        insert(_USERS).values(
                            organization_id=organization_id,
                            email=email,
                            name=name.strip(),
                            role=Role(role).value,
                            disabled=False,
                            created_at=utcnow(),
                        )
                    )
                )
        except IntegrityError:
            raise AccountError(f"a user with email {email} already exists") from None
        user = self.user(new_id)
        assert user is not None
        return user

    def user(self, user_id: int) -> UserInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(_USER_QUERY.where(_USERS.c.id == user_id)).mappings().first()
        return _user(row) if row else None

    def user_by_email(self, email: str) -> UserInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(_USER_QUERY.where(_USERS.c.email == email.strip().lower())).mappings().first()
        return _user(row) if row else None

    def users(self) -> list[UserInfo]:
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(_USER_QUERY.order_by(_USERS.c.id)).mappings()]

    # ------------------------------------------------------------------------------------------ API keys
    def issue_key(self, user_id: int, label: str = "") -> IssuedKey:
        """A new key for the user; only its prefix and scrypt hash are stored."""
        parts = generate_key()
        with self.engine.begin() as conn:
            new_id = _new_id(
                conn.execute(
                    insert(_KEYS).values(
                        user_id=user_id,
                        prefix=parts.prefix,
                        key_hash=hash_secret(parts.secret),
                        label=label,
                        created_at=utcnow(),
                    )
                )
            )
        info = self.key(new_id)
        assert info is not None
        return IssuedKey(info, parts.text)

    def key(self, key_id: int) -> KeyInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_KEYS).where(_KEYS.c.id == key_id)).mappings().first()
        return _key(row) if row else None

    def keys_of(self, user_id: int) -> list[KeyInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_KEYS).where(_KEYS.c.user_id == user_id).order_by(_KEYS.c.id))
            return [_key(r) for r in rows.mappings()]

    def revoke_key(self, key_id: int) -> KeyInfo | None:
        """Revoke a key (idempotent: the first revocation time is kept); None if there is no such key."""
        with self.engine.begin() as conn:
            conn.execute(
                update(_KEYS)
                .where(_KEYS.c.id == key_id, _KEYS.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
        return self.key(key_id)

    def authenticate(self, presented: str) -> UserInfo | None:
        """The user a presented key belongs to; None if the key is malformed, unknown or revoked, or the user
        is disabled."""
        parts = parse_key(presented)
        if parts is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(_KEYS).where(_KEYS.c.prefix == parts.prefix)).mappings().first()
        if row is None or row["revoked_at"] is not None or not verify_secret(parts.secret, row["key_hash"]):
            return None
        user = self.user(row["user_id"])
        if user is None or user.disabled:
            return None
        self._touch(row["id"], row["last_used_at"])
        return user

    def _touch(self, key_id: int, last_used: datetime | None) -> None:
        now = utcnow()
        if last_used is not None and last_used.tzinfo is None:
            last_used = last_used.replace(tzinfo=now.tzinfo)  # SQLite hands back naive UTC
        if last_used is None or now - last_used >= _TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(update(_KEYS).where(_KEYS.c.id == key_id).values(last_used_at=now))


# ---------------------------------------------------------------------------------------------- subscriptions
@dataclass(frozen=True)
class Recipient:
    id: int
    subscription_id: int
    email: str
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None
    confirmation_sent_at: datetime | None
    created_at: datetime

    @property
    def receives(self) -> bool:
        """Confirmed and not unsubscribed: only then is anything sent to the address."""
        return self.confirmed_at is not None and self.unsubscribed_at is None


@dataclass(frozen=True)
class SubscriptionSpec:
    """What a user asks for; validated (codes normalized, query checked) before it reaches the store."""

    name: str
    kind: str
    frequency: str
    language: str
    query: dict[str, Any] = field(default_factory=dict)
    profile: str | None = None
    codes: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class SubscriptionInfo:
    id: int
    organization_id: int
    created_by: int | None
    name: str
    kind: str
    query: dict[str, Any]
    profile: str | None
    codes: list[str]
    frequency: str
    language: str
    active: bool
    created_at: datetime
    updated_at: datetime
    recipients: list[Recipient]


@dataclass(frozen=True)
class ActiveSubscription:
    """An active subscription as the matcher and the digests need it."""

    id: int
    organization_id: int
    name: str
    kind: str
    query: dict[str, Any]
    profile: str | None
    codes: list[str]
    frequency: str
    language: str
    timezone: str
    recipients: list[Recipient]  # confirmed and not unsubscribed only (may be empty)


@dataclass(frozen=True)
class PendingConfirmation:
    """A recipient still waiting for its confirmation email."""

    recipient: Recipient
    subscription_id: int
    subscription_name: str
    language: str
    organization: str


_SPEC_COLUMNS = ("name", "kind", "frequency", "language", "query", "profile", "codes", "active")


def _spec_values(spec: SubscriptionSpec) -> dict[str, Any]:
    values = {c: getattr(spec, c) for c in _SPEC_COLUMNS}
    values["codes"] = list(spec.codes)
    return values


def _recipients(conn: Connection, sub_ids: Sequence[int]) -> dict[int, list[Recipient]]:
    found: dict[int, list[Recipient]] = {i: [] for i in sub_ids}
    if not sub_ids:
        return found
    rows = conn.execute(
        select(_RECIPIENTS).where(_RECIPIENTS.c.subscription_id.in_(sub_ids)).order_by(_RECIPIENTS.c.id)
    ).mappings()
    for row in rows:
        found[row["subscription_id"]].append(Recipient(**row))
    return found


def _unique_emails(emails: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(e.strip().lower() for e in emails if e.strip()))


class SubscriptionRepository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(
        self, organization_id: int, created_by: int | None, spec: SubscriptionSpec
    ) -> SubscriptionInfo:
        now = utcnow()
        with self.engine.begin() as conn:
            new_id = _new_id(
                conn.execute(
                    insert(_SUBS).values(
                        organization_id=organization_id,
                        created_by=created_by,
                        created_at=now,
                        updated_at=now,
                        **_spec_values(spec),
                    )
                )
            )
            self._set_emails(conn, new_id, spec.emails)
        found = self.get(new_id, organization_id)
        assert found is not None
        return found

    def get(self, subscription_id: int, organization_id: int | None = None) -> SubscriptionInfo | None:
        """One subscription; with `organization_id`, None unless it belongs to that organization."""
        query = select(_SUBS).where(_SUBS.c.id == subscription_id)
        if organization_id is not None:
            query = query.where(_SUBS.c.organization_id == organization_id)
        found = self._load(query)
        return found[0] if found else None

    def of_organization(self, organization_id: int) -> list[SubscriptionInfo]:
        query = select(_SUBS).where(_SUBS.c.organization_id == organization_id).order_by(_SUBS.c.id)
        return self._load(query)

    def update(
        self, subscription_id: int, organization_id: int, changes: dict[str, Any]
    ) -> SubscriptionInfo | None:
        """Apply changed columns (and `emails`: new addresses start unconfirmed, kept ones keep their state);
        None if the organization has no such subscription."""
        values = {k: (list(v) if k == "codes" else v) for k, v in changes.items() if k in _SPEC_COLUMNS}
        with self.engine.begin() as conn:
            result = conn.execute(
                update(_SUBS)
                .where(_SUBS.c.id == subscription_id, _SUBS.c.organization_id == organization_id)
                .values(updated_at=utcnow(), **values)
            )
            if result.rowcount == 0:
                return None
            if "emails" in changes:
                self._set_emails(conn, subscription_id, changes["emails"])
        return self.get(subscription_id, organization_id)

    def delete(self, subscription_id: int, organization_id: int) -> bool:
        with self.engine.begin() as conn:
            owned = select(_SUBS.c.id).where(
                _SUBS.c.id == subscription_id, _SUBS.c.organization_id == organization_id
            )
            conn.execute(delete(_RECIPIENTS).where(_RECIPIENTS.c.subscription_id.in_(owned)))
            result = conn.execute(
                delete(_SUBS).where(_SUBS.c.id == subscription_id, _SUBS.c.organization_id == organization_id)
            )
        return bool(result.rowcount)

    def _set_emails(self, conn: Connection, subscription_id: int, emails: Iterable[str]) -> None:
        wanted = _unique_emails(emails)
        existing = set(
            conn.execute(
                select(_RECIPIENTS.c.email).where(_RECIPIENTS.c.subscription_id == subscription_id)
            ).scalars()
        )
        gone = existing - set(wanted)
        if gone:
            conn.execute(
                delete(_RECIPIENTS).where(
                    _RECIPIENTS.c.subscription_id == subscription_id, _RECIPIENTS.c.email.in_(gone)
                )
            )
        new = [e for e in wanted if e not in existing]
        if new:
            conn.execute(
                insert(_RECIPIENTS),
                [{"subscription_id": subscription_id, "email": e, "created_at": utcnow()} for e in new],
            )

    def _load(self, query: Any) -> list[SubscriptionInfo]:
        with self.engine.connect() as conn:
            rows = list(conn.execute(query).mappings())
            recipients = _recipients(conn, [r["id"] for r in rows])
        return [SubscriptionInfo(**row, recipients=recipients[row["id"]]) for row in rows]

    # ------------------------------------------------------------------------------------------ recipients
    def recipient(self, recipient_id: int) -> Recipient | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_RECIPIENTS).where(_RECIPIENTS.c.id == recipient_id)).mappings().first()
        return Recipient(**row) if row else None

    def confirm_recipient(self, recipient_id: int) -> Recipient | None:
        """Mark the address confirmed (idempotent: the first confirmation time is kept)."""
        return self._stamp(recipient_id, "confirmed_at")

    def unsubscribe_recipient(self, recipient_id: int) -> Recipient | None:
        """Stop sending to the address (idempotent: the first unsubscription time is kept)."""
        return self._stamp(recipient_id, "unsubscribed_at")

    def mark_confirmation_sent(self, recipient_id: int, at: datetime | None = None) -> Recipient | None:
        """Record that the confirmation email went out, so pending_confirmations() no longer lists it."""
        return self._stamp(recipient_id, "confirmation_sent_at", at)

    def _stamp(self, recipient_id: int, column: str, at: datetime | None = None) -> Recipient | None:
        with self.engine.begin() as conn:
            conn.execute(
                update(_RECIPIENTS)
                .where(_RECIPIENTS.c.id == recipient_id, _RECIPIENTS.c[column].is_(None))
                .values({column: at or utcnow()})
            )
        return self.recipient(recipient_id)

    def pending_confirmations(self) -> list[PendingConfirmation]:
        """Recipients of active subscriptions that are not confirmed, not unsubscribed and were not yet sent a
        confirmation email."""
        query = (
            select(
                _RECIPIENTS,
                _SUBS.c.name.label("subscription_name"),
                _SUBS.c.language,
                _ORGS.c.name.label("organization"),
            )
            .join(_SUBS, _SUBS.c.id == _RECIPIENTS.c.subscription_id)
            .join(_ORGS, _ORGS.c.id == _SUBS.c.organization_id)
            .where(
                _RECIPIENTS.c.confirmed_at.is_(None),
                _RECIPIENTS.c.unsubscribed_at.is_(None),
                _RECIPIENTS.c.confirmation_sent_at.is_(None),
                _SUBS.c.active.is_(True),
            )
            .order_by(_RECIPIENTS.c.id)
        )
        recipient_columns = set(Recipient.__dataclass_fields__)
        with self.engine.connect() as conn:
            return [
                PendingConfirmation(
                    Recipient(**{k: v for k, v in row.items() if k in recipient_columns}),
                    row["subscription_id"],
                    row["subscription_name"],
                    row["language"],
                    row["organization"],
                )
                for row in conn.execute(query).mappings()
            ]

    def active_subscriptions(self) -> list[ActiveSubscription]:
        """Every active subscription with its receiving recipients and its organization's timezone."""
        query = (
            select(_SUBS, _ORGS.c.timezone)
            .join(_ORGS, _ORGS.c.id == _SUBS.c.organization_id)
            .where(_SUBS.c.active.is_(True))
            .order_by(_SUBS.c.id)
        )
        with self.engine.connect() as conn:
            rows = list(conn.execute(query).mappings())
            recipients = _recipients(conn, [r["id"] for r in rows])
        fields = set(ActiveSubscription.__dataclass_fields__) - {"recipients"}
        return [
            ActiveSubscription(
                **{k: row[k] for k in fields}, recipients=[r for r in recipients[row["id"]] if r.receives]
            )
            for row in rows
        ]
