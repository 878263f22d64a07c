"""The routes of the metrics, as a Chalice Blueprint: wiring only."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.metrics import api, pages
from chalicelib.routing import Action, respond

metrics = Blueprint(__name__)


def _read(path: str, action: Action) -> None:
    def view(**_: str) -> Response:  # path parameters arrive in the request, not as arguments
        return respond(metrics.current_request, action)

    view.__name__ = f"metrics_{action.__name__}_get"
    metrics.route(path, methods=["GET"])(view)


_read("/api/metrics", api.org_metrics)
_read("/api/metrics.csv", api.org_metrics_csv)
_read("/api/metrics/spaces", api.space_summaries)
_read("/api/metrics/spaces/{slug}", api.space_metrics)
_read("/api/metrics/health", api.health)
_read("/api/html/impact", pages.impact_page)
