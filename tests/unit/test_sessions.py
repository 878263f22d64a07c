"""Session cookies: signed with the deployer's keys, rotated with a grace period, hard to forge."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.auth.sessions import Session, SessionSigner
from chalicelib.config import SessionKey
from chalicelib.errors import SessionExpiredError, SessionInvalidError
from chalicelib.signing import TokenSigner

NOW = 1_800_000_000
CURRENT = SessionKey("2026-11", b"c" * 32)
PREVIOUS = SessionKey("2026-05", b"p" * 32)


def _session(**changes: object) -> Session:
    fields: dict[str, object] = {
        "subject": "sub-1",
        "handle": "jane.doe",
        "name": "Jane Doe",
        "email": "jane.doe@example.com",
        "issued_at": NOW,
        "expires_at": NOW + 12 * 3600,
    }
    fields.update(changes)
    return Session(**fields)  # type: ignore[arg-type]


def test_a_sealed_session_opens_to_the_same_session() -> None:
    signer = SessionSigner([CURRENT])
    token = signer.seal(_session())
    assert token.startswith("s1.2026-11.")
    assert signer.open(token, NOW + 1) == _session()


def test_staff_without_a_handle_round_trip() -> None:
    signer = SessionSigner([CURRENT])
    assert signer.open(signer.seal(_session(handle=None)), NOW).handle is None


def test_the_first_key_signs_and_every_listed_key_verifies() -> None:
    before = SessionSigner([PREVIOUS]).seal(_session())
    rotated = SessionSigner([CURRENT, PREVIOUS])
    assert rotated.open(before, NOW) == _session()
    assert rotated.seal(_session()).startswith("s1.2026-11.")


def test_a_retired_key_no_longer_verifies() -> None:
    before = SessionSigner([PREVIOUS]).seal(_session())
    with pytest.raises(SessionInvalidError, match="unknown or retired key '2026-05'"):
        SessionSigner([CURRENT]).open(before, NOW)


def test_the_same_key_id_with_another_secret_is_a_forgery() -> None:
    forged = SessionSigner([SessionKey(CURRENT.key_id, b"x" * 32)]).seal(_session())
    with pytest.raises(SessionInvalidError, match="signature does not verify"):
        SessionSigner([CURRENT]).open(forged, NOW)


def test_an_edited_payload_breaks_the_signature() -> None:
    signer = SessionSigner([CURRENT])
    version, key_id, payload, signature = signer.seal(_session()).split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields["handle"] = "someone.else"
    edited = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    with pytest.raises(SessionInvalidError, match="signature does not verify"):
        signer.open(f"{version}.{key_id}.{edited}.{signature}", NOW)


def test_an_expired_session_is_refused() -> None:
    signer = SessionSigner([CURRENT])
    token = signer.seal(_session())
    with pytest.raises(SessionExpiredError):
        signer.open(token, NOW + 12 * 3600)


def test_a_session_issued_in_the_future_is_refused() -> None:
    signer = SessionSigner([CURRENT])
    with pytest.raises(SessionInvalidError, match="issued in the future"):
        signer.open(signer.seal(_session(issued_at=NOW + 3600, expires_at=NOW + 7200)), NOW)


@pytest.mark.parametrize("token", ["", "s1", "s1.a.b", "s2.2026-11.e30.sig", "s1.2026-11.e30.sig.extra", "x" * 5000])
def test_malformed_cookies_are_refused(token: str) -> None:
    with pytest.raises(SessionInvalidError):
        SessionSigner([CURRENT]).open(token, NOW)


def test_a_correctly_signed_payload_of_the_wrong_shape_is_refused() -> None:
    signer = SessionSigner([CURRENT])
    # Signed exactly as sessions are, by the same keys for the same purpose.
    tokens = TokenSigner([CURRENT], purpose="session", version="s1", what="session cookie")
    token = tokens.seal(json.dumps({"subject": 1}).encode())
    with pytest.raises(SessionInvalidError, match="not a session"):
        signer.open(token, NOW)


def test_wrong_types_inside_a_signed_payload_are_refused() -> None:
    signer = SessionSigner([CURRENT])
    token = signer.seal(_session(expires_at="never"))
    with pytest.raises(SessionInvalidError, match="wrong types"):
        signer.open(token, NOW)


@pytest.mark.parametrize("token", ["s1.2026-11.é.x", "s1.2026-11.e30.é", "s1.2026-11.\udc00.x"])
def test_a_session_cookie_with_non_ascii_text_is_invalid_not_a_crash(token: str) -> None:
    with pytest.raises(SessionInvalidError, match="session cookie is malformed"):
        SessionSigner([CURRENT]).open(token, NOW)
