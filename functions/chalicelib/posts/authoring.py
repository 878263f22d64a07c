"""Posts and replies: write them, once each, whatever the retries.

A create is one write to the store: the post, its idempotency record and the author's rate count
together. Only when the store refuses do we read, to find out why: a retry of the same request
(answer with the first post), a parent that cannot take replies, or the rate limit.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from chalicelib.directory import Directory
from chalicelib.errors import (
    IdempotencyKeyReusedError,
    InvalidInputError,
    PostClosedError,
    ReplyDepthError,
    StorageUnavailableError,
    UnknownPostError,
    UnknownSpaceError,
)
from chalicelib.posts import ratelimit
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence.base import (
    IdempotencyKeyTakenError,
    IdempotencyRecord,
    ParentRefusedError,
    Post,
    PostsStore,
    RateCount,
    Seen,
    WriteConflictError,
)
from chalicelib.posts.rendering import MAX_LENGTH, render

POST_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
ATTEMPTS = 3


@dataclass(frozen=True)
class Created:
    post: Post
    replayed: bool  # True: this request repeated an earlier one, and nothing new was written


def iso(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def clean_body(raw: Any) -> str:
    """Markdown source of 1 to 5,000 characters (after trimming, with newlines as \\n)."""
    if not isinstance(raw, str):
        raise InvalidInputError("body is not text", message="A post needs a body: its text, in Markdown.")
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if not text:
        raise InvalidInputError("empty body", message="A post cannot be empty: write 1 to 5,000 characters.")
    if len(text) > MAX_LENGTH:
        raise InvalidInputError(
            f"body has {len(text)} characters",
            message=f"A post can have at most 5,000 characters; this one has {len(text):,}.",
        )
    return text


def check_idempotency_key(key: str | None) -> str:
    if not key:
        raise InvalidInputError(
            "no idempotency key",
            message="Every new post carries an idempotency key (the Idempotency-Key header or the "
            "idempotency_key form field), so that a retry never posts twice.",
        )
    if not IDEMPOTENCY_KEY.match(key):
        raise InvalidInputError(
            "bad idempotency key", message="The idempotency key must be 8 to 128 letters, digits, - or _."
        )
    return key


def check_post_id(post_id: str) -> str:
    if not POST_ID.match(post_id):
        raise UnknownPostError(f"{post_id[:40]!r} is not a post id")
    return post_id


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _new_id(now: float) -> str:
    from ulid import ULID

    return str(ULID.from_timestamp(now))


def create_post(
    store: PostsStore,
    directory: Directory,
    actor: Actor,
    slug: str,
    body: Any,
    key: str | None,
    *,
    rate_limit: int,
    clock: Callable[[], float] = time.time,
) -> Created:
    author = actor.writer()
    if directory.space(slug) is None:
        raise UnknownSpaceError(f"no space {slug[:80]!r}")
    source = clean_body(body)
    key = check_idempotency_key(key)
    draft = _Draft(author, slug, None, source, key, _fingerprint("post", slug, source))
    return _create(store, directory, draft, rate_limit, clock)


def create_reply(
    store: PostsStore,
    directory: Directory,
    actor: Actor,
    parent_id: str,
    body: Any,
    key: str | None,
    *,
    rate_limit: int,
    space_hint: str | None = None,
    parent_seen: Seen | None = None,
    clock: Callable[[], float] = time.time,
) -> Created:
    """A reply to a top-level post. `space_hint` is the parent's space as the client saw it, and
    `parent_seen` the parent as it saw it: the store checks both, which saves reading the parent
    first and, where this container does not know the parent, guessing its answer wrong."""
    author = actor.writer()
    check_post_id(parent_id)
    source = clean_body(body)
    key = check_idempotency_key(key)
    hint = space_hint or (parent_seen.space if parent_seen is not None else None)
    space = hint if hint and directory.space(hint) is not None else None
    if space is None:
        space = _open_parent(store.get(parent_id)).space
    draft = _Draft(author, space, parent_id, source, key, _fingerprint("reply", parent_id, source), parent_seen)
    return _create(store, directory, draft, rate_limit, clock)


@dataclass
class _Draft:
    author: str
    space: str
    parent: str | None
    source: str
    key: str
    fingerprint: str
    parent_seen: Seen | None = None


def _create(
    store: PostsStore, directory: Directory, draft: _Draft, rate_limit: int, clock: Callable[[], float]
) -> Created:
    """Write a post or reply, trying again on a conflict; a replay answers the first."""
    rendered = render(draft.source, lambda handle: directory.by_handle(handle) is not None)
    for _ in range(ATTEMPTS):
        now = clock()
        post_id = _new_id(now)
        post = Post(
            id=post_id,
            space=draft.space,
            parent=draft.parent,
            thread=draft.parent or post_id,
            author=draft.author,
            created_at=iso(now),
            body=draft.source,
            html=rendered.html,
            mentions=tuple(rendered.mentions),
        )
        minute, rate_expiry = ratelimit.minute_bucket(now)
        record = IdempotencyRecord(draft.author, draft.key, draft.fingerprint, post_id, now + IDEMPOTENCY_TTL_SECONDS)
        try:
            store.create(
                post, record, RateCount(draft.author, minute, rate_limit, rate_expiry), parent_seen=draft.parent_seen
            )
            return Created(post, replayed=False)
        except IdempotencyKeyTakenError:
            first = _replayed(store, draft)
            if first is not None:
                return first  # else the first request has not committed yet: go again
        except ParentRefusedError:
            assert draft.parent is not None
            # Say why, or learn the parent's real space and go again.
            draft.space = _open_parent(store.get(draft.parent)).space
            draft.parent_seen = None
        except WriteConflictError:
            pass
    raise StorageUnavailableError(f"create in {draft.space} (parent {draft.parent}) kept conflicting")


def _open_parent(parent: Post) -> Post:
    if parent.parent is not None:
        raise ReplyDepthError(f"{parent.id} is itself a reply")
    if not parent.open:
        raise PostClosedError(f"{parent.id} is deleted or hidden")
    return parent


def _replayed(store: PostsStore, draft: _Draft) -> Created | None:
    record = store.idempotency(draft.author, draft.key)
    if record is None:
        return None
    if record.fingerprint != draft.fingerprint:
        raise IdempotencyKeyReusedError(f"{draft.author} reused key {draft.key} for a different request")
    try:
        return Created(store.get(record.post_id), replayed=True)
    except UnknownPostError as exc:
        raise UnknownPostError(f"idempotency key {draft.key} names missing post {record.post_id}") from exc
