"""The `seen` token: a post as one person's client saw it, handed out with every post (and with
every reaction's answer) and sent back, as the `seen` field, with a reaction on that post or a
reply to it.

It lets a container that never read the post write in one request: what the write depends on (the
post's space and parent, whether it was answered, its reaction version, counts and this person's
reactions) comes from the token, and the write names all of it in its condition. It is not signed,
because nothing in it is trusted: a stale or forged token makes DynamoDB refuse the write and hand
the post back, so it costs its sender one more request, never a wrong count or a wrong answer.

A token is URL-safe base64 of a short JSON array; one that does not decode is refused (400).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chalicelib.errors import InvalidInputError
from chalicelib.posts.persistence.base import KINDS, Post, Seen

FORMAT = 1
MAX_LENGTH = 512  # a token of a post with the longest handles and slugs is about 200 characters
MAX_COUNT = 10**9


def token(seen: Seen) -> str:
    fields = [
        FORMAT,
        seen.space,
        seen.parent,
        seen.author,
        int(seen.answered),
        int(seen.open),
        seen.reaction_version,
        [seen.reaction_count(kind) for kind in KINDS],
        [int(kind in seen.mine) for kind in KINDS],
    ]
    raw = json.dumps(fields, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def of(post: Post, handle: str | None) -> str:
    return token(Seen.of(post, handle))


def parse(value: object, post_id: str) -> Seen | None:
    """The token sent with a write on `post_id` (None when none was sent)."""
    if value is None or value == "":
        return None
    try:
        return _parse(value, post_id)
    except (ValueError, TypeError, binascii.Error, UnicodeError) as exc:
        raise InvalidInputError(
            f"seen: {exc}",
            message="`seen` is not a token this API gave with the post: send it back as it came, or leave it out.",
        ) from exc


def _parse(value: object, post_id: str) -> Seen:
    if not isinstance(value, str) or len(value) > MAX_LENGTH or not value.isascii():
        raise ValueError("not a short ASCII string")
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    fields: Any = json.loads(raw)
    if not isinstance(fields, list) or len(fields) != 9 or fields[0] != FORMAT:
        raise ValueError("not a token of this format")
    _, space, parent, author, answered, open_, version, counts, mine = fields
    if not all(isinstance(text, str) and text for text in (space, author)):
        raise ValueError("no space or author")
    if parent is not None and not (isinstance(parent, str) and parent):
        raise ValueError("a parent that is not an id")
    numbers = [answered, open_, version, *_exactly(counts), *_exactly(mine)]
    if not all(type(number) is int and 0 <= number <= MAX_COUNT for number in numbers):
        raise ValueError("a count that is not a whole number")
    return Seen(
        id=post_id,
        space=space,
        parent=parent,
        author=author,
        answered=bool(answered),
        open=bool(open_),
        reaction_version=version,
        counts=dict(zip(KINDS, counts, strict=True)),
        mine=frozenset(kind for kind, on in zip(KINDS, mine, strict=True) if on),
    )


def _exactly(values: object) -> list[object]:
    if not isinstance(values, list) or len(values) != len(KINDS):
        raise ValueError("not one value per reaction kind")
    return values
