"""Opaque page cursors: where the next page of a feed starts, signed so nobody can forge or move
one to another feed.

Format: `c2.<key id>.<payload>.<signature>`: the payload is base64url JSON `{"f": feed, "k": key}`
(the store's position where the page ended: key names and string values), the signature
HMAC-SHA256 with a key derived from the deployer's session keys. The first key signs and all
verify, as for sessions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from chalicelib.config import SessionKey
from chalicelib.errors import BadCursorError
from chalicelib.signing import TokenError, TokenSigner

VERSION = "c2"
MAX_LENGTH = 1024
# The attributes a feed's last evaluated key may hold: the table's and the indexes' keys.
KEY_ATTRIBUTES = frozenset({"pk", "sk", "id", "space_feed", "org_feed", "author_feed", "thread"})

LastKey = dict[str, str]  # persistence.base.Position


class CursorSigner:
    def __init__(self, keys: Sequence[SessionKey]) -> None:
        self._tokens = TokenSigner(keys, purpose="feed-cursor", version=VERSION, what="cursor")

    def seal(self, feed: str, last_key: LastKey) -> str:
        return self._tokens.seal(json.dumps({"f": feed, "k": last_key}, separators=(",", ":")).encode())

    def open(self, cursor: str, feed: str) -> LastKey:
        """The last key in `cursor`, if it is genuine and was made for `feed`; BadCursorError if not."""
        try:
            document = json.loads(self._tokens.open(cursor, MAX_LENGTH))
        except TokenError as exc:
            raise BadCursorError(str(exc)) from exc
        except ValueError as exc:
            raise BadCursorError("cursor payload is not JSON") from exc
        if not isinstance(document, dict) or document.get("f") != feed:
            raise BadCursorError(f"cursor was made for another feed than {feed}")
        last_key: Any = document.get("k")
        if not _is_last_key(last_key):
            raise BadCursorError("cursor holds no valid key")
        return {name: value for name, value in last_key.items()}


def _is_last_key(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and 0 < len(value) <= len(KEY_ATTRIBUTES)
        and all(
            name in KEY_ATTRIBUTES and isinstance(item, str) and 0 < len(item) <= 200 for name, item in value.items()
        )
    )
