"""The parts of commons-impact.js that need no page, run under Node: ISO weeks and quarters, the
share answered within a day, chart geometry, trends, times, and sorting the spaces table. What they
draw is tested in Chromium (tests/e2e/test_impact.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.conftest import REPO
from tests.node import call_exports

SCRIPT = REPO / "scripts" / "hub" / "assets" / "commons-impact.js"


def node(*calls: tuple[str, list[Any]]) -> list[Any]:
    return call_exports(SCRIPT, calls)


def test_an_iso_weeks_thursday_is_the_day_python_gives() -> None:
    weeks = ["2026-W01", "2026-W40", "2026-W49", "2026-W53", "2020-W53", "2021-W01", "2024-W52", "2027-W52"]
    answers = node(*(("weekThursday", [week]) for week in weeks))
    assert answers == [date.fromisocalendar(int(w[:4]), int(w[6:]), 4).isoformat() for w in weeks]
    # 2025 has 52 weeks; what is not an ISO week is nothing.
    assert node(("weekThursday", ["2025-W53"]), ("weekThursday", ["2026-W00"]), ("weekThursday", ["W49"])) == [
        None,
        None,
        None,
    ]


def week(name: str, **counts: int) -> dict[str, Any]:
    return {"week": name, "posts": 0, "outcomes": 0, "active_people": 0, "answered_within_a_day": 0, **counts}


def test_this_quarter_counts_the_weeks_whose_thursday_is_in_it() -> None:
    weeks = [
        week("2026-W39", outcomes=100),  # Thursday 24 September: the third quarter
        week("2026-W40", outcomes=1),  # Monday 28 September, Thursday 1 October: the fourth
        week("2026-W49", outcomes=2),
        week("2026-W53", outcomes=4),  # Thursday 31 December
    ]
    q4, q3, next_year = node(
        ("achievedThisQuarter", [weeks, "2026-12-02T10:00:00Z"]),
        ("achievedThisQuarter", [weeks, "2026-09-30T23:59:00Z"]),
        ("achievedThisQuarter", [[*weeks, week("2027-W01", outcomes=8)], "2027-01-01T00:00:00Z"]),
    )
    assert q4 == {"count": 7, "label": "Q4 2026"}
    assert q3 == {"count": 100, "label": "Q3 2026"}
    # 2027-W01 runs from Monday 4 January; 1 January 2027 is in 2026-W53, whose Thursday is 2026's.
    assert next_year == {"count": 8, "label": "Q1 2027"}
    # The API's own count for the quarter, by day, wins when the answer has one.
    assert node(("achievedThisQuarter", [weeks, "2026-12-02T10:00:00Z", {"outcomes_this_quarter": 5}])) == [
        {"count": 5, "label": "Q4 2026"}
    ]
    assert node(("times", [0]), ("times", [1]), ("times", [2]), ("times", [1234])) == [
        "0 times",
        "once",
        "twice",
        "1,234 times",
    ]


def test_the_api_answer_is_read_defensively() -> None:
    [weeks, nothing, broken] = node(
        ("weeksOf", [{"weeks": [{"week": "2026-W49", "posts": 3, "outcomes": "x"}, {"posts": 1}, None]}]),
        ("weeksOf", [{"weeks": []}]),
        ("weeksOf", [None]),
    )
    assert weeks == [week("2026-W49", posts=3)]
    assert nothing == [] and broken == []


def test_a_share_answered_within_a_day_needs_posts() -> None:
    assert node(
        ("answeredShare", [week("2026-W49", posts=3, answered_within_a_day=2)]),
        ("answeredShare", [week("2026-W49", posts=0, answered_within_a_day=0)]),
        ("answeredShare", [week("2026-W49", posts=2, answered_within_a_day=5)]),
    ) == [67, None, 100]


def test_axes_end_on_a_round_number_above_the_highest_value() -> None:
    zero, small, odd, big = node(("axis", [0]), ("axis", [3]), ("axis", [37]), ("axis", [1234]))
    assert zero == {"top": 1, "ticks": [0, 1]}
    assert small == {"top": 3, "ticks": [0, 1, 2, 3]}
    assert odd == {"top": 40, "ticks": [0, 10, 20, 30, 40]}
    assert big["top"] >= 1234 and big["ticks"][0] == 0 and big["ticks"][-1] == big["top"]
    assert len(big["ticks"]) <= 6


def test_bars_are_as_tall_as_their_share_of_the_axis() -> None:
    [bars] = node(("bars", [[0, 5, 10, None], 400, 100, 10]))
    assert bars[3] is None
    assert [b["height"] for b in bars[:3]] == [0, 50, 100]
    assert [b["y"] + b["height"] for b in bars[:3]] == [100, 100, 100]  # all stand on the baseline
    assert bars[0]["x"] < bars[1]["x"] < bars[2]["x"] and all(b["width"] > 0 for b in bars[:3])


def test_a_sparkline_puts_the_highest_week_at_the_top() -> None:
    [points, flat] = node(("sparkPoints", [[0, 2, 4], 100, 20]), ("sparkPoints", [[0, 0], 100, 20]))
    assert points == "0,20 50,10 100,0"
    assert flat == "0,20 100,20"


def test_trends_and_times_are_words() -> None:
    assert node(("trend", [7, 4]), ("trend", [2, 5]), ("trend", [3, 3]), ("trend", [None, 1])) == [
        {"direction": "up", "change": 3, "text": "up 3 on last quarter"},
        {"direction": "down", "change": -3, "text": "down 3 on last quarter"},
        {"direction": "same", "change": 0, "text": "same as last quarter"},
        {"direction": "down", "change": -1, "text": "down 1 on last quarter"},
    ]
    assert node(
        ("formatHours", [0.25]),
        ("formatHours", [3.46]),
        ("formatHours", [47.9]),
        ("formatHours", [72]),
        ("formatHours", [None]),
    ) == ["15 min", "3.5 h", "47.9 h", "3 days", "no answers yet"]


SPACES = [
    {"slug": "b", "name": "Beta", "outcomes_this_quarter": 3, "outcomes_previous_quarter": 1,
     "active_people_this_quarter": 9, "median_hours_to_first_answer": 5},
    {"slug": "a", "name": "alpha", "outcomes_this_quarter": 3, "outcomes_previous_quarter": 6,
     "active_people_this_quarter": 2, "median_hours_to_first_answer": None},
    {"slug": "c", "name": "", "outcomes_this_quarter": 8, "active_people_this_quarter": 4,
     "median_hours_to_first_answer": 1},
    {"name": "no slug"},
]  # fmt: skip


def test_spaces_sort_by_any_column_with_ties_by_name_and_no_value_last() -> None:
    [rows] = node(("spaceRows", [{"spaces": SPACES}]))
    assert [r["slug"] for r in rows] == ["b", "a", "c"]
    assert rows[2]["name"] == "c" and rows[2]["outcomes_previous_quarter"] == 0 and rows[2]["trend"] == 8
    orders = node(
        ("sortRows", [rows, "outcomes_quarter", "descending"]),
        ("sortRows", [rows, "outcomes_quarter", "ascending"]),
        ("sortRows", [rows, "name", "ascending"]),
        ("sortRows", [rows, "median_first_answer_hours", "ascending"]),
        ("sortRows", [rows, "median_first_answer_hours", "descending"]),
        ("sortRows", [rows, "trend", "descending"]),
    )
    assert [[r["slug"] for r in order] for order in orders] == [
        ["c", "a", "b"],  # 3 and 3 tie: by name, case aside
        ["a", "b", "c"],
        ["a", "b", "c"],
        ["c", "b", "a"],  # no answer yet: last either way
        ["b", "c", "a"],
        ["c", "b", "a"],
    ]


def test_only_paths_on_this_origin_become_links() -> None:
    assert node(
        ("safePath", ["/teams/platform/#post-1"]),
        ("safePath", ["//evil.example/x"]),
        ("safePath", ["javascript:alert(1)"]),
        ("safePath", ["https://evil.example/"]),
        ("safePath", ["/\\evil.example"]),
        ("safePath", [None]),
    ) == ["/teams/platform/#post-1", None, None, None, None, None]


def test_the_spaces_table_says_when_its_numbers_were_worked_out_and_only_from_a_time() -> None:
    answers = node(
        ("asOf", [{"as_of": "2026-12-02T10:42:05.123Z", "spaces": []}]),
        ("asOf", [{"as_of": "<img src=x>", "spaces": []}]),
        ("asOf", [{"as_of": 5}]),
        ("asOf", [None]),
    )
    assert answers == ["10:42", "", "", ""]
