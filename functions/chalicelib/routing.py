"""How every route answers: the Chalice request in, one domain action, the Chalice response out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib import web
from chalicelib.runtime import Services, services

if TYPE_CHECKING:
    from chalice.app import Request, Response

Action = Callable[[web.Incoming, Services], web.Outgoing]


def respond(request: Request | None, action: Action, *, one_click_unsubscribe: bool = False) -> Response:
    """Run `action` through `web.answer`: the Origin check (which RFC 8058's one-click unsubscribe
    alone is exempt from, see `web.http.answer`), then errors as short pages or JSON."""
    assert request is not None, "Chalice sets the current request before calling a view"
    incoming = web.from_chalice(request)
    outgoing = web.answer(
        incoming,
        lambda req: action(req, services()),
        lambda: services().settings.public_origin,
        one_click_unsubscribe=one_click_unsubscribe,
    )
    return web.to_chalice(outgoing)
