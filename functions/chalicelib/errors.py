"""One tree of domain errors. `web.STATUS` maps each branch to an HTTP status, in one place.

Every error carries a `reason` for the log (what exactly went wrong, for the operator) and a short
public message (what the person sees). Reasons never reach the visitor: they may name internals.
"""

from __future__ import annotations


class CommonsError(Exception):
    """Base of every domain error."""

    code = "error"
    title = "Something went wrong"
    message = "The request could not be completed."

    def __init__(self, reason: str, *, next_path: str = "/") -> None:
        super().__init__(reason)
        self.reason = reason
        # Where "sign in again" should return to, when the error knows it.
        self.next_path = next_path
        # Cookies the refusal still sets (for example, clearing a spent sign-in transaction).
        self.set_cookies: list[str] = []


class ConfigError(CommonsError):
    code = "not-configured"
    title = "Sign-in is not configured"
    message = "This Commons deployment is missing part of its configuration. Tell its operators."


class BadRequestError(CommonsError):
    code = "bad-request"
    title = "That request was malformed"
    message = "The link or form you used was not complete or not valid."


# --- sign-in -------------------------------------------------------------------------------------


class SignInError(CommonsError):
    """A sign-in attempt that cannot go on."""

    code = "sign-in-failed"
    title = "Sign-in did not work"
    message = "We could not sign you in."


class UnsafeNextError(SignInError):
    code = "unsafe-return-address"
    title = "That sign-in link leads elsewhere"
    message = "The sign-in link asked to return to an address outside this hub, so we stopped it."


class TransactionError(SignInError):
    """The short-lived sign-in transaction (state, nonce, PKCE verifier) is missing or unusable."""

    code = "sign-in-expired"
    title = "This sign-in has expired or was started elsewhere"
    message = "The sign-in could not be matched to one started in this browser. Please start again."


class TransactionMissingError(TransactionError):
    pass


class TransactionInvalidError(TransactionError):
    pass


class TransactionExpiredError(TransactionError):
    pass


class StateMismatchError(TransactionError):
    pass


class IncompleteTransactionError(TransactionError):
    pass


class IssuerMismatchError(SignInError):
    code = "wrong-issuer"
    title = "The answer came from the wrong identity provider"
    message = "The sign-in response did not come from the identity provider this hub trusts."


class AuthorizationDeniedError(SignInError):
    code = "access-denied"
    title = "Sign-in was cancelled or refused"
    message = "The identity provider did not sign you in."


class CodeRejectedError(SignInError):
    code = "code-rejected"
    title = "The identity provider refused this sign-in"
    message = "The sign-in code was not accepted; it may have been used already. Please start again."


class IdTokenError(SignInError):
    code = "id-token-invalid"
    title = "The identity provider's answer could not be trusted"
    message = "The proof of identity we received did not pass our checks, so we did not sign you in."


class ProviderUnavailableError(SignInError):
    code = "provider-unavailable"
    title = "The identity provider did not answer"
    message = "We could not reach the identity provider. Please try again in a minute."


class IdentityError(SignInError):
    code = "not-in-directory"
    title = "You are not in the directory yet"
    message = "Your identity provider signed you in, but this hub only admits people in its directory."


class EmailNotVerifiedError(IdentityError):
    code = "email-not-verified"
    title = "Your email address is not verified"
    message = "The identity provider says your email address is not verified, so we cannot match it."


# --- sessions and requests -----------------------------------------------------------------------


class SessionError(CommonsError):
    code = "not-signed-in"
    title = "You are not signed in"
    message = "Your session is missing, has expired or is not valid. Please sign in again."


class SessionMissingError(SessionError):
    pass


class SessionInvalidError(SessionError):
    pass


class SessionExpiredError(SessionError):
    code = "session-expired"
    title = "Your session has expired"
    message = "Please sign in again."


class CrossOriginError(CommonsError):
    code = "cross-origin"
    title = "That request came from another site"
    message = "For your safety, changes can only be made from this hub's own pages."


class CloudFrontCookieError(CommonsError):
    """The CloudFront signed cookies do not open the hub (checked by the dev server's gate)."""

    code = "hub-closed"
    title = "Please sign in"
    message = "The hub is private. Sign in to read it."
