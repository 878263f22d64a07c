"""The OpenAPI 3.1 description of `/api`, served at `/api/openapi.json`. A test keeps it true to the
routes the app registers: every route documented with its methods, nothing documented that is not
routed."""

from __future__ import annotations

from typing import Any

from chalicelib.web.http import Incoming, Outgoing, json_body

_REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


_TEXT = {"type": "string"}
_INT = {"type": "integer"}
_ISO = {"type": "string", "format": "date-time"}
_NULLABLE_ISO = {"type": ["string", "null"], "format": "date-time"}
_ID = {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$", "description": "a ULID"}
_STATE = {"type": "string", "enum": ["on", "off"]}

SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": _TEXT, "message": _TEXT, "sign_in": _TEXT}, ["error", "message"]),
    "Person": _object({"handle": _TEXT, "name": _TEXT, "url": _TEXT}),
    "Space": _object(
        {
            "slug": _TEXT,
            "name": _TEXT,
            "kind": {"type": "string", "enum": ["team", "community"]},
            "purpose": _TEXT,
            "outcome": _TEXT,
            "url": _TEXT,
            "can_post": {"type": "boolean"},
            "is_steward": {"type": "boolean"},
        }
    ),
    "Reaction": _object({"count": _INT, "mine": {"type": "boolean"}}),
    "Reactions": _object({kind: _ref("Reaction") for kind in ("like", "celebrate", "thanks", "insightful")}),
    "Outcome": _object({"by": _TEXT, "at": _ISO}),
    "Hidden": _object({"by": _TEXT, "reason": _TEXT, "at": _ISO}),
    "Post": _object(
        {
            "id": _ID,
            "space": _TEXT,
            "parent": {"type": ["string", "null"]},
            "author": _ref("Person"),
            "created_at": _ISO,
            "edited_at": _NULLABLE_ISO,
            "version": _INT,
            "body": {"type": "string", "description": "Markdown source; empty when deleted or hidden from you"},
            "html": {"type": "string", "description": "sanitised HTML; empty when deleted or hidden from you"},
            "deleted": {"type": "boolean"},
            "hidden": {"oneOf": [{"type": "null"}, _ref("Hidden")]},
            "mentions": {"type": "array", "items": _TEXT},
            "reply_count": _INT,
            "reactions": _ref("Reactions"),
            "outcome": {"oneOf": [{"type": "null"}, _ref("Outcome")]},
            "can": _object(
                {name: {"type": "boolean"} for name in ("edit", "delete", "hide", "restore", "mark_outcome", "reply")}
            ),
        }
    ),
    "Counts": _object({"total": _INT, "weeks": {"type": "object", "additionalProperties": _INT}}),
}

_PAGE_PARAMS = [
    {"name": "cursor", "in": "query", "required": False, "schema": _TEXT, "description": "`next` of the last page"},
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 50}},
]
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "required for JSON creates (forms send the field idempotency_key): a retry with it creates nothing",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,128}$"},
}
_ERRORS = {
    code: {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
    for code, text in {
        "400": "bad input (the message says what)",
        "401": "not signed in",
        "403": "not allowed, or a missing or foreign Origin",
        "404": "unknown space, person, post or reaction kind",
    }.items()
}
_WRITE_ERRORS = {
    **_ERRORS,
    **{
        code: {"description": text, "content": {"application/json": {"schema": _ref("Error")}}}
        for code, text in {
            "409": "stale version, or an idempotency key reused for another request",
            "413": "body over 64 KB",
            "415": "neither JSON nor an HTML form",
            "429": "writing too fast",
        }.items()
    },
}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _read(summary: str, schema: dict[str, Any], params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"summary": summary, "parameters": params or [], "responses": {"200": _json(schema), **_ERRORS}}


def _html(summary: str, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    page = {"description": "an HTML page", "content": {"text/html": {"schema": _TEXT}}}
    return {"summary": summary, "parameters": params or [], "responses": {"200": page, **_ERRORS}}


def _write(
    summary: str, fields: dict[str, Any], required: list[str], answer: dict[str, Any], status: str = "200", **extra: Any
) -> dict[str, Any]:
    body = _object(fields, required)
    return {
        "summary": summary,
        "requestBody": {
            "required": bool(required),
            "content": {"application/json": {"schema": body}, "application/x-www-form-urlencoded": {"schema": body}},
        },
        "responses": {
            status: _json(answer),
            "303": {"description": "an HTML form: back to its return_to"},
            **_WRITE_ERRORS,
        },
        **extra,
    }


def _path(name: str, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _TEXT, "description": description}


_POST_ANSWER = _object({"post": _ref("Post")})
_FORM = {"return_to": {"type": "string", "description": "forms: a path on this hub to return to"}}
_CREATE = {**_FORM, "idempotency_key": {"type": "string", "description": "forms: the idempotency key"}}

PATHS: dict[str, dict[str, Any]] = {
    "/api/me": {"get": _read("The signed-in person", {"type": "object"})},
    "/api/openapi.json": {"get": _read("This document", {"type": "object"})},
    "/api/feed": {
        "get": _read(
            "The org-wide feed, newest first",
            _object({"posts": {"type": "array", "items": _ref("Post")}, "next": {"type": ["string", "null"]}}),
            _PAGE_PARAMS,
        )
    },
    "/api/spaces/{slug}/posts": {
        "get": _read(
            "A space's feed, newest first",
            _object(
                {
                    "space": _ref("Space"),
                    "posts": {"type": "array", "items": _ref("Post")},
                    "next": {"type": ["string", "null"]},
                }
            ),
            [_path("slug"), *_PAGE_PARAMS],
        ),
        "post": _write(
            "Post in a space (Markdown, 1 to 5,000 characters)",
            {"body": _TEXT, **_CREATE},
            ["body"],
            _POST_ANSWER,
            "201",
            parameters=[_path("slug"), _IDEMPOTENCY],
        ),
    },
    "/api/spaces/{slug}/outcomes": {
        "get": _read(
            "A space's outcome counts, overall and per ISO week",
            {"allOf": [_ref("Counts"), _object({"space": _TEXT})]},
            [_path("slug")],
        )
    },
    "/api/outcomes": {
        "get": _read(
            "Outcome counts of the whole organisation and of each space",
            {
                "allOf": [
                    _ref("Counts"),
                    _object({"spaces": {"type": "object", "additionalProperties": _ref("Counts")}}),
                ]
            },
        )
    },
    "/api/people/{handle}/posts": {
        "get": _read(
            "A person's posts, newest first",
            _object(
                {
                    "person": _ref("Person"),
                    "posts": {"type": "array", "items": _ref("Post")},
                    "next": {"type": ["string", "null"]},
                }
            ),
            [_path("handle"), *_PAGE_PARAMS],
        )
    },
    "/api/posts/{id}": {
        "get": _read(
            "A post with its replies (oldest first)",
            _object({"post": _ref("Post"), "replies": {"type": "array", "items": _ref("Post")}}),
            [_path("id")],
        )
    },
    "/api/posts/{id}/reactions": {
        "get": _read(
            "Who reacted to a post, per kind",
            _object({"post_id": _TEXT, "reactions": {"type": "object", "additionalProperties": {"type": "array"}}}),
            [_path("id")],
        )
    },
    "/api/posts/{id}/replies": {
        "post": _write(
            "Reply to a post (one level deep)",
            {"body": _TEXT, "space": {"type": "string", "description": "the post's space; saves a read"}, **_CREATE},
            ["body"],
            _POST_ANSWER,
            "201",
            parameters=[_path("id"), _IDEMPOTENCY],
        )
    },
    "/api/posts/{id}/edit": {
        "post": _write(
            "Edit your post; a stale version is 409",
            {"body": _TEXT, "version": _INT, **_FORM},
            ["body", "version"],
            _POST_ANSWER,
            parameters=[_path("id")],
        )
    },
    "/api/posts/{id}/delete": {
        "post": _write("Delete your post (a tombstone)", dict(_FORM), [], _POST_ANSWER, parameters=[_path("id")])
    },
    "/api/posts/{id}/hide": {
        "post": _write(
            "Hide a post in a space you steward, with a reason",
            {"reason": {"type": "string", "maxLength": 500}, **_FORM},
            ["reason"],
            _POST_ANSWER,
            parameters=[_path("id")],
        )
    },
    "/api/posts/{id}/restore": {
        "post": _write("Restore a hidden post", dict(_FORM), [], _POST_ANSWER, parameters=[_path("id")])
    },
    "/api/posts/{id}/reactions/{kind}": {
        "post": _write(
            "Turn your reaction on or off",
            {"state": _STATE, **_FORM},
            ["state"],
            _object({"post_id": _TEXT, "reactions": _ref("Reactions")}),
            parameters=[_path("id"), _path("kind", "like, celebrate, thanks or insightful")],
        )
    },
    "/api/posts/{id}/outcome": {
        "post": _write(
            "Mark or unmark a post as achieving its space's outcome",
            {"state": _STATE, "space": {"type": "string", "description": "the post's space; saves a read"}, **_FORM},
            ["state"],
            _object({"post_id": _TEXT, "outcome": {"oneOf": [{"type": "null"}, _ref("Outcome")]}}),
            parameters=[_path("id")],
        )
    },
    "/api/html/feed": {"get": _html("The org-wide feed as a page, for browsers without JavaScript")},
    "/api/html/spaces/{slug}": {"get": _html("A space's feed as a page, with its forms", [_path("slug")])},
    "/api/html/people/{handle}": {"get": _html("A person's posts as a page", [_path("handle")])},
    "/api/html/posts/{id}": {"get": _html("A thread as a page, with its forms", [_path("id")])},
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Commons API",
        "version": "1",
        "description": "Posts, replies, reactions and outcomes. Every request needs the session cookie; "
        "every state-changing request an Origin (or Referer) from the hub's own origin.",
    },
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "commons-session"}},
    },
    "security": [{"session": []}],
}


def document(incoming: Incoming, services: object) -> Outgoing:
    return json_body(DOCUMENT)
