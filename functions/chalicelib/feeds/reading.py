"""What a feed shows its person: the newest posts of the organisation or of one space that they
may see, as an Atom document.

Visibility is `posts.visibility`'s, for the person the token names. A feed then leaves out what a
feed reader could only show wrongly or keep too long: tombstones of deleted posts (nothing left to
show) and hidden posts, even to their author and the space's stewards (readers keep every entry
they fetched, and some share them on; moderated text stays on the hub).

Posts are read through the feeds' existing index queries, a page of FEED_SIZE at a time, until
FEED_SIZE are shown or MAX_PAGES were read: one GetItem of the generation plus one to four Queries.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from chalicelib.directory import Directory, Person, Space
from chalicelib.feeds import atom
from chalicelib.feeds.links import FeedNotFoundError
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence.base import FeedKind, Position, Post, PostsStore
from chalicelib.posts.titles import title_of
from chalicelib.posts.visibility import listed

FEED_SIZE = 50
MAX_PAGES = 4
# Entry ids: a name-based UUID of the post id, so an entry keeps its id if the hub moves.
_ENTRY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://commons.invalid/feeds/post")
_FEED_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://commons.invalid/feeds/feed")


def shown(post: Post, viewer: Actor) -> bool:
    return listed(post, viewer) and not post.deleted and post.hidden is None


def entry_id(post_id: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_ENTRY_NAMESPACE, post_id)}"


@dataclass(frozen=True)
class FeedReader:
    store: PostsStore
    directory: Directory
    public_origin: str
    clock: Callable[[], float]

    def org(self, person: Person, self_link: str) -> str:
        posts = self.newest(person, "org", "org")
        return self._document(
            posts, "org", "Commons: every space", "The newest posts in every space.", "/", self_link, True
        )

    def space(self, person: Person, slug: str, self_link: str) -> str:
        space = self.directory.space(slug)
        if space is None:
            raise FeedNotFoundError(f"feed of no space {slug[:80]!r}")
        posts = self.newest(person, "space", slug)
        return self._document(
            posts, f"space:{slug}", f"{space.name} · Commons", self._about(space), space.url, self_link, False
        )

    @staticmethod
    def _about(space: Space) -> str:
        """The feed's subtitle: the space's purpose, or what a draft without one is."""
        return space.purpose or f"The posts of {space.name}, a space its team has not finished yet."

    def newest(self, person: Person, kind: FeedKind, key: str) -> list[Post]:
        viewer = Actor(person.handle, person.name, self.directory.stewarded_by(person.handle))
        found: list[Post] = []
        start: Position | None = None
        for _ in range(MAX_PAGES):
            posts, start = self.store.feed(kind, key, start, FEED_SIZE)
            found += [post for post in posts if shown(post, viewer)]
            if len(found) >= FEED_SIZE or start is None:
                break
        return found[:FEED_SIZE]

    def _document(
        self, posts: list[Post], name: str, title: str, subtitle: str, page: str, self_link: str, categories: bool
    ) -> str:
        entries = [self._entry(post, categories) for post in posts]
        updated = max((e.updated for e in entries), default=None) or atom.timestamp_of(self.clock())
        feed = atom.Feed(
            id=f"urn:uuid:{uuid.uuid5(_FEED_NAMESPACE, f'{self._origin}/{name}')}",
            title=title,
            subtitle=subtitle,
            self_link=self_link,
            alternate=self._hub(page),
            base=self._origin + "/",
            updated=updated,
            entries=entries,
        )
        return atom.document(feed)

    def _entry(self, post: Post, category: bool) -> atom.Entry:
        author = self.directory.by_handle(post.author)
        space = self.directory.space(post.space)
        link = (
            self._hub(f"{space.url.strip('/')}/#post-{quote(post.id, safe='')}")
            if space is not None
            else self._hub(f"/api/html/posts/{quote(post.id, safe='')}")
        )
        return atom.Entry(
            id=entry_id(post.id),
            title=title_of(post.body),
            link=link,
            published=atom.timestamp(post.created_at),
            updated=atom.timestamp(post.edited_at or post.created_at),
            author=author.name if author is not None else post.author,
            # Paths on the hub made absolute too, for readers that ignore xml:base.
            html=re.sub(r'href="/(?!/)', f'href="{self._origin}/', post.html),
            category=(post.space, space.name if space is not None else post.space) if category else None,
        )

    @property
    def _origin(self) -> str:
        return self.public_origin.rstrip("/")

    def _hub(self, path: str) -> str:
        return f"{self._origin}/{path.lstrip('/')}"
