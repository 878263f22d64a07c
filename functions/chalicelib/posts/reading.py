"""Reading posts: one post, a thread, and feeds newest first a page at a time (a space's, the
org-wide one, a person's). Each is one request to the store; a feed's cursor is where its page
ended, signed, so nobody can forge it or move it to another feed."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.directory import Directory
from chalicelib.errors import InvalidInputError, UnknownPersonError, UnknownSpaceError
from chalicelib.posts.actors import Actor
from chalicelib.posts.authoring import check_post_id
from chalicelib.posts.cursors import CursorSigner
from chalicelib.posts.persistence.base import FeedKind, Post, PostsStore
from chalicelib.posts.visibility import listed, opened

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
MAX_THREAD_ITEMS = 300


@dataclass(frozen=True)
class Page:
    posts: list[Post]
    next: str | None


@dataclass(frozen=True)
class Reader:
    """What reading needs, given once: the store, the directory and the cursor keys."""

    store: PostsStore
    directory: Directory
    cursors: CursorSigner

    def post(self, post_id: str) -> Post:
        """One post or reply, read consistently."""
        return self.store.get(check_post_id(post_id))

    def thread(self, post_id: str, viewer: Actor) -> tuple[Post, list[Post]]:
        """A post and the replies this viewer sees, oldest first (one Query). A reply, or a post so
        new that the index has not caught up with it, is read directly instead."""
        check_post_id(post_id)
        items = self.store.thread(post_id, MAX_THREAD_ITEMS + 1)
        root = next((item for item in items if item.id == post_id), None)
        if root is None:
            return opened(self.store, self.store.get(post_id), viewer), []
        opened(self.store, root, viewer)
        return root, [item for item in items if item.id != post_id and listed(item, viewer)]

    def space_feed(self, viewer: Actor, slug: str, cursor: str | None, limit: int) -> Page:
        if self.directory.space(slug) is None:
            raise UnknownSpaceError(f"no space {slug[:80]!r}")
        return self._page(viewer, "space", slug, f"space:{slug}", cursor, limit)

    def org_feed(self, viewer: Actor, cursor: str | None, limit: int) -> Page:
        return self._page(viewer, "org", "org", "org", cursor, limit)

    def person_feed(self, viewer: Actor, handle: str, cursor: str | None, limit: int) -> Page:
        person = self.directory.by_handle(handle)
        if person is None:
            raise UnknownPersonError(f"no person {handle[:80]!r}")
        return self._page(viewer, "author", person.handle, f"person:{person.handle}", cursor, limit)

    def _page(self, viewer: Actor, kind: FeedKind, key: str, feed: str, cursor: str | None, limit: int) -> Page:
        start = self.cursors.open(cursor, feed) if cursor else None
        posts, last = self.store.feed(kind, key, start, limit)
        return Page([post for post in posts if listed(post, viewer)], self.cursors.seal(feed, last) if last else None)


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    # isdecimal, not isdigit: "²" is a digit that int() refuses; the length keeps int() cheap.
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 3 or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInputError("bad limit", message=f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)
