"""Accounts in the domain: roles and what each may do, API keys, and the signed links sent to recipients.

Role rule (one ladder; each role may do everything the roles below it may do, admin may do everything):
- reader: search and read documents (also when search is closed to anonymous readers), see itself (/api/me);
- subscriber: + create, change and delete its OWN ORGANIZATION's subscriptions;
- curator: + write comparison studies (clause-by-clause IDT/MOD/NEQ comparisons);
- admin: + create users and organizations, issue and revoke any API key.
Organization isolation is a separate boundary that applies to every role, admins included: subscriptions of
another organization are never shown or changed through the API (they answer 404, as if they did not exist).

API keys look like ``sw_<prefix>_<secret>``: the prefix finds the key's row, the secret is checked against an
scrypt hash (hashlib, RFC 7914) with a constant-time comparison. The key text itself is never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from stdwatch.signing import Signer


class Role(StrEnum):
    READER = "reader"
    SUBSCRIBER = "subscriber"
    CURATOR = "curator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        """May a user with this role do what `needed` may do? (the ladder: higher roles include lower ones)"""
        return self.rank >= needed.rank


_RANKS = {Role.READER: 0, Role.SUBSCRIBER: 1, Role.CURATOR: 2, Role.ADMIN: 3}
ROLE_RULES: dict[Role, str] = {
    Role.READER: "search and read documents",
    Role.SUBSCRIBER: "reader's rights + manage the organization's subscriptions",
    Role.CURATOR: "subscriber's rights + write comparison studies",
    Role.ADMIN: "everything: users, organizations, API keys",
}


class SubscriptionKind(StrEnum):
    SEARCH = "search"  # `query`: the parameters /api/search takes
    PROFILE = "profile"  # `profile`: a key of config/industry_profiles.toml
    WATCHLIST = "watchlist"  # `codes`: normalized standard codes / TBT symbols


class Frequency(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


# ---------------------------------------------------------------------------------------------- API keys
KEY_MARK = "sw"
# scrypt cost: 16 MiB and ~30 ms a check on the project machine; keys are random, so this is defence in depth
# against an offline attack on a stolen database, not the only protection.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _DKLEN = 2**14, 8, 1, 32


@dataclass(frozen=True)
class KeyParts:
    prefix: str
    secret: str

    @property
    def text(self) -> str:
        return f"{KEY_MARK}_{self.prefix}_{self.secret}"


def generate_key() -> KeyParts:
    """A new random key: a 12-hex-digit look-up prefix and a 256-bit secret."""
    return KeyParts(prefix=secrets.token_hex(6), secret=secrets.token_urlsafe(32))


def parse_key(text: str) -> KeyParts | None:
    """The parts of a presented key, or None if it does not have the shape of one."""
    mark, _, rest = text.strip().partition("_")
    prefix, _, secret = rest.partition("_")
    if mark != KEY_MARK or len(prefix) != 12 or not secret or len(secret) > 200:
        return None
    return KeyParts(prefix, secret)


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=_DKLEN, maxmem=64 * 1024 * 1024)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str) -> str:
    """`scrypt$n$r$p$salt$hash`: the parameters travel with the hash so they can be raised later."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(secret, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_secret(secret: str, stored: str) -> bool:
    """Does `secret` match the stored hash? (constant-time comparison; a malformed hash never matches)"""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(secret, _unb64(salt), int(n), int(r), int(p))
        return hmac.compare_digest(computed, _unb64(digest))
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------- signed links
CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"
# A confirmation link is valid for two weeks; unsubscribe links never expire (an old email must still work).
CONFIRM_MAX_AGE = 14 * 24 * 3600


def confirm_link(signer: Signer, public_url: str, recipient_id: int) -> str:
    """The link that confirms a recipient's address (sent once, by the delivery work)."""
    token = signer.sign(CONFIRM, {"r": recipient_id})
    return f"{public_url.rstrip('/')}/api/subscriptions/confirm?token={token}"


def unsubscribe_link(signer: Signer, public_url: str, recipient_id: int) -> str:
    """The one-click (RFC 8058) unsubscribe link of one recipient: GET shows, POST does it."""
    return f"{public_url.rstrip('/')}/api/unsubscribe?token={signer.sign(UNSUBSCRIBE, {'r': recipient_id})}"


def manage_link(public_url: str, subscription_id: int) -> str:
    return f"{public_url.rstrip('/')}/api/subscriptions/{subscription_id}"
