"""Digests and the fan-out that sends them: what each person's digest holds, that a run reads each
post once whoever follows it, that an empty digest is not sent, and that delivery stays within its
share of the send rate and its time budget, putting back what is left. In memory, on fake clocks."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.config import SessionKey
from chalicelib.directory import Directory, Person
from chalicelib.mail.config import MailSettings
from chalicelib.mail.digest import MAX_CARE_SPACES, MAX_PER_SPACE, Care, Edition, _digest_from, digest_for, pack, period
from chalicelib.mail.fanout import MAX_ATTEMPTS, MemoryQueue, Pacer, batches, decode
from chalicelib.mail.persistence.base import Preferences, Suppression
from chalicelib.mail.persistence.memory import MemoryMailStore
from chalicelib.mail.sending import KeepingSender, MailUnavailableError
from chalicelib.mail.services import MailServices
from chalicelib.posts import authoring, outcomes
from chalicelib.posts.actors import Actor
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.persistence.base import FeedKind, Position, Post
from chalicelib.posts.persistence.memory import MemoryPostsStore
from chalicelib.posts.services import PostsServices
from chalicelib.table import Location

KEYS = (SessionKey("k1", b"k" * 32),)
MONDAY = 1_795_392_000.0  # Monday 2026-11-23 00:00 UTC
RUN = MONDAY + 7 * 3600  # the weekly run, at 07:00
LAST_WEEK = MONDAY - 5 * 86400  # Wednesday of the week the digest covers
PEOPLE = {
    handle: {"name": handle.title(), "email": f"{handle}@example.com", "team": team}
    for handle, team in (("jane", "platform"), ("omar", "design"), ("lee", "platform"), ("ana", "apps"))
}
SPACES = {
    "platform": {"name": "Platform", "stewards": ["jane", "omar"]},
    "design": {"name": "Design", "stewards": ["omar", "jane"]},
    "apps": {"name": "Apps", "stewards": ["ana", "omar"]},
}


class NullSender:
    def send(self, message: EmailMessage) -> str:
        return "ses-id"


class CountingPosts(MemoryPostsStore):
    """Counts the feed pages read: what a run costs in DynamoDB Queries."""

    def __init__(self) -> None:
        super().__init__()
        self.pages = 0

    def feed(self, kind: FeedKind, key: str, start: Position | None, limit: int) -> tuple[list[Post], Position | None]:
        self.pages += 1
        return super().feed(kind, key, start, limit)


class Clock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


class World:
    def __init__(self, tmp_path: Path, queue: MemoryQueue | None = None, **settings: Any) -> None:
        path = tmp_path / "directory.json"
        path.write_text(json.dumps({"people": PEOPLE, "spaces": SPACES}))
        self.directory = Directory(str(path))
        self.posts = CountingPosts()
        self.store = MemoryMailStore()
        self.sender = KeepingSender(NullSender())
        self.mail = MailServices.build(
            MailSettings(domain="mail.example.com", **settings),
            self.directory,
            KEYS,
            PostsServices.build(PostsSettings(), self.directory, KEYS, self.posts),
            public_origin="https://hub.example.com",
            location=Location("unused", "us-east-1", ""),
            store=self.store,
            sender=self.sender,
            queue=queue,
            clock=lambda: RUN,
        )

    def write(self, handle: str, body: str, space: str, at: float = LAST_WEEK, parent: Post | None = None) -> Post:
        actor = Actor(handle, handle.title(), self.directory.stewarded_by(handle))
        key = uuid.uuid4().hex
        if parent is not None:
            return authoring.create_reply(
                self.posts, self.directory, actor, parent.id, body, key, rate_limit=999, clock=lambda: at
            ).post
        return authoring.create_post(
            self.posts, self.directory, actor, space, body, key, rate_limit=999, clock=lambda: at
        ).post

    def texts(self) -> dict[str, str]:
        out = {}
        for kept in self.sender.kept():
            body = kept.message.get_body(("plain",))
            assert body is not None
            out[kept.message["To"].addresses[0].username] = str(body.get_content())
        return out


@pytest.fixture()
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def test_periods_are_yesterday_and_the_last_whole_iso_week_in_utc() -> None:
    daily = period("daily", RUN)
    assert (daily.start, daily.end, daily.label, daily.span) == (
        MONDAY - 86400,
        MONDAY,
        "2026-11-22",
        "Sunday 22 November 2026",
    )
    weekly = period("weekly", RUN)
    assert (weekly.start, weekly.end, weekly.label, weekly.week) == (MONDAY - 7 * 86400, MONDAY, "2026-W47", "2026-W47")
    assert weekly.span == "16 to 22 November 2026"
    assert period("weekly", MONDAY + 3 * 86400) == weekly, "the same week, whenever in the week it runs"
    assert period("weekly", MONDAY + 14 * 86400).span == "30 November to 6 December 2026"
    assert period("weekly", MONDAY + 42 * 86400).span == "28 December 2026 to 3 January 2027"


def test_a_weekly_digest_lists_each_followed_space_s_new_posts_mentions_and_outcomes(world: World) -> None:
    plan = world.write("jane", "**Plan** for the week", "platform")
    world.write("lee", "Looks good", "platform", parent=plan, at=LAST_WEEK + 60)
    world.write("omar", "A design question for @lee", "design")
    world.write("ana", "Apps news", "apps")
    world.write("jane", "Too old", "platform", at=MONDAY - 8 * 86400)
    world.write("jane", "Too new, next week's", "platform", at=MONDAY + 3600)
    outcomes.mark(
        world.posts,
        world.directory,
        Actor("jane", "Jane", frozenset({"platform"})),
        plan.id,
        True,
        clock=lambda: LAST_WEEK,
    )
    run = world.mail.run_digests("weekly", RUN)
    assert (run.people, run.digests, run.empty, run.posts) == (4, 4, 0, 3)
    lee = world.texts()["lee"]
    assert "Platform: 1 new post, 1 outcome achieved this week" in lee
    assert (
        f"Plan for the week (Jane, 1 reply, achieved the outcome)\n    https://hub.example.com/teams/platform/#post-{plan.id}"
        in lee
    )
    assert "Posts that mention you\n  * A design question for @lee (Omar, 0 replies)" in lee
    assert "Design:" not in lee and "Apps" not in lee, "lee follows only the team's space"
    assert "Too old" not in lee and "Too new" not in lee
    assert "This week across Commons: 1 outcome achieved." in lee
    omar = world.texts()["omar"]  # design's team, and steward of all three
    assert omar.index("Apps: 1") < omar.index("Design: 1") < omar.index("Platform: 1"), "spaces by name"


def test_a_run_reads_the_posts_once_whoever_follows_them(world: World) -> None:
    for number in range(450):
        world.write("jane", f"Post {number}", ("platform", "design", "apps")[number % 3], at=LAST_WEEK + number)
    world.write("jane", "Old", "platform", at=MONDAY - 30 * 86400)
    world.posts.pages = 0
    run = world.mail.run_digests("weekly", RUN)
    assert run.digests == 4 and run.posts == 450
    assert world.posts.pages == 3, "450 posts, 200 a page, and the page that reaches last week's start"
    lee = world.texts()["lee"]
    assert (
        "Platform: 150 new posts" in lee and lee.count("https://hub.example.com/teams/platform/#post-") == MAX_PER_SPACE
    )
    assert "...and 140 more: https://hub.example.com/teams/platform/" in lee


def test_an_empty_digest_is_not_sent_and_choices_are_kept(world: World) -> None:
    world.write("ana", "Apps only", "apps")
    world.store.save_preferences("omar", Preferences(digest="daily"))
    world.store.save_preferences("jane", Preferences(digest="off"))
    world.store.suppress(Suppression("ana@example.com", "complaint", "2026-11-20T00:00:00Z"))
    run = world.mail.run_digests("weekly", RUN)
    assert (run.people, run.digests, run.empty, run.suppressed) == (2, 0, 1, 1)
    assert world.sender.kept() == [], "lee's spaces had nothing; ana's address is stopped"
    daily = world.mail.run_digests("daily", MONDAY - 5 * 86400 + 3600)  # covers the Tuesday: no post
    assert (daily.people, daily.digests) == (1, 1), "omar stewards spaces that need care: that is sent"
    omar = world.texts()["omar"]
    assert "Needs care in your spaces" in omar and "new post" not in omar
    world.write("jane", "Tuesday news", "platform", at=MONDAY - 6 * 86400 + 10)
    assert world.mail.run_digests("daily", MONDAY - 5 * 86400 + 3600).digests == 1
    assert set(world.texts()) == {"omar"}


def test_hidden_and_deleted_posts_are_left_out(world: World) -> None:
    kept = world.write("jane", "Stays", "platform")
    gone = world.write("jane", "Deleted", "platform")
    world.posts._posts[gone.id] = replace(gone, deleted=True, body="")
    world.mail.run_digests("weekly", RUN)
    lee = world.texts()["lee"]
    assert "Platform: 1 new post" in lee and kept.id in lee and gone.id not in lee


def test_digests_go_out_through_the_queue_in_jobs_sized_to_the_send_rate(tmp_path: Path) -> None:
    queue = MemoryQueue()
    world = World(tmp_path, queue, send_rate_per_second=2, delivery_concurrency=2, delivery_batch_size=100)
    assert world.mail.delivery.people_per_job() == 2, "200 s at 1 a second, for batches of 100 jobs"
    world.write("jane", "Everyone follows one of these", "platform")
    world.write("ana", "And this", "apps")
    world.write("omar", "And this", "design")
    run = world.mail.run_digests("weekly", RUN)
    assert (run.digests, run.jobs) == (4, 2) and world.sender.kept() == []
    jobs = [decode(body) for body in queue.bodies]
    assert all(job is not None and job["kind"] == "digest" and len(job["people"]) <= 2 for job in jobs)
    clock = Clock()
    world.mail.delivery.clock, world.mail.delivery.sleep = clock, clock.sleep
    done = world.mail.deliver(queue.take(10))
    assert (done.jobs, done.requeued, done.dropped) == (2, 0, 0)
    assert sorted(world.texts()) == ["ana", "jane", "lee", "omar"]
    assert clock.slept == pytest.approx(3.0), "four sends at one a second: three waits"


def test_what_the_budget_leaves_goes_back_on_the_queue_at_once(tmp_path: Path) -> None:
    queue = MemoryQueue()
    world = World(tmp_path, queue, send_rate_per_second=2, delivery_concurrency=2)
    for space in SPACES:
        world.write("jane", f"News of {space}", space)
    world.mail.run_digests("weekly", RUN)
    clock = Clock()
    delivery = world.mail.delivery
    delivery.clock, delivery.sleep, delivery.budget_seconds = clock, clock.sleep, 2.5
    done = world.mail.deliver(queue.take(10))
    assert len(world.sender.kept()) == 3 and done.requeued == 1, "sends at 0, 1 and 2 s; the fourth is past 2.5 s"
    assert queue.delays == [0]
    rest = decode(queue.bodies[0])
    assert rest is not None and len(rest["people"]) == 1 and rest["attempt"] == 0
    world.mail.deliver(queue.take(10))
    assert sorted(world.texts()) == ["ana", "jane", "lee", "omar"], "each person once"


class Throttled:
    def __init__(self, after: int) -> None:
        self.after = after
        self.sent = 0

    def send(self, message: EmailMessage) -> str:
        if self.sent >= self.after:
            error = ClientError({"Error": {"Code": "TooManyRequestsException"}}, "SendEmail")
            raise MailUnavailableError("SES refused a message: TooManyRequestsException") from error
        self.sent += 1
        return "id"


def test_when_ses_throttles_the_rest_waits_on_the_queue_and_is_dropped_after_some_attempts(tmp_path: Path) -> None:
    queue = MemoryQueue()
    world = World(tmp_path, queue)
    throttled = Throttled(after=1)
    world.mail.digests.sender = throttled
    world.write("jane", "News", "platform")
    world.mail.run_digests("weekly", RUN)
    world.mail.deliver(queue.take(10))
    assert throttled.sent == 1 and queue.delays == [60]
    job = decode(queue.bodies[0])
    assert job is not None and job["attempt"] == 1 and len(job["people"]) == 3, "ana's is her spaces' care"
    for _ in range(MAX_ATTEMPTS):
        world.mail.deliver(queue.take(10))
    assert queue.bodies == [] and throttled.sent == 1


def test_a_refusal_about_one_message_skips_it_and_junk_jobs_are_dropped(tmp_path: Path) -> None:
    queue = MemoryQueue()
    world = World(tmp_path, queue)

    class Rejects:
        def send(self, message: EmailMessage) -> str:
            error = ClientError({"Error": {"Code": "MessageRejected"}}, "SendEmail")
            raise MailUnavailableError("SES refused a message: MessageRejected") from error

    world.mail.digests.sender = Rejects()
    world.write("jane", "News", "platform")
    world.mail.run_digests("weekly", RUN)
    done = world.mail.deliver(
        [*queue.take(10), "not json", json.dumps({"kind": "mystery"}), json.dumps({"kind": "digest"})]
    )
    assert (done.requeued, done.dropped) == (0, 2) and queue.bodies == []


def test_jobs_stay_under_the_size_sqs_takes(tmp_path: Path) -> None:
    world = World(tmp_path)
    for number in range(40):
        world.write("jane", f"{number} " + "long words " * 400, ("platform", "design", "apps")[number % 3])
    _, planned = world.mail.digests.plan("weekly", RUN)
    many = [(replace(person, handle=f"{person.handle}{n}"), digest) for n in range(300) for person, digest in planned]
    jobs = pack(many, per_job=1000)
    assert len(jobs) > 1
    bodies = [json.dumps(job) for job in jobs]
    assert all(len(body.encode()) < 256 * 1024 for body in bodies)
    assert sum(len(job["people"]) for job in jobs) == len(many)
    assert all(len(batch) <= 10 and sum(len(b.encode()) for b in batch) <= 250_000 for batch in batches(bodies))


def test_the_pacer_keeps_to_its_rate() -> None:
    clock = Clock()
    pacer = Pacer(4, clock, clock.sleep)
    for _ in range(9):
        pacer.wait()
    assert clock.now == pytest.approx(2.0)


def test_an_unknown_digest_kind_is_refused(world: World) -> None:
    with pytest.raises(ValueError):
        world.mail.run_digests("hourly", RUN)


def care_of(text: str) -> str:
    """The "Needs care in your spaces" section of a digest's text, or "" when it has none."""
    if "Needs care in your spaces\n" not in text:
        return ""
    return text.split("Needs care in your spaces\n", 1)[1].split("\n\n", 1)[0]


def test_a_steward_s_digest_lists_what_needs_care_in_the_spaces_they_steward_only(world: World) -> None:
    waiting = [world.write("lee", f"Question {n}", "platform", at=LAST_WEEK + n) for n in range(8)]
    fresh = world.write("lee", "Asked this morning", "platform", at=RUN - 3600)  # within a working day
    outcomes.mark(
        world.posts,
        world.directory,
        Actor("jane", "Jane", frozenset({"platform"})),
        waiting[0].id,
        True,
        clock=lambda: LAST_WEEK + 60,
    )
    old = world.write("omar", "An old design note", "design", at=MONDAY - 35 * 86400)
    world.write("lee", "Noted", "design", parent=old, at=MONDAY - 35 * 86400 + 60)
    run = world.mail.run_digests("weekly", RUN)
    assert run.digests == 4, "ana's digest holds only her space's care, and is sent"
    texts = world.texts()
    assert care_of(texts["lee"]) == "" and "Needs care" not in texts["lee"], "lee stewards nothing"
    ana = care_of(texts["ana"])
    assert ana.startswith("Apps: ") and "Platform" not in ana and "Design" not in ana
    assert "  * Quiet: no post in 4 weeks\n  * Its outcome was never marked achieved" in ana
    assert "new post" not in texts["ana"]
    jane = care_of(texts["jane"])
    assert "Apps" not in jane, "jane stewards platform and design, not apps"
    assert jane.index("Design: ") < jane.index("Platform: "), "spaces by name"
    assert "Quiet: no post in 4 weeks, the last on 19 October 2026" in jane
    assert jane.count("Its outcome was never marked achieved") == 1, "design's; platform's outcome was marked"
    assert "8 posts unanswered after a working day:" in jane
    assert jane.count("https://hub.example.com/teams/platform/#post-") == 5
    assert all(post.id in jane for post in waiting[:5]) and waiting[5].id not in jane, "the oldest first"
    assert "    ...and 3 more: https://hub.example.com/health/" in jane
    assert fresh.id not in texts["jane"] and old.id not in jane, "asked within a working day; answered"
    omar = care_of(texts["omar"])
    assert omar.index("Apps: ") < omar.index("Design: ") < omar.index("Platform: ")


def test_the_care_section_goes_through_the_queue_in_bounded_jobs(tmp_path: Path) -> None:
    queue = MemoryQueue()
    world = World(tmp_path, queue)
    for n in range(60):
        world.write("lee", f"Question {n}", "platform", at=LAST_WEEK + n)
    world.posts._posts = {}  # the posts gone from the feed; their counts (and so the care) stay
    run = world.mail.run_digests("weekly", RUN)
    assert (run.digests, run.empty) == (3, 1), "the three stewards; lee, who follows only quiet platform"
    jobs = [decode(body) for body in queue.bodies]
    rows = [row for job in jobs if job is not None for row in job["people"]]
    assert all(len(json.dumps(row)) < 2_000 for row in rows), "five posts a space, whatever is waiting"
    world.mail.deliver(queue.take(10))
    texts = world.texts()
    assert sorted(texts) == ["ana", "jane", "omar"]
    assert "60 posts unanswered after a working day:" in care_of(texts["jane"])
    assert "    ...and 55 more: https://hub.example.com/health/" in care_of(texts["jane"])


def test_no_care_no_section_and_a_non_steward_never_gets_one() -> None:
    when = period("weekly", RUN)
    lee = Person("lee", "Lee", "lee@example.com", "", "platform", "people/lee/")
    names = {"platform": "Platform"}
    healthy = Edition(when)
    assert digest_for(lee, ["platform"], healthy, names, stewarded=["platform"]) is None, "nothing needs care"
    edition = Edition(when, care={"platform": Care("platform", quiet=True)})
    assert digest_for(lee, ["platform"], edition, names) is None, "not a steward"
    found = digest_for(lee, ["platform"], edition, names, stewarded=["platform"])
    assert found is not None and found.care == (Care("platform", quiet=True),) and found.sections == ()


def test_a_care_section_lists_so_many_spaces_and_counts_the_rest() -> None:
    lee = Person("lee", "Lee", "lee@example.com", "", "platform", "people/lee/")
    slugs = [f"space-{n:02d}" for n in range(MAX_CARE_SPACES + 5)]
    edition = Edition(period("weekly", RUN), care={slug: Care(slug, never_marked=True) for slug in slugs})
    found = digest_for(lee, [], edition, {slug: slug.title() for slug in slugs}, stewarded=reversed(slugs))
    assert found is not None
    assert [care.space for care in found.care] == slugs[:MAX_CARE_SPACES] and found.care_more == 5


def test_a_job_queued_before_care_sections_still_reads() -> None:
    head = {"kind": "weekly", "label": "2026-W47", "span": "16 to 22 November 2026", "total": 0}
    old = _digest_from(head, "weekly", ["lee", [], []], {})
    assert (old.care, old.care_more) == ((), 0)
    care = Care("platform", True, None, ("01JD0000000000000000000010",), 2, True)
    new = _digest_from(head, "weekly", ["jane", [], [], [[care.row()], 1]], {})
    assert (new.care, new.care_more) == ((care,), 1)
