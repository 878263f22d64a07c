"""What sign-in needs, built once per container from the settings: the identity provider, the
session and sign-in state sealers, the CloudFront signer and the cookie policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.auth.cloudfront import CloudFrontSigner
from chalicelib.auth.oidc import AuthlibTokenExchange, FetchJson, OpenIDProvider, TokenExchange
from chalicelib.auth.sessions import COOKIE, Session, SessionSigner
from chalicelib.auth.signin_state import TransactionSealer
from chalicelib.config import Settings
from chalicelib.directory import Directory, Person
from chalicelib.errors import NotInDirectoryError, SessionMissingError
from chalicelib.web.cookies import CookiePolicy
from chalicelib.web.http import Incoming


@dataclass(frozen=True)
class AuthServices:
    provider: OpenIDProvider
    sessions: SessionSigner
    signin_state: TransactionSealer
    cloudfront: CloudFrontSigner
    cookies: CookiePolicy

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        token_exchange: TokenExchange | None,
        fetch: FetchJson,
        clock: Callable[[], float],
    ) -> AuthServices:
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
            provider=provider,
            sessions=SessionSigner(settings.session_keys),
            signin_state=TransactionSealer(settings.session_keys),
            cloudfront=CloudFrontSigner(settings.cloudfront_key_pair_id, settings.cloudfront_private_key),
            cookies=CookiePolicy(secure=settings.secure_cookies),
        )

    def current_session(self, incoming: Incoming, now: float) -> Session:
        """The signed-in person's session, from its cookie; SessionError when there is none."""
        sealed = incoming.cookies.get(self.cookies.name(COOKIE))
        if not sealed:
            raise SessionMissingError("no session cookie")
        return self.sessions.open(sealed, now)

    def directory_person(self, incoming: Incoming, now: float, directory: Directory, refusal: str) -> Person:
        """The signed-in person as the directory has them; staff signed in but not in it yet are
        refused with `refusal`, which says what they miss and to add themselves."""
        session = self.current_session(incoming, now)
        person = directory.by_handle(session.handle) if session.handle else None
        if person is None:
            raise NotInDirectoryError(f"{session.name!r} is signed in but not in the directory", message=refusal)
        return person
