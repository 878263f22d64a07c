"""How every route answers: the Chalice request in, one domain action, the Chalice response out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chalicelib import web
from chalicelib.runtime import Services, services

if TYPE_CHECKING:
    from chalice.app import Request, Response

Action = Callable[[web.Incoming, Services], web.Outgoing]


def respond(request: Request | None, action: Action) -> Response:
    """Run `action` through `web.answer`: the Origin check, then errors as short pages or JSON."""
    assert request is not None, "Chalice sets the current request before calling a view"
    incoming = web.from_chalice(request)
    outgoing = web.answer(incoming, lambda req: action(req, services()), lambda: services().settings.public_origin)
    return web.to_chalice(outgoing)
