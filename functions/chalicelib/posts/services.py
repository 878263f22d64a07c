"""What the posts feature needs, built once per container from the settings: its store, the
reader of feeds and threads, the write limits, and the two writes every way in (the web, mail)
makes the same way: a post or a reply, stored, then told to the listeners of `events`."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.config import SessionKey
from chalicelib.directory import Directory
from chalicelib.posts import authoring
from chalicelib.posts.actors import Actor
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.cursors import CursorSigner
from chalicelib.posts.events import PostEvents
from chalicelib.posts.persistence.base import PostsStore, Seen
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
    directory: Directory

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
            directory=directory,
        )

    def create_post(
        self, actor: Actor, slug: str, body: Any, key: str | None, *, clock: Callable[[], float] = time.time
    ) -> authoring.Created:
        created = authoring.create_post(
            self.store, self.directory, actor, slug, body, key, rate_limit=self.post_rate_per_minute, clock=clock
        )
        return self._told(created)

    def create_reply(
        self,
        actor: Actor,
        parent_id: str,
        body: Any,
        key: str | None,
        *,
        space_hint: str | None = None,
        parent_seen: Seen | None = None,
        clock: Callable[[], float] = time.time,
    ) -> authoring.Created:
        created = authoring.create_reply(
            self.store,
            self.directory,
            actor,
            parent_id,
            body,
            key,
            rate_limit=self.post_rate_per_minute,
            space_hint=space_hint,
            parent_seen=parent_seen,
            clock=clock,
        )
        return self._told(created)

    def _told(self, created: authoring.Created) -> authoring.Created:
        """A new post goes to the listeners (mail's notifier); a replay of an earlier one does not."""
        if not created.replayed:
            self.events.created(created.post)
        return created
