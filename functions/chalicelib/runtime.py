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
from chalicelib.auth.cloudfront import CloudFrontSigner
from chalicelib.auth.oidc import AuthlibTokenExchange, FetchJson, OpenIDProvider, TokenExchange, fetch_json
from chalicelib.auth.sessions import SessionSigner
from chalicelib.auth.signin_state import TransactionSealer
from chalicelib.config import Settings
from chalicelib.directory import Directory
from chalicelib.posts.cursors import CursorSigner
from chalicelib.posts.persistence.store import Store
from chalicelib.posts.ratelimit import WriteLimiter
from chalicelib.web.cookies import CookiePolicy


@dataclass(frozen=True)
class Services:
    settings: Settings
    provider: OpenIDProvider
    sessions: SessionSigner
    transactions: TransactionSealer
    cloudfront: CloudFrontSigner
    directory: Directory
    cookies: CookiePolicy
    clock: Callable[[], float]
    store: Store
    cursors: CursorSigner
    limiter: WriteLimiter

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        token_exchange: TokenExchange | None = None,
        fetch: FetchJson = fetch_json,
        clock: Callable[[], float] = time.time,
    ) -> Services:
        """`token_exchange` and `fetch` stand in for the provider's HTTP endpoints in benchmarks."""
        provider = OpenIDProvider(
            issuer=settings.issuer,
            client_id=settings.client_id,
            redirect_uri=settings.redirect_uri,
            scopes=settings.scopes,
            discovery_url=settings.discovery_document_url,
            token_endpoint=settings.token_endpoint,
            token_exchange=token_exchange or AuthlibTokenExchange(settings.client_id, settings.client_secret),
            fetch=fetch,
            clock=clock,
        )
        return cls(
            settings=settings,
            provider=provider,
            sessions=SessionSigner(settings.session_keys),
            transactions=TransactionSealer(settings.session_keys),
            cloudfront=CloudFrontSigner(settings.cloudfront_key_pair_id, settings.cloudfront_private_key),
            directory=Directory(settings.directory_path),
            cookies=CookiePolicy(secure=settings.secure_cookies),
            clock=clock,
            store=Store(settings.posts),
            cursors=CursorSigner(settings.session_keys),
            limiter=WriteLimiter(settings.posts.write_rate_per_minute),
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
