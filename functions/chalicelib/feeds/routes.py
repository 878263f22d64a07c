"""The feeds' routes, as a Chalice Blueprint: wiring only.

The two feeds answer GET with a token in `?t=` and need no session. Revoking is a write like every
other: signed in, Origin-checked, JSON or a form; it accepts every content type, so that our own
checks answer (413, 415, the Origin check) in the same JSON or page form as every error.
"""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Blueprint, Response

from chalicelib.feeds import api, pages
from chalicelib.feeds.links import ORG_PATH, PAGE_PATH, REVOKE_PATH, SPACES_PATH
from chalicelib.routing import Action, respond

feeds = Blueprint(__name__)
ANY_TYPE = ["*/*"]


def _view(action: Action, method: str) -> Callable[..., Response]:
    def view(**_: str) -> Response:  # path parameters arrive in the request, not as arguments
        return respond(feeds.current_request, action)

    view.__name__ = f"feeds_{action.__name__}_{method}"
    return view


feeds.route(ORG_PATH, methods=["GET"])(_view(api.org_feed, "get"))
feeds.route(SPACES_PATH + "{feed}", methods=["GET"])(_view(api.space_feed, "get"))
feeds.route(REVOKE_PATH, methods=["POST"], content_types=ANY_TYPE)(_view(api.revoke, "post"))
feeds.route(PAGE_PATH, methods=["GET"])(_view(pages.feeds_page, "get"))
