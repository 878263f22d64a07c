"""The session cookie: who is signed in, until when, signed with the deployer's keys.

A `chalicelib.signing` token (`s1.<key id>.<payload>.<signature>`) whose payload is the session as
JSON. The first configured key signs; every configured key verifies, so sessions signed before a
rotation keep working while the old key stays listed (the grace period: at least one session
lifetime).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from chalicelib.config import SessionKey
from chalicelib.errors import SessionExpiredError, SessionInvalidError
from chalicelib.signing import TokenError, TokenSigner

VERSION = "s1"
COOKIE = "commons-session"
MAX_TOKEN_LENGTH = 3500
CLOCK_LEEWAY_SECONDS = 60


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
        self._tokens = TokenSigner(keys, purpose="session", version=VERSION, what="session cookie")

    def seal(self, session: Session) -> str:
        return self._tokens.seal(json.dumps(asdict(session), separators=(",", ":")).encode())

    def open(self, token: str, now: float) -> Session:
        """The session in `token`, or SessionInvalidError / SessionExpiredError saying why not."""
        try:
            payload = self._tokens.open(token, MAX_TOKEN_LENGTH)
        except TokenError as exc:
            raise SessionInvalidError(str(exc)) from exc
        try:
            fields = json.loads(payload)
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


def _well_typed(session: Session) -> bool:
    return (
        isinstance(session.subject, str)
        and (session.handle is None or isinstance(session.handle, str))
        and isinstance(session.name, str)
        and isinstance(session.email, str)
        and type(session.issued_at) is int
        and type(session.expires_at) is int
    )
