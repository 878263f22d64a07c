"""The OpenAPI 3.1 description of `/api`, served at `/api/openapi.json`, true to what the server
answers: tests keep every route documented with its methods, and check real answers of the dev
stack against it (status, media type, JSON schema) and every documented request field is accepted.

Two kinds of request reach the write routes, and they are answered differently:

- JSON from the hub's JavaScript: the fields below and nothing else (an idempotency key goes in the
  `Idempotency-Key` header); answered with JSON, errors too.
- An HTML form from a page without JavaScript: the same fields as text, plus `return_to` and
  `idempotency_key` (which a create needs); answered 303 See Other back to the page, or an HTML
  page for an error.

The `/api/html/*` routes are HTML pages, errors included. Objects allow no other properties: what
leaves the server is an allowlist, and so is this description of it.
"""

from __future__ import annotations

from typing import Any

from chalicelib.web.http import Incoming, Outgoing, json_body

_REF = "#/components/schemas/"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
HTML = "text/html"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    required = list(properties) if required is None else required
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


_TEXT = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_ISO = {"type": "string", "format": "date-time"}
_NULLABLE_ISO = {"type": ["string", "null"], "format": "date-time"}
_ID = {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$", "description": "a ULID"}
_STATE = {"type": "string", "enum": ["on", "off"]}
_KINDS = ("like", "celebrate", "thanks", "insightful")
_PAGE_NEXT = {"type": ["string", "null"], "description": "the cursor of the next page; null on the last"}
_POSTS = {"type": "array", "items": _ref("Post")}

SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": _TEXT, "message": _TEXT, "sign_in": _TEXT}, ["error", "message"]),
    "Person": _object({"handle": _TEXT, "name": _TEXT, "url": _TEXT}),
    "Me": _object(
        {
            "handle": {"type": ["string", "null"], "description": "null: signed in, not in the directory yet"},
            "name": _TEXT,
            "email": _TEXT,
            "title": _TEXT,
            "team": {"type": ["string", "null"]},
            "url": _TEXT,
            "in_directory": _BOOL,
            "session_expires_at": {"type": "integer", "description": "Unix time"},
        },
        ["handle", "name", "email", "in_directory", "session_expires_at"],
    ),
    "Space": _object(
        {
            "slug": _TEXT,
            "name": _TEXT,
            "kind": {"type": "string", "enum": ["team", "community"]},
            "purpose": _TEXT,
            "outcome": _TEXT,
            "url": _TEXT,
            "can_post": _BOOL,
            "is_steward": _BOOL,
        }
    ),
    "Reaction": _object({"count": _INT, "mine": _BOOL}),
    "Reactions": _object({kind: _ref("Reaction") for kind in _KINDS}),
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
            "deleted": _BOOL,
            "hidden": {"oneOf": [{"type": "null"}, _ref("Hidden")]},
            "mentions": {"type": "array", "items": _TEXT},
            "reply_count": _INT,
            "reactions": _ref("Reactions"),
            "outcome": {"oneOf": [{"type": "null"}, _ref("Outcome")]},
            "can": _object({name: _BOOL for name in ("edit", "delete", "hide", "restore", "mark_outcome", "reply")}),
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
    "description": "required for a JSON create (a form sends the field idempotency_key instead): a retry "
    "with the same key creates nothing and answers as the first time did",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,128}$"},
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}

_READ_ERRORS = {
    "400": "bad input (the message says what)",
    "401": "not signed in",
    "403": "not allowed",
    "404": "unknown space, person, post or reaction kind",
    "500": "a bug on our side; no details are given",
    "503": "storage unavailable for a moment, or the deployment is not configured",
}
_WRITE_ERRORS = {
    **_READ_ERRORS,
    "403": "not allowed, or a missing or foreign Origin",
    "409": "stale version, or an idempotency key reused for another request",
    "413": "body over 64 KB",
    "415": "neither JSON nor an HTML form",
    "429": "writing too fast",
}
_PAGE = {"schema": {"type": "string", "description": "an HTML page"}}


def _errors(texts: dict[str, str], media: tuple[str, ...]) -> dict[str, Any]:
    content = {JSON: {"schema": _ref("Error")}, HTML: _PAGE}
    answers: dict[str, Any] = {}
    for code, text in texts.items():
        answers[code] = {"description": text, "content": {m: content[m] for m in media}}
        if code in ("429", "503"):
            answers[code]["headers"] = _RETRY_AFTER
    return answers


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _read(summary: str, schema: dict[str, Any], params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": params or [],
        "responses": {"200": _json(schema), **_errors(_READ_ERRORS, (JSON,))},
    }


def _html(summary: str, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    answers = {"200": {"description": "the page", "content": {HTML: _PAGE}}, **_errors(_READ_ERRORS, (HTML,))}
    return {"summary": summary, "parameters": params or [], "responses": answers}


_RETURN_TO = {"type": "string", "description": "a path on this hub to go back to (default: the page of the post)"}
_FORM_KEY = {
    "type": "string",
    "pattern": "^[A-Za-z0-9_-]{8,128}$",
    "description": "the idempotency key: needed to create, accepted (and unused) by every other form",
}


def _write(
    summary: str,
    fields: dict[str, Any],
    required: list[str],
    answer: dict[str, Any],
    *,
    form_fields: dict[str, Any] | None = None,
    created: bool = False,
    parameters: list[dict[str, Any]],
) -> dict[str, Any]:
    """A write: `fields` in JSON, or as a form (`form_fields`, where a value is text, plus `return_to`
    and `idempotency_key`, which every form may send and a create needs)."""
    in_form = {**(form_fields or fields), "return_to": _RETURN_TO, "idempotency_key": _FORM_KEY}
    done = _json(answer, "created" if created else "done")
    if created:
        done["headers"] = {
            "Idempotent-Replayed": {"description": "true: a retry, nothing new was created", "schema": _TEXT}
        }
    return {
        "summary": summary,
        "parameters": [*parameters, _IDEMPOTENCY] if created else parameters,
        "requestBody": {
            "required": bool(required),
            "content": {
                JSON: {"schema": _object(fields, required)},
                FORM: {"schema": _object(in_form, required + (["idempotency_key"] if created else []))},
            },
        },
        "responses": {
            "201" if created else "200": done,
            "303": {
                "description": "an HTML form: back to its return_to (or the post's page)",
                "headers": {"Location": {"description": "a path on this hub", "schema": _TEXT}},
            },
            **_errors(_WRITE_ERRORS, (JSON, HTML)),
        },
    }


def _path(name: str, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _TEXT, "description": description}


_BODY = {"type": "string", "minLength": 1, "maxLength": 5000, "description": "Markdown, 1 to 5,000 characters"}
_SPACE_HINT = {"type": "string", "description": "the post's space; saves a read"}
_POST_ANSWER = _object({"post": _ref("Post")})
_FEED = {"posts": _POSTS, "next": _PAGE_NEXT}

PATHS: dict[str, dict[str, Any]] = {
    "/api/me": {"get": _read("The signed-in person", _ref("Me"))},
    "/api/openapi.json": {
        "get": {
            **_read("This document", {"type": "object", "required": ["openapi", "info", "paths"]}),
            "security": [],
        }
    },
    "/api/feed": {"get": _read("The org-wide feed, newest first", _object(_FEED), _PAGE_PARAMS)},
    "/api/spaces/{slug}/posts": {
        "get": _read(
            "A space's feed, newest first", _object({"space": _ref("Space"), **_FEED}), [_path("slug"), *_PAGE_PARAMS]
        ),
        "post": _write(
            "Post in a space",
            {"body": _BODY},
            ["body"],
            _POST_ANSWER,
            created=True,
            parameters=[_path("slug")],
        ),
    },
    "/api/spaces/{slug}/outcomes": {
        "get": _read(
            "A space's outcome counts, overall and per ISO week",
            _object({"space": _TEXT, "total": _INT, "weeks": {"type": "object", "additionalProperties": _INT}}),
            [_path("slug")],
        )
    },
    "/api/outcomes": {
        "get": _read(
            "Outcome counts of the whole organisation and of each space",
            _object(
                {
                    "total": _INT,
                    "weeks": {"type": "object", "additionalProperties": _INT},
                    "spaces": {"type": "object", "additionalProperties": _ref("Counts")},
                }
            ),
        )
    },
    "/api/people/{handle}/posts": {
        "get": _read(
            "A person's posts, newest first",
            _object({"person": _ref("Person"), **_FEED}),
            [_path("handle"), *_PAGE_PARAMS],
        )
    },
    "/api/posts/{id}": {
        "get": _read(
            "A post with its replies (oldest first)",
            _object({"post": _ref("Post"), "replies": _POSTS}),
            [_path("id")],
        )
    },
    "/api/posts/{id}/reactions": {
        "get": _read(
            "Who reacted to a post, per kind",
            _object(
                {
                    "post_id": _TEXT,
                    "reactions": _object({kind: {"type": "array", "items": _TEXT} for kind in _KINDS}),
                }
            ),
            [_path("id")],
        )
    },
    "/api/posts/{id}/replies": {
        "post": _write(
            "Reply to a post (one level deep)",
            {"body": _BODY, "space": _SPACE_HINT},
            ["body"],
            _POST_ANSWER,
            created=True,
            parameters=[_path("id")],
        )
    },
    "/api/posts/{id}/edit": {
        "post": _write(
            "Edit your post; a stale version is 409",
            {"body": _BODY, "version": {"type": "integer", "minimum": 1, "description": "the version you edit"}},
            ["body", "version"],
            _POST_ANSWER,
            form_fields={"body": _BODY, "version": {"type": "string", "pattern": "^[0-9]{1,20}$"}},
            parameters=[_path("id")],
        )
    },
    "/api/posts/{id}/delete": {
        "post": _write("Delete your post (a tombstone)", {}, [], _POST_ANSWER, parameters=[_path("id")])
    },
    "/api/posts/{id}/hide": {
        "post": _write(
            "Hide a post in a space you steward, with a reason",
            {"reason": {"type": "string", "minLength": 1, "maxLength": 500}},
            ["reason"],
            _POST_ANSWER,
            parameters=[_path("id")],
        )
    },
    "/api/posts/{id}/restore": {
        "post": _write("Restore a hidden post", {}, [], _POST_ANSWER, parameters=[_path("id")])
    },
    "/api/posts/{id}/reactions/{kind}": {
        "post": _write(
            "Turn your reaction on or off",
            {"state": _STATE},
            ["state"],
            _object({"post_id": _TEXT, "reactions": _ref("Reactions")}),
            parameters=[_path("id"), _path("kind", "like, celebrate, thanks or insightful")],
        )
    },
    "/api/posts/{id}/outcome": {
        "post": _write(
            "Mark or unmark a post as achieving its space's outcome",
            {"state": _STATE, "space": _SPACE_HINT},
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
        "every state-changing request an Origin (or Referer) from the hub's own origin. Writes take JSON, "
        "answered with JSON, or an HTML form, answered 303 back to the page (or an HTML page on error).",
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
