"""The part of the OpenAPI description (`chalicelib.openapi`) for posts, replies, reactions and
outcomes, and their `/api/html/*` pages (HTML, errors included)."""

from __future__ import annotations

from typing import Any

from chalicelib.web import openapi as spec

_ID = {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$", "description": "a ULID"}
_STATE = {"type": "string", "enum": ["on", "off"]}
_KINDS = ("like", "celebrate", "thanks", "insightful")
_PAGE_NEXT = {"type": ["string", "null"], "description": "the cursor of the next page; null on the last"}
_POSTS = {"type": "array", "items": spec.ref("Post")}
_SEEN = {
    "type": "string",
    "maxLength": 512,
    "description": "the post as you saw it: send it back, as it came, with a reaction on the post or a reply to it, "
    "and the server need not read the post first; a stale one costs a moment, never a wrong answer",
}

SCHEMAS: dict[str, Any] = {
    "Person": spec.obj({"handle": spec.TEXT, "name": spec.TEXT, "url": spec.TEXT}),
    "Space": spec.obj(
        {
            "slug": spec.TEXT,
            "name": spec.TEXT,
            "kind": {"type": "string", "enum": ["team", "community"]},
            "draft": {"type": "boolean", "description": "true while its team has not finished it"},
            "purpose": {"type": ["string", "null"], "description": "null: a draft with none yet"},
            "outcome": {"type": ["string", "null"], "description": "null: a draft with none yet"},
            "url": spec.TEXT,
            "can_post": spec.BOOL,
            "is_steward": spec.BOOL,
        }
    ),
    "Reaction": spec.obj({"count": spec.INT, "mine": spec.BOOL}),
    "Reactions": spec.obj({kind: spec.ref("Reaction") for kind in _KINDS}),
    "Outcome": spec.obj({"by": spec.TEXT, "at": spec.ISO}),
    "Hidden": spec.obj({"by": spec.TEXT, "reason": spec.TEXT, "at": spec.ISO}),
    "Post": spec.obj(
        {
            "id": _ID,
            "space": spec.TEXT,
            "parent": {"type": ["string", "null"]},
            "author": spec.ref("Person"),
            "created_at": spec.ISO,
            "edited_at": spec.NULLABLE_ISO,
            "version": spec.INT,
            "body": {"type": "string", "description": "Markdown source; empty when deleted or hidden from you"},
            "html": {"type": "string", "description": "sanitised HTML; empty when deleted or hidden from you"},
            "deleted": spec.BOOL,
            "hidden": {"oneOf": [{"type": "null"}, spec.ref("Hidden")]},
            "mentions": {"type": "array", "items": spec.TEXT},
            "reply_count": spec.INT,
            "reactions": spec.ref("Reactions"),
            "outcome": {"oneOf": [{"type": "null"}, spec.ref("Outcome")]},
            "can": spec.obj(
                {name: spec.BOOL for name in ("edit", "delete", "hide", "restore", "mark_outcome", "reply")}
            ),
            "seen": _SEEN,
        }
    ),
    "Counts": spec.obj({"total": spec.INT, "weeks": {"type": "object", "additionalProperties": spec.INT}}),
}

_PAGE_PARAMS = [
    {"name": "cursor", "in": "query", "required": False, "schema": spec.TEXT, "description": "`next` of the last page"},
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 50}},
]
_BODY = {"type": "string", "minLength": 1, "maxLength": 5000, "description": "Markdown, 1 to 5,000 characters"}
_SPACE_HINT = {"type": "string", "description": "the post's space; saves a read"}
_POST_ANSWER = spec.obj({"post": spec.ref("Post")})
_FEED = {"posts": _POSTS, "next": _PAGE_NEXT}

PATHS: dict[str, dict[str, Any]] = {
    "/api/feed": {"get": spec.read("The org-wide feed, newest first", spec.obj(_FEED), _PAGE_PARAMS)},
    "/api/spaces/{slug}/posts": {
        "get": spec.read(
            "A space's feed, newest first",
            spec.obj({"space": spec.ref("Space"), **_FEED}),
            [spec.path("slug"), *_PAGE_PARAMS],
        ),
        "post": spec.write(
            "Post in a space",
            {"body": _BODY},
            ["body"],
            _POST_ANSWER,
            created=True,
            parameters=[spec.path("slug")],
        ),
    },
    "/api/spaces/{slug}/outcomes": {
        "get": spec.read(
            "A space's outcome counts, overall and per ISO week",
            spec.obj(
                {"space": spec.TEXT, "total": spec.INT, "weeks": {"type": "object", "additionalProperties": spec.INT}}
            ),
            [spec.path("slug")],
        )
    },
    "/api/outcomes": {
        "get": spec.read(
            "Outcome counts of the whole organisation and of each space",
            spec.obj(
                {
                    "total": spec.INT,
                    "weeks": {"type": "object", "additionalProperties": spec.INT},
                    "spaces": {"type": "object", "additionalProperties": spec.ref("Counts")},
                }
            ),
        )
    },
    "/api/people/{handle}/posts": {
        "get": spec.read(
            "A person's posts, newest first",
            spec.obj({"person": spec.ref("Person"), **_FEED}),
            [spec.path("handle"), *_PAGE_PARAMS],
        )
    },
    "/api/posts/{id}": {
        "get": spec.read(
            "A post with its replies (oldest first)",
            spec.obj({"post": spec.ref("Post"), "replies": _POSTS}),
            [spec.path("id")],
        )
    },
    "/api/posts/{id}/reactions": {
        "get": spec.read(
            "Who reacted to a post, per kind",
            spec.obj(
                {
                    "post_id": spec.TEXT,
                    "reactions": spec.obj({kind: {"type": "array", "items": spec.TEXT} for kind in _KINDS}),
                }
            ),
            [spec.path("id")],
        )
    },
    "/api/posts/{id}/replies": {
        "post": spec.write(
            "Reply to a post (one level deep)",
            {"body": _BODY, "space": _SPACE_HINT, "seen": {**_SEEN, "description": "the parent post's `seen`"}},
            ["body"],
            _POST_ANSWER,
            created=True,
            parameters=[spec.path("id")],
        )
    },
    "/api/posts/{id}/edit": {
        "post": spec.write(
            "Edit your post; a stale version is 409",
            {"body": _BODY, "version": {"type": "integer", "minimum": 1, "description": "the version you edit"}},
            ["body", "version"],
            _POST_ANSWER,
            form_fields={"body": _BODY, "version": {"type": "string", "pattern": "^[0-9]{1,20}$"}},
            parameters=[spec.path("id")],
        )
    },
    "/api/posts/{id}/delete": {
        "post": spec.write("Delete your post (a tombstone)", {}, [], _POST_ANSWER, parameters=[spec.path("id")])
    },
    "/api/posts/{id}/hide": {
        "post": spec.write(
            "Hide a post in a space you steward, with a reason",
            {"reason": {"type": "string", "minLength": 1, "maxLength": 500}},
            ["reason"],
            _POST_ANSWER,
            parameters=[spec.path("id")],
        )
    },
    "/api/posts/{id}/restore": {
        "post": spec.write("Restore a hidden post", {}, [], _POST_ANSWER, parameters=[spec.path("id")])
    },
    "/api/posts/{id}/reactions/{kind}": {
        "post": spec.write(
            "Turn your reaction on or off",
            {"state": _STATE, "seen": _SEEN},
            ["state"],
            spec.obj({"post_id": spec.TEXT, "reactions": spec.ref("Reactions"), "seen": _SEEN}),
            parameters=[spec.path("id"), spec.path("kind", "like, celebrate, thanks or insightful")],
        )
    },
    "/api/posts/{id}/outcome": {
        "post": spec.write(
            "Mark or unmark a post as achieving its space's outcome",
            {"state": _STATE, "space": _SPACE_HINT},
            ["state"],
            spec.obj({"post_id": spec.TEXT, "outcome": {"oneOf": [{"type": "null"}, spec.ref("Outcome")]}}),
            parameters=[spec.path("id")],
        )
    },
    "/api/html/feed": {"get": spec.html("The org-wide feed as a page, for browsers without JavaScript")},
    "/api/html/spaces/{slug}": {"get": spec.html("A space's feed as a page, with its forms", [spec.path("slug")])},
    "/api/html/people/{handle}": {"get": spec.html("A person's posts as a page", [spec.path("handle")])},
    "/api/html/posts/{id}": {"get": spec.html("A thread as a page, with its forms", [spec.path("id")])},
}
