"""What happened to posts, for the features that act on it after the write (mail notifies the
people mentioned and those in the thread). A listener runs after the post is stored and its
failure is logged, never the writer's: a post stays posted even if a notification can't go."""

from __future__ import annotations

import logging
from collections.abc import Callable

from chalicelib.posts.persistence.base import Post

log = logging.getLogger(__name__)
Listener = Callable[[Post], None]


class PostEvents:
    def __init__(self) -> None:
        self._created: list[Listener] = []

    def on_created(self, listener: Listener) -> None:
        self._created.append(listener)

    def created(self, post: Post) -> None:
        """A new post or reply was stored (not a replay of an earlier one)."""
        for listener in self._created:
            try:
                listener(post)
            except Exception:  # one listener's failure is logged, the others still run
                log.exception("a listener failed after post %s was created", post.id)
