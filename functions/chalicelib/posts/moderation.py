"""Stewards hide a post in their space, with a reason the author sees, and restore it.

Stewardship comes from the directory. The write needs no read first: its condition says the post's
space is one of the spaces this person stewards (`space IN (...)`). Only a refusal costs a read,
to tell "no such post" from "not your space".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalicelib.errors import InvalidInputError, NotStewardError
from chalicelib.posts.actors import Actor
from chalicelib.posts.authoring import check_post_id, get_post, iso
from chalicelib.posts.persistence.store import Store, failed_condition

if TYPE_CHECKING:
    from chalicelib.posts.persistence.dynamodb import PostItem

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


def hide(store: Store, actor: Actor, post_id: str, reason: Any, *, clock: Callable[[], float] = time.time) -> PostItem:
    steward = actor.writer()
    check_post_id(post_id)
    text = clean_reason(reason)
    models = store.models()
    mark = models.HiddenMark(by=steward, reason=text, at=iso(clock()))
    return _moderate(store, actor, post_id, [models.PostItem.hidden.set(mark)])


def restore(store: Store, actor: Actor, post_id: str) -> PostItem:
    actor.writer()
    check_post_id(post_id)
    return _moderate(store, actor, post_id, [store.models().PostItem.hidden.remove()])


def _moderate(store: Store, actor: Actor, post_id: str, actions: list[Any]) -> PostItem:
    from pynamodb.exceptions import UpdateError

    models = store.models()
    Posts = models.PostItem
    spaces = sorted(actor.stewards_of)
    if not spaces:
        get_post(store, post_id)  # a missing post is a 404 even for someone who stewards nothing
        raise NotStewardError(f"{actor.handle} stewards no space")
    if len(spaces) > MAX_IN_OPERANDS:
        spaces = [get_post(store, post_id).space]
        if not actor.stewards(spaces[0]):
            raise NotStewardError(f"{actor.handle} does not steward {spaces[0]}")
    post: PostItem = Posts(*models.post_key(post_id))
    try:
        post.update(actions=actions, condition=Posts.pk.exists() & Posts.space.is_in(*spaces))
    except UpdateError as exc:
        if not failed_condition(exc):
            raise
        current = get_post(store, post_id)
        raise NotStewardError(f"{actor.handle} does not steward {current.space}") from exc
    return post
