"""The part of the OpenAPI description (`chalicelib.openapi`) for mail: the signed-in person's
mail preferences, and the unsubscribe link every mail carries (RFC 8058 one-click: its POST needs
no session and no Origin, as a mail client sends it from no page; its signed token is its whole
authority, and it can only turn mail off)."""

from __future__ import annotations

from typing import Any

from chalicelib.web import openapi as spec

_DIGEST = {"type": "string", "enum": ["weekly", "daily", "off"]}
_SLUGS = {"type": "array", "items": spec.TEXT}
_FLAGS = ("each_post", "mentions", "replies")
_CHECKED = {"type": "string", "enum": ["on"], "description": "a ticked box; left out when not ticked"}
_TOKEN = {
    "name": "t",
    "in": "query",
    "required": True,
    "schema": spec.TEXT,
    "description": "the signed token of the link: whose mail, and what it stops",
}
_PAGE_ANSWERS = {
    "200": {"description": "the page", "content": {spec.HTML: spec.PAGE}},
    **spec.errors({"400": "a damaged or altered link", **spec.READ_ERRORS}, (spec.HTML,)),
}

SCHEMAS: dict[str, Any] = {
    "MailPreferences": spec.obj(
        {
            "follows": {**_SLUGS, "description": "the spaces whose posts you get (by each post or digest)"},
            **{flag: spec.BOOL for flag in _FLAGS},
            "digest": _DIGEST,
            "suppressed": {
                "oneOf": [
                    {"type": "null"},
                    spec.obj({"reason": {"type": "string", "enum": ["bounce", "complaint"]}, "at": spec.ISO}),
                ],
                "description": "mail to you stopped after a bounce or a complaint; resume turns it on again",
            },
            "spaces": {"type": "array", "items": spec.obj({"slug": spec.TEXT, "name": spec.TEXT})},
        }
    ),
}

_CHANGE = {
    "follows": {"type": ["array", "null"], "items": spec.TEXT, "description": "null: back to the defaults"},
    **{flag: spec.BOOL for flag in _FLAGS},
    "digest": _DIGEST,
    "resume": {"type": "boolean", "description": "true: mail this address again after a bounce"},
}
_FORM = {
    "follows": _SLUGS,
    **{flag: _CHECKED for flag in _FLAGS},
    "digest": _DIGEST,
    "resume": _CHECKED,
    "return_to": spec.RETURN_TO,
}

PATHS: dict[str, dict[str, Any]] = {
    "/api/mail/preferences": {
        "get": spec.read("What Commons mails you", spec.ref("MailPreferences")),
        "post": {
            "summary": "Change what Commons mails you (JSON: the fields sent; a form: every choice)",
            "parameters": [],
            "requestBody": {
                "required": True,
                "content": {
                    spec.JSON: {"schema": spec.obj(_CHANGE, [])},
                    spec.FORM: {"schema": spec.obj(_FORM, [])},
                },
            },
            "responses": {
                "200": spec.json_answer(spec.ref("MailPreferences"), "changed"),
                "303": {
                    "description": "a form: back to its return_to (or the preferences page)",
                    "headers": {"Location": {"description": "a path on this hub", "schema": spec.TEXT}},
                },
                **spec.errors(spec.WRITE_ERRORS, (spec.JSON, spec.HTML)),
            },
        },
    },
    "/api/html/mail/preferences": {"get": spec.html("Your mail preferences as a page, with their form")},
    "/api/mail/unsubscribe": {
        "get": {
            "summary": "What the link would stop, with a button that stops it (a GET changes nothing)",
            "parameters": [_TOKEN],
            "security": [],
            "responses": _PAGE_ANSWERS,
        },
        "post": {
            "summary": "Stop what the link names: one click, with no session and no Origin (RFC 8058)",
            "parameters": [_TOKEN],
            "security": [],
            "requestBody": {
                "required": False,
                "content": {spec.FORM: {"schema": spec.obj({"List-Unsubscribe": {"const": "One-Click"}}, [])}},
            },
            "responses": _PAGE_ANSWERS,
        },
    },
}
