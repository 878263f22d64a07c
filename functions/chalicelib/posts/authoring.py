"""Posts and replies: write them (one TransactWrite each, idempotent), and read one with its thread.

A create is one round trip: the post, its idempotency key and the author's rate counter are written
in one TransactWrite. Only when that transaction is cancelled do we read, to find out why: a retry
of the same request (answer with the first post), a parent that cannot take replies, or a limit.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.directory import Directory
from chalicelib.errors import (
    IdempotencyKeyReusedError,
    InvalidInputError,
    PostClosedError,
    RateLimitedError,
    ReplyDepthError,
    StorageUnavailableError,
    UnknownPostError,
    UnknownSpaceError,
)
from chalicelib.posts import ratelimit
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence.store import Store, cancellation_codes
from chalicelib.posts.rendering import MAX_LENGTH, Rendered, render

if TYPE_CHECKING:
    from chalicelib.posts.persistence.dynamodb import PostItem

POST_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
MAX_THREAD_ITEMS = 300
ATTEMPTS = 3
CONDITION_FAILED = "ConditionalCheckFailed"
CONFLICT = "TransactionConflict"


@dataclass(frozen=True)
class Created:
    post: PostItem
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


def _new_post(
    models: Any,
    *,
    post_id: str,
    space: str,
    parent: str | None,
    author: str,
    source: str,
    rendered: Rendered,
    now: float,
) -> PostItem:
    top_level = parent is None
    post: PostItem = models.PostItem(
        *models.post_key(post_id),
        id=post_id,
        space=space,
        parent=parent,
        thread=parent or post_id,
        author=author,
        created_at=iso(now),
        version=1,
        body=source,
        html=rendered.html,
        mentions=list(rendered.mentions),
        space_feed=space if top_level else None,
        org_feed=models.ORG_FEED if top_level else None,
        author_feed=author if top_level else None,
    )
    return post


def _new_id(now: float) -> str:
    from ulid import ULID

    return str(ULID.from_timestamp(now))


def create_post(
    store: Store,
    directory: Directory,
    actor: Actor,
    slug: str,
    body: Any,
    key: str | None,
    *,
    clock: Callable[[], float] = time.time,
) -> Created:
    author = actor.writer()
    if directory.space(slug) is None:
        raise UnknownSpaceError(f"no space {slug[:80]!r}")
    source = clean_body(body)
    key = check_idempotency_key(key)
    return _create(store, directory, author, slug, None, source, key, _fingerprint("post", slug, source), clock)


def create_reply(
    store: Store,
    directory: Directory,
    actor: Actor,
    parent_id: str,
    body: Any,
    key: str | None,
    *,
    space_hint: str | None = None,
    clock: Callable[[], float] = time.time,
) -> Created:
    """A reply to a top-level post. `space_hint` is the parent's space as the client saw it: the
    transaction checks it, which saves reading the parent first."""
    author = actor.writer()
    check_post_id(parent_id)
    source = clean_body(body)
    key = check_idempotency_key(key)
    space = space_hint if space_hint and directory.space(space_hint) is not None else None
    if space is None:
        space = _open_parent(get_post(store, parent_id)).space
    fingerprint = _fingerprint("reply", parent_id, source)
    return _create(store, directory, author, space, parent_id, source, key, fingerprint, clock)


def _create(
    store: Store,
    directory: Directory,
    author: str,
    space: str,
    parent_id: str | None,
    source: str,
    key: str,
    fingerprint: str,
    clock: Callable[[], float],
) -> Created:
    """Write a post or reply, trying again on a transaction conflict; a replay answers the first."""
    models = store.models()
    rendered = render(source, lambda handle: directory.by_handle(handle) is not None)
    parent_at = None if parent_id is None else 2  # the parent's place in the transaction
    for _ in range(ATTEMPTS):
        now = clock()
        post = _new_post(
            models,
            post_id=_new_id(now),
            space=space,
            parent=parent_id,
            author=author,
            source=source,
            rendered=rendered,
            now=now,
        )
        try:
            _write(models, post, parent_id, author, key, fingerprint, now, store.settings.post_rate_per_minute)
            return Created(post, replayed=False)
        except _Cancelled as cancelled:
            replay = _after_cancel(models, cancelled.codes, author, key, fingerprint, parent_at=parent_at)
            if replay is not None:
                return replay
            if parent_id is not None and cancelled.codes[2] == CONDITION_FAILED:
                # The parent refused: say why, or learn its real space and go again.
                space = _open_parent(get_post(store, parent_id)).space
    raise StorageUnavailableError(f"create in {space} (parent {parent_id}) kept conflicting")


def _open_parent(parent: PostItem) -> PostItem:
    if parent.parent is not None:
        raise ReplyDepthError(f"{parent.id} is itself a reply")
    if parent.deleted or parent.hidden is not None:
        raise PostClosedError(f"{parent.id} is deleted or hidden")
    return parent


class _Cancelled(Exception):
    def __init__(self, codes: list[str | None]) -> None:
        super().__init__(codes)
        self.codes = codes


def _write(
    models: Any,
    post: PostItem,
    parent_id: str | None,
    author: str,
    key: str,
    fingerprint: str,
    now: float,
    rate_limit: int,
) -> None:
    """One TransactWrite: [post, idempotency key] put, then [parent, rate counter] updated."""
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    Posts, IdempotencyItem, RateItem = models.PostItem, models.IdempotencyItem, models.RateItem
    minute, rate_expiry = ratelimit.minute_bucket(now)
    connection = Posts._get_connection().connection
    try:
        with TransactWrite(connection=connection) as transaction:
            transaction.save(post, condition=Posts.pk.does_not_exist())
            transaction.save(
                IdempotencyItem(
                    f"IDEM#{author}#{key}",
                    "IDEM",
                    post_id=post.id,
                    fingerprint=fingerprint,
                    expires_at=datetime.fromtimestamp(now + IDEMPOTENCY_TTL_SECONDS, UTC),
                ),
                condition=IdempotencyItem.pk.does_not_exist(),
            )
            if parent_id is not None:
                transaction.update(
                    Posts(*models.post_key(parent_id)),
                    actions=[Posts.reply_count.add(1)],
                    condition=(
                        Posts.pk.exists()
                        & (Posts.space == post.space)
                        & Posts.parent.does_not_exist()
                        & (Posts.deleted == False)  # noqa: E712  (a DynamoDB condition, not a test)
                        & Posts.hidden.does_not_exist()
                    ),
                )
            transaction.update(
                RateItem(f"RATE#{author}", minute),
                actions=[RateItem.posts.add(1), RateItem.expires_at.set(datetime.fromtimestamp(rate_expiry, UTC))],
                condition=RateItem.posts.does_not_exist() | (RateItem.posts < rate_limit),
            )
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        if not codes:
            raise StorageUnavailableError(f"create failed: {exc.cause_response_code}: {exc}") from exc
        raise _Cancelled(codes) from exc


def _after_cancel(
    models: Any, codes: list[str | None], author: str, key: str, fingerprint: str, parent_at: int | None
) -> Created | None:
    """Why the create was cancelled. A replay answers the first post; None means go again."""
    if codes[1] in (CONDITION_FAILED, CONFLICT):
        first = _replayed(models, author, key, fingerprint)
        if first is not None:
            return first
    if codes[-1] == CONDITION_FAILED:
        raise RateLimitedError(f"{author} created too many posts this minute")
    if parent_at is not None and codes[parent_at] == CONDITION_FAILED:
        return None
    if any(code == CONFLICT for code in codes):
        return None
    raise StorageUnavailableError(f"create cancelled: {codes}")


def _replayed(models: Any, author: str, key: str, fingerprint: str) -> Created | None:
    try:
        record = models.IdempotencyItem.get(f"IDEM#{author}#{key}", "IDEM", consistent_read=True)
    except models.IdempotencyItem.DoesNotExist:
        return None  # the other request has not committed yet
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReusedError(f"{author} reused key {key} for a different request")
    try:
        post = models.PostItem.get(*models.post_key(record.post_id), consistent_read=True)
    except models.PostItem.DoesNotExist as exc:
        raise UnknownPostError(f"idempotency key {key} names missing post {record.post_id}") from exc
    return Created(post, replayed=True)


def get_post(store: Store, post_id: str) -> PostItem:
    """One post or reply, read consistently (one GetItem)."""
    check_post_id(post_id)
    models = store.models()
    try:
        post: PostItem = models.PostItem.get(*models.post_key(post_id), consistent_read=True)
    except models.PostItem.DoesNotExist as exc:
        raise UnknownPostError(f"no post {post_id}") from exc
    return post


def thread(store: Store, post_id: str) -> tuple[PostItem, list[PostItem]]:
    """A post and its replies, oldest first: one Query on the thread index. A reply, or a post so
    new that the index has not caught up with it, is read directly instead."""
    check_post_id(post_id)
    models = store.models()
    items = list(
        models.PostItem.thread_index.query(post_id, limit=MAX_THREAD_ITEMS + 1, page_size=MAX_THREAD_ITEMS + 1)
    )
    root = next((item for item in items if item.id == post_id), None)
    if root is None:
        return get_post(store, post_id), []
    replies = sorted((item for item in items if item.id != post_id), key=lambda item: item.id)
    return root, replies
