"""Past weeks given as totals (`rules.PastWeek`) become the items the writes of that week leave
(`rules.past_weeks`), and totals no writes could leave are refused with a message saying why."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from ulid import ULID

from chalicelib.metrics import rules
from chalicelib.metrics.rules import ORG, PastWeek, PastWeekError, Presence, space_scope, week_item
from tests.conftest import REPO

WEEK = "2026-W46"  # Monday 9 to Sunday 15 November 2026, inside 2026-Q4


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def post_id(text: str) -> str:
    return str(ULID.from_timestamp(at(text)))


def a_week_of_writes() -> rules.Tally:
    """What the write path's tallies add for a week in `platform`: three posts (one answered in
    two hours by another person, one answered only by its author, one marked as an outcome),
    replies, and reactions on and off."""
    first, second, third = (
        post_id("2026-11-09 09:00:00"),
        post_id("2026-11-10 10:00:00"),
        post_id("2026-11-12 16:00:00"),
    )
    tally = rules.Tally()
    for pid, author in ((first, "jane.doe"), (second, "lee.park"), (third, "jane.doe")):
        tally.merge(rules.posted(Presence(pid, "platform", True, True), author, rules.created(pid)))
    for parent, replier, when, answer in (
        (first, "omar.haddad", "2026-11-09 11:00:00", True),
        (first, "jane.doe", "2026-11-09 12:00:00", False),
        (second, "lee.park", "2026-11-10 10:30:00", False),
    ):
        reply = post_id(when)
        tally.merge(rules.posted(Presence(reply, "platform", False, True), replier, at(when)))
        tally.merge(rules.replied(parent, "platform", answer=answer, now=at(when)))
    tally.merge(rules.reacted("platform", "omar.haddad", True, at("2026-11-11 08:00:00")))
    tally.merge(rules.reacted("platform", "aisha.khan", True, at("2026-11-11 09:00:00")))
    tally.merge(rules.reacted("platform", "aisha.khan", False, at("2026-11-11 09:05:00")))
    tally.merge(rules.marking(third, "platform", WEEK, True))
    return tally.merge(rules.marked("platform", "lee.park", at("2026-11-13 09:00:00")))


def without_adds(counts: dict[rules.Item, dict[str, int]]) -> dict[rules.Item, dict[str, int]]:
    """The counters but `sketch_adds`, which counts additions to a sketch (repeats included): a
    total knows its people, not how many times each was added, so only its being there compares."""
    return {item: {k: n for k, n in named.items() if k != rules.SKETCH_ADDS} for item, named in counts.items()}


def people_sets(tally: rules.Tally) -> dict[rules.Item, set[Any]]:
    return {
        item: {v for v, step in values.items() if step > 0}
        for (item, a), values in tally.members.items()
        if a == rules.PEOPLE
    }


def test_a_week_given_as_totals_leaves_the_same_counters_and_sketches_as_its_writes() -> None:
    writes = a_week_of_writes()
    totals = without_adds(writes.counts)[week_item(space_scope("platform"), WEEK)]
    assert totals["posts"] == 3 and totals["answered"] == 1, totals  # the week is what the docstring says
    people = ["jane.doe", "lee.park", "omar.haddad", "aisha.khan"]
    seeded = rules.past_weeks([PastWeek("platform", WEEK, totals, people)])
    # The space's week, the organisation's, the space's quarter.
    assert without_adds(seeded.counts) == without_adds(writes.counts)
    quarter = rules.quarter_item("platform", "2026-Q4")
    assert seeded.counts[quarter][rules.SKETCH_ADDS] == len(people) <= writes.counts[quarter][rules.SKETCH_ADDS]
    assert people_sets(seeded) == people_sets(writes)
    assert set(seeded.counts) == {
        week_item(space_scope("platform"), WEEK),
        week_item(ORG, WEEK),
        rules.quarter_item("platform", "2026-Q4"),
    }
    # Totals name no post, so the unanswered list stays empty; the last post is the week's start.
    assert not any(attribute == rules.UNANSWERED for _, attribute in seeded.members)
    assert seeded.stamps == {rules.quarter_item("platform", "2026-Q4"): {rules.LAST_POST: "2026-11-09T00:00:00.000Z"}}


def test_spaces_add_up_in_the_organisation_and_its_own_weeks_stay_its_own() -> None:
    seeded = rules.past_weeks(
        [
            PastWeek("platform", WEEK, {"posts": 2, "replies": 5}, ["jane.doe", "lee.park"]),
            PastWeek("design", WEEK, {"posts": 1, "reactions": 4}, ["lee.park", "omar.haddad"]),
            PastWeek(None, WEEK, {"reactions": 1}, ["aisha.khan"]),
        ]
    )
    weeks = without_adds(seeded.counts)
    assert weeks[week_item(ORG, WEEK)] == {"posts": 3, "replies": 5, "reactions": 5}
    assert weeks[week_item(space_scope("design"), WEEK)] == {"posts": 1, "reactions": 4}
    # Each week's sketch counts the people added to it: 2 + 2 + 1 for the organisation's.
    assert seeded.counts[week_item(ORG, WEEK)][rules.SKETCH_ADDS] == 5
    # Reactions are weekly only; its two people joined the quarter's sketch.
    assert seeded.counts[rules.quarter_item("design", "2026-Q4")] == {"posts": 1, rules.SKETCH_ADDS: 2}
    org_people = set().union(*(s for item, s in people_sets(seeded).items() if item[0] == f"METRICS#{ORG}#people"))
    assert rules.estimate(org_people) == 4  # lee.park is one person in both spaces
    assert not any(item[1] == "aisha.khan" for item in seeded.items())


def test_the_organisation_alone_touches_no_space_and_no_quarter() -> None:
    seeded = rules.past_weeks([PastWeek(None, WEEK, {"posts": 7}, [f"person.{n}" for n in range(50)])])
    assert {pk for pk, _ in seeded.items()} == {f"METRICS#{ORG}", f"METRICS#{ORG}#people"}
    assert rules.estimate(set().union(*people_sets(seeded).values())) == 50
    assert not seeded.stamps


def test_a_week_counts_in_the_quarter_of_its_thursday_and_the_last_post_is_the_latest_week() -> None:
    # 2026-W40 runs from Monday 28 September to Sunday 4 October: its Thursday is in October.
    seeded = rules.past_weeks(
        [
            PastWeek("platform", "2026-W41", {"posts": 1}, ["jane.doe"]),
            PastWeek("platform", "2026-W40", {"posts": 2}, ["jane.doe"]),
            PastWeek("platform", "2026-W39", {"outcomes": 1}, ["jane.doe"]),
        ]
    )
    assert seeded.counts[rules.quarter_item("platform", "2026-Q4")] == {"posts": 3, rules.SKETCH_ADDS: 2}
    assert seeded.counts[rules.quarter_item("platform", "2026-Q3")] == {"outcomes": 1, rules.SKETCH_ADDS: 1}
    assert seeded.stamps[rules.quarter_item("platform", "2026-Q4")] == {rules.LAST_POST: "2026-10-05T00:00:00.000Z"}


def test_delay_counts_put_each_answer_in_the_bucket_an_answer_would() -> None:
    assert rules.delay_counts([0.5, 1.0, 3.0, 3.9, 400]) == {"delay_0": 2, "delay_2": 2, "delay_11": 1}
    counts = {"posts": 5, "answered": 4, **rules.delay_counts([3.0, 3.0, 3.0, 3.0])}
    seeded = rules.past_weeks([PastWeek("platform", WEEK, counts, ["jane.doe"])])
    histogram = {
        int(k.removeprefix("delay_")): n
        for k, n in seeded.counts[rules.quarter_item("platform", "2026-Q4")].items()
        if k.startswith("delay_")
    }
    assert rules.median_hours(histogram) == 3.0  # the middle of the 2 to 4 hour bucket


@pytest.mark.parametrize(
    ("space", "week", "counts", "people", "says"),
    [
        ("platform", "2026-46", {}, (), "ISO week"),
        ("platform", "2026-W54", {}, (), "ISO week"),
        ("platform", "2025-W53", {}, (), "ISO week"),  # 2025 has 52 weeks
        ("", WEEK, {}, (), "slug"),
        ("a#b", WEEK, {}, (), "slug"),
        ("platform", WEEK, {"likes": 1}, (), "no counter 'likes'"),
        ("platform", WEEK, {"posts": -1}, (), "posts is -1"),
        ("platform", WEEK, {"posts": 1.5}, (), "posts is 1.5"),
        ("platform", WEEK, {"posts": True}, (), "posts is True"),
        ("platform", WEEK, {"posts": 1, "answered": 2, "delay_0": 2}, (), "answered is more than posts"),
        ("platform", WEEK, {"posts": 2, "answered": 1, "answered_within_a_day": 2, "delay_0": 1}, (), "within_a_day"),
        ("platform", WEEK, {"posts": 2, "answered": 2, "delay_0": 1}, (), "buckets hold 1 answers, not answered's 2"),
        ("platform", WEEK, {"delay_12": 0}, (), "no counter 'delay_12'"),
        ("platform", WEEK, {}, "jane.doe", "collection of handles"),
        ("platform", WEEK, {}, ["jane.doe", ""], "collection of handles"),
    ],
)
def test_totals_no_writes_could_leave_are_refused_saying_why(
    space: str, week: str, counts: dict[str, Any], people: Any, says: str
) -> None:
    with pytest.raises(PastWeekError, match=f"week '{week}'") as refused:
        PastWeek(space, week, counts, people)
    assert says in str(refused.value)


def test_the_readme_seeding_example_runs_and_seeds_what_it_says() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- example: python metrics seed -->\n```python\n(.*?)```", text, re.S)
    assert found is not None, "the README's seeding example is gone"
    scope: dict[str, Any] = {}
    exec(compile(found[1], "README.md (seeding example)", "exec"), scope)  # noqa: S102 (our own README)
    store = scope["store"]
    (platform,) = store.weeks(space_scope("platform"), ["2026-W45"])
    assert (platform.count("posts"), platform.count("answered"), platform.people) == (6, 4, 3)
    assert store.quarter("2026-Q4")["platform"].count("outcomes") == 1
