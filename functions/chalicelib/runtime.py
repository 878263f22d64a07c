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
from chalicelib.feeds.persistence.base import FeedsStore
from chalicelib.feeds.services import FeedsServices
from chalicelib.mail.fanout import Queue
from chalicelib.mail.persistence.base import MailStore
from chalicelib.mail.sending import Sender
from chalicelib.mail.services import MailServices
from chalicelib.posts.persistence.base import PostsStore
from chalicelib.posts.services import PostsServices
from chalicelib.table import Location


@dataclass(frozen=True)
class Services:
    """The composition root: each feature's services, and what they share."""

    settings: Settings
    clock: Callable[[], float]
    directory: Directory
    auth: AuthServices
    posts: PostsServices
    mail: MailServices
    feeds: FeedsServices

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        token_exchange: TokenExchange | None = None,
        fetch: FetchJson = fetch_json,
        clock: Callable[[], float] = time.time,
        posts_store: PostsStore | None = None,
        mail_store: MailStore | None = None,
        mail_sender: Sender | None = None,
        mail_queue: Queue | None = None,
        feeds_store: FeedsStore | None = None,
    ) -> Services:
        """`token_exchange` and `fetch` stand in for the provider's HTTP endpoints in benchmarks;
        `posts_store`, `mail_store` and `feeds_store` for DynamoDB (the in-memory stores, in tests);
        `mail_sender` for SES (the dev stack keeps what it sends for its mailbox); `mail_queue` for
        SQS."""
        directory = Directory(settings.directory_path, reload=settings.directory_reload)
        posts = PostsServices.build(settings.posts, directory, settings.session_keys, posts_store)
        table = settings.posts
        location = Location(table.table, table.region, table.endpoint)
        return cls(
            settings=settings,
            clock=clock,
            directory=directory,
            auth=AuthServices.build(settings, token_exchange=token_exchange, fetch=fetch, clock=clock),
            posts=posts,
            mail=MailServices.build(
                settings.mail,
                directory,
                settings.session_keys,
                posts,
                public_origin=settings.public_origin,
                location=location,
                store=mail_store,
                sender=mail_sender,
                queue=mail_queue,
                clock=clock,
            ),
            feeds=FeedsServices.build(
                settings.session_keys,
                directory,
                posts.store,
                public_origin=settings.public_origin,
                location=location,
                store=feeds_store,
                clock=clock,
            ),
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
