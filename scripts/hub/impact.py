"""The places the build leaves for the benefit figures: the /impact/ dashboard, the "purpose
achieved" line on each space page and the live part of the health page.

The figures themselves come from the metrics API (`/api/metrics…`) and are drawn in the browser by
commons-impact.js, so a static page never shows stale numbers. Without JavaScript, each place
links to the page the functions render (`/api/html/impact`) and to the CSV answers.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from hub.content import Space
    from hub.pages import Views

#: The function-rendered page with the dashboard's tables, for browsers without JavaScript.
PLAIN_PAGE = "/api/html/impact"
ORG_CSV = "/api/metrics.csv"
#: What commons-impact.js asks for first on the dashboard; the page preloads it.
ORG_WEEKS = "/api/metrics"
SCRIPT = "assets/commons-impact.js"

#: The dashboard's charts: the field of a week they show, heading, and what it counts.
CHARTS = (
    ("outcomes", "Purpose achieved, per week", "Posts marked as achieving their space's outcome."),
    ("active_people", "Active people, per week", "People who posted, replied, reacted or marked an outcome."),
    (
        "answered_within_a_day",
        "Answered within a working day, per week",
        "The share of the week's posts that got a first answer from someone else within one working day.",
    ),
)


def space_csv(slug: str) -> str:
    return f"/api/metrics/spaces/{quote(slug, safe='')}.csv"


def _script(root: str) -> str:
    # Right after the place it fills, like the posts script: the fetch starts as soon as it exists.
    return f'<script src="{root}{SCRIPT}"></script>'


def dashboard(views: Views) -> str:
    """/impact/: the organisation's purpose, then the charts and the spaces table (commons-impact.js)."""
    home = views.home
    parts = ['<div class="commons-impact" id="impact" data-impact-dashboard data-search-exclude>']
    if home is not None:
        parts.append(
            '<section class="commons-impact__purpose" aria-labelledby="impact-purpose">'
            '<h2 id="impact-purpose">What we are here for</h2>'
            f'<p class="commons-impact__statement">{escape(home.purpose)}</p>'
        )
        if home.outcome:
            parts.append(f'<p class="commons-impact__outcome">{escape(home.outcome)}</p>')
        parts.append("</section>")
    parts.append(
        f'<noscript><p class="commons-impact__plain">See these figures as tables <a href="{PLAIN_PAGE}">on a plain'
        " page</a> (works without JavaScript).</p></noscript>"
        f'<p class="commons-impact__downloads">For a spreadsheet: <a href="{ORG_CSV}" download>every week, as CSV</a>;'
        " each space's page links to its own.</p>"
        '<p class="commons-impact__status" role="status" hidden>Loading the figures…</p>'
    )
    for field, heading, counts in CHARTS:
        anchor = "impact-" + field.replace("_", "-")
        parts.append(
            f'<section class="commons-chart" id="{anchor}" data-impact-chart="{field}"'
            f' aria-labelledby="{anchor}-heading">'
            f'<h2 id="{anchor}-heading">{escape(heading)}</h2><p class="commons-chart__about">{escape(counts)}</p>'
            "</section>"
        )
    parts.append(
        '<section class="commons-impact__spaces" id="impact-spaces" data-impact-spaces'
        ' aria-labelledby="impact-spaces-heading">'
        '<h2 id="impact-spaces-heading">Spaces</h2>'
        '<p class="commons-chart__about">Choose a column\'s heading to sort by it.</p>'
        "</section>"
        "</div>"
    )
    parts.append(_script("../"))
    return "".join(parts)


def space_achieved(space: Space) -> str:
    """Beside the outcome statement: "purpose achieved N times this quarter" and a sparkline."""
    return (
        f'<dd class="commons-purpose__achieved" data-impact-space="{escape(space.slug)}"'
        " data-search-exclude hidden></dd>"
    )


def space_achieved_plain(space: Space) -> str:
    return (
        '<noscript><p class="commons-purpose__plain" data-search-exclude>How often this space achieved its purpose:'
        f' <a href="{PLAIN_PAGE}">on a plain page</a> · <a href="{escape(space_csv(space.slug))}" download>'
        "every week, as CSV</a>.</p></noscript>" + _script("../../")
    )


def health_activity() -> str:
    """The health page's live part: what the build cannot know, from the metrics API."""
    return (
        '<section class="commons-health-live" id="activity" data-impact-health aria-labelledby="activity-heading"'
        " data-search-exclude>"
        '<h2 id="activity-heading">From activity</h2>'
        "<p>Counted as people post, reply and mark outcomes, so this part is as current as the last post.</p>"
        f'<noscript><p class="commons-health-live__plain">This part needs JavaScript; the figures per space are'
        f' <a href="{PLAIN_PAGE}">on a plain page</a>.</p></noscript>'
        '<p class="commons-health-live__status" role="status" hidden>Loading…</p>'
        "</section>" + _script("../")
    )
