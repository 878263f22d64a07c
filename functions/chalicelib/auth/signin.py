"""Sign-in, sign-out and the current session: the domain side of the `/auth/*` routes."""

from __future__ import annotations

import hmac
import logging

from chalicelib.auth import cloudfront, sessions, signin_state
from chalicelib.auth.identity import identify
from chalicelib.auth.sessions import Session
from chalicelib.auth.signin_state import Transaction
from chalicelib.errors import (
    AuthorizationDeniedError,
    CodeRejectedError,
    CommonsError,
    IssuerMismatchError,
    StateMismatchError,
    TransactionMissingError,
)
from chalicelib.runtime import Services
from chalicelib.web import pages
from chalicelib.web.http import Incoming, Outgoing, html, printable, redirect
from chalicelib.web.next_path import safe_next_path

log = logging.getLogger(__name__)

STATE_LENGTH = 32
NONCE_LENGTH = 32
VERIFIER_LENGTH = 64  # RFC 7636: 43 to 128 characters


def begin(incoming: Incoming, services: Services) -> Outgoing:
    """`/auth/login?next=…`: start authorization code + PKCE; remember the transaction in a cookie."""
    from authlib.common.security import generate_token

    next_path = safe_next_path(incoming.param("next"))
    transaction = Transaction(
        state=generate_token(STATE_LENGTH),
        nonce=generate_token(NONCE_LENGTH),
        code_verifier=generate_token(VERIFIER_LENGTH),
        next_path=next_path,
        expires_at=int(services.clock()) + signin_state.LIFETIME_SECONDS,
    )
    location = services.auth.provider.authorization_url(
        state=transaction.state, nonce=transaction.nonce, code_verifier=transaction.code_verifier
    )
    policy = services.auth.cookies
    cookie = policy.set(
        policy.name(signin_state.COOKIE, path=signin_state.COOKIE_PATH),
        services.auth.signin_state.seal(transaction),
        max_age=signin_state.LIFETIME_SECONDS,
        path=signin_state.COOKIE_PATH,
    )
    return redirect(location, cookies=[cookie])


def complete(incoming: Incoming, services: Services) -> Outgoing:
    """`/auth/callback`: check everything, then set the session and CloudFront cookies."""
    policy = services.auth.cookies
    transaction_cookie = policy.name(signin_state.COOKIE, path=signin_state.COOKIE_PATH)
    # Whatever happens, this transaction is spent.
    spent = policy.clear(transaction_cookie, path=signin_state.COOKIE_PATH)
    try:
        transaction = _transaction_for(incoming, services, transaction_cookie)
    except CommonsError as error:
        error.set_cookies.append(spent)
        raise
    try:
        session = _sign_in(incoming, services, transaction)
    except CommonsError as error:
        error.set_cookies.append(spent)
        error.next_path = transaction.next_path
        raise
    log.info("signed in sub=%s handle=%s", printable(session.subject), printable(session.handle or "-"))
    return redirect(transaction.next_path, cookies=[spent, *session_cookies(services, session)])


def _transaction_for(incoming: Incoming, services: Services, cookie_name: str) -> Transaction:
    sealed = incoming.cookies.get(cookie_name)
    if not sealed:
        raise TransactionMissingError("callback without a sign-in transaction cookie")
    transaction = services.auth.signin_state.open(sealed, services.clock())
    state = incoming.param("state") or ""
    if not hmac.compare_digest(state.encode(), transaction.state.encode()):
        raise StateMismatchError("state does not match the sign-in transaction", next_path=transaction.next_path)
    return transaction


def _sign_in(incoming: Incoming, services: Services, transaction: Transaction) -> Session:
    provider = services.auth.provider
    issuer = incoming.param("iss")
    if issuer is not None and not hmac.compare_digest(issuer.encode(), provider.issuer.encode()):
        raise IssuerMismatchError(f"iss parameter {issuer[:200]!r} is not {provider.issuer}")
    if issuer is None and provider.metadata().iss_parameter_supported:
        raise IssuerMismatchError("provider advertises RFC 9207 but the response has no iss")
    refusal = incoming.param("error")
    if refusal is not None:
        description = (incoming.param("error_description") or "")[:200]
        raise AuthorizationDeniedError(f"provider answered {refusal[:64]!r}: {description}")
    code = incoming.param("code")
    if not code:
        raise CodeRejectedError("callback has no code")
    id_token = provider.redeem(code=code, code_verifier=transaction.code_verifier)
    claims = provider.verify_id_token(id_token, nonce=transaction.nonce)
    settings = services.settings
    who = identify(
        claims, services.directory, claim=settings.identity_claim, allow_unknown_staff=settings.allow_unknown_staff
    )
    now = int(services.clock())
    return Session(
        subject=who.subject,
        handle=who.person.handle if who.person else None,
        name=who.name,
        email=who.email,
        issued_at=now,
        expires_at=now + services.settings.session_lifetime_seconds,
    )


def session_cookies(services: Services, session: Session) -> list[str]:
    """The session cookie and the CloudFront cookies, all ending when the session ends."""
    policy = services.auth.cookies
    max_age = session.expires_at - int(services.clock())
    signed = services.auth.cloudfront.signed_cookies(f"{services.settings.public_origin}/*", session.expires_at)
    return [
        policy.set(policy.name(sessions.COOKIE), services.auth.sessions.seal(session), max_age=max_age),
        *(policy.set(name, value, max_age=max_age) for name, value in signed.items()),
    ]


def cleared_cookies(services: Services) -> list[str]:
    policy = services.auth.cookies
    return [policy.clear(policy.name(sessions.COOKIE)), *(policy.clear(name) for name in cloudfront.COOKIE_NAMES)]


def confirm_sign_out(incoming: Incoming, services: Services) -> Outgoing:
    """GET `/auth/logout`: a page with a sign-out button (signing out is a POST)."""
    return html(pages.confirm_sign_out())


def sign_out(incoming: Incoming, services: Services) -> Outgoing:
    """POST `/auth/logout`: end the session here, then at the provider when it has end-session."""
    try:
        session = services.auth.current_session(incoming, services.clock())
        log.info("signed out sub=%s handle=%s", printable(session.subject), printable(session.handle or "-"))
    except CommonsError as error:
        log.info("sign-out without a valid session: %s", printable(error.reason))
    try:
        end_session = services.auth.provider.end_session_url(services.settings.signed_out_uri)
    except CommonsError as error:
        # The hub's own cookies are cleared either way; the provider's session may outlive them.
        log.warning("sign-out could not reach the provider: %s", printable(error.reason))
        end_session = None
    return redirect(end_session or "/auth/signed-out", cookies=cleared_cookies(services))


def signed_out(incoming: Incoming, services: Services) -> Outgoing:
    # Only a page: the sign-out POST has cleared the cookies. Clearing them here too would let any
    # site sign a visitor out with a link.
    return html(pages.signed_out())
