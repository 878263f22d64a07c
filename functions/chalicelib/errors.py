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

    def __init__(self, reason: str, *, next_path: str = "/", message: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if message is not None:
            # A message about this very request (e.g. how long the post was), still safe to show.
            self.message = message
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


# --- posts, replies, reactions and outcomes ------------------------------------------------------


class InvalidInputError(BadRequestError):
    """The request reached us whole but asks for something invalid; `message` says what."""

    code = "invalid-input"
    title = "That could not be saved"
    message = "Something in the request is not valid."


class MalformedJsonError(BadRequestError):
    code = "malformed-json"
    title = "That request was malformed"
    message = "The request body is not valid JSON."


class InvalidTextError(BadRequestError):
    """Text that is not Unicode (a lone surrogate, bytes that are not UTF-8): refused, never replaced."""

    code = "invalid-text"
    title = "That request holds text we cannot read"
    message = "Part of the request is not valid Unicode text."


class BadCursorError(BadRequestError):
    code = "bad-cursor"
    title = "That page link is not valid"
    message = "The page link was changed or belongs to another feed. Start again from the first page."


class UnsafeReturnError(BadRequestError):
    code = "unsafe-return-address"
    title = "That form leads elsewhere"
    message = "The form asked to return to an address outside this hub, so we stopped it."


class ReplyDepthError(BadRequestError):
    code = "reply-to-reply"
    title = "Replies go one level deep"
    message = "You can reply to a post, not to a reply. Reply to the post instead."


class NotFoundError(CommonsError):
    code = "not-found"
    title = "Not found"
    message = "There is nothing here."


class MailOffError(NotFoundError):
    """This deployment has no mail domain (COMMONS_MAIL_DOMAIN), so it sends and takes no mail."""

    code = "mail-off"
    title = "No mail here"
    message = "This Commons sends no mail, so there is nothing to choose or stop."


class UnknownSpaceError(NotFoundError):
    code = "unknown-space"
    title = "No such space"
    message = "There is no team or community with that name in the directory."


class UnknownPostError(NotFoundError):
    code = "unknown-post"
    title = "No such post"
    message = "That post does not exist."


class UnknownPersonError(NotFoundError):
    code = "unknown-person"
    title = "No such person"
    message = "There is nobody with that handle in the directory."


class UnknownReactionError(NotFoundError):
    code = "unknown-reaction"
    title = "No such reaction"
    message = "Reactions are like, celebrate, thanks and insightful."


class NotAllowedError(CommonsError):
    code = "not-allowed"
    title = "You cannot do that"
    message = "You are not allowed to do that."


class NotInDirectoryError(NotAllowedError):
    code = "not-in-directory"
    title = "You are not in the directory yet"
    message = "Only people in the directory can post and react. Add yourself to the hub first."


class NotYourPostError(NotAllowedError):
    code = "not-your-post"
    title = "That is not your post"
    message = "Only its author can edit or delete a post."


class NotStewardError(NotAllowedError):
    code = "not-steward"
    title = "Only the space's stewards can do that"
    message = "Only the stewards of this post's space can hide or restore it."


class OutcomeNotAllowedError(NotAllowedError):
    code = "outcome-not-allowed"
    title = "Only the author or the space's stewards can mark outcomes"
    message = "Only the post's author or the stewards of its space can mark it as achieving the outcome."


class NoOutcomeYetError(NotAllowedError):
    code = "no-outcome-yet"
    title = "This space has no outcome yet"
    message = "Its team has not written the outcome that counts yet, so no post can be marked as achieving it."


class PostClosedError(NotAllowedError):
    code = "post-closed"
    title = "That post is closed"
    message = "The post was deleted or hidden, so it cannot be changed, replied to or marked."


class ConflictError(CommonsError):
    code = "conflict"
    title = "That changed in the meantime"
    message = "Someone changed this at the same time. Reload and try again."


class StaleVersionError(ConflictError):
    code = "stale-version"
    title = "The post changed since you opened it"
    message = "The post was changed since you loaded it. Reload it, then make your edit again."


class IdempotencyKeyReusedError(ConflictError):
    code = "idempotency-key-reused"
    title = "That form was already used for something else"
    message = "This idempotency key was already used for a different request. Use a new key."


class PayloadTooLargeError(CommonsError):
    code = "too-large"
    title = "That request is too large"
    message = "The request body is over 64 KB."


class UnsupportedMediaTypeError(CommonsError):
    code = "unsupported-media-type"
    title = "That request was sent in a form we do not read"
    message = "Send JSON (application/json) or an HTML form (application/x-www-form-urlencoded)."


class RateLimitedError(CommonsError):
    code = "rate-limited"
    title = "Slow down a little"
    message = "You are writing faster than Commons allows. Wait a minute and try again."


class StorageUnavailableError(CommonsError):
    code = "storage-unavailable"
    title = "Commons could not reach its storage"
    message = "Posts are unavailable for a moment. Please try again in a minute."
