"""The sign-in transaction: `state`, `nonce`, PKCE verifier and return path, kept between
`/auth/login` and `/auth/callback` in a short-lived cookie encrypted with AES-256-GCM.

The cookie is scoped to the callback path and lives ten minutes; it is deleted once used.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from chalicelib._encoding import b64url_decode, b64url_encode
from chalicelib.config import SessionKey
from chalicelib.errors import IncompleteTransactionError, TransactionExpiredError, TransactionInvalidError
from chalicelib.signing import derive_key

VERSION = "t1"
COOKIE = "commons-signin"
COOKIE_PATH = "/auth/callback"
LIFETIME_SECONDS = 600
MAX_TOKEN_LENGTH = 3500


@dataclass(frozen=True)
class Transaction:
    state: str
    nonce: str
    code_verifier: str
    next_path: str
    expires_at: int


class TransactionSealer:
    def __init__(self, keys: Sequence[SessionKey]) -> None:
        if not keys:
            raise ValueError("at least one key is required")
        self._current = keys[0].key_id
        self._keys = {k.key_id: derive_key(k.secret, "signin-transaction") for k in keys}

    def seal(self, transaction: Transaction) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        iv = os.urandom(12)
        plaintext = json.dumps(asdict(transaction), separators=(",", ":")).encode()
        header = f"{VERSION}.{self._current}"
        sealed = AESGCM(self._keys[self._current]).encrypt(iv, plaintext, header.encode())
        return f"{header}.{b64url_encode(iv + sealed)}"

    def open(self, token: str, now: float) -> Transaction:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        parts = token.split(".")
        if len(token) > MAX_TOKEN_LENGTH or len(parts) != 3 or parts[0] != VERSION:
            raise TransactionInvalidError("sign-in transaction cookie is malformed")
        key = self._keys.get(parts[1])
        if key is None:
            raise TransactionInvalidError("sign-in transaction cookie uses an unknown key")
        try:
            blob = b64url_decode(parts[2])
            plaintext = AESGCM(key).decrypt(blob[:12], blob[12:], f"{parts[0]}.{parts[1]}".encode())
            fields = json.loads(plaintext)
        except (ValueError, InvalidTag) as exc:
            raise TransactionInvalidError("sign-in transaction cookie does not decrypt") from exc
        if not isinstance(fields, dict):
            raise TransactionInvalidError("sign-in transaction cookie holds no transaction")
        for name in ("state", "nonce", "code_verifier"):
            if not isinstance(fields.get(name), str) or not fields[name]:
                raise IncompleteTransactionError(f"sign-in transaction has no {name}")
        expires_at = fields.get("expires_at")
        next_path = fields.get("next_path")
        if type(expires_at) is not int or not isinstance(next_path, str):
            raise TransactionInvalidError("sign-in transaction cookie has wrong types")
        transaction = Transaction(fields["state"], fields["nonce"], fields["code_verifier"], next_path, expires_at)
        if now >= transaction.expires_at:
            raise TransactionExpiredError(f"sign-in transaction expired at {transaction.expires_at}")
        return transaction
