"""HTTP at the edge of the domain: the request and response shapes the routes use, the single
table from domain errors to status codes, and the adapter to Chalice.

Every route goes through `answer`, so no domain error, and no bug, ever shows a traceback; and
`secure_every_answer` gives Chalice's own answers (405, 415, its 500) the same headers and shape.

Text is decided here, once: a lone surrogate anywhere in a request is refused with 400 (it cannot be
encoded, stored or shown), and request text reaches the log only through `printable`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.directory import DirectoryError
from chalicelib.errors import (
    AuthorizationDeniedError,
    BadRequestError,
    CloudFrontCookieError,
    CommonsError,
    ConfigError,
    ConflictError,
    CrossOriginError,
    IdentityError,
    IdTokenError,
    InvalidTextError,
    NotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    ProviderUnavailableError,
    RateLimitedError,
    SessionError,
    SignInError,
    StorageUnavailableError,
    UnsupportedMediaTypeError,
)
from chalicelib.web import pages
from chalicelib.web.cookies import parse_cookie_header
from chalicelib.web.csrf import check_same_origin

if TYPE_CHECKING:
    from chalice.app import Request, Response

log = logging.getLogger(__name__)

# The one place where domain errors become statuses. The most specific class listed wins.
STATUS: dict[type[CommonsError], int] = {
    CommonsError: 400,
    BadRequestError: 400,
    SignInError: 400,
    IdTokenError: 401,
    SessionError: 401,
    AuthorizationDeniedError: 403,
    IdentityError: 403,
    CrossOriginError: 403,
    CloudFrontCookieError: 403,
    ProviderUnavailableError: 502,
    ConfigError: 503,
    NotAllowedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    PayloadTooLargeError: 413,
    UnsupportedMediaTypeError: 415,
    RateLimitedError: 429,
    StorageUnavailableError: 503,
}
RETRY_AFTER = {RateLimitedError: "60", StorageUnavailableError: "5"}
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: with it, browsers send `Origin: null` on same-origin form posts.
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
}


# A surrogate code point left in a Python string is always a lone one (json.loads joins pairs).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
FAILURE_TITLE = "Something went wrong"
FAILURE_MESSAGE = "Something went wrong on our side. Please try again in a minute."


def printable(text: str) -> str:
    """`text` fit for one log line: newlines, other control characters, line separators and lone
    surrogates escaped, so that request data can neither forge a line nor break the handler."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def is_text(value: str) -> bool:
    return _LONE_SURROGATE.search(value) is None


def unreadable(where: str, name: str) -> InvalidTextError:
    shown = printable(name[:40])
    return InvalidTextError(
        f"{where} '{shown}' holds a lone surrogate", message=f"The {where} '{shown}' is not valid Unicode text."
    )


def status_for(error: CommonsError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


@dataclass(frozen=True)
class Incoming:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # names in lower case
    cookies: Mapping[str, str]
    body: bytes = b""
    path_params: Mapping[str, str] = field(default_factory=dict)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def wants_page(self) -> bool:
        """Under /api, a browser without JavaScript: an HTML form post, or one of the pages the
        function renders. (Sign-in's own pages keep their "sign in again" answer.)"""
        return self.path.startswith("/api/html/") or (self.path.startswith("/api/") and self.media_type == FORM_TYPE)

    def texts(self) -> Iterator[tuple[str, str, str]]:
        """(where, name, value) for every piece of text in the request line and headers."""
        for name, values in self.query.items():
            yield from (("query parameter", name, value) for value in values)
        yield from (("header", name, value) for name, value in self.headers.items())
        yield from (("cookie", name, value) for name, value in self.cookies.items())
        yield from (("path parameter", name, value) for name, value in self.path_params.items())

    def param(self, name: str) -> str | None:
        """A single-valued query parameter; a repeated one is refused rather than guessed at."""
        values = self.query.get(name)
        if not values:
            return None
        if len(values) > 1:
            raise BadRequestError(f"query parameter {name!r} appears {len(values)} times")
        return values[0]


@dataclass
class Outgoing:
    status: int
    body: str = ""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)


def html(body: str, status: int = 200, cookies: list[str] | None = None) -> Outgoing:
    return Outgoing(status, body, cookies=cookies or [])


def json_body(document: Mapping[str, Any], status: int = 200, cookies: list[str] | None = None) -> Outgoing:
    return Outgoing(status, json.dumps(document), "application/json", cookies=cookies or [])


def redirect(location: str, cookies: list[str] | None = None) -> Outgoing:
    return Outgoing(303, "", headers={"Location": location}, cookies=cookies or [])


def problem_outgoing(error: CommonsError, path: str, *, back: str | None = None) -> Outgoing:
    """The short plain answer to a refused request: JSON under /api, else a page. `back` (a
    same-origin path) asks for a page with a link back to the form that was refused."""
    status = status_for(error)
    log.warning("refused %s: %s: %s", printable(path), error.code, printable(error.reason))
    if back is not None and not isinstance(error, SessionError):
        out = html(pages.refused(error.title, error.message, back), status, list(error.set_cookies))
    elif path.startswith("/api/") and back is None:
        document = {"error": error.code, "message": error.message, "sign_in": pages.sign_in_link(error.next_path)}
        out = json_body(document, status, list(error.set_cookies))
    else:
        out = html(pages.problem(error.title, error.message, error.next_path), status, list(error.set_cookies))
    for cls, seconds in RETRY_AFTER.items():
        if isinstance(error, cls):
            out.headers["Retry-After"] = seconds
    return out


def answer(
    incoming: Incoming,
    action: Callable[[Incoming], Outgoing],
    public_origin: Callable[[], str],
    *,
    one_click_unsubscribe: bool = False,
) -> Outgoing:
    """Run one route: the Origin check for state-changing methods, then the text check, then the
    action; errors → pages or JSON. A bug, even one in answering a refusal, is a plain 500."""
    try:
        try:
            # The one exemption from the Origin check: RFC 8058's one-click unsubscribe, which mail
            # clients POST from no page at all, so with no Origin. Only that route asks for it
            # (mail/routes.py); it is safe because its signed token is its whole authority and it
            # can only turn mail off.
            if not one_click_unsubscribe:
                check_same_origin(incoming.method, incoming.headers, public_origin())
            check_text(incoming)
            return action(incoming)
        except CommonsError as error:
            if isinstance(error, SessionError) and incoming.wants_page and incoming.method == "GET":
                error.next_path = incoming.path
            return problem_outgoing(error, incoming.path, back=back_path(incoming) if incoming.wants_page else None)
        except DirectoryError as error:
            return problem_outgoing(ConfigError(str(error)), incoming.path)
    except Exception:
        # One line, escaped: the traceback may quote request data.
        log.error(
            "unexpected failure on %s %s: %s",
            printable(incoming.method),
            printable(incoming.path),
            printable(traceback.format_exc()),
        )
        return failure(incoming.path, page=incoming.wants_page)


def check_text(incoming: Incoming) -> None:
    for where, name, value in incoming.texts():
        if not (is_text(name) and is_text(value)):
            raise unreadable(where, name)


def failure(path: str, *, page: bool) -> Outgoing:
    """The 500: JSON under /api like every other API error, else a page; never a traceback."""
    if path.startswith("/api/") and not page:
        return json_body({"error": "internal-error", "message": FAILURE_MESSAGE}, 500)
    return html(pages.page(FAILURE_TITLE, f"<p>{FAILURE_MESSAGE}</p>"), 500)


def back_path(incoming: Incoming) -> str:
    """Where a refused form's "go back" link leads: its `return_to`, the page it came from, or home.
    Only ever a path on this origin."""
    from urllib.parse import urlsplit

    from chalicelib.web.forms import parse_form
    from chalicelib.web.next_path import safe_next_path

    candidates: list[str] = []
    if incoming.media_type == FORM_TYPE and len(incoming.body) <= MAX_FORM_BYTES:
        # If the form is what was refused, the Referer or home still lead back.
        with contextlib.suppress(CommonsError):
            candidates += parse_form(incoming.body).get("return_to", [])[:1]
    referer = urlsplit(incoming.headers.get("referer", ""))
    if referer.path:
        candidates.append(referer.path + (f"?{referer.query}" if referer.query else ""))
    for candidate in candidates:
        try:
            return safe_next_path(candidate)
        except CommonsError:
            continue
    return "/"


# --- Chalice -------------------------------------------------------------------------------------


def from_chalice(request: Request) -> Incoming:
    headers = {name.lower(): value for name, value in request.headers.items()}
    query: dict[str, list[str]] = {}
    if request.query_params is not None:
        query = {name: list(request.query_params.getlist(name)) for name in request.query_params}
    params = dict(request.uri_params or {})
    return Incoming(
        method=request.method.upper(),
        path=_actual_path(request.path, params),
        query=query,
        headers=headers,
        cookies=parse_cookie_header(headers.get("cookie", "")),
        body=_raw_body(request),
        path_params=params,
    )


def _actual_path(template: str, params: Mapping[str, str]) -> str:
    """Chalice gives the route (`/api/posts/{id}`); put the request's own values back in."""
    from urllib.parse import quote

    def value(match: re.Match[str]) -> str:
        # surrogatepass: a lone surrogate (refused later, by `check_text`) must not break the path itself.
        return quote(params.get(match.group(1), ""), safe="", errors="surrogatepass")

    return re.sub(r"\{(\w+)\}", value, template)


def _raw_body(request: Request) -> bytes:
    if request.method.upper() in ("GET", "HEAD"):
        return b""
    raw = request.raw_body or b""
    return raw.encode("utf-8") if isinstance(raw, str) else raw


def to_chalice(outgoing: Outgoing) -> Response:
    from chalice.app import Response

    headers: dict[str, str | list[str]] = {**SECURITY_HEADERS, **outgoing.headers}
    headers["Content-Type"] = outgoing.content_type
    if outgoing.cookies:
        headers["Set-Cookie"] = list(outgoing.cookies)
    return Response(body=outgoing.body, headers=headers, status_code=outgoing.status)


# Chalice's own error answers, in ours: (code, title, message) by status.
_CHALICE_ERRORS = {
    405: ("method-not-allowed", "That method is not allowed here", "This address does not answer that method."),
    415: (UnsupportedMediaTypeError.code, UnsupportedMediaTypeError.title, UnsupportedMediaTypeError.message),
    500: ("internal-error", FAILURE_TITLE, FAILURE_MESSAGE),
}


def secure_every_answer(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice HTTP middleware: the security headers on every answer, including the errors Chalice
    makes itself (405, 415, its own 500), which also get the shape of ours."""
    response = get_response(request)
    body = response.body
    if response.status_code in _CHALICE_ERRORS and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code, title, message = _CHALICE_ERRORS[response.status_code]
        if (getattr(request, "path", None) or "").startswith("/api/"):
            out = json_body({"error": code, "message": message})
        else:
            out = html(pages.page(title, f"<p>{message}</p>"))
        response.body = out.body
        response.headers = {**response.headers, "Content-Type": out.content_type}
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
