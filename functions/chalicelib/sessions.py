"""The session cookie: who is signed in, until when, signed with the deployer's keys.

Format: `s1.<key id>.<payload>.<signature>`, the payload base64url JSON and the signature
HMAC-SHA256 with a key derived from the deployer's secret. The first configured key signs; every
configured key verifies, so sessions signed before a rotation keep working while the old key stays
listed (the grace period: at least one session lifetime).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from chalicelib._encoding import b64url_decode, b64url_encode
from chalicelib.config import SessionKey
from chalicelib.errors import SessionExpiredError, SessionInvalidError

VERSION = "s1"
COOKIE = "commons-session"
MAX_TOKEN_LENGTH = 3500
CLOCK_LEEWAY_SECONDS = 60


def derive_key(secret: bytes, purpose: str) -> bytes:
    """One deployer secret, one independent key per use (sessions, sign-in transactions)."""
    return hmac.new(secret, f"commons/{purpose}".encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Session:
    subject: str
    handle: str | None
    name: str
    email: str
    issued_at: int
    expires_at: int


class SessionSigner:
    def __init__(self, keys: Sequence[SessionKey]) -> None:
        if not keys:
            raise ValueError("at least one session key is required")
        self._current = keys[0].key_id
        self._keys = {k.key_id: derive_key(k.secret, "session") for k in keys}

    def seal(self, session: Session) -> str:
        payload = b64url_encode(json.dumps(asdict(session), separators=(",", ":")).encode())
        signed = f"{VERSION}.{self._current}.{payload}"
        return f"{signed}.{self._sign(self._keys[self._current], signed)}"

    def open(self, token: str, now: float) -> Session:
        """The session in `token`, or SessionInvalidError / SessionExpiredError saying why not."""
        parts = token.split(".")
        if len(token) > MAX_TOKEN_LENGTH or len(parts) != 4 or parts[0] != VERSION:
            raise SessionInvalidError("session cookie is malformed")
        version, key_id, payload, signature = parts
        key = self._keys.get(key_id)
        if key is None:
            raise SessionInvalidError(f"session cookie is signed with an unknown or retired key {key_id[:32]!r}")
        expected = self._sign(key, f"{version}.{key_id}.{payload}")
        if not hmac.compare_digest(expected, signature):
            raise SessionInvalidError("session cookie signature does not verify")
        try:
            fields = json.loads(b64url_decode(payload))
            session = Session(**fields)
        except (ValueError, TypeError) as exc:
            raise SessionInvalidError("session cookie payload is not a session") from exc
        if not _well_typed(session):
            raise SessionInvalidError("session cookie payload has wrong types")
        if now >= session.expires_at:
            raise SessionExpiredError(f"session expired at {session.expires_at}")
        if session.issued_at > now + CLOCK_LEEWAY_SECONDS:
            raise SessionInvalidError("session cookie was issued in the future")
        return session

    @staticmethod
    def _sign(key: bytes, signed: str) -> str:
        return b64url_encode(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest())


def _well_typed(session: Session) -> bool:
    return (
        isinstance(session.subject, str)
        and (session.handle is None or isinstance(session.handle, str))
        and isinstance(session.name, str)
        and isinstance(session.email, str)
        and type(session.issued_at) is int
        and type(session.expires_at) is int
    )
