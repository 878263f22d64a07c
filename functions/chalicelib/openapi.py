"""The OpenAPI 3.1 description of `/api`, served at `/api/openapi.json`: each feature's part put
together. Tests keep it true to the server: every route documented with exactly its methods, real
answers of the dev stack checked against it (status, media type, JSON schema), and every
documented request field accepted."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.auth import openapi as auth
from chalicelib.feeds import openapi as feeds
from chalicelib.mail import openapi as mail
from chalicelib.metrics import openapi as metrics
from chalicelib.posts import openapi as posts
from chalicelib.routing import respond
from chalicelib.web import openapi as spec
from chalicelib.web.http import Incoming, Outgoing, json_body

THIS = {
    "/api/openapi.json": {
        "get": {
            **spec.read("This document", {"type": "object", "required": ["openapi", "info", "paths"]}),
            "security": [],
        }
    }
}

DOCUMENT: dict[str, Any] = spec.document(
    "Commons API",
    "Sign-in, posts, replies, reactions, outcomes and mail preferences. Every request needs the session "
    "cookie; every state-changing request an Origin (or Referer) from the hub's own origin, except the "
    "one-click unsubscribe. Writes take JSON, answered with JSON, or an HTML form, answered 303 back to "
    "the page (or an HTML page on error).",
    {**THIS, **auth.PATHS, **posts.PATHS, **mail.PATHS, **feeds.PATHS, **metrics.PATHS},
    {**auth.SCHEMAS, **posts.SCHEMAS, **mail.SCHEMAS, **feeds.SCHEMAS, **metrics.SCHEMAS},
)

described = Blueprint(__name__)


def document(incoming: Incoming, services: object) -> Outgoing:
    return json_body(DOCUMENT)


@described.route("/api/openapi.json", methods=["GET"])
def openapi_document_get() -> Response:
    return respond(described.current_request, document)
