"""Signed tokens made with the deployer's keys: `<version>.<key id>.<payload>.<signature>`.

The payload is base64url; the signature is HMAC-SHA256 with a key derived for one purpose from a
deployer secret. The first configured key signs and every configured key verifies, so tokens made
before a key rotation keep working while the old key stays listed. Sessions and feed cursors use it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from chalicelib._encoding import b64url_decode, b64url_encode
from chalicelib.config import SessionKey


def derive_key(secret: bytes, purpose: str) -> bytes:
    """One deployer secret, one independent key per use (sessions, cursors, sign-in transactions)."""
    return hmac.new(secret, f"commons/{purpose}".encode(), hashlib.sha256).digest()


class TokenError(ValueError):
    """Why a token was refused, in words for the log."""


class TokenSigner:
    def __init__(self, keys: Sequence[SessionKey], *, purpose: str, version: str, what: str) -> None:
        if not keys:
            raise ValueError("at least one key is required")
        self._current = keys[0].key_id
        self._keys = {k.key_id: derive_key(k.secret, purpose) for k in keys}
        self._version = version
        self._what = what  # how refusals name the token, e.g. "session cookie"

    def seal(self, payload: bytes) -> str:
        signed = f"{self._version}.{self._current}.{b64url_encode(payload)}"
        return f"{signed}.{_sign(self._keys[self._current], signed)}"

    def open(self, token: str, max_length: int) -> bytes:
        """The payload of a genuine token; TokenError saying why not."""
        parts = token.split(".")
        # Every genuine token is ASCII; anything else cannot be signed or compared, only refused.
        if len(token) > max_length or not token.isascii() or len(parts) != 4 or parts[0] != self._version:
            raise TokenError(f"{self._what} is malformed")
        version, key_id, payload, signature = parts
        key = self._keys.get(key_id)
        if key is None:
            raise TokenError(f"{self._what} is signed with an unknown or retired key {key_id[:32]!r}")
        if not hmac.compare_digest(_sign(key, f"{version}.{key_id}.{payload}"), signature):
            raise TokenError(f"{self._what} signature does not verify")
        try:
            return b64url_decode(payload)
        except ValueError as exc:
            raise TokenError(f"{self._what} payload is not base64url") from exc


def _sign(key: bytes, signed: str) -> str:
    return b64url_encode(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest())
