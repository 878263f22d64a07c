"""The metrics as the API shows them, read from the in-memory stores (no network): `weeks` bounds,
every week present, CSV, the spaces' quarter and the health lists."""

from __future__ import annotations

import json
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chalicelib.directory import Directory
from chalicelib.errors import InvalidInputError, UnknownSpaceError
from chalicelib.metrics import reading, rules
from chalicelib.metrics.persistence.base import ROW, PeopleSummary, SpacesTable
from chalicelib.metrics.persistence.memory import MemoryMetricsStore
from chalicelib.posts import authoring, outcomes
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence.memory import MemoryPostsStore

NOW = 1_796_220_000.0  # Wednesday 2026-12-02 12:00 UTC
DAY = 24 * 3600
JANE = Actor("jane.doe", "Jane Doe", frozenset({"platform"}))
LEE = Actor("lee.park", "Lee Park", frozenset())


@pytest.fixture()
def directory(tmp_path: Path) -> Directory:
    people = {h: {"name": h, "email": f"{h}@example.com"} for h in ("jane.doe", "lee.park")}
    said = {"purpose": "Says why it exists.", "outcome": "Something achieved."}
    spaces = {
        "platform": {"name": "Platform", "stewards": ["jane.doe"], "members": [], **said},
        "design": {"name": "Design", "stewards": ["lee.park"], "members": [], **said},
        # A draft its team has not finished: no outcome to mark yet.
        "newcomers": {"name": "Newcomers", "draft": True, "purpose": None, "outcome": None, "stewards": []},
    }
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": people, "spaces": spaces}))
    return Directory(str(path))


@pytest.mark.parametrize("raw", ["0", "105", "-3", "x", "", "1.0", "\u0661", "0001"])
def test_weeks_outside_1_to_104_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInputError):
        reading.parse_weeks(raw)


def test_weeks_default_to_26_and_take_1_to_104() -> None:
    assert reading.parse_weeks(None) == 26
    assert (reading.parse_weeks("1"), reading.parse_weeks("104"), reading.parse_weeks("007")) == (1, 104, 7)


def test_every_week_is_there_oldest_first_with_zeros(directory: Directory) -> None:
    store = MemoryPostsStore(clock=lambda: NOW)
    authoring.create_post(store, directory, JANE, "platform", "Hi", uuid.uuid4().hex, rate_limit=9, clock=lambda: NOW)
    rows = reading.weekly(store.metrics(), rules.ORG, NOW, 26)
    assert [r["week"] for r in rows] == rules.last_weeks(NOW, 26) and rows[-1]["week"] == "2026-W49"
    assert rows[-1]["posts"] == 1 and rows[-1]["active_people"] == 1
    assert all(r[f] == 0 for r in rows[:-1] for f in reading.FIELDS)
    text = reading.csv_text(rows)
    assert text.splitlines()[0] == "week," + ",".join(reading.FIELDS) and len(text.splitlines()) == 27
    assert text.splitlines()[-1] == "2026-W49,1,0,0,0,1,0,0"


def at(moment: float) -> Callable[[], float]:
    return lambda: moment


def test_the_spaces_quarter_and_its_median_time_to_an_answer(directory: Directory) -> None:
    store = MemoryPostsStore(clock=lambda: NOW)
    for hours in (1.5, 3, 30):
        posted = NOW - 40 * 3600
        post = authoring.create_post(
            store, directory, JANE, "platform", "Q", uuid.uuid4().hex, rate_limit=9, clock=at(posted)
        ).post
        authoring.create_reply(
            store, directory, LEE, post.id, "A", uuid.uuid4().hex, rate_limit=9, clock=at(posted + hours * 3600)
        )
    outcomes.mark(store, directory, JANE, post.id, True, clock=lambda: NOW)
    as_of, spaces = reading.summaries(store.metrics(), directory, NOW)
    (platform,) = [s for s in spaces if s["slug"] == "platform"]
    assert as_of == NOW
    assert (platform["outcomes_this_quarter"], platform["outcomes_previous_quarter"], platform["trend"]) == (1, 0, "up")
    assert platform["answered_this_quarter"] == 3 and platform["active_people_this_quarter"] == 2
    assert platform["median_hours_to_first_answer"] == 3.0  # the middle answer: the 2-4 hour bucket's middle


def test_health_lists_quiet_spaces_unanswered_posts_and_outcomes_never_marked(directory: Directory) -> None:
    store = MemoryPostsStore(clock=lambda: NOW)
    old = authoring.create_post(
        store, directory, LEE, "platform", "Anyone?", uuid.uuid4().hex, rate_limit=9, clock=lambda: NOW - 3 * DAY
    ).post
    authoring.create_post(
        store, directory, LEE, "platform", "Just now", uuid.uuid4().hex, rate_limit=9, clock=lambda: NOW
    )
    _, spaces = store.all_outcome_counts()
    health = reading.health(store.metrics(), directory, {s: c.total for s, c in spaces.items()}, NOW)
    assert [s["slug"] for s in health["quiet"]] == ["design", "newcomers"]
    assert health["unanswered"] == [
        {
            "slug": "platform",
            "name": "Platform",
            "unanswered_count": 1,
            "posts": [
                {"id": old.id, "posted_at": rules.iso_time(rules.created(old.id)), "url": f"/api/html/posts/{old.id}"}
            ],
        }
    ]
    # The draft has no outcome yet, so it has none to mark.
    assert [s["slug"] for s in health["never_marked"]] == ["design", "platform"]
    # Quiet means no post in four weeks: a month on, platform is quiet too.
    later = reading.health(store.metrics(), directory, {}, NOW + 29 * DAY)
    assert [s["slug"] for s in later["quiet"]] == ["design", "newcomers", "platform"]


def test_an_unknown_space_is_refused(directory: Directory) -> None:
    with pytest.raises(UnknownSpaceError):
        reading.check_space(directory, "nowhere")
    assert reading.previous_quarter("2027-Q1") == "2026-Q4" and reading.previous_quarter("2026-Q3") == "2026-Q2"


def test_a_summary_is_stale_for_each_key_whose_sketch_moved_and_for_one_it_never_saw() -> None:
    summary = PeopleSummary(3, {"platform": (5, 4), "design": (2, 2)})
    adds = {"platform": 5, "design": 3, "newcomers": 1, "quiet": 0}
    assert summary.stale(adds) == ["design", "newcomers"]  # nobody joined quiet's sketch: no estimate
    newer = summary.updated(adds, {"design": 3, "newcomers": 1})
    assert newer.version == 4 and newer.stale(adds) == []
    assert [newer.people(key, n) for key, n in adds.items()] == [4, 3, 1, 0]
    assert newer.people("design", 4) == 0  # an estimate of an older sketch is never given out
    assert PeopleSummary.decode(4, newer.encode() or "") == newer


@pytest.mark.parametrize("text", ["", "[]", '{"a": 1}', '{"a": [1]}', '{"a": ["x", 2]}', "{", "null"])
def test_a_summary_that_cannot_be_read_is_empty_so_every_sketch_is_read_again(text: str) -> None:
    assert PeopleSummary.decode(7, text) == PeopleSummary(7)


def test_a_summary_too_large_for_one_item_is_not_kept() -> None:
    spaces = {f"space-{n:05d}": (n, n) for n in range(20_000)}
    assert PeopleSummary(1, spaces).encode() is None
    assert len((PeopleSummary(1, dict(list(spaces.items())[:5_000])).encode() or "").encode()) < 150_000


def test_a_reader_keeps_its_summary_only_over_the_version_it_read(directory: Directory) -> None:
    store = MemoryPostsStore(clock=lambda: NOW)
    authoring.create_post(store, directory, JANE, "platform", "Hi", uuid.uuid4().hex, rate_limit=9, clock=lambda: NOW)
    metrics = store.metrics()
    assert isinstance(metrics, MemoryMetricsStore)
    assert metrics.quarter("2026-Q4", people=True)["platform"].people == 1
    item = rules.quarter_item("", "2026-Q4")[0], rules.PEOPLE_SUMMARY
    kept = metrics.ledger.read(item)["summary"]
    assert kept.version == 1 and kept.spaces == {"platform": (1, 1)}
    metrics.ledger.keep(item, 0, PeopleSummary(1, {"platform": (1, 99)}))  # written from version 0: late
    assert metrics.quarter("2026-Q4", people=True)["platform"].people == 1


def test_the_spaces_table_is_served_as_kept_for_a_minute_then_worked_out_again(directory: Directory) -> None:
    clock = [NOW]
    store = MemoryPostsStore(clock=lambda: clock[0])

    def post(actor: Actor, space: str) -> None:
        authoring.create_post(
            store, directory, actor, space, "Hi", uuid.uuid4().hex, rate_limit=99, clock=lambda: clock[0]
        )

    def platform(at: float) -> dict[str, Any]:
        as_of, spaces = reading.summaries(store.metrics(), directory, at, fresh_seconds=60)
        (row,) = [s for s in spaces if s["slug"] == "platform"]
        return {"as_of": as_of, "posts": row["posts_this_quarter"], "people": row["active_people_this_quarter"]}

    post(JANE, "platform")
    assert platform(NOW) == {"as_of": NOW, "posts": 1, "people": 1}
    post(LEE, "platform")
    assert platform(NOW + 59) == {"as_of": NOW, "posts": 1, "people": 1}  # as kept, and it says when
    assert platform(NOW + 60) == {"as_of": NOW + 60, "posts": 2, "people": 2}
    assert platform(NOW + 30) == {"as_of": NOW + 30, "posts": 2, "people": 2}  # a clock gone back: again
    # Without keeping (fresh_seconds 0), every read works it out.
    post(LEE, "platform")
    as_of, spaces = reading.summaries(store.metrics(), directory, NOW + 31)
    assert as_of == NOW + 31 and [s["posts_this_quarter"] for s in spaces if s["slug"] == "platform"] == [3]


def test_a_kept_spaces_table_reads_back_and_anything_else_is_worked_out_again() -> None:
    platform: dict[str, float | int | None] = {**dict.fromkeys(ROW, 1), "median_hours_to_first_answer": 2.5}
    rows = {"platform": platform, "design": dict.fromkeys(ROW)}
    table = SpacesTable(NOW, rows)
    assert SpacesTable.decode(NOW, table.encode() or b"") == table
    for damaged in (b"", b"not zlib", zlib.compress(b"[1, 2]"), zlib.compress(b'{"a": [1]}')):
        assert SpacesTable.decode(NOW, damaged) is None
    many = {f"space-{n:06d}": {name: n * 7919 % 1000 for name in ROW} for n in range(200_000)}
    assert SpacesTable(NOW, many).encode() is None  # too large for one item: not kept
