"""The services one Lambda container (or the dev server) uses, built once from the settings.

Nothing here is built at import time: the first request reads the settings, so `import app`
stays cheap and a configuration problem becomes a clear 503 page instead of a failed cold start.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib import secret_store
from chalicelib.auth.oidc import FetchJson, TokenExchange, fetch_json
from chalicelib.auth.services import AuthServices
from chalicelib.config import Settings
from chalicelib.directory import Directory
from chalicelib.posts.persistence.base import PostsStore
from chalicelib.posts.services import PostsServices


@dataclass(frozen=True)
class Services:
    """The composition root: each feature's services, and what they share."""

    settings: Settings
    clock: Callable[[], float]
    directory: Directory
    auth: AuthServices
    posts: PostsServices

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        token_exchange: TokenExchange | None = None,
        fetch: FetchJson = fetch_json,
        clock: Callable[[], float] = time.time,
        posts_store: PostsStore | None = None,
    ) -> Services:
        """`token_exchange` and `fetch` stand in for the provider's HTTP endpoints in benchmarks;
        `posts_store` for DynamoDB (the in-memory store, in tests)."""
        directory = Directory(settings.directory_path, reload=settings.directory_reload)
        return cls(
            settings=settings,
            clock=clock,
            directory=directory,
            auth=AuthServices.build(settings, token_exchange=token_exchange, fetch=fetch, clock=clock),
            posts=PostsServices.build(settings.posts, directory, settings.session_keys, posts_store),
        )


_lock = threading.Lock()
_current: Services | None = None


def services() -> Services:
    """The container's services, built from the environment (and, deployed, the stage's secret)
    on first use. A failure is not kept: the next request tries again."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = Services.build(Settings.from_environ(secret_store.environment(os.environ)))
    return _current


def install(current: Services | None) -> None:
    """Use these services (the dev server and tests); None rebuilds from the environment."""
    global _current
    with _lock:
        _current = current
