"""What one write adds to the metrics: pure functions, used by both posts stores, so the counting
rules are written once and tested without storage.

Counters live per scope (the organisation, `ORG`, or one space, `SPACE#<slug>`) and ISO week:

- `posts`, `replies`: top-level posts and replies, in the week they were written, while they are
  neither deleted nor hidden (deleting or hiding takes one off that week again; restoring adds it);
- `reactions`: reactions added minus reactions taken away, in the week each toggle happened;
- `outcomes`: outcome marks, in the week of the mark, while the post is open (unmark, delete and
  hide take it off);
- `answered`, `answered_within_a_day`: posts that got an answer (a first reply by someone other
  than the author), in the week *the post* was written, so that answered / posts is a share; and
  `delay_<i>`, the same posts in fixed buckets of time to the first answer (`DELAY_BUCKETS_HOURS`),
  which is what a median is computed from;
- `people`: distinct active people (posted, replied, reacted or marked), as a HyperLogLog sketch;
  they stay counted when they undo what they did.

Each space also has, per quarter, an item with the same counters and `last_post_at`
(`quarter_item`), one with `unanswered`: the ids of its open top-level posts of that quarter with
no answer yet, the health page's list (`quarter_part`), and its own sketch, in a partition of the
quarter's sketches (`quarter_people_item`), so that reading every space's counters reads none.
Sketches are kept apart from counters: a week's shards in its scope's partition of sketches
(`people_item`), a quarter's in the quarter's (`quarter_people_item`). Every counters item whose
sketch a person joins (a week's, a quarter's) also counts `sketch_adds`, each time someone was
added to that sketch (a repeat included; `sketch_counted_in`), so a reader that kept an estimate
of the sketch knows from the counters alone whether it may have changed since: the estimates as
last read are an item of the counters' partition (`PEOPLE_SUMMARY`), which the same Query reads.
Every item is bounded: counters are fixed in number, a sketch by its registers (below), and
`unanswered` by one quarter of one space's posts (27 bytes an id, so about 14,000 unanswered posts
in a quarter before DynamoDB's 400 KB item limit).

A post's creation time is read from its id (a ULID), so a reply knows its parent's week without
reading the parent. Where each counter and each person counts is said once, by `counted_in` and
`sketched_in`: the writes' tallies use them, and so does `past_weeks`, which turns weeks given as
totals (`PastWeek`) into the same items, for seeding storage with history (benchmarks and tests).

Working days are Monday to Friday, in UTC: "within one working day" means at most 24 hours of
Monday-to-Friday time between the post and its first answer. A post written on a Saturday starts
its clock on Monday 00:00; a Friday 17:00 post answered Monday 09:00 took 16 working hours.
Holidays are not known, so they count as working days.

Distinct people: a HyperLogLog sketch with 2^10 = 1,024 registers. A person's handle hashes
(SHA-256, first 64 bits) to a register (the top 10 bits) and a rank (1 + leading zeros of the other
54 bits). The sketch is stored as a DynamoDB binary set of 2-byte elements `register << 6 | rank`,
which `ADD` unions idempotently inside a transaction, with no condition; the register's value is
the highest rank present, read when the sketch is read. Its standard error is 1.04 / sqrt(1024) =
3.25% (so 95% of weeks within ±6.5%); below about 2,500 people the small-range correction (linear
counting) applies and the count is near exact (for 100 people, typically within ±2). Whatever the
number of people, a set holds at most 1,024 x 54 elements (108 KB); with 100,000 people active in a
week it holds about 7,700 (15 KB), split over `SHARDS` items so no write touches all of it.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

ORG = "ORG"
COUNTERS = ("posts", "replies", "reactions", "outcomes", "answered", "answered_within_a_day")
QUARTER_COUNTERS = frozenset({"posts", "outcomes", "answered", "answered_within_a_day"})  # and delay_<i>
# Upper bounds (hours, wall-clock) of the answer-delay buckets; the last bucket has no upper bound.
DELAY_BUCKETS_HOURS = (1, 2, 4, 8, 16, 24, 48, 72, 120, 168, 336)
DELAY_PREFIX = "delay_"
PRECISION = 10
REGISTERS = 1 << PRECISION
MAX_RANK = 64 - PRECISION + 1
SHARDS = 8  # the sketch of one scope and week is this many items: register % SHARDS
WORKING_DAY_SECONDS = 24 * 3600
PEOPLE = "people"  # the sketch's attribute
UNANSWERED = "unanswered"  # a quarter item's set of the ids of its top-level posts not answered yet
LAST_POST = "last_post_at"
SKETCH_ADDS = "sketch_adds"  # on a quarter item: people added to its sketch so far, repeats included
PEOPLE_SUMMARY = "~people"  # sort key, in a quarter's partition, of its estimates as last read
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

Item = tuple[str, str]  # (pk, sk) of a counters item
Member = str | bytes


def space_scope(slug: str) -> str:
    return f"SPACE#{slug}"


def delay_counter(bucket: int) -> str:
    return f"{DELAY_PREFIX}{bucket}"


def week_item(scope: str, week: str) -> Item:
    """One scope's counters for one ISO week: one Query on the pk reads a range of weeks."""
    return (f"METRICS#{scope}", week)


def people_item(scope: str, week: str, shard: int) -> Item:
    """One shard of a scope's sketch of a week's people, in the scope's partition of sketches: a
    Query of its weeks' counters reads none, and one of its sketches reads a range of weeks."""
    return (f"METRICS#{scope}#{PEOPLE}", f"{week}#{shard}")


def quarter_item(slug: str, quarter: str) -> Item:
    """One space's counters for a quarter: one Query on the pk reads every space's."""
    return (f"METRICS#QUARTER#{quarter}", slug)


def quarter_part(slug: str, quarter: str, part: str) -> Item:
    """One space's quarter's unanswered posts (`UNANSWERED`), beside its counters but apart from
    them, so a write that changes neither never rewrites a large item."""
    return (f"METRICS#QUARTER#{quarter}", f"{slug}#{part}")


def spaces_table_item(quarter: str) -> Item:
    """The impact dashboard's table of every space for a quarter, as a reader last worked it out."""
    return (f"METRICS#QUARTER#{quarter}#table", "spaces")


def quarter_people_item(slug: str, quarter: str) -> Item:
    """One space's sketch of the quarter's people, in a partition of sketches alone: a Query of
    the quarter's counters reads none of them, and a read of the sketches names the ones it needs."""
    return (f"METRICS#QUARTER#{quarter}#{PEOPLE}", slug)


@dataclass
class Tally:
    """What one write adds, item by item: counter deltas (ADD), set members added (ADD) or taken
    away (DELETE), and stamps (SET). Zero deltas are left out, so no store writes an unused value."""

    counts: dict[Item, dict[str, int]] = field(default_factory=dict)
    members: dict[tuple[Item, str], dict[Member, int]] = field(default_factory=dict)
    stamps: dict[Item, dict[str, str]] = field(default_factory=dict)

    def add(self, items: Iterable[Item], counter: str, step: int) -> Tally:
        for item in items:
            counters = self.counts.setdefault(item, {})
            counters[counter] = counters.get(counter, 0) + step
            if counters[counter] == 0:
                del counters[counter]
            if not counters:
                del self.counts[item]
        return self

    def member(self, item: Item, attribute: str, value: Member, step: int) -> Tally:
        values = self.members.setdefault((item, attribute), {})
        values[value] = values.get(value, 0) + step
        if values[value] == 0:
            del values[value]
        if not values:
            del self.members[(item, attribute)]
        return self

    def stamp(self, item: Item, attribute: str, value: str) -> Tally:
        self.stamps.setdefault(item, {})[attribute] = value
        return self

    def merge(self, other: Tally, sign: int = 1) -> Tally:
        for item, counters in other.counts.items():
            for counter, step in counters.items():
                self.add([item], counter, sign * step)
        for (item, attribute), values in other.members.items():
            for value, step in values.items():
                self.member(item, attribute, value, sign * step)
        if sign > 0:
            for item, stamps in other.stamps.items():
                self.stamps.setdefault(item, {}).update(stamps)
        return self

    def items(self) -> set[Item]:
        return set(self.counts) | {item for item, _ in self.members} | set(self.stamps)


# --- time ---


def iso_week(epoch: float) -> str:
    year, week, _ = datetime.fromtimestamp(epoch, UTC).isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def last_weeks(now: float, count: int) -> list[str]:
    """The `count` ISO weeks up to and including the one of `now`, oldest first."""
    monday = datetime.fromtimestamp(now, UTC).date()
    monday -= timedelta(days=monday.weekday())
    return [_week_of(monday - timedelta(weeks=back)) for back in range(count - 1, -1, -1)]


def _week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def created(post_id: str) -> float:
    """When the post was written: the first 48 bits of its ULID, in milliseconds."""
    value = 0
    for char in post_id[:10].upper():
        value = value * 32 + _CROCKFORD.index(char)
    return value / 1000


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def working_seconds(start: float, end: float) -> float:
    """Seconds between `start` and `end` that fall on a Monday to Friday (UTC)."""
    if end <= start:
        return 0.0
    total = 0.0
    moment = datetime.fromtimestamp(start, UTC)
    finish = datetime.fromtimestamp(end, UTC)
    while moment < finish:
        midnight = datetime.combine(moment.date() + timedelta(days=1), datetime.min.time(), UTC)
        stop = min(midnight, finish)
        if moment.weekday() < 5:
            total += (stop - moment).total_seconds()
        moment = stop
        if total > WORKING_DAY_SECONDS * 3:  # far enough to decide; bounds the loop
            break
    return total


def within_a_working_day(posted: float, answered: float) -> bool:
    return working_seconds(posted, answered) <= WORKING_DAY_SECONDS


def delay_bucket(seconds: float) -> int:
    hours = max(seconds, 0.0) / 3600
    for index, bound in enumerate(DELAY_BUCKETS_HOURS):
        if hours <= bound:
            return index
    return len(DELAY_BUCKETS_HOURS)


def median_hours(histogram: Mapping[int, int]) -> float | None:
    """The median delay from bucket counts, interpolated linearly inside its bucket (the open last
    bucket answers its lower bound); None without answers."""
    total = sum(n for n in histogram.values() if n > 0)
    if total <= 0:
        return None
    half, seen = total / 2, 0
    for index in range(len(DELAY_BUCKETS_HOURS) + 1):
        n = max(histogram.get(index, 0), 0)
        if n and seen + n >= half:
            low = DELAY_BUCKETS_HOURS[index - 1] if index else 0
            if index == len(DELAY_BUCKETS_HOURS):
                return float(low)
            high = DELAY_BUCKETS_HOURS[index]
            return round(low + (high - low) * (half - seen) / n, 1)
        seen += n
    return None  # pragma: no cover (the loop always reaches half)


# --- the sketch of distinct people ---


def person_element(handle: str) -> tuple[int, bytes]:
    """(shard, element) of this person in a week's sketch."""
    digest = int.from_bytes(hashlib.sha256(handle.lower().encode()).digest()[:8], "big")
    register = digest >> (64 - PRECISION)
    rest = digest & ((1 << (64 - PRECISION)) - 1)
    rank = min((64 - PRECISION) - rest.bit_length() + 1, MAX_RANK)
    return register % SHARDS, ((register << 6) | rank).to_bytes(2, "big")


def estimate(elements: Iterable[bytes]) -> int:
    """Distinct people from a sketch's elements (HyperLogLog, with the small-range correction).
    Only the registers set are kept: an empty one adds 2^0 = 1 to the sum, and a space's sketch
    sets few of 1,024, so the spaces table's thousands of sketches cost a third as much."""
    registers: dict[int, int] = {}
    for element in elements:
        value = int.from_bytes(element, "big")
        register, rank = value >> 6, value & 63
        if register < REGISTERS and rank > registers.get(register, 0):
            registers[register] = rank
    if not registers:
        return 0
    empty = REGISTERS - len(registers)
    alpha = 0.7213 / (1 + 1.079 / REGISTERS)
    raw = alpha * REGISTERS * REGISTERS / (empty + sum(2.0**-r for r in registers.values()))
    if raw <= 2.5 * REGISTERS and empty:
        return round(REGISTERS * math.log(REGISTERS / empty))
    return round(raw)


# --- what each write adds ---


def quarter(epoch: float) -> str:
    day = datetime.fromtimestamp(epoch, UTC)
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def week_quarter(week: str) -> str:
    """The quarter a week belongs to: its Thursday's, as ISO gives a week the year of its Thursday."""
    thursday = week_monday(week) + timedelta(days=3)
    return f"{thursday.year}-Q{(thursday.month - 1) // 3 + 1}"


def in_quarter(counter: str) -> bool:
    """Whether a space's quarter item keeps `counter` too (the spaces table shows it); replies and
    reactions are counted by the week only."""
    return counter in QUARTER_COUNTERS or counter.startswith(DELAY_PREFIX)


def counted_in(space: str | None, week: str, quarter_: str, counter: str) -> list[Item]:
    """Every item where `counter` of something done in `space` counts: the space's week and the
    organisation's, and the space's quarter when it keeps that counter; with no space, the
    organisation's week alone. The one place that says where a count goes."""
    if space is None:
        return [week_item(ORG, week)]
    items = [week_item(space_scope(space), week), week_item(ORG, week)]
    return [*items, quarter_item(space, quarter_)] if in_quarter(counter) else items


def sketched_in(space: str | None, week: str, quarter_: str, shard: int) -> list[Item]:
    """Every sketch a person active in `space` joins: that shard of the week's (the space's and the
    organisation's) and the space's quarter's; with no space, the organisation's week alone."""
    if space is None:
        return [people_item(ORG, week, shard)]
    return [
        people_item(space_scope(space), week, shard),
        people_item(ORG, week, shard),
        quarter_people_item(space, quarter_),
    ]


def sketch_counted_in(space: str | None, week: str, quarter_: str) -> list[Item]:
    """The counters items whose `sketch_adds` count what joins the sketches `sketched_in` names:
    the weeks' (the space's and the organisation's) and the space's quarter's."""
    if space is None:
        return [week_item(ORG, week)]
    return [week_item(space_scope(space), week), week_item(ORG, week), quarter_item(space, quarter_)]


def active(space: str, handle: str, now: float) -> Tally:
    """`handle` did something in `space` at `now`: in the week's sketches (the space's and the
    organisation's) and the quarter's (the space's)."""
    shard, element = person_element(handle)
    tally = Tally()
    for item in sketched_in(space, iso_week(now), quarter(now), shard):
        tally.member(item, PEOPLE, element, 1)
    return tally.add(sketch_counted_in(space, iso_week(now), quarter(now)), SKETCH_ADDS, 1)


@dataclass(frozen=True)
class Presence:
    """The facts about one post that its counters depend on."""

    id: str
    space: str
    top_level: bool
    open: bool  # neither deleted nor hidden
    outcome_week: str | None = None
    first_answer_at: str | None = None


def presence(post: Presence) -> Tally:
    """What a stored post contributes to the counters, as it is now: its own count and outcome, and
    for a top-level post its answer, or its place in the space's list of unanswered posts."""
    tally = Tally()
    if not post.open:
        return tally
    written = created(post.id)
    week, quarter_ = iso_week(written), quarter(written)
    counter = "posts" if post.top_level else "replies"
    tally.add(counted_in(post.space, week, quarter_, counter), counter, 1)
    if not post.top_level:
        return tally
    if post.outcome_week is not None:
        marked_in = week_quarter(post.outcome_week)
        tally.add(counted_in(post.space, post.outcome_week, marked_in, "outcomes"), "outcomes", 1)
    if post.first_answer_at is not None:
        tally.merge(answered(post.id, post.space, parse_iso(post.first_answer_at)))
    else:
        tally.member(quarter_part(post.space, quarter_, UNANSWERED), UNANSWERED, post.id, 1)
    return tally


def change(before: Presence | None, after: Presence | None) -> Tally:
    """What changing a post from `before` to `after` adds (None: not there). Facts the two share
    cancel out, so a caller need only know the facts that differ."""
    tally = presence(after) if after is not None else Tally()
    if before is not None:
        tally.merge(presence(before), sign=-1)
    return tally


def answered(post_id: str, space: str, at: float) -> Tally:
    """The post got its first answer at `at`: counted in the week and quarter the post was written."""
    written = created(post_id)
    week, quarter_ = iso_week(written), quarter(written)
    counters = ["answered", delay_counter(delay_bucket(at - written))]
    if within_a_working_day(written, at):
        counters.append("answered_within_a_day")
    tally = Tally()
    for counter in counters:
        tally.add(counted_in(space, week, quarter_, counter), counter, 1)
    return tally


def is_answer(parent_author: str, parent_answered: bool, replier: str) -> bool:
    """A reply is its post's answer when it is the first reply by someone other than the author."""
    return not parent_answered and parent_author != replier


def posted(post: Presence, author: str, now: float) -> Tally:
    """A new post or reply: its presence, its author active, and (a post) the space's last post."""
    tally = change(None, post).merge(active(post.space, author, now))
    if post.top_level:
        tally.stamp(quarter_item(post.space, quarter(now)), LAST_POST, iso_time(now))
    return tally


def replied(parent_id: str, space: str, *, answer: bool, now: float) -> Tally:
    """What a reply changes on its parent's counters: with `answer`, the parent's answer."""
    if not answer:
        return Tally()
    before = Presence(parent_id, space, top_level=True, open=True)
    after = Presence(parent_id, space, top_level=True, open=True, first_answer_at=iso_time(now))
    return change(before, after)


def reacted(space: str, handle: str, on: bool, now: float) -> Tally:
    """A reaction added (or taken away) now."""
    tally = Tally().add(counted_in(space, iso_week(now), quarter(now), "reactions"), "reactions", 1 if on else -1)
    return tally.merge(active(space, handle, now))


def marking(post_id: str, space: str, week: str, on: bool) -> Tally:
    """An outcome mark (or unmark) counted in `week`, on an open top-level post."""
    unmarked = Presence(post_id, space, top_level=True, open=True)
    marked_ = Presence(post_id, space, top_level=True, open=True, outcome_week=week)
    return change(unmarked, marked_) if on else change(marked_, unmarked)


def marked(space: str, handle: str, now: float) -> Tally:
    """Whoever marked (or unmarked) an outcome was active."""
    return active(space, handle, now)


def iso_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- past weeks, as totals ---

_WEEK = re.compile(r"\d{4}-W\d{2}")
DELAY_COUNTERS = tuple(delay_counter(bucket) for bucket in range(len(DELAY_BUCKETS_HOURS) + 1))


class PastWeekError(ValueError):
    """A past week whose totals no sequence of writes could have left."""


@dataclass(frozen=True)
class PastWeek:
    """A week of activity in one space (or, with `space` None, in the organisation outside any
    space) given as totals: `counts` by counter name (`COUNTERS` and `DELAY_COUNTERS`, zeros may be
    left out) and the handles of the people active that week. Storage is seeded with these for
    history no write made (benchmarks and tests), through `MetricsStore.seed`. Checked when made:
    the totals must be ones that writes could have left."""

    space: str | None
    week: str
    counts: Mapping[str, int] = field(default_factory=dict)
    people: Collection[str] = ()

    def __post_init__(self) -> None:
        problems = _past_week_problems(self)
        if problems:
            where = f"space {self.space!r}" if self.space is not None else "the organisation"
            raise PastWeekError(f"{where}, week {self.week!r}: {'; '.join(problems)}")


def _past_week_problems(seed: PastWeek) -> list[str]:
    problems = []
    if seed.space is not None and (not isinstance(seed.space, str) or not seed.space or "#" in seed.space):
        problems.append("a space is a non-empty slug without '#'")
    if not (isinstance(seed.week, str) and _WEEK.fullmatch(seed.week) and _real_week(seed.week)):
        problems.append("the week is an ISO week such as 2026-W49")
    known = set(COUNTERS) | set(DELAY_COUNTERS)
    for name, value in seed.counts.items():
        if name not in known:
            problems.append(
                f"no counter {name!r} (counters: {', '.join(COUNTERS)}, {DELAY_PREFIX}0..{len(DELAY_COUNTERS) - 1})"
            )
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(f"{name} is {value!r}, not a whole number from 0")
    if problems:
        return problems
    count = seed.counts.get
    if count("answered", 0) > count("posts", 0):
        problems.append("answered is more than posts")
    if count("answered_within_a_day", 0) > count("answered", 0):
        problems.append("answered_within_a_day is more than answered")
    delays = sum(count(name, 0) for name in DELAY_COUNTERS)
    if delays != count("answered", 0):
        problems.append(f"the {DELAY_PREFIX}<i> buckets hold {delays} answers, not answered's {count('answered', 0)}")
    if isinstance(seed.people, str) or not all(isinstance(handle, str) and handle for handle in seed.people):
        problems.append("people is a collection of handles")
    return problems


def _real_week(week: str) -> bool:
    try:
        week_monday(week)
    except ValueError:
        return False
    return True


def delay_counts(hours: Iterable[float]) -> dict[str, int]:
    """The `delay_<i>` counters of answers that took these many hours, as answers count them."""
    found: dict[str, int] = {}
    for delay in hours:
        name = delay_counter(delay_bucket(delay * 3600))
        found[name] = found.get(name, 0) + 1
    return found


def past_weeks(seeds: Iterable[PastWeek]) -> Tally:
    """What the writes of these weeks would have left, item by item, for a store to write whole:
    each counter where writes count it (`counted_in`), each person in the sketches an active person
    joins (`sketched_in`), and a space's last post stamped at the start of its latest week with
    posts (a total knows no more than the week). A week's quarter is its Thursday's
    (`week_quarter`). No post ids: the health page's unanswered list stays empty."""
    tally = Tally()
    elements: dict[str, tuple[int, bytes]] = {}  # a handle is hashed once, however many weeks it is in
    for seed in seeds:
        quarter_ = week_quarter(seed.week)
        for counter, step in seed.counts.items():
            if step:
                tally.add(counted_in(seed.space, seed.week, quarter_, counter), counter, step)
        found: set[tuple[int, bytes]] = set()
        for handle in seed.people:
            known = elements.get(handle)
            if known is None:
                known = elements[handle] = person_element(handle)
            found.add(known)
        for shard, element in found:
            for item in sketched_in(seed.space, seed.week, quarter_, shard):
                tally.member(item, PEOPLE, element, 1)
        if found:
            tally.add(sketch_counted_in(seed.space, seed.week, quarter_), SKETCH_ADDS, len(found))
        if seed.space is not None and seed.counts.get("posts"):
            item, stamp = quarter_item(seed.space, quarter_), iso_time(_epoch(week_monday(seed.week)))
            if stamp > tally.stamps.get(item, {}).get(LAST_POST, ""):
                tally.stamp(item, LAST_POST, stamp)
    return tally


def _epoch(day: date) -> float:
    return datetime.combine(day, datetime.min.time(), UTC).timestamp()
