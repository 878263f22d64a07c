"""The metrics as the API and the pages show them, read in a bounded number of requests:

- a scope's weeks (`weekly`): one Query (1 page, 2 at 104 weeks of 100,000 active people);
- every space's summary (`summaries`): the table a reader kept in the last minute, one GetItem; else
  two Queries, this quarter's and the last one's, a BatchGet of the sketches of the spaces whose
  people moved since (`base.PeopleSummary`), and the table kept again (a Put);
- the health lists (`health`): those two Queries and one of the outcome counts.

The median time to a first answer comes from the per-space histogram of answer delays kept at write
time (`rules.DELAY_BUCKETS_HOURS`): the bucket holding the middle answer, interpolated linearly
inside it, so it is exact to within its bucket (e.g. between 8 and 16 hours).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.directory import Directory
from chalicelib.errors import InvalidInputError, UnknownSpaceError
from chalicelib.metrics import rules
from chalicelib.metrics.persistence.base import ROW, MetricsStore, SpaceQuarter, SpacesTable, Week

DEFAULT_WEEKS = 26
MAX_WEEKS = 104
QUIET_DAYS = 28
FIELDS = ("posts", "replies", "reactions", "outcomes", "active_people", "answered", "answered_within_a_day")
UNANSWERED_SHOWN = 50  # per space, oldest first; `unanswered_count` says how many there are


def parse_weeks(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_WEEKS
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= 3 and 1 <= int(raw) <= MAX_WEEKS):
        raise InvalidInputError("bad weeks", message=f"`weeks` is a whole number from 1 to {MAX_WEEKS}.")
    return int(raw)


def check_space(directory: Directory, slug: str) -> str:
    if directory.space(slug) is None:
        raise UnknownSpaceError(f"no space {slug[:80]!r}")
    return slug


def row(week: Week) -> dict[str, Any]:
    return {
        "week": week.week,
        **{name: week.people if name == "active_people" else week.count(name) for name in FIELDS},
    }


def weekly(store: MetricsStore, scope: str, now: float, count: int) -> list[dict[str, Any]]:
    """Every one of the last `count` weeks, oldest first, zeros where nothing happened."""
    return [row(week) for week in store.weeks(scope, rules.last_weeks(now, count))]


def csv_text(rows: Sequence[Mapping[str, Any]]) -> str:
    lines = [",".join(("week", *FIELDS))]
    lines += [",".join(str(r[name]) for name in ("week", *FIELDS)) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def previous_quarter(quarter: str) -> str:
    year, number = (int(part) for part in quarter.split("-Q"))
    return f"{year - 1}-Q4" if number == 1 else f"{year}-Q{number - 1}"


def _histogram(counts: Mapping[str, int]) -> dict[int, int]:
    found = {}
    for name, n in counts.items():
        if name.startswith(rules.DELAY_PREFIX) and name[len(rules.DELAY_PREFIX) :].isdecimal():
            found[int(name[len(rules.DELAY_PREFIX) :])] = n
    return found


def _trend(now: int, before: int) -> str:
    return "up" if now > before else "down" if now < before else "same"


def space_rows(store: MetricsStore, quarter: str) -> dict[str, dict[str, Any]]:
    """Every space's numbers for the quarter, against the last (two Queries, and the people)."""
    current, previous = store.quarter(quarter, people=True), store.quarter(previous_quarter(quarter))
    rows = {}
    for slug in {*current, *previous}:
        mine, before = current.get(slug, SpaceQuarter(slug)), previous.get(slug, SpaceQuarter(slug))
        rows[slug] = {
            "outcomes_this_quarter": mine.count("outcomes"),
            "outcomes_previous_quarter": before.count("outcomes"),
            "active_people_this_quarter": mine.people,
            "posts_this_quarter": mine.count("posts"),
            "answered_this_quarter": mine.count("answered"),
            "median_hours_to_first_answer": rules.median_hours(_histogram(mine.counts)),
        }
    return rows


def spaces_table(store: MetricsStore, now: float, fresh_seconds: int) -> SpacesTable:
    """The quarter's table as kept, while it is less than `fresh_seconds` old; otherwise worked
    out again (`space_rows`) and kept for the next readers. One GetItem while it is fresh."""
    quarter = rules.quarter(now)
    kept = store.spaces_table(quarter) if fresh_seconds > 0 else None
    if kept is not None and 0 <= now - kept.computed_at < fresh_seconds:
        return kept
    table = SpacesTable(int(now * 1000) / 1000, space_rows(store, quarter))  # to the millisecond, as kept
    if fresh_seconds > 0:
        store.keep_spaces_table(quarter, table)
    return table


def summaries(
    store: MetricsStore, directory: Directory, now: float, fresh_seconds: int = 0
) -> tuple[float, list[dict[str, Any]]]:
    """When the numbers were worked out, and every space of the directory with them: this quarter
    against the last. With `fresh_seconds`, the table kept by a reader in the last that many
    seconds is served as it is (`spaces_table`)."""
    table = spaces_table(store, now, fresh_seconds)
    answer = []
    for slug, name in sorted(directory.space_names().items()):
        row = {**dict.fromkeys(ROW, 0), "median_hours_to_first_answer": None, **table.rows.get(slug, {})}
        outcomes, before = int(row["outcomes_this_quarter"] or 0), int(row["outcomes_previous_quarter"] or 0)
        answer.append(
            {
                "slug": slug,
                "name": name,
                "outcomes_this_quarter": outcomes,
                "outcomes_previous_quarter": before,
                "trend": _trend(outcomes, before),
                "active_people_this_quarter": int(row["active_people_this_quarter"] or 0),
                "posts_this_quarter": int(row["posts_this_quarter"] or 0),
                "answered_this_quarter": int(row["answered_this_quarter"] or 0),
                "median_hours_to_first_answer": row["median_hours_to_first_answer"],
            }
        )
    return table.computed_at, answer


@dataclass(frozen=True)
class Health:
    quiet: list[dict[str, Any]]
    unanswered: list[dict[str, Any]]
    never_marked: list[dict[str, Any]]


def health(store: MetricsStore, directory: Directory, outcome_totals: Mapping[str, int], now: float) -> dict[str, Any]:
    """What needs care: spaces with no post in four weeks, posts unanswered for more than a
    working day (written this quarter or the last), and spaces whose outcome was never marked."""
    this = rules.quarter(now)
    quarters = (store.quarter(previous_quarter(this)), store.quarter(this))
    names = directory.space_names()
    since = (datetime.fromtimestamp(now, UTC) - timedelta(days=QUIET_DAYS)).timestamp()
    quiet, unanswered = [], []
    for slug, name in sorted(names.items()):
        stamps = [stamp for q in quarters if slug in q for stamp in (q[slug].last_post_at,) if stamp]
        last = max(stamps) if stamps else None
        if last is None or rules.parse_iso(last) < since:
            quiet.append({"slug": slug, "name": name, "last_post_at": last})
        waiting = sorted(
            post_id
            for q in quarters
            if slug in q
            for post_id in q[slug].unanswered
            if rules.working_seconds(rules.created(post_id), now) > rules.WORKING_DAY_SECONDS
        )
        if waiting:
            unanswered.append(
                {
                    "slug": slug,
                    "name": name,
                    "unanswered_count": len(waiting),
                    "posts": [
                        {
                            "id": post_id,
                            "posted_at": rules.iso_time(rules.created(post_id)),
                            "url": f"/api/html/posts/{post_id}",
                        }
                        for post_id in waiting[:UNANSWERED_SHOWN]
                    ],
                }
            )
    # A draft with no outcome yet has nothing to mark; the hub's health page lists it as a draft.
    never = [
        {"slug": s, "name": n}
        for s, n in sorted(names.items())
        if outcome_totals.get(s, 0) <= 0 and not _outcome_unwritten(directory, s)
    ]
    return {"quiet": quiet, "unanswered": unanswered, "never_marked": never}


def _outcome_unwritten(directory: Directory, slug: str) -> bool:
    space = directory.space(slug)
    return space is not None and space.outcome_unwritten
