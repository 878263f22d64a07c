"""Digest figures, for one weekly run over a synthetic organisation of 10,000 people and 1,000
spaces (shaped as `hub.synthetic` makes them: 900 teams of about eleven, 100 communities of twelve),
with a week of posts, mentions, replies, outcomes, chosen preferences and suppressed addresses:

- digest_10k_queries: DynamoDB requests for the whole run, against moto's server over HTTP, counted
  with botocore's `before-send.dynamodb` hook: the scheduled run (preferences, suppressions,
  outcome counts, the week's posts) and every delivery invocation the queue would start (issue
  bound: spaces + 100, so 1,100);
- digest_10k_build_s: building every digest in process, from stores in memory: planning each
  person's digest, packing the jobs, and composing every message (text, HTML and headers);
- digest_10k_invocation_max_s: the longest delivery invocation, at the account's SES rate (14 a
  second, shared by two invocations at once), on a simulated clock (bound: 300 s);
- digest_10k_sent: digests sent, each once.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from bench import report

REPO = Path(__file__).resolve().parents[2]
for _path in (REPO / "functions", REPO / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from chalicelib.config import SessionKey  # noqa: E402
from chalicelib.directory import Directory  # noqa: E402
from chalicelib.mail.config import MailSettings  # noqa: E402
from chalicelib.mail.fanout import BUDGET_SECONDS, MemoryQueue  # noqa: E402
from chalicelib.mail.persistence.base import MailStore, Preferences, Suppression  # noqa: E402
from chalicelib.mail.persistence.dynamodb import DynamoDBMailStore  # noqa: E402
from chalicelib.mail.persistence.memory import MemoryMailStore  # noqa: E402
from chalicelib.mail.services import MailServices  # noqa: E402
from chalicelib.posts.authoring import iso  # noqa: E402
from chalicelib.posts.config import PostsSettings  # noqa: E402
from chalicelib.posts.outcomes import iso_week  # noqa: E402
from chalicelib.posts.persistence.base import Outcome, Post, PostsStore  # noqa: E402
from chalicelib.posts.persistence.dynamodb import DynamoDBPostsStore  # noqa: E402
from chalicelib.posts.persistence.memory import MemoryPostsStore  # noqa: E402
from chalicelib.posts.services import PostsServices  # noqa: E402
from chalicelib.table import Location  # noqa: E402

PEOPLE = 10_000
SPACES = 1_000
POSTS_THIS_WEEK = 2_500
POSTS_BEFORE = 1_000
OUTCOMES = 120
CHOSEN = 2_500
SUPPRESSED = 60
MONDAY = 1_795_392_000.0  # Monday 2026-11-23 00:00 UTC
RUN = MONDAY + 6 * 3600
KEYS = (SessionKey("bench", b"b" * 32),)
SETTINGS = MailSettings(domain="mail.bench.example", send_rate_per_second=14, delivery_concurrency=2)
ULID = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class Organisation:
    directory: dict[str, Any]
    posts: list[Post]
    preferences: dict[str, Preferences]
    suppressions: list[Suppression]
    marks: list[tuple[Post, Outcome]] = field(default_factory=list)


def organisation(seed: int = 7) -> Organisation:
    """The people and spaces as hub.synthetic lays them out, then a week of activity."""
    rng = random.Random(seed)
    communities = max(1, SPACES // 10)
    teams = SPACES - communities
    handles = [f"p{i:05d}" for i in range(PEOPLE)]
    team_of = [f"team-{(i * teams) // PEOPLE:04d}" for i in range(PEOPLE)]
    members: dict[str, list[str]] = {}
    for handle, team in zip(handles, team_of, strict=True):
        members.setdefault(team, []).append(handle)
    people = {
        handle: {"name": f"Person {i}", "email": f"{handle}@example.com", "title": "Staff", "team": team_of[i]}
        for i, handle in enumerate(handles)
    }
    spaces: dict[str, Any] = {}
    for t in range(teams):
        slug = f"team-{t:04d}"
        crew = members.get(slug) or handles[:2]
        spaces[slug] = {"name": f"Team {t}", "kind": "team", "stewards": crew[:2], "url": f"teams/{slug}/"}
    for c in range(communities):
        crew = rng.sample(handles, 12)
        slug = f"community-{c:03d}"
        spaces[slug] = {"name": f"Community {c}", "kind": "community", "stewards": crew[:2], "members": crew}
    slugs = sorted(spaces)
    posts: list[Post] = []
    for number in range(POSTS_THIS_WEEK + POSTS_BEFORE):
        recent = number >= POSTS_BEFORE
        at = MONDAY - 7 * 86400 + rng.uniform(0, 7 * 86400) if recent else MONDAY - 14 * 86400 + number * 60
        space = rng.choice(slugs)
        author = rng.choice(members.get(space) or handles)
        mentioned = tuple(rng.sample(handles, rng.choice((1, 2)))) if rng.random() < 0.2 else ()
        words = " ".join(f"@{m}" for m in mentioned)
        body = f"Update {number} from {space}: the release went out {words}\n\n" + "Details follow. " * 12
        posts.append(
            Post(
                id=_ulid(at, rng),
                space=space,
                parent=None,
                thread="",
                author=author,
                created_at=iso(at),
                body=body,
                html=f"<p>{body}</p>",
                mentions=mentioned,
                reply_count=rng.choice((0, 0, 0, 1, 2, 5)),
            )
        )
    posts = [replace(post, thread=post.id) for post in posts]
    marks = [
        (post, Outcome(post.author, post.created_at, iso_week(MONDAY - 3 * 86400)))
        for post in rng.sample(posts[POSTS_BEFORE:], OUTCOMES)
    ]
    preferences: dict[str, Preferences] = {}
    for handle in rng.sample(handles, CHOSEN):
        roll = rng.random()
        follows = frozenset(rng.sample(slugs, rng.randint(1, 6))) if roll < 0.5 else None
        digest = "daily" if roll > 0.9 else "off" if roll > 0.85 else "weekly"
        preferences[handle] = Preferences(follows=follows, each_post=rng.random() < 0.1, digest=digest)  # type: ignore[arg-type]
    bounced = rng.sample(handles, SUPPRESSED)
    suppressed = [Suppression(f"{handle}@example.com", "bounce", iso(MONDAY - 86400)) for handle in bounced]
    return Organisation({"people": people, "spaces": spaces}, posts, preferences, suppressed, marks)


def _ulid(at: float, rng: random.Random) -> str:
    number = (int(at * 1000) << 80) | rng.getrandbits(80)
    return "".join(ULID[(number >> shift) & 31] for shift in range(125, -1, -5))


class NullSender:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, message: EmailMessage) -> str:
        self.sent += 1
        return "bench"


class Clock:
    """Simulated time: sleeping moves it on, so the send rate costs no wall time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Outcomes:
    sent: int
    jobs: int
    longest: float
    seconds: float


def weekly_run(org: Organisation, directory: Directory, posts: PostsStore, store: MailStore) -> Outcomes:
    """The scheduled run, then every delivery invocation the queue would start, ten jobs each."""
    queue = MemoryQueue()
    sender = NullSender()
    mail = MailServices.build(
        SETTINGS,
        directory,
        KEYS,
        PostsServices.build(PostsSettings(), directory, KEYS, posts),
        public_origin="https://hub.bench.example",
        location=Location("unused", "us-east-1", ""),
        store=store,
        sender=sender,
        queue=queue,
        clock=lambda: RUN,
    )
    clock = Clock()
    mail.delivery.clock, mail.delivery.sleep = clock, clock.sleep
    started = time.perf_counter()
    run = mail.run_digests("weekly", RUN)
    longest = 0.0
    while queue.bodies:
        before = clock.now
        mail.deliver(queue.take(SETTINGS.delivery_batch_size))
        longest = max(longest, clock.now - before)
    seconds = time.perf_counter() - started
    if sender.sent != run.digests:
        raise SystemExit(f"sent {sender.sent} digests, planned {run.digests}")
    return Outcomes(sender.sent, run.jobs, longest, seconds)


def in_memory(org: Organisation, directory: Directory) -> Outcomes:
    posts = MemoryPostsStore()
    posts._posts.update({post.id: post for post in org.posts})
    for post, outcome in org.marks:
        posts.mark_outcome(post.id, post.space, post.author, outcome, outcome.week, any_author=True)
    store = MemoryMailStore()
    for handle, chosen in org.preferences.items():
        store.save_preferences(handle, chosen)
    for suppression in org.suppressions:
        store.suppress(suppression)
    return weekly_run(org, directory, posts, store)


def on_moto(org: Organisation, directory: Directory) -> tuple[int, Outcomes]:
    from chalicelib.mail.persistence import _dynamodb_models as mail_models
    from chalicelib.mail.persistence import dynamodb as mail_adapter
    from chalicelib.posts.persistence import _dynamodb_models as post_models
    from chalicelib.posts.persistence import dynamodb as post_adapter
    from devstack import local_aws

    aws = local_aws.start()
    try:
        settings = PostsSettings(endpoint=aws.endpoint, table="bench-digest")
        posts = DynamoDBPostsStore(settings)
        posts.create_storage()
        store = DynamoDBMailStore(Location(settings.table, settings.region, settings.endpoint))
        for post, outcome in org.marks:  # each mark a transaction, while the table is small
            post_adapter._item(post_models, post).save()
            posts.mark_outcome(post.id, post.space, post.author, outcome, outcome.week, any_author=True)
        marked = {post.id for post, _ in org.marks}
        with post_models.PostItem.batch_write() as batch:
            for post in org.posts:
                if post.id not in marked:
                    item = post_adapter._item(post_models, post)
                    item.reply_count = post.reply_count
                    batch.save(item)
        with mail_models.PreferencesItem.batch_write() as batch:
            for handle, chosen in org.preferences.items():
                keys = (mail_models.PREFS_PK, mail_models.EACH_POST_PK) if chosen.each_post else (mail_models.PREFS_PK,)
                for pk in keys:
                    batch.save(mail_adapter._item(mail_models, pk, handle, chosen))
        with mail_models.SuppressionItem.batch_write() as batch:
            for stopped in org.suppressions:
                item = mail_models.SuppressionItem(
                    mail_models.SUPPRESS_PK, stopped.address, reason="bounce", at=stopped.at
                )
                batch.save(item)
        requests = 0

        def count(**_: Any) -> None:
            nonlocal requests
            requests += 1

        stops = [posts.on_request(count), store.on_request(count)]
        try:
            outcomes = weekly_run(org, directory, posts, store)
        finally:
            for stop in stops:
                stop()
        return requests, outcomes
    finally:
        aws.stop()


def main() -> None:
    org = organisation()
    with tempfile.TemporaryDirectory(prefix="commons-bench-digest-") as tmp:
        path = Path(tmp) / "directory.json"
        path.write_text(json.dumps(org.directory))
        directory = Directory(str(path))
        built = in_memory(org, directory)
        requests, moto = on_moto(org, directory)
    bound = SPACES + 100
    report("digest_10k_queries", requests, "requests")
    report("digest_10k_build_s", round(built.seconds, 2), "s")
    report("digest_10k_invocation_max_s", round(moto.longest, 1), "s")
    report("digest_10k_sent", moto.sent, "digests")
    if requests > bound:
        raise SystemExit(f"digest_10k_queries {requests} is over its bound of {bound}")
    if moto.longest > BUDGET_SECONDS + 60:
        raise SystemExit(f"a delivery invocation took {moto.longest:.0f} s at the SES rate")


if __name__ == "__main__":
    main()
