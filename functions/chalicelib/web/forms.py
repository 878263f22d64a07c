"""Request bodies of the write routes: JSON from the hub's JavaScript, or an HTML form from a
browser without it. Limits come first: a body over 64 KB is refused before anything parses it.
Only the fields a route names are accepted (an allowlist in), and a form's `return_to` must be a
path on this origin. Text that is not Unicode (a lone surrogate in JSON, bytes that are not UTF-8
in a form) is refused, never replaced."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from chalicelib.errors import (
    CommonsError,
    InvalidInputError,
    InvalidTextError,
    MalformedJsonError,
    PayloadTooLargeError,
    UnsafeReturnError,
    UnsupportedMediaTypeError,
)
from chalicelib.web.http import FORM_TYPE, Incoming, Outgoing, is_text, json_body, redirect, unreadable
from chalicelib.web.next_path import safe_next_path

MAX_BODY_BYTES = 64 * 1024
MAX_FORM_FIELDS = 50
JSON_TYPE = "application/json"
FORM_CONTROL_FIELDS = frozenset({"idempotency_key", "return_to"})


@dataclass(frozen=True)
class Submission:
    fields: Mapping[str, Any]
    is_form: bool
    idempotency_key: str | None
    return_to: str | None

    def text(self, name: str) -> str | None:
        value = self.fields.get(name)
        return value if isinstance(value, str) else None


def read(incoming: Incoming, allowed: frozenset[str]) -> Submission:
    declared = incoming.headers.get("content-length", "").strip()
    # Digits only (not "²", which isdigit() accepts and int() refuses), and only as many as matter.
    numeric = declared.isascii() and declared.isdecimal()
    size = int(declared[-18:]) if numeric else 0
    if size > MAX_BODY_BYTES or (numeric and len(declared) > 18) or len(incoming.body) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(f"body of {max(len(incoming.body), size)} bytes (declared {declared[:20]!r})")
    media = incoming.media_type
    if media == FORM_TYPE:
        fields = _form_fields(incoming.body)
        unknown = set(fields) - allowed - FORM_CONTROL_FIELDS
        if unknown:
            raise _unknown(unknown)
        return Submission(
            fields=fields,
            is_form=True,
            idempotency_key=fields.get("idempotency_key") or None,
            return_to=_return_to(fields.get("return_to")),
        )
    if media == JSON_TYPE or (not media and not incoming.body):
        document = _json_object(incoming.body)
        unknown = set(document) - allowed
        if unknown:
            raise _unknown(unknown)
        return Submission(document, False, incoming.headers.get("idempotency-key") or None, None)
    raise UnsupportedMediaTypeError(f"content type {media[:80]!r}")


def _json_object(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedJsonError(f"body is not JSON: {exc}") from exc
    except RecursionError as exc:
        # 64 KB of `[` nests deeper than the parser recurses: still the client's malformed input.
        raise MalformedJsonError("body nests too deeply") from exc
    if not isinstance(document, dict):
        raise MalformedJsonError("body is JSON but not an object", message="The request body must be a JSON object.")
    _check_json_text(document)
    return document


def _check_json_text(document: dict[str, Any]) -> None:
    """JSON's `\\ud800` escape makes a lone surrogate, which no store or page can encode: refuse it,
    naming the top-level field. A walk with a stack, as the document may nest deeply."""
    for name, value in document.items():
        pending: list[Any] = [name, value]
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                if not is_text(item):
                    raise unreadable("field", name)
            elif isinstance(item, dict):
                pending += [*item.keys(), *item.values()]
            elif isinstance(item, list):
                pending += item


def parse_form(body: bytes) -> dict[str, list[str]]:
    """An HTML form's fields, each with every value sent. Strict UTF-8, percent-escapes included."""
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=MAX_FORM_FIELDS)
    except UnicodeDecodeError as exc:
        raise InvalidTextError(
            f"form is not UTF-8: {exc}", message="The form holds text that is not valid UTF-8."
        ) from exc
    except ValueError as exc:  # parse_qs's max_num_fields
        raise InvalidInputError(
            f"form does not parse: {exc}", message=f"The form has more than {MAX_FORM_FIELDS} fields."
        ) from exc


def _form_fields(body: bytes) -> dict[str, str]:
    parsed = parse_form(body)
    repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
    if repeated:
        raise InvalidInputError(f"repeated fields {repeated}", message=f"The form sent {repeated[0]!r} twice.")
    return {name: values[0] for name, values in parsed.items()}


def _return_to(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return safe_next_path(raw)
    except CommonsError as exc:
        raise UnsafeReturnError(f"return_to {raw[:100]!r}: {exc}") from exc


def _unknown(names: set[str]) -> InvalidInputError:
    listed = ", ".join(sorted(name[:40] for name in names))
    return InvalidInputError(f"unknown fields {listed}", message=f"Unknown field(s): {listed}.")


def done(
    submission: Submission, document: Mapping[str, Any], *, status: int = 200, back: str, anchor: str = ""
) -> Outgoing:
    """JSON for fetch; for a form, 303 See Other back to the page (`return_to`, else `back`)."""
    if submission.is_form:
        target = submission.return_to or back
        if anchor and "#" not in target:
            target += f"#{anchor}"
        return redirect(target)
    return json_body(document, status)
