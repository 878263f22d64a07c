"""The part of the OpenAPI description (`chalicelib.openapi`) for feeds: each person's private Atom
feeds, opened by the signed token in their links (no session: a feed reader cannot sign in), and
revoking every link at once."""

from __future__ import annotations

from typing import Any

from chalicelib.web import openapi as spec

ATOM = "application/atom+xml"
_TOKEN = {
    "name": "t",
    "in": "query",
    "required": True,
    "schema": spec.TEXT,
    "description": "the signed token of the person's feed links (from /api/me `feeds`)",
}
_URL = {"type": "string", "format": "uri"}
_FEED_ANSWERS = {
    "200": {
        "description": "an Atom 1.0 feed of the newest 50 posts the person may see",
        "headers": {"Cache-Control": {"description": "private, max-age=300", "schema": spec.TEXT}},
        "content": {ATOM: {"schema": {"type": "string", "description": "an Atom 1.0 document (RFC 4287)"}}},
    },
    **spec.errors(
        {
            "400": "the request holds text that is not Unicode, or `t` twice",
            "404": "no such feed: a tampered, revoked or unknown link, all answered alike",
            "500": "a bug on our side; no details are given",
            "503": "storage unavailable for a moment, or the deployment is not configured",
        },
        (spec.JSON,),
    ),
}

SCHEMAS: dict[str, Any] = {
    "Feeds": spec.obj(
        {
            "org": {**_URL, "description": "the feed of every space"},
            "spaces": {"type": "object", "additionalProperties": _URL, "description": "each space's feed, by slug"},
        }
    ),
}

PATHS: dict[str, dict[str, Any]] = {
    "/api/feeds/org.atom": {
        "get": {
            "summary": "Your Atom feed of the newest posts in every space",
            "parameters": [_TOKEN],
            "security": [],
            "responses": _FEED_ANSWERS,
        }
    },
    "/api/feeds/spaces/{feed}": {
        "get": {
            "summary": "Your Atom feed of the newest posts in one space",
            "parameters": [spec.path("feed", "the space's slug, then .atom"), _TOKEN],
            "security": [],
            "responses": _FEED_ANSWERS,
        }
    },
    "/api/feeds/revoke": {
        "post": spec.write(
            "Revoke all your feed links: the old ones stop working (a form: 303 to return_to, or to /api/html/feeds)",
            {},
            [],
            spec.ref("Feeds"),
            parameters=[],
        )
    },
    "/api/html/feeds": {"get": spec.html("Your feed links as a page, with the form that revokes them")},
}
