"""Building blocks of the OpenAPI 3.1 description of `/api` (`chalicelib.openapi` puts each
feature's part together): schemas whose objects allow no other properties (what leaves the server
is an allowlist, and so is its description), the error answers every route can give, and the two
shapes of a write.

Two kinds of request reach the write routes, and they are answered differently:

- JSON from the hub's JavaScript: the fields and nothing else (an idempotency key goes in the
  `Idempotency-Key` header); answered with JSON, errors too.
- An HTML form from a page without JavaScript: the same fields as text, plus `return_to` and
  `idempotency_key` (which a create needs); answered 303 See Other back to the page, or an HTML
  page for an error.
"""

from __future__ import annotations

from typing import Any

REF = "#/components/schemas/"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
HTML = "text/html"

TEXT = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
ISO = {"type": "string", "format": "date-time"}
NULLABLE_ISO = {"type": ["string", "null"], "format": "date-time"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    required = list(properties) if required is None else required
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


ERROR = obj({"error": TEXT, "message": TEXT, "sign_in": TEXT}, ["error", "message"])


IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "required for a JSON create (a form sends the field idempotency_key instead): a retry "
    "with the same key creates nothing and answers as the first time did",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,128}$"},
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}

READ_ERRORS = {
    "400": "bad input (the message says what)",
    "401": "not signed in",
    "403": "not allowed",
    "404": "unknown space, person, post or reaction kind",
    "500": "a bug on our side; no details are given",
    "503": "storage unavailable for a moment, or the deployment is not configured",
}
WRITE_ERRORS = {
    **READ_ERRORS,
    "403": "not allowed, or a missing or foreign Origin",
    "409": "stale version, or an idempotency key reused for another request",
    "413": "body over 64 KB",
    "415": "neither JSON nor an HTML form",
    "429": "writing too fast",
}
PAGE = {"schema": {"type": "string", "description": "an HTML page"}}


def errors(texts: dict[str, str], media: tuple[str, ...]) -> dict[str, Any]:
    content = {JSON: {"schema": ref("Error")}, HTML: PAGE}
    answers: dict[str, Any] = {}
    for code, text in texts.items():
        answers[code] = {"description": text, "content": {m: content[m] for m in media}}
        if code in ("429", "503"):
            answers[code]["headers"] = RETRY_AFTER
    return answers


def json_answer(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def read(summary: str, schema: dict[str, Any], params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": params or [],
        "responses": {"200": json_answer(schema), **errors(READ_ERRORS, (JSON,))},
    }


def html(summary: str, params: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    answers = {"200": {"description": "the page", "content": {HTML: PAGE}}, **errors(READ_ERRORS, (HTML,))}
    return {"summary": summary, "parameters": params or [], "responses": answers}


RETURN_TO = {"type": "string", "description": "a path on this hub to go back to (default: the page of the post)"}
FORM_KEY = {
    "type": "string",
    "pattern": "^[A-Za-z0-9_-]{8,128}$",
    "description": "the idempotency key: needed to create, accepted (and unused) by every other form",
}


def write(
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
    in_form = {**(form_fields or fields), "return_to": RETURN_TO, "idempotency_key": FORM_KEY}
    done = json_answer(answer, "created" if created else "done")
    if created:
        done["headers"] = {
            "Idempotent-Replayed": {"description": "true: a retry, nothing new was created", "schema": TEXT}
        }
    return {
        "summary": summary,
        "parameters": [*parameters, IDEMPOTENCY] if created else parameters,
        "requestBody": {
            "required": bool(required),
            "content": {
                JSON: {"schema": obj(fields, required)},
                FORM: {"schema": obj(in_form, required + (["idempotency_key"] if created else []))},
            },
        },
        "responses": {
            "201" if created else "200": done,
            "303": {
                "description": "an HTML form: back to its return_to (or the post's page)",
                "headers": {"Location": {"description": "a path on this hub", "schema": TEXT}},
            },
            **errors(WRITE_ERRORS, (JSON, HTML)),
        },
    }


def path(name: str, description: str = "") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": TEXT, "description": description}


def document(title: str, description: str, paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1", "description": description},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR, **schemas},
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "commons-session"}},
        },
        "security": [{"session": []}],
    }
