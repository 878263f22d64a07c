"""HTTP at the edge of the domain: the request and response shapes the routes use, the single
table from domain errors to status codes, and the adapter to Chalice.

Every route goes through `answer`, so no domain error, and no bug, ever shows a traceback.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
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
    log.warning("refused %s: %s: %s", path, error.code, error.reason)
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


def answer(incoming: Incoming, action: Callable[[Incoming], Outgoing], public_origin: Callable[[], str]) -> Outgoing:
    """Run one route: the Origin check for state-changing methods, then the action; errors → pages."""
    try:
        check_same_origin(incoming.method, incoming.headers, public_origin())
        return action(incoming)
    except CommonsError as error:
        if isinstance(error, SessionError) and incoming.wants_page and incoming.method == "GET":
            error.next_path = incoming.path
        return problem_outgoing(error, incoming.path, back=back_path(incoming) if incoming.wants_page else None)
    except DirectoryError as error:
        return problem_outgoing(ConfigError(str(error)), incoming.path)
    except Exception:
        log.exception("unexpected failure on %s %s", incoming.method, incoming.path)
        return html(pages.page("Something went wrong", "<p>Please try again in a minute.</p>"), 500)


def back_path(incoming: Incoming) -> str:
    """Where a refused form's "go back" link leads: its `return_to`, the page it came from, or home.
    Only ever a path on this origin."""
    from urllib.parse import parse_qs, urlsplit

    from chalicelib.web.next_path import safe_next_path

    candidates: list[str] = []
    if incoming.media_type == FORM_TYPE and len(incoming.body) <= MAX_FORM_BYTES:
        fields = parse_qs(incoming.body.decode("utf-8", "replace"), max_num_fields=50)
        candidates += fields.get("return_to", [])[:1]
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

    return re.sub(r"\{(\w+)\}", lambda m: quote(params.get(m.group(1), ""), safe=""), template)


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
