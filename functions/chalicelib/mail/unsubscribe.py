"""One-click unsubscribe links (RFC 8058): a signed token that names a person and what to stop.

Every mail carries one in `List-Unsubscribe` (what that mail is: the digest, new posts of one
space, mentions, replies) and one in its footer that stops all mail. The token is the link's whole
authority, so the link works without a session; it can only turn mail off, so a forged request
could do no harm even if one verified. Tokens do not expire: an old mail's link still works, until
the key that signed it is retired.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, cast, get_args

from chalicelib.config import SessionKey
from chalicelib.errors import BadRequestError
from chalicelib.mail.persistence.base import Preferences
from chalicelib.signing import TokenError, TokenSigner

Stop = Literal["digest", "space", "mentions", "replies", "all"]
STOPS: tuple[Stop, ...] = get_args(Stop)
MAX_TOKEN_LENGTH = 600
VERSION = "u1"


class UnsubscribeLinkError(BadRequestError):
    code = "bad-unsubscribe-link"
    title = "That unsubscribe link is not valid"
    message = (
        "The link was changed or cut short, so nothing was changed. Use the link in a recent mail from "
        "Commons, or choose what Commons mails you on your Mail preferences page."
    )


@dataclass(frozen=True)
class Unsubscribe:
    """Stop `stop` for `handle`: the digest, new posts of `space`, mentions, replies, or all mail."""

    handle: str
    stop: Stop
    space: str | None = None


class UnsubscribeTokens:
    def __init__(self, keys: Sequence[SessionKey]) -> None:
        self._tokens = TokenSigner(keys, purpose="mail-unsubscribe", version=VERSION, what="unsubscribe link")

    def seal(self, unsubscribe: Unsubscribe) -> str:
        payload = {"h": unsubscribe.handle, "w": unsubscribe.stop}
        if unsubscribe.space is not None:
            payload["s"] = unsubscribe.space
        return self._tokens.seal(json.dumps(payload, separators=(",", ":")).encode())

    def open(self, token: str | None) -> Unsubscribe:
        """What a genuine token stops; UnsubscribeLinkError for anything else."""
        if not token:
            raise UnsubscribeLinkError("unsubscribe link without a token")
        try:
            fields = json.loads(self._tokens.open(token, MAX_TOKEN_LENGTH))
        except TokenError as exc:
            raise UnsubscribeLinkError(str(exc)) from exc
        except ValueError as exc:  # signed by us, yet not our JSON: refuse it all the same
            raise UnsubscribeLinkError("unsubscribe link payload is not JSON") from exc
        handle, stop, space = (fields.get(k) if isinstance(fields, dict) else None for k in ("h", "w", "s"))
        if not isinstance(handle, str) or stop not in STOPS or (stop == "space") != isinstance(space, str):
            raise UnsubscribeLinkError("unsubscribe link payload has the wrong fields")
        return Unsubscribe(handle, cast(Stop, stop), space if isinstance(space, str) else None)


def apply(unsubscribe: Unsubscribe, preferences: Preferences, follows: frozenset[str]) -> Preferences:
    """The preferences with what the link names turned off. `follows` is what the person follows
    now (their defaults, if they never chose), from which a space is taken away."""
    if unsubscribe.stop == "digest":
        return replace(preferences, digest="off")
    if unsubscribe.stop == "mentions":
        return replace(preferences, mentions=False)
    if unsubscribe.stop == "replies":
        return replace(preferences, replies=False)
    if unsubscribe.stop == "space":
        return replace(preferences, follows=follows - {unsubscribe.space or ""})
    return Preferences(follows=preferences.follows, each_post=False, digest="off", mentions=False, replies=False)


def describe(unsubscribe: Unsubscribe, space_name: str | None = None) -> str:
    """What the link stops, for its pages: "the digest", "mail about new posts in Platform"..."""
    if unsubscribe.stop == "digest":
        return "the digest of new posts"
    if unsubscribe.stop == "mentions":
        return "mail when someone mentions you"
    if unsubscribe.stop == "replies":
        return "mail about replies to your posts and to threads you replied in"
    if unsubscribe.stop == "space":
        return f"mail about new posts in {space_name or unsubscribe.space}, in your digest too"
    return "all mail from Commons"
