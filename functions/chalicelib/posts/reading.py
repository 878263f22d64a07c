"""Feeds, newest first, a page at a time: a space's, the org-wide one, and a person's. Each page is
one Query on an index; the cursor to the next page is DynamoDB's last evaluated key, signed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.directory import Directory
from chalicelib.errors import InvalidInputError, UnknownPersonError, UnknownSpaceError
from chalicelib.posts.actors import Actor
from chalicelib.posts.cursors import CursorSigner
from chalicelib.posts.persistence.store import Store

if TYPE_CHECKING:
    from chalicelib.posts.persistence.dynamodb import PostItem

DEFAULT_LIMIT = 20
MAX_LIMIT = 50


@dataclass(frozen=True)
class Page:
    posts: list[PostItem]
    next: str | None


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    # isdecimal, not isdigit: "²" is a digit that int() refuses; the length keeps int() cheap.
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 3 or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInputError("bad limit", message=f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def visible(post: PostItem, viewer: Actor) -> bool:
    """Hidden posts are for their author and the space's stewards; a deleted post stays in a feed
    only as the tombstone that holds its replies."""
    if post.hidden is not None and post.author != viewer.handle and not viewer.stewards(post.space):
        return False
    return not (post.deleted and not post.reply_count)


def space_feed(
    store: Store, directory: Directory, cursors: CursorSigner, viewer: Actor, slug: str, cursor: str | None, limit: int
) -> Page:
    if directory.space(slug) is None:
        raise UnknownSpaceError(f"no space {slug[:80]!r}")
    return _page(store, cursors, viewer, "space_index", slug, f"space:{slug}", cursor, limit)


def org_feed(store: Store, cursors: CursorSigner, viewer: Actor, cursor: str | None, limit: int) -> Page:
    return _page(store, cursors, viewer, "org_index", store.models().ORG_FEED, "org", cursor, limit)


def person_feed(
    store: Store,
    directory: Directory,
    cursors: CursorSigner,
    viewer: Actor,
    handle: str,
    cursor: str | None,
    limit: int,
) -> Page:
    person = directory.by_handle(handle)
    if person is None:
        raise UnknownPersonError(f"no person {handle[:80]!r}")
    return _page(store, cursors, viewer, "author_index", person.handle, f"person:{person.handle}", cursor, limit)


def _page(
    store: Store,
    cursors: CursorSigner,
    viewer: Actor,
    index_name: str,
    hash_key: str,
    feed: str,
    cursor: str | None,
    limit: int,
) -> Page:
    start = cursors.open(cursor, feed) if cursor else None
    index: Any = getattr(store.models().PostItem, index_name)
    results = index.query(hash_key, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start)
    items = list(results)
    last = results.last_evaluated_key if len(items) >= limit else None
    posts = [post for post in items if visible(post, viewer)]
    return Page(posts, cursors.seal(feed, last) if last else None)
