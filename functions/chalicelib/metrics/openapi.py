"""The part of the OpenAPI description (`chalicelib.openapi`) for the metrics: the weeks of the
organisation and of a space (JSON or CSV), every space's quarter, the health lists, and the impact
page for browsers without JavaScript."""

from __future__ import annotations

from typing import Any

from chalicelib.metrics.reading import FIELDS, MAX_WEEKS
from chalicelib.web import openapi as spec

CSV = "text/csv"
_WEEKS = {
    "name": "weeks",
    "in": "query",
    "required": False,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_WEEKS, "default": 26},
    "description": "how many ISO weeks, up to this one",
}
_CSV_TEXT = {
    "schema": {"type": "string", "description": f"a header row (week,{','.join(FIELDS)}), then one row a week"}
}
_NULLABLE_ISO = spec.NULLABLE_ISO
_COUNT = {"type": "integer", "minimum": 0}

SCHEMAS: dict[str, Any] = {
    "MetricsWeek": spec.obj(
        {
            "week": {"type": "string", "pattern": "^[0-9]{4}-W[0-9]{2}$"},
            **{name: spec.INT for name in FIELDS},
        }
    ),
    "MetricsWeeks": spec.obj({"weeks": {"type": "array", "items": spec.ref("MetricsWeek")}}),
    "SpaceSummary": spec.obj(
        {
            "slug": spec.TEXT,
            "name": spec.TEXT,
            "outcomes_this_quarter": spec.INT,
            "outcomes_previous_quarter": spec.INT,
            "trend": {"type": "string", "enum": ["up", "down", "same"]},
            "active_people_this_quarter": _COUNT,
            "posts_this_quarter": spec.INT,
            "answered_this_quarter": spec.INT,
            "median_hours_to_first_answer": {"type": ["number", "null"]},
        }
    ),
}


def _weeks_read(summary: str, params: list[dict[str, Any]], *, csv_too: bool) -> dict[str, Any]:
    operation = spec.read(summary, spec.ref("MetricsWeeks"), params)
    if csv_too:
        answer = operation["responses"]["200"]
        answer["description"] = "JSON; or, for a slug ending in .csv, the same as CSV (an attachment)"
        answer["content"][CSV] = _CSV_TEXT
    return operation


def _csv_read(summary: str) -> dict[str, Any]:
    operation = spec.read(summary, spec.ref("MetricsWeeks"), [_WEEKS])
    operation["responses"]["200"] = {
        "description": "CSV, as an attachment",
        "headers": {"Content-Disposition": {"description": "attachment; filename=…", "schema": spec.TEXT}},
        "content": {CSV: _CSV_TEXT},
    }
    return operation


PATHS: dict[str, dict[str, Any]] = {
    "/api/metrics": {
        "get": _weeks_read("The organisation's weeks, oldest first, every week present", [_WEEKS], csv_too=False)
    },
    "/api/metrics.csv": {"get": _csv_read("The organisation's weeks as CSV")},
    "/api/metrics/spaces": {
        "get": spec.read(
            "Every space's quarter: outcomes against the last quarter, people, median time to a first answer"
            " (worked out at most once a minute for everyone: `as_of` says when)",
            spec.obj(
                {
                    "quarter": spec.TEXT,
                    "as_of": {"type": "string", "format": "date-time"},
                    "spaces": {"type": "array", "items": spec.ref("SpaceSummary")},
                }
            ),
        )
    },
    "/api/metrics/spaces/{slug}": {
        "get": _weeks_read(
            "A space's weeks, oldest first; `<slug>.csv` as CSV",
            [spec.path("slug", "a space, or a space followed by .csv"), _WEEKS],
            csv_too=True,
        )
    },
    "/api/metrics/health": {
        "get": spec.read(
            "What needs care: quiet spaces, unanswered posts older than a working day, outcomes never marked",
            spec.obj(
                {
                    "quiet": {
                        "type": "array",
                        "items": spec.obj({"slug": spec.TEXT, "name": spec.TEXT, "last_post_at": _NULLABLE_ISO}),
                    },
                    "unanswered": {
                        "type": "array",
                        "items": spec.obj(
                            {
                                "slug": spec.TEXT,
                                "name": spec.TEXT,
                                "unanswered_count": spec.INT,
                                "posts": {
                                    "type": "array",
                                    "items": spec.obj({"id": spec.TEXT, "posted_at": spec.ISO, "url": spec.TEXT}),
                                },
                            }
                        ),
                    },
                    "never_marked": {"type": "array", "items": spec.obj({"slug": spec.TEXT, "name": spec.TEXT})},
                }
            ),
        )
    },
    "/api/html/impact": {
        "get": spec.html("The impact dashboard's tables as a page, for browsers without JavaScript", [_WEEKS])
    },
}
