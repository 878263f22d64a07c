"""Digests: per followed space, the new posts of the day or the week with their reply counts, the
outcomes achieved this week, and the posts that mention you, each linked to its page on the hub.

A run reads everything once, whatever the organisation's size, and never once per person:
- the period's posts, from the org-wide feed newest first (ids are ULIDs, so the feed is in time
  order) until a post is older than the period: every space's new posts, and every mention;
- the outcome counts (one Query), everyone's chosen preferences (one Query of their partition)
  and the suppressed addresses (one Query);
- the health of every space (`metrics.reading.health`: two Queries of the quarters' metrics, and
  the outcome counts already read), for each steward's "Needs care in your spaces".
Each person's digest is then worked out in memory, an empty one is not sent (one with only a
steward's care section is), and the digests go
to the queue as jobs of many people each, holding the posts they list (`fanout`); `deliver`
composes and sends them within the SES rate. Daily runs cover yesterday (UTC) and weekly runs,
on Mondays, the ISO week before, so runs at any hour of the day neither miss nor repeat a post.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, cast

from chalicelib.directory import Directory, Person
from chalicelib.mail.fanout import MAX_JOB_BYTES, Budget, Job, later, send_all
from chalicelib.mail.mailer import Mailer
from chalicelib.mail.preferences import DEFAULTS, follows
from chalicelib.metrics import reading
from chalicelib.posts.authoring import iso
from chalicelib.posts.outcomes import iso_week
from chalicelib.posts.persistence.base import Post, PostsStore
from chalicelib.posts.titles import excerpt_of, title_of

log = logging.getLogger(__name__)
Kind = Literal["daily", "weekly"]
KINDS: tuple[Kind, ...] = ("daily", "weekly")
DAY = 86_400
FEED_PAGE = 200
MAX_PAGES = 5_000
MAX_PER_SPACE = 10  # listed per space; the rest are counted, with a link to the space
MAX_ITEMS = 100  # listed in one digest, so that one fits in a job whatever a person follows
MAX_MENTIONS = 20
MAX_CARE_POSTS = 5  # unanswered posts listed per space in a steward's care section; the rest counted
MAX_CARE_SPACES = 25  # spaces in one care section; the rest counted, with a link to the health page


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: float
    end: float
    label: str  # names the digest in its Message-ID: 2026-11-30, or 2026-W48
    span: str  # for people: "Monday 30 November 2026", or "23 to 29 November 2026"

    @property
    def week(self) -> str:
        return iso_week(self.start)


def period(kind: Kind, now: float) -> Period:
    """Yesterday, or the last whole ISO week, in UTC."""
    today = int(now // DAY) * DAY
    if kind == "daily":
        start = today - DAY
        day = datetime.fromtimestamp(start, UTC)
        return Period(kind, start, today, day.strftime("%Y-%m-%d"), f"{day:%A} {day.day} {day:%B %Y}")
    monday = today - datetime.fromtimestamp(today, UTC).weekday() * DAY
    first, last = datetime.fromtimestamp(monday - 7 * DAY, UTC), datetime.fromtimestamp(monday - DAY, UTC)
    if (first.year, first.month) == (last.year, last.month):
        span = f"{first.day} to {last.day} {last:%B %Y}"
    elif first.year == last.year:
        span = f"{first.day} {first:%B} to {last.day} {last:%B %Y}"
    else:
        span = f"{first.day} {first:%B %Y} to {last.day} {last:%B %Y}"
    return Period(kind, monday - 7 * DAY, monday, iso_week(monday - 7 * DAY), span)


@dataclass(frozen=True)
class Item:
    """A post as a digest lists it."""

    id: str
    space: str
    author: str
    title: str
    excerpt: str
    replies: int
    outcome: bool

    @classmethod
    def of(cls, post: Post) -> Item:
        return cls(
            post.id,
            post.space,
            post.author,
            title_of(post.body),
            excerpt_of(post.body),
            int(post.reply_count or 0),
            post.outcome is not None,
        )

    def row(self) -> list[Any]:
        return [self.space, self.author, self.title, self.excerpt, self.replies, self.outcome]

    @classmethod
    def from_row(cls, post_id: str, row: list[Any]) -> Item:
        space, author, title, excerpt, replies, outcome = row
        return cls(post_id, str(space), str(author), str(title), str(excerpt), int(replies), bool(outcome))


@dataclass(frozen=True)
class Section:
    space: str
    items: tuple[Item, ...]
    more: int  # new posts not listed
    outcomes: int  # achieved in the space this week


@dataclass(frozen=True)
class Care:
    """What needs care in one space, as a steward's digest lists it (`metrics.reading.health`)."""

    space: str
    quiet: bool = False  # no post in four weeks
    last_post_at: str | None = None  # when quiet: the last post's time, if there was one
    unanswered: tuple[str, ...] = ()  # post ids, oldest first, at most MAX_CARE_POSTS
    unanswered_more: int = 0  # unanswered after a working day, not listed
    never_marked: bool = False  # its outcome was never marked achieved

    def row(self) -> list[Any]:
        return [
            self.space,
            self.quiet,
            self.last_post_at,
            list(self.unanswered),
            self.unanswered_more,
            self.never_marked,
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> Care:
        space, quiet, last, unanswered, more, never = row
        return cls(
            str(space),
            bool(quiet),
            None if last is None else str(last),
            tuple(str(post_id) for post_id in unanswered),
            int(more),
            bool(never),
        )


@dataclass(frozen=True)
class Digest:
    kind: Kind
    label: str
    span: str
    sections: tuple[Section, ...]
    mentions: tuple[Item, ...]
    outcomes_total: int  # across the organisation this week
    care: tuple[Care, ...] = ()  # the steward's spaces that need care, by name
    care_more: int = 0  # spaces that need care, not listed


@dataclass
class Edition:
    """What one run read, shared by every digest of the run."""

    period: Period
    by_space: dict[str, list[Item]] = field(default_factory=dict)  # newest first
    mentions: dict[str, list[Item]] = field(default_factory=dict)  # handle, lower case -> posts
    outcomes: dict[str, int] = field(default_factory=dict)
    outcomes_total: int = 0
    posts: int = 0
    care: dict[str, Care] = field(default_factory=dict)  # slug -> what needs care, for spaces that do


def read_edition(
    posts: PostsStore, when: Period, directory: Directory | None = None, now: float | None = None
) -> Edition:
    """The period's posts (one feed, read newest first until older than the period), this
    week's outcome counts (one Query) and, given the directory, every space's health as of `now`
    (the end of the period by default; two Queries)."""
    edition = Edition(when)
    start, end = iso(when.start), iso(when.end)
    position = None
    for _ in range(MAX_PAGES):
        page, position = posts.feed("org", "org", position, FEED_PAGE)
        older = False
        for post in page:
            if post.created_at >= end:
                continue
            if post.created_at < start:
                older = True
                break
            if not post.open:
                continue  # deleted or hidden: a digest lists what everyone may read
            item = Item.of(post)
            edition.posts += 1
            edition.by_space.setdefault(post.space, []).append(item)
            for handle in dict.fromkeys(m.lower() for m in post.mentions):
                if handle != post.author.lower():
                    edition.mentions.setdefault(handle, []).append(item)
        if older or position is None:
            break
    org, spaces = posts.all_outcome_counts()
    edition.outcomes = {slug: counts.weeks.get(when.week, 0) for slug, counts in spaces.items()}
    edition.outcomes_total = org.weeks.get(when.week, 0)
    if directory is not None:
        totals = {slug: counts.total for slug, counts in spaces.items()}
        found = reading.health(posts.metrics(), directory, totals, when.end if now is None else now)
        edition.care = care_of(found)
    return edition


def care_of(health: Mapping[str, Any]) -> dict[str, Care]:
    """The health lists (`metrics.reading.health`) as what needs care, per space."""
    quiet = {entry["slug"]: entry.get("last_post_at") for entry in health.get("quiet", ())}
    waiting = {entry["slug"]: entry for entry in health.get("unanswered", ())}
    never = {entry["slug"] for entry in health.get("never_marked", ())}
    care = {}
    for slug in sorted({*quiet, *waiting, *never}):
        entry = waiting.get(slug)
        listed = tuple(str(post["id"]) for post in entry["posts"][:MAX_CARE_POSTS]) if entry else ()
        count = int(entry["unanswered_count"]) if entry else 0
        last = quiet.get(slug)
        care[slug] = Care(
            slug, slug in quiet, None if last is None else str(last), listed, count - len(listed), slug in never
        )
    return care


def digest_for(
    person: Person,
    followed: Iterable[str],
    edition: Edition,
    names: Mapping[str, str],
    stewarded: Iterable[str] = (),
) -> Digest | None:
    """One person's digest, or None when it would hold no post and nothing that needs care in the
    spaces they steward (`stewarded`). `names`: the spaces' names."""
    sections: list[Section] = []
    listed = 0
    for slug in sorted(followed, key=lambda s: (names.get(s, "").casefold(), s)):
        new = edition.by_space.get(slug, [])
        outcomes = edition.outcomes.get(slug, 0)
        if not new and not outcomes:
            continue
        room = max(0, min(MAX_PER_SPACE, MAX_ITEMS - listed))
        sections.append(Section(slug, tuple(new[:room]), len(new) - len(new[:room]), outcomes))
        listed += len(new[:room])
    mentions = tuple(edition.mentions.get(person.handle.lower(), [])[:MAX_MENTIONS])
    care = [
        edition.care[s] for s in sorted(stewarded, key=lambda s: (names.get(s, "").casefold(), s)) if s in edition.care
    ]
    if not mentions and not care and not any(section.items or section.more for section in sections):
        return None
    p = edition.period
    shown = tuple(care[:MAX_CARE_SPACES])
    return Digest(
        p.kind, p.label, p.span, tuple(sections), mentions, edition.outcomes_total, shown, len(care) - len(shown)
    )


@dataclass
class DigestRun:
    kind: Kind
    label: str
    people: int = 0  # whose digest this run is
    digests: int = 0  # with something in them: queued, or sent here
    empty: int = 0
    suppressed: int = 0
    posts: int = 0
    jobs: int = 0


class Digests(Mailer):
    KIND = "digest"

    def plan(self, kind: Kind, now: float) -> tuple[DigestRun, list[tuple[Person, Digest]]]:
        """Everyone's digest of this kind, worked out from one reading."""
        if kind not in KINDS:
            raise ValueError(f"no digest kind {kind!r}")
        when = period(kind, now)
        edition = read_edition(self.posts, when, self.directory, now)
        chosen = self.store.all_preferences()
        stopped = self.store.suppressions()
        run = DigestRun(kind, when.label, posts=edition.posts)
        planned: list[tuple[Person, Digest]] = []
        names = self.directory.space_names()
        for person in everyone(self.directory):
            preferences = chosen.get(person.handle)
            if (preferences or DEFAULTS).digest != kind:
                continue
            run.people += 1
            if person.email.lower() in stopped:
                run.suppressed += 1
                continue
            followed = follows(preferences, person, self.directory)
            digest = digest_for(person, followed, edition, names, self.directory.stewarded_by(person.handle))
            if digest is None:
                run.empty += 1
                continue
            planned.append((person, digest))
        run.digests = len(planned)
        return run, planned

    def run(self, kind: Kind, now: float) -> DigestRun:
        """The scheduled run: plan everyone's digest, then queue them (or, with no queue, send)."""
        run, planned = self.plan(kind, now)
        jobs = pack(planned, self.delivery.people_per_job())
        run.jobs = len(jobs)
        self.delivery.submit(jobs)
        log.info(
            "%s digest %s: %d people, %d digests, %d empty, %d suppressed, %d posts, %d jobs",
            kind, run.label, run.people, run.digests, run.empty, run.suppressed, run.posts, run.jobs,
        )  # fmt: skip
        return run

    def run_job(self, job: Job, budget: Budget) -> Job | None:
        """A "digest" job from the queue: compose each person's digest and send it."""
        try:
            head, items, rows = job["digest"], job["items"], job["people"]
            kind = cast(Kind, head["kind"]) if head["kind"] in KINDS else "weekly"
            catalogue = {post_id: Item.from_row(post_id, row) for post_id, row in items.items()}
            people = [(self.directory.by_handle(str(row[0])), row) for row in rows]
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning("dropped a digest job that does not read")
            return None
        present = [(person, row) for person, row in people if person is not None]
        stopped = self.store.suppressions_of(person.email for person, _ in present)
        entries = [(person, row) for person, row in present if person.email.lower() not in stopped]
        now = self.clock()

        def compose(entry: tuple[Person, list[Any]]) -> Any:
            person, row = entry
            try:
                digest = _digest_from(head, kind, row, catalogue)
                return self.composer.digest(digest, person, now)
            except (KeyError, TypeError, ValueError, IndexError):
                log.warning("no digest for %s: its entry or address does not read", person.handle)
                return None

        sending = send_all(self.sender, entries, compose, budget)
        return later(job, sending, {"people": [row for _, row in sending.left]})


def everyone(directory: Directory) -> list[Person]:
    """Everyone in the directory. Directory has no public listing yet (the report asks for
    `Directory.people()`); until it does, its snapshot is read here, in one place."""
    directory._refresh()
    return list(directory._snapshot.by_handle.values())


def pack(planned: list[tuple[Person, Digest]], per_job: int) -> list[Job]:
    """The digests as jobs of at most `per_job` people and MAX_JOB_BYTES each. People who follow
    the same spaces go together, so that a job holds each post it lists once."""
    jobs: list[Job] = []
    job: Job | None = None
    size = 0
    ordered = sorted(planned, key=lambda entry: ([s.space for s in entry[1].sections], entry[0].handle))
    for person, digest in ordered:
        row, listed = _row(person, digest)
        new = {item.id: item.row() for item in listed if job is None or item.id not in job["items"]}
        extra = len(json.dumps(row)) + sum(len(json.dumps(r)) + 32 for r in new.values())
        if job is None or len(job["people"]) >= per_job or size + extra > MAX_JOB_BYTES:
            head = {"kind": digest.kind, "label": digest.label, "span": digest.span, "total": digest.outcomes_total}
            job = {"kind": "digest", "digest": head, "items": {}, "people": [], "attempt": 0}
            jobs.append(job)
            new = {item.id: item.row() for item in listed}
            size = 200 + len(json.dumps(row)) + sum(len(json.dumps(r)) + 32 for r in new.values())
        else:
            size += extra
        job["items"].update(new)
        job["people"].append(row)
    return jobs


def _row(person: Person, digest: Digest) -> tuple[list[Any], list[Item]]:
    sections = [[s.space, [item.id for item in s.items], s.more, s.outcomes] for s in digest.sections]
    listed = [item for s in digest.sections for item in s.items] + list(digest.mentions)
    row: list[Any] = [person.handle, sections, [item.id for item in digest.mentions]]
    if digest.care:
        row.append([[care.row() for care in digest.care], digest.care_more])
    return row, listed


def _digest_from(head: dict[str, Any], kind: Kind, row: list[Any], catalogue: dict[str, Item]) -> Digest:
    _, sections, mentions, *rest = row  # a job queued before care sections has three fields
    care, care_more = rest[0] if rest else ([], 0)
    return Digest(
        kind=kind,
        label=str(head["label"]),
        span=str(head["span"]),
        sections=tuple(
            Section(str(space), tuple(catalogue[i] for i in ids), int(more), int(outcomes))
            for space, ids, more, outcomes in sections
        ),
        mentions=tuple(catalogue[i] for i in mentions),
        outcomes_total=int(head.get("total") or 0),
        care=tuple(Care.from_row(entry) for entry in care),
        care_more=int(care_more),
    )
