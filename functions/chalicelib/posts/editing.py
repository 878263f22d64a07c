"""The author's changes to their own post or reply: edit (with optimistic locking) and delete (a
tombstone, so replies stay). Each is one conditional write that answers the new post; only a
refusal costs a read, to say why: not found, not yours, deleted, or stale.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from chalicelib.directory import Directory
from chalicelib.errors import InvalidInputError, NotYourPostError, PostClosedError, StaleVersionError
from chalicelib.posts.actors import Actor
from chalicelib.posts.authoring import check_post_id, clean_body, iso
from chalicelib.posts.persistence.base import Edit, Post, PostsStore, WriteRefusedError
from chalicelib.posts.rendering import render

# Far above any real version, and far below DynamoDB's 38 digits: a larger number in the condition
# would be a ValidationException (a 503), where it is plainly a bad request.
MAX_VERSION = 2**53


def check_version(raw: Any) -> int:
    if isinstance(raw, str) and raw.isascii() and raw.isdecimal() and len(raw) <= 20:
        raw = int(raw)
    if type(raw) is not int or not 1 <= raw <= MAX_VERSION:
        raise InvalidInputError(
            "bad version", message="An edit names the version it changes: the post's `version`, a whole number."
        )
    return raw


def edit(
    store: PostsStore,
    directory: Directory,
    actor: Actor,
    post_id: str,
    body: Any,
    version: Any,
    *,
    clock: Callable[[], float] = time.time,
) -> Post:
    author = actor.writer()
    check_post_id(post_id)
    source = clean_body(body)
    expected = check_version(version)
    rendered = render(source, lambda handle: directory.by_handle(handle) is not None)
    change = Edit(body=source, html=rendered.html, mentions=tuple(rendered.mentions), at=iso(clock()))
    try:
        return store.edit(post_id, author, expected, change)
    except WriteRefusedError as exc:
        current = store.get(post_id)
        if current.author != author:
            raise NotYourPostError(f"{author} may not edit {post_id} by {current.author}") from exc
        if current.deleted:
            raise PostClosedError(f"{post_id} is deleted") from exc
        raise StaleVersionError(f"{post_id} is at version {current.version}, not {expected}") from exc


def delete(store: PostsStore, actor: Actor, post_id: str, *, clock: Callable[[], float] = time.time) -> Post:
    """Leave a tombstone: no body, no HTML, no mentions; reactions, replies and outcome stay."""
    author = actor.writer()
    check_post_id(post_id)
    try:
        return store.delete(post_id, author, iso(clock()))
    except WriteRefusedError as exc:
        current = store.get(post_id)
        if current.author != author:
            raise NotYourPostError(f"{author} may not delete {post_id} by {current.author}") from exc
        return current  # already deleted: deleting again changes nothing
