"""The `/api/metrics` routes: each reads the request, calls one reading and shapes the answer
(JSON, or CSV for the spreadsheet that goes to leadership)."""

from __future__ import annotations

import re

from chalicelib.metrics import reading, rules
from chalicelib.posts.api import actor_of
from chalicelib.runtime import Services
from chalicelib.web.http import Incoming, Outgoing, json_body

CSV = ".csv"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def _csv(rows: list[dict[str, object]], name: str) -> Outgoing:
    filename = f"commons-metrics-{_SAFE_NAME.sub('-', name)[:80]}.csv"
    return Outgoing(
        200,
        reading.csv_text(rows),
        "text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _weeks(incoming: Incoming, services: Services, scope: str) -> list[dict[str, object]]:
    count = reading.parse_weeks(incoming.param("weeks"))
    return reading.weekly(services.posts.store.metrics(), scope, services.clock(), count)


def org_metrics(incoming: Incoming, services: Services) -> Outgoing:
    actor_of(incoming, services)
    return json_body({"weeks": _weeks(incoming, services, rules.ORG)})


def org_metrics_csv(incoming: Incoming, services: Services) -> Outgoing:
    actor_of(incoming, services)
    return _csv(_weeks(incoming, services, rules.ORG), "organisation")


def space_metrics(incoming: Incoming, services: Services) -> Outgoing:
    """A space's weeks; `<slug>.csv` the same as CSV (a path parameter is a whole segment)."""
    actor_of(incoming, services)
    slug = incoming.path_params["slug"]
    as_csv = services.directory.space(slug) is None and slug.endswith(CSV)
    slug = reading.check_space(services.directory, slug.removesuffix(CSV) if as_csv else slug)
    rows = _weeks(incoming, services, rules.space_scope(slug))
    return _csv(rows, slug) if as_csv else json_body({"weeks": rows})


def space_summaries(incoming: Incoming, services: Services) -> Outgoing:
    actor_of(incoming, services)
    metrics, now = services.posts.store.metrics(), services.clock()
    fresh = services.settings.posts.metrics_summary_seconds
    as_of, spaces = reading.summaries(metrics, services.directory, now, fresh)
    return json_body({"quarter": rules.quarter(now), "as_of": rules.iso_time(as_of), "spaces": spaces})


def health(incoming: Incoming, services: Services) -> Outgoing:
    actor_of(incoming, services)
    store = services.posts.store
    _, spaces = store.all_outcome_counts()
    totals = {slug: counts.total for slug, counts in spaces.items()}
    return json_body(reading.health(store.metrics(), services.directory, totals, services.clock()))
