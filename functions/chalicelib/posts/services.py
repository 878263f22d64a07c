"""What the posts feature needs, built once per container from the settings: its store, the
reader of feeds and threads, and the write limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.config import SessionKey
from chalicelib.directory import Directory
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.cursors import CursorSigner
from chalicelib.posts.events import PostEvents
from chalicelib.posts.persistence.base import PostsStore
from chalicelib.posts.persistence.dynamodb import DynamoDBPostsStore
from chalicelib.posts.ratelimit import WriteLimiter
from chalicelib.posts.reading import Reader


@dataclass(frozen=True)
class PostsServices:
    store: PostsStore
    reader: Reader
    limiter: WriteLimiter
    post_rate_per_minute: int
    events: PostEvents

    @classmethod
    def build(
        cls,
        settings: PostsSettings,
        directory: Directory,
        keys: Sequence[SessionKey],
        store: PostsStore | None = None,
    ) -> PostsServices:
        """`store` replaces the DynamoDB one (tests hand in the in-memory store)."""
        store = store or DynamoDBPostsStore(settings)
        return cls(
            store=store,
            reader=Reader(store, directory, CursorSigner(keys)),
            limiter=WriteLimiter(settings.write_rate_per_minute),
            post_rate_per_minute=settings.post_rate_per_minute,
            events=PostEvents(),
        )
