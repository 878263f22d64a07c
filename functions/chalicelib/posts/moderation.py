"""Stewards hide a post in their space, with a reason the author sees, and restore it.

Stewardship comes from the directory. The write needs no read first: its condition says the post's
space is one of the spaces this person stewards. Only a refusal costs a read, to tell "no such
post" from "not your space".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalicelib.errors import InvalidInputError, NotStewardError
from chalicelib.posts.actors import Actor
from chalicelib.posts.authoring import check_post_id, iso
from chalicelib.posts.persistence.base import Hidden, Post, PostsStore, WriteRefusedError

MAX_REASON = 500
# DynamoDB allows at most 100 operands in IN; a steward of more spaces is checked after a read.
MAX_IN_OPERANDS = 99


def clean_reason(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInputError("no reason", message="Say why the post is hidden: its author will see the reason.")
    reason = " ".join(raw.split())
    if len(reason) > MAX_REASON:
        raise InvalidInputError(
            f"reason has {len(reason)} characters",
            message=f"A reason can have at most 500 characters; this one has {len(reason):,}.",
        )
    return reason


def hide(store: PostsStore, actor: Actor, post_id: str, reason: Any, *, clock: Callable[[], float] = time.time) -> Post:
    steward = actor.writer()
    check_post_id(post_id)
    return _moderate(store, actor, post_id, Hidden(by=steward, reason=clean_reason(reason), at=iso(clock())))


def restore(store: PostsStore, actor: Actor, post_id: str) -> Post:
    actor.writer()
    check_post_id(post_id)
    return _moderate(store, actor, post_id, None)


def _moderate(store: PostsStore, actor: Actor, post_id: str, hidden: Hidden | None) -> Post:
    spaces = sorted(actor.stewards_of)
    if not spaces:
        store.get(post_id)  # a missing post is a 404 even for someone who stewards nothing
        raise NotStewardError(f"{actor.handle} stewards no space")
    if len(spaces) > MAX_IN_OPERANDS:
        spaces = [store.get(post_id).space]
        if not actor.stewards(spaces[0]):
            raise NotStewardError(f"{actor.handle} does not steward {spaces[0]}")
    try:
        return store.set_hidden(post_id, spaces, hidden)
    except WriteRefusedError as exc:
        current = store.get(post_id)
        raise NotStewardError(f"{actor.handle} does not steward {current.space}") from exc
