"""What feeds need, built once per container by the composition root (`runtime.Services.feeds`):
the store of generations, the signed links, and the reader of posts (the posts feature's own
store)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.config import SessionKey
from chalicelib.directory import Directory
from chalicelib.feeds.links import FeedLinks
from chalicelib.feeds.persistence.base import FeedsStore
from chalicelib.feeds.persistence.dynamodb import DynamoDBFeedsStore
from chalicelib.feeds.tokens import FeedTokens
from chalicelib.posts.persistence.base import PostsStore
from chalicelib.table import Location

if TYPE_CHECKING:
    from chalicelib.feeds.reading import FeedReader


@dataclass(frozen=True)
class FeedsServices:
    store: FeedsStore
    links: FeedLinks
    posts: PostsStore
    directory: Directory
    public_origin: str
    clock: Callable[[], float]

    @functools.cached_property
    def reader(self) -> FeedReader:
        """Made on first use: only a feed's own request needs Atom (and xml.etree), not a cold start."""
        from chalicelib.feeds.reading import FeedReader

        return FeedReader(self.posts, self.directory, self.public_origin, self.clock)

    @classmethod
    def build(
        cls,
        keys: Sequence[SessionKey],
        directory: Directory,
        posts: PostsStore,
        *,
        public_origin: str,
        location: Location,
        store: FeedsStore | None = None,
        clock: Callable[[], float],
    ) -> FeedsServices:
        """`store` replaces DynamoDB (the in-memory store, in tests)."""
        store = store or DynamoDBFeedsStore(location)
        return cls(
            store=store,
            links=FeedLinks(store, FeedTokens(keys), directory, public_origin),
            posts=posts,
            directory=directory,
            public_origin=public_origin,
            clock=clock,
        )
