"""API keys: random, shown once, stored only as an scrypt hash; revoked or disabled means refused."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from stdwatch.accounts import Role, generate_key, hash_secret, parse_key, verify_secret
from stdwatch.store.account_models import ApiKey, User
from stdwatch.store.accounts import AccountRepository
from tests.accounts.conftest import MakeUser


def test_a_key_parses_back_and_malformed_keys_do_not() -> None:
    parts = generate_key()
    assert parts.text.startswith("sw_") and parse_key(parts.text) == parts
    assert generate_key().text != parts.text
    malformed = (
        "",
        "sw_",
        "sw_abc_def",
        "xx_" + parts.text[3:],
        parts.text.replace("_", "-"),
        "sw_0123456789ab_",
    )
    for bad in malformed:
        assert parse_key(bad) is None, bad


def test_the_hash_verifies_only_the_same_secret_and_holds_no_key_text() -> None:
    secret = generate_key().secret
    stored = hash_secret(secret)
    assert stored.startswith("scrypt$") and secret not in stored
    assert verify_secret(secret, stored)
    assert not verify_secret(secret + "x", stored)
    assert not verify_secret(secret, "scrypt$broken")
    assert hash_secret(secret) != stored  # salted


def test_the_database_holds_no_key_text(
    accounts: AccountRepository, make_user: MakeUser, tmp_path: Path
) -> None:
    user, key = make_user(Role.ADMIN)
    secret = parse_key(key).secret  # type: ignore[union-attr]
    with accounts.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(ApiKey.__table__))]
    assert len(rows) == 1 and all(secret not in str(v) and key not in str(v) for v in rows[0].values())
    accounts.engine.dispose()  # checkpoint-free look at every file SQLite wrote (main database and WAL)
    files = [p for p in tmp_path.rglob("stdwatch.sqlite3*") if p.is_file()]
    assert files and not any(secret.encode() in p.read_bytes() for p in files)
    assert accounts.authenticate(key) == user


def test_authenticate_refuses_wrong_revoked_and_disabled(
    accounts: AccountRepository, make_user: MakeUser
) -> None:
    user, key = make_user(Role.READER)
    prefix = parse_key(key).prefix  # type: ignore[union-attr]
    assert accounts.authenticate(key) == user
    assert accounts.authenticate(f"sw_{prefix}_not-the-secret") is None
    assert accounts.authenticate("sw_000000000000_whatever") is None
    other = accounts.issue_key(user.id)
    accounts.revoke_key(other.info.id)
    assert accounts.authenticate(other.key) is None
    assert accounts.authenticate(key) == user  # revoking one key leaves the others
    with accounts.engine.begin() as conn:
        conn.execute(update(User).values(disabled=True))
    assert accounts.authenticate(key) is None


def test_use_is_recorded_and_revocation_time_kept(accounts: AccountRepository, make_user: MakeUser) -> None:
    user, key = make_user()
    [info] = accounts.keys_of(user.id)
    assert info.last_used_at is None
    accounts.authenticate(key)
    [used] = accounts.keys_of(user.id)
    assert used.last_used_at is not None
    first = accounts.revoke_key(info.id)
    assert first is not None and first.revoked_at is not None
    again = accounts.revoke_key(info.id)
    assert again is not None and again.revoked_at == first.revoked_at


def test_the_role_ladder() -> None:
    assert all(Role.ADMIN.allows(r) for r in Role)
    assert Role.READER.allows(Role.READER) and not Role.READER.allows(Role.SUBSCRIBER)
    assert Role.CURATOR.allows(Role.SUBSCRIBER) and not Role.CURATOR.allows(Role.ADMIN)
    assert Role.SUBSCRIBER.allows(Role.READER) and not Role.SUBSCRIBER.allows(Role.CURATOR)
