"""Signed, expiring tokens for links in emails (confirm an address, unsubscribe) and browser sessions.

The key comes only from the environment (STDWATCH_SECRET_KEY); tokens carry a purpose so a confirmation token
can never be replayed as an unsubscribe token, or the other way round.
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class TokenError(ValueError):
    """A link that was tampered with, expired, or made for another purpose."""


class Signer:
    def __init__(self, secret: str) -> None:
        if not secret or len(secret) < 16:
            raise ValueError("STDWATCH_SECRET_KEY must be set to at least 16 characters to sign links")
        self._secret = secret

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self._secret, salt=f"stdwatch:{purpose}")

    def sign(self, purpose: str, payload: dict[str, Any]) -> str:
        return str(self._serializer(purpose).dumps(payload))

    def verify(self, purpose: str, token: str, max_age: int | None = None) -> dict[str, Any]:
        """The payload of a valid token; TokenError names what is wrong otherwise."""
        try:
            payload = self._serializer(purpose).loads(token, max_age=max_age)
        except SignatureExpired as exc:
            raise TokenError("the link has expired") from exc
        except BadSignature as exc:
            raise TokenError("the link is not valid") from exc
        if not isinstance(payload, dict):
            raise TokenError("the link is not valid")
        return payload
