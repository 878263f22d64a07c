"""The counting rules of `chalicelib.metrics.rules`, with no storage: weeks, answers, working days,
what each write adds and takes away, and the sketch of distinct people."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from ulid import ULID

from chalicelib.metrics import rules
from chalicelib.metrics.rules import ORG, Presence, space_scope, week_item


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def post_id(text: str) -> str:
    return str(ULID.from_timestamp(at(text)))


def counts(tally: rules.Tally, scope: str, week: str) -> dict[str, int]:
    """The week's counters as the API shows them: without `sketch_adds`, the sketches' bookkeeping."""
    return {k: n for k, n in tally.counts.get(week_item(scope, week), {}).items() if k != rules.SKETCH_ADDS}


@pytest.mark.parametrize(
    ("moment", "week"),
    [
        ("2026-12-28 00:00:00", "2026-W53"),  # 2026 has 53 ISO weeks
        ("2027-01-03 23:59:59", "2026-W53"),  # still the old ISO year
        ("2027-01-04 00:00:00", "2027-W01"),
        ("2025-12-29 00:00:00", "2026-W01"),  # the new ISO year starts in December
        ("2025-12-28 23:59:59", "2025-W52"),
    ],
)
def test_weeks_are_iso_weeks_across_year_ends(moment: str, week: str) -> None:
    assert rules.iso_week(at(moment)) == week
    assert rules.week_monday(week).isocalendar()[1] == int(week[-2:])


def test_the_last_weeks_are_consecutive_oldest_first_through_week_53() -> None:
    weeks = rules.last_weeks(at("2027-01-06 12:00:00"), 4)
    assert weeks == ["2026-W51", "2026-W52", "2026-W53", "2027-W01"]
    assert len(set(rules.last_weeks(at("2027-01-06 12:00:00"), 104))) == 104
    assert sorted(weeks) == weeks  # ISO weeks sort as text: one Query reads a range


def test_a_post_id_tells_when_the_post_was_written() -> None:
    assert rules.created(post_id("2026-12-01 09:30:00")) == at("2026-12-01 09:30:00")


def test_a_post_counts_once_in_its_week_for_its_space_and_the_organisation() -> None:
    pid = post_id("2026-12-01 09:00:00")
    tally = rules.posted(Presence(pid, "platform", True, True), "jane.doe", at("2026-12-01 09:00:00"))
    for scope in (space_scope("platform"), ORG):
        assert counts(tally, scope, "2026-W49") == {"posts": 1}
    # The author joined the quarter's sketch: its item counts that, so a reader knows it may have moved.
    assert tally.counts[rules.quarter_item("platform", "2026-Q4")] == {"posts": 1, rules.SKETCH_ADDS: 1}
    assert tally.members[(rules.quarter_part("platform", "2026-Q4", rules.UNANSWERED), rules.UNANSWERED)] == {pid: 1}
    assert tally.stamps[rules.quarter_item("platform", "2026-Q4")] == {rules.LAST_POST: "2026-12-01T09:00:00.000Z"}
    shard, element = rules.person_element("jane.doe")
    assert tally.members[(rules.people_item(ORG, "2026-W49", shard), rules.PEOPLE)] == {element: 1}


def test_answers_are_first_replies_by_someone_other_than_the_author() -> None:
    assert rules.is_answer("jane.doe", False, "lee.park") is True
    assert rules.is_answer("jane.doe", False, "jane.doe") is False  # the author's own reply
    assert rules.is_answer("jane.doe", True, "lee.park") is False  # a second reply is no new answer
    assert (
        rules.replied(post_id("2026-12-01 09:00:00"), "platform", answer=False, now=at("2026-12-01 10:00:00")).counts
        == {}
    )


def test_an_answer_counts_in_the_posts_week_with_its_delay_and_leaves_the_unanswered_list() -> None:
    pid = post_id("2026-12-27 23:00:00")  # Sunday of 2026-W52
    tally = rules.replied(pid, "platform", answer=True, now=at("2026-12-28 20:00:00"))  # W53, Monday
    # 21 hours later, 20 of them working hours: within a day, in the bucket up to 24 hours.
    assert counts(tally, ORG, "2026-W52") == {"answered": 1, "answered_within_a_day": 1, "delay_5": 1}
    assert counts(tally, ORG, "2026-W53") == {}
    later = rules.replied(pid, "platform", answer=True, now=at("2026-12-29 10:00:00"))  # 34 working hours
    assert counts(later, ORG, "2026-W52") == {"answered": 1, "delay_6": 1}
    assert tally.members[(rules.quarter_part("platform", "2026-Q4", rules.UNANSWERED), rules.UNANSWERED)] == {pid: -1}


@pytest.mark.parametrize(
    ("posted", "answered", "within"),
    [
        ("2026-12-04 17:00:00", "2026-12-07 09:00:00", True),  # Friday to Monday: 16 working hours
        ("2026-12-04 08:00:00", "2026-12-07 09:00:00", False),  # Friday 08:00: 25 working hours
        ("2026-12-05 12:00:00", "2026-12-08 00:00:00", True),  # Saturday: the clock starts Monday
        ("2026-12-05 12:00:00", "2026-12-08 00:00:01", False),
        ("2026-12-01 09:00:00", "2026-12-02 09:00:00", True),  # exactly one working day
        ("2026-12-01 09:00:00", "2026-12-02 09:00:01", False),
    ],
)
def test_within_one_working_day_skips_weekends(posted: str, answered: str, within: bool) -> None:
    assert rules.within_a_working_day(at(posted), at(answered)) is within


def test_the_median_comes_from_the_delay_buckets() -> None:
    assert rules.median_hours({}) is None
    assert rules.delay_bucket(30 * 60) == 0 and rules.delay_bucket(3 * 3600) == 2
    assert rules.delay_bucket(400 * 3600) == len(rules.DELAY_BUCKETS_HOURS)
    # 3 answers within an hour and 1 in 8-16 hours: the middle one is inside the first bucket.
    assert rules.median_hours({0: 3, 4: 1}) == pytest.approx(0.7, abs=0.01)
    assert rules.median_hours({4: 2}) == 12.0
    assert rules.median_hours({len(rules.DELAY_BUCKETS_HOURS): 1}) == 336.0


def test_deleting_or_hiding_takes_away_what_the_post_counted_and_restoring_gives_it_back() -> None:
    pid = post_id("2026-12-01 09:00:00")
    marked = Presence(pid, "platform", True, True, outcome_week="2026-W50", first_answer_at="2026-12-01T10:00:00.000Z")
    gone = Presence(pid, "platform", True, False, outcome_week="2026-W50", first_answer_at="2026-12-01T10:00:00.000Z")
    removed = rules.change(marked, gone)
    assert counts(removed, ORG, "2026-W49") == {"posts": -1, "answered": -1, "answered_within_a_day": -1, "delay_0": -1}
    assert counts(removed, ORG, "2026-W50") == {"outcomes": -1}
    assert rules.change(gone, marked).counts == {k: {c: -n for c, n in v.items()} for k, v in removed.counts.items()}
    # A hidden post deleted changes nothing more: it counted nothing already.
    assert rules.change(gone, Presence(pid, "platform", True, False)).counts == {}
    reply = post_id("2026-12-02 09:00:00")
    taken = rules.change(Presence(reply, "platform", False, True), Presence(reply, "platform", False, False))
    assert counts(taken, space_scope("platform"), "2026-W49") == {"replies": -1}


def test_an_unanswered_post_hidden_leaves_the_unanswered_list_and_comes_back_restored() -> None:
    pid = post_id("2026-12-01 09:00:00")
    item = (rules.quarter_part("platform", "2026-Q4", rules.UNANSWERED), rules.UNANSWERED)
    hidden = rules.change(Presence(pid, "platform", True, True), Presence(pid, "platform", True, False))
    assert hidden.members[item] == {pid: -1}
    restored = rules.change(Presence(pid, "platform", True, False), Presence(pid, "platform", True, True))
    assert restored.members[item] == {pid: 1}


def test_marking_and_unmarking_count_in_the_marks_week() -> None:
    pid = post_id("2026-11-30 09:00:00")
    on = rules.marking(pid, "platform", "2026-W49", True)
    off = rules.marking(pid, "platform", "2026-W49", False)
    assert counts(on, ORG, "2026-W49") == {"outcomes": 1} and counts(off, ORG, "2026-W49") == {"outcomes": -1}
    assert on.counts[rules.quarter_item("platform", "2026-Q4")] == {"outcomes": 1}
    assert rules.week_quarter("2026-W53") == "2026-Q4" and rules.week_quarter("2026-W01") == "2026-Q1"


def test_reactions_on_add_and_off_take_away_in_the_week_of_the_toggle() -> None:
    now = at("2026-12-02 09:00:00")
    on, off = rules.reacted("platform", "lee.park", True, now), rules.reacted("platform", "lee.park", False, now)
    assert counts(on, ORG, "2026-W49") == {"reactions": 1} and counts(off, ORG, "2026-W49") == {"reactions": -1}
    # On then off in one week: no reaction, but the person joined the week's and the quarter's
    # sketches twice.
    adds = {rules.SKETCH_ADDS: 2}
    assert on.merge(off).counts == {
        week_item(space_scope("platform"), "2026-W49"): adds,
        week_item(ORG, "2026-W49"): adds,
        rules.quarter_item("platform", "2026-Q4"): adds,
    }
    assert on.members  # whoever toggled was active, either way


def test_the_sketch_counts_distinct_people_within_its_stated_error() -> None:
    assert rules.estimate([]) == 0
    few = [rules.person_element(f"person.{i}")[1] for i in range(40)]
    assert abs(rules.estimate(few + few) - 40) <= 2  # the same people twice count once
    many = {rules.person_element(f"person.{i}")[1] for i in range(100_000)}
    assert abs(rules.estimate(many) - 100_000) <= 100_000 * 2 * 1.04 / 32  # two standard errors
    assert len(many) * 2 < 400_000 / 20  # 2 bytes an element: far below DynamoDB's item limit
    assert len(many) <= rules.REGISTERS * (rules.MAX_RANK - 1)
    assert {rules.person_element("Jane.Doe")} == {rules.person_element("jane.doe")}


def test_a_tally_leaves_out_what_cancels() -> None:
    tally = rules.Tally().add([week_item(ORG, "2026-W49")], "posts", 1).add([week_item(ORG, "2026-W49")], "posts", -1)
    assert tally.counts == {} and tally.items() == set()
