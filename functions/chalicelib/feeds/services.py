"""What feeds need, built once per composition root: the store of generations, the signed links,
and the reader of posts (the posts feature's own store).

`feeds_of(services)` builds them beside the root's other features on first use, and again when the
root is replaced (`runtime.install`), until `runtime.Services` holds them itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.config import SessionKey
from chalicelib.directory import Directory
from chalicelib.feeds.links import FeedLinks
from chalicelib.feeds.persistence.base import FeedsStore
from chalicelib.feeds.persistence.dynamodb import DynamoDBFeedsStore
from chalicelib.feeds.persistence.memory import MemoryFeedsStore
from chalicelib.feeds.reading import FeedReader
from chalicelib.feeds.tokens import FeedTokens
from chalicelib.posts.persistence.base import PostsStore
from chalicelib.posts.persistence.memory import MemoryPostsStore
from chalicelib.table import Location

if TYPE_CHECKING:
    from chalicelib.runtime import Services


@dataclass(frozen=True)
class FeedsServices:
    store: FeedsStore
    links: FeedLinks
    reader: FeedReader

    @classmethod
    def build(
        cls,
        keys: Sequence[SessionKey],
        directory: Directory,
        posts: PostsStore,
        *,
        public_origin: str,
        store: FeedsStore,
        clock: Callable[[], float],
    ) -> FeedsServices:
        return cls(
            store=store,
            links=FeedLinks(store, FeedTokens(keys), directory, public_origin),
            reader=FeedReader(posts, directory, public_origin, clock),
        )


_lock = threading.Lock()
_built: tuple[Services, FeedsServices] | None = None


def feeds_of(services: Services) -> FeedsServices:
    """The feeds services of this composition root: in DynamoDB beside its posts, or in memory
    where its posts are (tests and `make mail-check`)."""
    global _built
    built = _built
    if built is not None and built[0] is services:
        return built[1]
    with _lock:
        if _built is None or _built[0] is not services:
            table = services.settings.posts
            store: FeedsStore = (
                MemoryFeedsStore()
                if isinstance(services.posts.store, MemoryPostsStore)
                else DynamoDBFeedsStore(Location(table.table, table.region, table.endpoint))
            )
            feeds = FeedsServices.build(
                services.settings.session_keys,
                services.directory,
                services.posts.store,
                public_origin=services.settings.public_origin,
                store=store,
                clock=services.clock,
            )
            _built = (services, feeds)
        return _built[1]
