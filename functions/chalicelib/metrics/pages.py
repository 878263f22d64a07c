"""The impact dashboard as plain HTML, rendered by the function for browsers without JavaScript
(the hub's /impact/ links here): the organisation's weeks and every space's quarter, as tables.
Everything shown is escaped; the page loads nothing, and its only style is inline, allowed by its
hash in a strict Content-Security-Policy, as the posts' pages are."""

from __future__ import annotations

from html import escape
from typing import Any

from chalicelib.metrics import reading, rules
from chalicelib.posts.api import actor_of, space_page_path
from chalicelib.runtime import Services
from chalicelib.web.http import Incoming, Outgoing
from chalicelib.web.skeleton import Skeleton

STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}"
    "table{border-collapse:collapse;margin:1rem 0}th,td{padding:.2rem .6rem;border-bottom:1px solid #ddd}"
    "td{text-align:right}th[scope=row],td.text{text-align:left}nav a{margin-right:1rem}caption{text-align:left}"
    ".scroll{overflow-x:auto}.scroll:focus-visible{outline:2px solid #3f51b5;outline-offset:2px}"
)
SKELETON = Skeleton(STYLE, (("/", "Hub"), ("/impact/", "Impact"), ("/api/html/feed", "All posts")))
LABELS = {
    "posts": "Posts",
    "replies": "Replies",
    "reactions": "Reactions",
    "outcomes": "Outcomes achieved",
    "active_people": "Active people",
    "answered": "Posts answered",
    "answered_within_a_day": "Answered within a working day",
}


def _page(title: str, body: str) -> Outgoing:
    return SKELETON.page(title, body)


def _weeks_table(rows: list[dict[str, Any]]) -> str:
    head = '<th scope="col">Week</th>' + "".join(f'<th scope="col">{escape(LABELS[f])}</th>' for f in reading.FIELDS)
    body = "".join(
        f'<tr><th scope="row">{escape(r["week"])}</th>'
        + "".join(f"<td>{int(r[f])}</td>" for f in reading.FIELDS)
        + "</tr>"
        for r in reversed(rows)  # newest first, to read
    )
    caption = "<caption>The organisation, per ISO week</caption>"
    return _scrolling("Weeks", f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def _spaces_table(spaces: list[dict[str, Any]], quarter: str, as_of: float) -> str:
    columns = (
        "Space",
        "Outcomes this quarter",
        "Previous quarter",
        "Trend",
        "Active people",
        "Median hours to first answer",
    )
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    rows = []
    for s in spaces:
        median = s["median_hours_to_first_answer"]
        rows.append(
            f'<tr><th scope="row"><a href="{escape(space_page_path(s["slug"]))}">{escape(s["name"])}</a></th>'
            f"<td>{int(s['outcomes_this_quarter'])}</td><td>{int(s['outcomes_previous_quarter'])}</td>"
            f'<td class="text">{escape(s["trend"])}</td><td>{int(s["active_people_this_quarter"])}</td>'
            f"<td>{escape(str(median)) if median is not None else '–'}</td></tr>"
        )
    caption = f"Spaces in {escape(quarter)}, as of {escape(rules.iso_time(as_of)[11:16])} UTC"
    table = f"<table><caption>{caption}</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return _scrolling("Spaces", table)


def _scrolling(name: str, table: str) -> str:
    """A wide table scrolls in its own box, which the keyboard can reach, so that the page itself
    reflows at 320 px and never scrolls sideways."""
    return f'<div class="scroll" role="region" aria-label="{escape(name)}" tabindex="0">{table}</div>'


def impact_page(incoming: Incoming, services: Services) -> Outgoing:
    actor_of(incoming, services)
    count = reading.parse_weeks(incoming.param("weeks"))
    metrics, now = services.posts.store.metrics(), services.clock()
    rows = reading.weekly(metrics, rules.ORG, now, count)
    as_of, spaces = reading.summaries(metrics, services.directory, now, services.settings.posts.metrics_summary_seconds)
    body = (
        "<p>How often each space achieved its purpose, how many people take part, and how fast posts get "
        'answered. <a href="/api/metrics.csv">Download the weeks as CSV</a>.</p>'
        + _weeks_table(rows)
        + _spaces_table(spaces, rules.quarter(now), as_of)
    )
    return _page("Impact", body)
