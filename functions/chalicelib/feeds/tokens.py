"""Feed tokens: the whole authority of a feed link, as a feed reader cannot sign in.

A token is signed with the deployer's session keys (`chalicelib.signing`: the first key signs,
every configured key verifies, so links keep working through a key rotation until the old key is
retired) and names a person and their feed generation. Revoking moves the person to a new
generation (`persistence`), so every older token stops working. The same token opens the
organisation's feed and every space's: what a feed shows is decided by whom it names.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.config import SessionKey
from chalicelib.signing import TokenError, TokenSigner

VERSION = "f1"
MAX_TOKEN_LENGTH = 400
MAX_GENERATION = 2**53  # a JSON number every reader agrees on


@dataclass(frozen=True)
class FeedToken:
    handle: str
    generation: int


class FeedTokenError(ValueError):
    """Why a token was refused, in words for the log (never for the reader: see links.py)."""


class FeedTokens:
    def __init__(self, keys: Sequence[SessionKey]) -> None:
        self._tokens = TokenSigner(keys, purpose="feeds", version=VERSION, what="feed token")

    def seal(self, token: FeedToken) -> str:
        payload = {"h": token.handle, "g": token.generation}
        return self._tokens.seal(json.dumps(payload, separators=(",", ":")).encode())

    def open(self, token: str) -> FeedToken:
        """What a genuine token names; FeedTokenError for anything else."""
        try:
            fields = json.loads(self._tokens.open(token, MAX_TOKEN_LENGTH))
        except TokenError as exc:
            raise FeedTokenError(str(exc)) from exc
        except ValueError as exc:  # signed by us, yet not our JSON
            raise FeedTokenError("feed token payload is not JSON") from exc
        handle, generation = (fields.get(k) if isinstance(fields, dict) else None for k in ("h", "g"))
        if (
            not isinstance(handle, str)
            or not handle
            or isinstance(generation, bool)
            or not isinstance(generation, int)
            or not 0 <= generation <= MAX_GENERATION
        ):
            raise FeedTokenError("feed token payload has the wrong fields")
        return FeedToken(handle, generation)
