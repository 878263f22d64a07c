"""Reply addresses: `reply+<token>@<mail domain>`, one per post and recipient, that expire.

An address's local part holds at most 64 characters, and mail systems may change its case, so
the token is 46 lower-case base32 characters: the post's id (26), the day it expires (4), and an
80-bit HMAC (16) over the post, the expiry and the recipient's handle. The handle itself is not in
it: a reply is checked against the person who sent it, so only the recipient's reply verifies.
The first configured key signs; every key verifies, as for sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.config import SessionKey
from chalicelib.signing import derive_key

PREFIX = "reply+"
DAY = 86_400
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's, as ULIDs use, in lower case
_TOKEN = re.compile(r"^[0-9a-hjkmnp-tv-z]{46}$")
MAC_CHARACTERS = 16


@dataclass(frozen=True)
class ReplyToken:
    post_id: str
    expires_day: int  # days since 1970-01-01


class ReplyTokenError(ValueError):
    """Why a reply address was not accepted, in words for the log (and the answer's reason code)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason  # "damaged-token", "expired-token" or "not-your-token"


class ReplyTokens:
    def __init__(self, keys: Sequence[SessionKey], lifetime_days: int) -> None:
        if not keys:
            raise ValueError("at least one key is required")
        self._keys = [derive_key(key.secret, "mail-reply") for key in keys]
        self._lifetime_days = lifetime_days

    def address(self, post_id: str, recipient: str, domain: str, now: float) -> str:
        """The Reply-To for one post's mail to one person."""
        day = int(now // DAY) + self._lifetime_days
        body = post_id.lower() + _base32(day, 4)
        return f"{PREFIX}{body}{self._mac(self._keys[0], body, recipient)}@{domain}"

    def open(self, token: str, sender: str, now: float) -> ReplyToken:
        """The post a reply from `sender` (their handle) answers; ReplyTokenError saying why not."""
        token = token.lower()
        if not _TOKEN.match(token):
            raise ReplyTokenError("damaged-token", f"reply token {token[:60]!r} is not one of ours")
        body, mac = token[:30], token[30:]
        if not any(hmac.compare_digest(self._mac(key, body, sender), mac) for key in self._keys):
            # Damaged, or made for someone else: both mean the sender may not reply with it.
            raise ReplyTokenError("not-your-token", f"reply token does not verify for {sender}")
        expires_day = _from_base32(body[26:])
        if int(now // DAY) > expires_day:
            raise ReplyTokenError("expired-token", f"reply token expired on day {expires_day}")
        return ReplyToken(post_id=body[:26].upper(), expires_day=expires_day)

    @staticmethod
    def _mac(key: bytes, body: str, recipient: str) -> str:
        digest = hmac.new(key, f"{body}\n{recipient.lower()}".encode(), hashlib.sha256).digest()
        return _base32(int.from_bytes(digest[:10], "big"), MAC_CHARACTERS)


def _base32(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, digit = divmod(number, 32)
        out.append(_ALPHABET[digit])
    return "".join(reversed(out))


def _from_base32(text: str) -> int:
    number = 0
    for character in text:
        number = number * 32 + _ALPHABET.index(character)
    return number
