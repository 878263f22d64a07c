"""The part of the OpenAPI description (`chalicelib.openapi`) for who is signed in."""

from __future__ import annotations

from typing import Any

from chalicelib.web import openapi as spec

SCHEMAS: dict[str, Any] = {
    "Me": spec.obj(
        {
            "handle": {"type": ["string", "null"], "description": "null: signed in, not in the directory yet"},
            "name": spec.TEXT,
            "email": spec.TEXT,
            "title": {"type": ["string", "null"], "description": "null: the person's file has no title"},
            "team": {"type": ["string", "null"]},
            "url": spec.TEXT,
            "in_directory": spec.BOOL,
            "session_expires_at": {"type": "integer", "description": "Unix time"},
            "feeds": {
                "oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Feeds"}],
                "description": "your private Atom feed links; null: not in the directory yet",
            },
        },
        ["handle", "name", "email", "in_directory", "session_expires_at", "feeds"],
    ),
}

PATHS: dict[str, dict[str, Any]] = {
    "/api/me": {"get": spec.read("The signed-in person", spec.ref("Me"))},
}
