"""`/api/metrics` over HTTP against the dev stack on moto's server: the shape, every week present,
the `weeks` bounds, CSV, unknown spaces, sign-in, the impact page, and the DynamoDB requests each
read costs (counted with `chalicelib.table.on_request`)."""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from chalicelib import table
from chalicelib.metrics import rules
from chalicelib.metrics.persistence import _dynamodb_models as metrics_models
from chalicelib.posts import authoring
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence import _dynamodb_models as posts_models
from chalicelib.runtime import services
from tests.integration.conftest import Stack
from tests.integration.posts_client import Person

FIELDS = ["posts", "replies", "reactions", "outcomes", "active_people", "answered", "answered_within_a_day"]


@pytest.fixture()
def fresh(hub: Stack) -> Iterator[Stack]:
    """The stack on a table of its own, so the organisation's counts are this test's alone."""
    hub.install(posts=replace(hub.settings.posts, table=f"metrics-{uuid.uuid4().hex[:10]}"))
    services().posts.store.create_storage()
    yield hub


def requests_sent(action: Callable[[], requests.Response]) -> tuple[requests.Response, int]:
    sent: list[int] = []
    stop = table.on_request([*posts_models.MODELS, *metrics_models.MODELS], lambda **_: sent.append(1))
    try:
        answer = action()
    finally:
        stop()
    return answer, len(sent)


def activity(hub: Stack) -> dict[str, Any]:
    jane, lee, omar = Person(hub, "jane.doe"), Person(hub, "lee.park"), Person(hub, "omar.haddad")
    post = jane.create("platform", "What is our deploy target?")
    jane.reply(post, "Context, from the author")
    lee.reply(post, "A deploy a day")
    omar.reply(post, "Agreed")
    assert lee.post(f"/api/posts/{post['id']}/reactions/like", {"state": "on"}).status_code == 200
    assert omar.post(f"/api/posts/{post['id']}/reactions/thanks", {"state": "on"}).status_code == 200
    assert jane.post(f"/api/posts/{post['id']}/outcome", {"state": "on", "space": "platform"}).status_code == 200
    jane.create("design", "Unanswered, in design")
    return post


def test_the_weeks_of_the_organisation_and_a_space_every_week_present_newest_last(fresh: Stack) -> None:
    activity(fresh)
    jane = Person(fresh, "jane.doe")
    answer, sent = requests_sent(lambda: jane.get("/api/metrics"))
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
    assert sent <= 3
    weeks = answer.json()["weeks"]
    this_week = rules.iso_week(time.time())
    assert len(weeks) == 26 and weeks[-1]["week"] == this_week
    assert [w["week"] for w in weeks] == rules.last_weeks(time.time(), 26)
    assert all(list(w) == ["week", *FIELDS] for w in weeks)
    assert all(w[f] == 0 for w in weeks[:-1] for f in FIELDS)
    assert {f: weeks[-1][f] for f in FIELDS} == {
        "posts": 2,
        "replies": 3,
        "reactions": 2,
        "outcomes": 1,
        "active_people": 3,
        "answered": 1,
        "answered_within_a_day": 1,
    }
    space, sent = requests_sent(lambda: jane.get("/api/metrics/spaces/design", weeks="4"))
    assert sent <= 3 and space.status_code == 200
    assert space.json()["weeks"][-1] == {"week": this_week, **dict.fromkeys(FIELDS, 0), "posts": 1, "active_people": 1}
    assert len(space.json()["weeks"]) == 4


@pytest.mark.parametrize("weeks", ["1", "104"])
def test_weeks_from_1_to_104(fresh: Stack, weeks: str) -> None:
    answer, sent = requests_sent(lambda: Person(fresh, "lee.park").get("/api/metrics", weeks=weeks))
    assert answer.status_code == 200 and len(answer.json()["weeks"]) == int(weeks) and sent <= 3


@pytest.mark.parametrize("weeks", ["0", "105", "-1", "abc", "1.5", "", " 3", "\u0663", "1e2", "9" * 30])
def test_a_bad_weeks_is_a_400(fresh: Stack, weeks: str) -> None:
    jane = Person(fresh, "jane.doe")
    for path in ("/api/metrics", "/api/metrics.csv", "/api/metrics/spaces/platform", "/api/html/impact"):
        answer = jane.get(path, weeks=weeks)
        assert answer.status_code == 400, (path, weeks, answer.text[:200])


def test_a_repeated_weeks_is_a_400(fresh: Stack) -> None:
    answer = Person(fresh, "jane.doe").http.get(fresh.url("/api/metrics?weeks=2&weeks=3"), timeout=30)
    assert answer.status_code == 400


def test_csv_is_the_same_as_an_attachment(fresh: Stack) -> None:
    activity(fresh)
    jane = Person(fresh, "jane.doe")
    for path, json_path, name in (
        ("/api/metrics.csv", "/api/metrics", "commons-metrics-organisation.csv"),
        ("/api/metrics/spaces/platform.csv", "/api/metrics/spaces/platform", "commons-metrics-platform.csv"),
    ):
        answer = jane.get(path, weeks="3")
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
        assert answer.headers["Content-Disposition"] == f'attachment; filename="{name}"'
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert list(rows[0]) == ["week", *FIELDS]
        expected = jane.get(json_path, weeks="3").json()["weeks"]
        assert [{k: str(v) for k, v in w.items()} for w in expected] == rows


@pytest.mark.parametrize(
    "slug",
    ["nowhere", "nowhere.csv", "platform.json", "\u043f\u043b\u0430\u0442\u0444\u043e\u0440\u043c\u0430", ".csv"],
)
def test_an_unknown_space_is_a_404(fresh: Stack, slug: str) -> None:
    answer = Person(fresh, "jane.doe").get(f"/api/metrics/spaces/{slug}")
    assert answer.status_code == 404 and answer.json()["error"]


def test_a_lone_surrogate_in_the_slug_or_the_query_is_a_400_not_a_500(fresh: Stack) -> None:
    jane = Person(fresh, "jane.doe")
    for path in (
        "/api/metrics/spaces/%ED%A0%80",
        "/api/metrics?weeks=%ED%A0%80",
        "/api/metrics/spaces/%F0%9F%92%A9.csv",
    ):
        answer = jane.http.get(fresh.url(path), timeout=30)
        assert 400 <= answer.status_code < 500, (path, answer.status_code, answer.text[:200])


def test_every_metrics_read_needs_a_session(fresh: Stack) -> None:
    stranger = requests.Session()
    for path in (
        "/api/metrics",
        "/api/metrics.csv",
        "/api/metrics/spaces",
        "/api/metrics/spaces/platform",
        "/api/metrics/spaces/platform.csv",
        "/api/metrics/health",
        "/api/html/impact",
    ):
        answer = stranger.get(fresh.url(path), allow_redirects=False, timeout=30)
        assert answer.status_code == 401, path
        assert "week," not in answer.text


def test_every_spaces_quarter_in_one_request_while_the_table_kept_is_less_than_a_minute_old(fresh: Stack) -> None:
    activity(fresh)
    lee = Person(fresh, "lee.park")
    # Nothing kept yet: the table's GetItem, this quarter's Query, one BatchGet of both spaces'
    # sketches (their people moved since no summary), the people's summary put, last quarter's
    # Query, and the table put.
    first, sent = requests_sent(lambda: lee.get("/api/metrics/spaces"))
    assert first.status_code == 200 and sent == 6
    answer, sent = requests_sent(lambda: lee.get("/api/metrics/spaces"))
    assert answer.status_code == 200 and sent == 1 and answer.json() == first.json()
    assert answer.json()["quarter"] == rules.quarter(time.time())
    as_of = rules.parse_iso(answer.json()["as_of"])
    assert time.time() - 60 < as_of <= time.time()
    spaces = {s["slug"]: s for s in answer.json()["spaces"]}
    assert set(spaces) == {"platform", "design"}
    platform = spaces["platform"]
    assert (platform["outcomes_this_quarter"], platform["trend"], platform["active_people_this_quarter"]) == (
        1,
        "up",
        3,
    )
    assert platform["answered_this_quarter"] == 1 and platform["median_hours_to_first_answer"] is not None
    assert platform["median_hours_to_first_answer"] < 1  # answered within seconds: the first bucket
    assert spaces["design"]["median_hours_to_first_answer"] is None and spaces["design"]["trend"] == "same"
    assert spaces["design"]["active_people_this_quarter"] == 1

    # Someone new in design: the table kept is served as it is for its minute, saying when...
    omar = Person(fresh, "omar.haddad")
    assert omar.create("design", "A second design post")["space"] == "design"
    assert lee.get("/api/metrics/spaces").json() == first.json()
    # ...and then worked out again, reading again only design's sketch.
    fresh.install(clock=lambda: time.time() + 61, posts=services().settings.posts)
    after, sent = requests_sent(lambda: lee.get("/api/metrics/spaces"))
    assert sent == 6 and rules.parse_iso(after.json()["as_of"]) > as_of + 60
    people = {s["slug"]: s["active_people_this_quarter"] for s in after.json()["spaces"]}
    assert people == {"platform": 3, "design": 2}


def test_health_lists_quiet_spaces_unanswered_posts_and_outcomes_never_marked(fresh: Stack) -> None:
    current = services()
    week_ago = time.time() - 7 * 24 * 3600  # always more than one working day
    lee = Actor("lee.park", "Lee Park", frozenset())
    old = authoring.create_post(
        current.posts.store,
        current.directory,
        lee,
        "platform",
        "Anyone?",
        uuid.uuid4().hex,
        rate_limit=100,
        clock=lambda: week_ago,
    ).post
    answered = authoring.create_post(
        current.posts.store,
        current.directory,
        lee,
        "platform",
        "And this?",
        uuid.uuid4().hex,
        rate_limit=100,
        clock=lambda: week_ago,
    ).post
    Person(fresh, "jane.doe").reply({"id": answered.id, "space": "platform"}, "Yes")
    Person(fresh, "jane.doe").create("platform", "Too new to need care")
    answer, sent = requests_sent(lambda: Person(fresh, "omar.haddad").get("/api/metrics/health"))
    assert answer.status_code == 200 and sent <= 3
    health = answer.json()
    assert [s["slug"] for s in health["quiet"]] == ["design"]
    assert [(s["slug"], [p["id"] for p in s["posts"]]) for s in health["unanswered"]] == [("platform", [old.id])]
    assert health["unanswered"][0]["posts"][0]["url"] == f"/api/html/posts/{old.id}"
    assert sorted(s["slug"] for s in health["never_marked"]) == ["design", "platform"]


def test_the_impact_page_needs_no_javascript(fresh: Stack) -> None:
    activity(fresh)
    page = Person(fresh, "lee.park").get("/api/html/impact", weeks="4")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp and "style-src 'sha256-" in csp
    assert page.text.count("<tr>") == 1 + 4 + 1 + 2  # two header rows, four weeks, two spaces
    assert f'<th scope="row">{rules.iso_week(time.time())}</th><td>2</td><td>3</td>' in page.text
    assert '<a href="/api/html/spaces/platform">Platform</a>' in page.text
    assert "<script" not in page.text
