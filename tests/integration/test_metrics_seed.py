"""Seeding past weeks (`MetricsStore.seed`), on both stores: in memory, and DynamoDB on moto's
server over HTTP. The stores read back exactly what was seeded; the metrics API, over HTTP through
the dev server, answers it; and a real write in the current week adds on top."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.metrics import reading, rules
from chalicelib.metrics.persistence.base import MetricsStore
from chalicelib.metrics.persistence.dynamodb import DynamoDBMetricsStore
from chalicelib.metrics.rules import ORG, PastWeek, space_scope
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.persistence.dynamodb import DynamoDBPostsStore
from chalicelib.posts.persistence.memory import MemoryPostsStore
from chalicelib.runtime import Services, install, services
from tests.integration.conftest import Stack
from tests.integration.posts_client import Person

FIELDS = ("posts", "replies", "reactions", "outcomes", "answered", "answered_within_a_day")
PAST = 8  # weeks before this one: enough to reach into the previous quarter most of the year


def history(weeks: list[str]) -> list[PastWeek]:
    """Different totals every week: platform busy and answered in three hours, design quiet, and
    a little activity in the organisation outside any space."""
    seeds = []
    for i, week in enumerate(weeks):
        posts, answered = 3 + i, 2 + i % 2
        counts = {
            "posts": posts,
            "replies": 2 * i + 1,
            "reactions": i,
            "outcomes": i % 3,
            "answered": answered,
            "answered_within_a_day": answered - 1,
            **rules.delay_counts([3.0] * answered),
        }
        people = ["jane.doe", *(f"platform.{i}.{n}" for n in range(10 + i))]
        seeds.append(PastWeek("platform", week, counts, people))
        seeds.append(PastWeek("design", week, {"posts": 1}, ["omar.haddad", f"design.{i}"]))
    seeds.append(PastWeek(None, weeks[0], {"reactions": 2}, ["outside.everything"]))
    return seeds


def expected_weeks(seeds: list[PastWeek], scope: str, weeks: list[str]) -> list[dict[str, Any]]:
    """Per week, the counters summed by hand, and the distinct people as a set (not a sketch)."""
    rows = []
    for week in weeks:
        mine = [s for s in seeds if s.week == week and (scope == ORG or space_scope(str(s.space)) == scope)]
        row: dict[str, Any] = {"week": week, **{f: sum(s.counts.get(f, 0) for s in mine) for f in FIELDS}}
        row["people"] = set().union(*(set(s.people) for s in mine))
        rows.append(row)
    return rows


def close(estimate: int, exact: int) -> bool:
    """Within the sketch's stated error: twice its 3.25% standard error, and near exact (±2) for
    the few people here, where linear counting applies."""
    return abs(estimate - exact) <= max(2, math.ceil(exact * 0.065))


def same(answer: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert [{k: v for k, v in row.items() if k != "active_people"} for row in answer] == [
        {k: v for k, v in row.items() if k != "people"} for row in expected
    ]
    for row, wanted in zip(answer, expected, strict=True):
        assert close(row["active_people"], len(wanted["people"])), (row, len(wanted["people"]))


# --- the stores ----------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "dynamodb"])
def metrics(request: pytest.FixtureRequest, local_dynamodb: str) -> Iterator[MetricsStore]:
    if request.param == "memory":
        yield MemoryPostsStore().metrics()
        return
    posts = DynamoDBPostsStore(PostsSettings(endpoint=local_dynamodb, table=f"seed-{uuid.uuid4().hex[:10]}"))
    assert posts.create_storage() is True
    yield posts.metrics()


def test_the_store_reads_back_what_was_seeded(metrics: MetricsStore) -> None:
    weeks = rules.last_weeks(time.time(), PAST + 1)[:-1]
    seeds = history(weeks)
    sent: list[int] = []
    stop = metrics.on_request(lambda **_: sent.append(1))
    try:
        written = metrics.seed(seeds)
    finally:
        stop()
    assert written == len(rules.past_weeks(seeds).items())
    if isinstance(metrics, DynamoDBMetricsStore):
        # BatchGetItem reads 100 items a request, BatchWriteItem puts 25.
        assert len(sent) == math.ceil(written / 100) + math.ceil(written / 25)
    for scope in (ORG, space_scope("platform"), space_scope("design")):
        got = metrics.weeks(scope, weeks)
        rows = [{"week": w.week, **{f: w.count(f) for f in FIELDS}, "active_people": w.people} for w in got]
        same(rows, expected_weeks(seeds, scope, weeks))
    for quarter in sorted({rules.week_quarter(week) for week in weeks}):
        mine = [s for s in seeds if s.space == "platform" and rules.week_quarter(s.week) == quarter]
        platform = metrics.quarter(quarter, people=True)["platform"]
        assert {f: platform.count(f) for f in ("posts", "outcomes", "answered", "answered_within_a_day")} == {
            f: sum(s.counts.get(f, 0) for s in mine) for f in ("posts", "outcomes", "answered", "answered_within_a_day")
        }
        assert platform.count("replies") == 0 and platform.count("reactions") == 0  # counted by the week only
        assert close(platform.people, len(set().union(*(set(s.people) for s in mine))))
        assert platform.last_post_at == f"{rules.week_monday(max(s.week for s in mine)).isoformat()}T00:00:00.000Z"
        assert platform.unanswered == frozenset()


def test_seeding_again_adds_to_what_is_there_as_writes_do(metrics: MetricsStore) -> None:
    week = rules.last_weeks(time.time(), 3)[0]
    first = PastWeek("design", week, {"posts": 9}, [f"person.{n}" for n in range(40)])
    metrics.seed([first])
    metrics.seed([PastWeek("design", week, {"posts": 2, "replies": 1}, ["omar.haddad", "person.0"])])
    (got,) = metrics.weeks(space_scope("design"), [week])
    assert (got.count("posts"), got.count("replies")) == (11, 1)
    assert close(got.people, 41)
    quarter = metrics.quarter(rules.week_quarter(week), people=True)["design"]
    assert quarter.count("posts") == 11 and close(quarter.people, 41)


# --- the API, over HTTP ----------------------------------------------------------------------


@pytest.fixture(params=["memory", "dynamodb"])
def seeded_stack(request: pytest.FixtureRequest, hub: Stack) -> Iterator[Stack]:
    """The dev server serving the metrics of an empty store of its own, in memory or on moto, with
    the spaces table worked out at each read (the test reads it before and after a write)."""
    posts = replace(hub.settings.posts, metrics_summary_seconds=0)
    if request.param == "memory":
        settings = replace(hub.settings, posts=posts)
        install(Services.build(settings, posts_store=MemoryPostsStore(), mail_sender=hub.sender))
    else:
        hub.install(posts=replace(posts, table=f"seed-{uuid.uuid4().hex[:10]}"))
        services().posts.store.create_storage()
    yield hub


def test_the_api_answers_what_was_seeded_and_a_write_this_week_adds_on_top(seeded_stack: Stack) -> None:
    now = time.time()
    shown = rules.last_weeks(now, PAST + 1)
    past, this_week = shown[:-1], shown[-1]
    seeds = history(past)
    services().posts.store.metrics().seed(seeds)
    jane, lee = Person(seeded_stack, "jane.doe"), Person(seeded_stack, "lee.park")
    nothing = {"week": this_week, **dict.fromkeys(FIELDS, 0), "people": set()}

    for path, scope in (("/api/metrics", ORG), ("/api/metrics/spaces/platform", space_scope("platform"))):
        answer = jane.get(path, weeks=str(PAST + 1))
        assert answer.status_code == 200, answer.text
        same(answer.json()["weeks"], [*expected_weeks(seeds, scope, past), nothing])

    this_quarter = rules.quarter(now)
    mine = [s for s in seeds if s.space == "platform" and rules.week_quarter(s.week) == this_quarter]
    before = {s["slug"]: s for s in jane.get("/api/metrics/spaces").json()["spaces"]}["platform"]
    assert before["posts_this_quarter"] == sum(s.counts["posts"] for s in mine)
    assert before["answered_this_quarter"] == sum(s.counts["answered"] for s in mine)
    assert before["outcomes_this_quarter"] == sum(s.counts["outcomes"] for s in mine)
    assert before["median_hours_to_first_answer"] == (3.0 if mine else None)  # every answer took 3 hours
    last_quarter = reading.previous_quarter(this_quarter)
    assert before["outcomes_previous_quarter"] == sum(
        s.counts["outcomes"] for s in seeds if s.space == "platform" and rules.week_quarter(s.week) == last_quarter
    )
    people_before = set().union(*(set(s.people) for s in mine))
    assert close(before["active_people_this_quarter"], len(people_before))

    post = lee.create("platform", "A real post, this week")
    Person(seeded_stack, "omar.haddad").reply(post, "And its answer")

    answer = jane.get("/api/metrics/spaces/platform", weeks=str(PAST + 1)).json()["weeks"]
    now_this_week = {**nothing, "posts": 1, "replies": 1, "answered": 1, "answered_within_a_day": 1}
    same(
        answer,
        [
            *expected_weeks(seeds, space_scope("platform"), past),
            {**now_this_week, "people": {"lee.park", "omar.haddad"}},
        ],
    )
    org = jane.get("/api/metrics", weeks=str(PAST + 1)).json()["weeks"]
    same(org, [*expected_weeks(seeds, ORG, past), {**now_this_week, "people": {"lee.park", "omar.haddad"}}])
    after = {s["slug"]: s for s in jane.get("/api/metrics/spaces").json()["spaces"]}["platform"]
    assert after["posts_this_quarter"] == before["posts_this_quarter"] + 1
    assert after["answered_this_quarter"] == before["answered_this_quarter"] + 1
    assert close(after["active_people_this_quarter"], len(people_before | {"lee.park", "omar.haddad"}))
