"""The HTTP edge: requests and answers (`http`), forms, CSRF, cookies, `next` paths, page skeletons
and the one table from domain errors to statuses. It imports no feature."""

from chalicelib.web.http import (
    FORM_TYPE,
    MAX_FORM_BYTES,
    STATUS,
    Incoming,
    Outgoing,
    answer,
    back_path,
    from_chalice,
    html,
    json_body,
    problem_outgoing,
    redirect,
    status_for,
    to_chalice,
)

__all__ = [
    "FORM_TYPE",
    "MAX_FORM_BYTES",
    "STATUS",
    "Incoming",
    "Outgoing",
    "answer",
    "back_path",
    "from_chalice",
    "html",
    "json_body",
    "problem_outgoing",
    "redirect",
    "status_for",
    "to_chalice",
]
