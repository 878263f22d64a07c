"""What the metrics need from storage: reads, and one bulk writer for history. The counters are
written by the posts stores, inside each write's own transaction or update, from the tallies of
`chalicelib.metrics.rules`. `seed` writes past weeks given as totals (`rules.PastWeek`) as the same
items, whole: it is for benchmarks and tests, which need weeks of history that no write made.

Bounds (DynamoDB): `weeks` is one Query on the scope's partition of counters, from the first week
asked to the scope's `PeopleSummary` (which sorts after every week): a few hundred bytes a week, one
page. Only when people joined a week's sketch since the summary (its `sketch_adds` moved, as for
this week after any activity) does it read sketches: one Query over those weeks of the scope's
partition of sketches, and the summary put back (a conditional Put), so 3 requests; the sketches of
104 weeks with 100,000 people active every week hold about 1.7 MB, 2 pages, and are then not kept,
so that read too is 3 requests. `quarter` is one Query on
the quarter's partition of counters, one item per space that did something (its sketch is in a
partition of its own): a few hundred bytes a space, so one page up to a few thousand spaces. With
`people`, it also gives each space's estimate of the quarter's distinct people from the quarter's
`PeopleSummary`, an item of the same partition (so the same Query reads it), reading only the
sketches of spaces whose `sketch_adds` moved since it was written (BatchGetItem, 100 a request) and
then writing it back (a conditional Put): once nothing moved, the spaces table is that one Query.
A summary is about 25 bytes a space, under DynamoDB's 400 KB item limit for up to about 12,000
spaces; beyond `SUMMARY_MAX_BYTES` it is not kept, and every read estimates every sketch.
"""

from __future__ import annotations

import json
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from chalicelib.metrics import rules


@dataclass(frozen=True)
class Week:
    """One scope's week: every counter (`rules.COUNTERS` and the delay buckets) and its people."""

    week: str
    counts: Mapping[str, int] = field(default_factory=dict)
    people: int = 0

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)


@dataclass(frozen=True)
class SpaceQuarter:
    """One space's quarter: its counters, its people, its unanswered posts, and its last post."""

    slug: str
    counts: Mapping[str, int] = field(default_factory=dict)
    people: int = 0
    unanswered: frozenset[str] = frozenset()
    last_post_at: str | None = None

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)


SUMMARY_MAX_BYTES = 300_000


@dataclass(frozen=True)
class PeopleSummary:
    """Estimates of distinct people as a reader last worked them out, by key (a quarter's spaces,
    a scope's weeks): each with the `sketch_adds` of its counters when its sketch was read.
    `version` orders the writes of concurrent readers: one is kept only over the version it was
    worked out from."""

    version: int = 0
    spaces: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def stale(self, adds: Mapping[str, int]) -> list[str]:
        """The keys whose sketch may have changed since: any whose `sketch_adds` differs. A key
        with none has nobody in its sketch, and needs no estimate."""
        return sorted(key for key, n in adds.items() if n and self.spaces.get(key, (-1, 0))[0] != n)

    def updated(self, adds: Mapping[str, int], estimates: Mapping[str, int]) -> PeopleSummary:
        """The next version, with these keys' new estimates (each at the `sketch_adds` read)."""
        spaces = dict(self.spaces)
        spaces.update({key: (adds[key], people) for key, people in estimates.items()})
        return PeopleSummary(self.version + 1, spaces)

    def people(self, key: str, adds: int) -> int:
        """The estimate kept for `key`, if it was worked out at these `adds`; none, 0."""
        kept = self.spaces.get(key)
        return kept[1] if adds and kept is not None and kept[0] == adds else 0

    def encode(self) -> str | None:
        """Compact JSON, or None when it is too large to keep (`SUMMARY_MAX_BYTES`)."""
        text = json.dumps({slug: list(pair) for slug, pair in sorted(self.spaces.items())}, separators=(",", ":"))
        return text if len(text.encode()) <= SUMMARY_MAX_BYTES else None

    @classmethod
    def decode(cls, version: int, text: str) -> PeopleSummary:
        """What `encode` wrote; anything else (an older shape, a damaged item) is an empty summary,
        so every sketch is read again."""
        try:
            raw = json.loads(text)
            spaces = {str(slug): (int(adds), int(people)) for slug, (adds, people) in raw.items()}
        except (ValueError, TypeError, AttributeError):
            return cls(version)
        return cls(version, spaces)


TABLE_MAX_BYTES = 350_000
#: A row of the stored spaces table: its numbers, in this order.
ROW = (
    "outcomes_this_quarter",
    "outcomes_previous_quarter",
    "active_people_this_quarter",
    "posts_this_quarter",
    "answered_this_quarter",
    "median_hours_to_first_answer",
)


@dataclass(frozen=True)
class SpacesTable:
    """Every space's row of a quarter's spaces table (`ROW`, by slug), as worked out at
    `computed_at` (epoch seconds). Kept as one item, JSON compressed with zlib: about 8 bytes a
    space, so some 40,000 spaces fit under `TABLE_MAX_BYTES`; a larger one is not kept."""

    computed_at: float
    rows: Mapping[str, Mapping[str, float | int | None]]

    def encode(self) -> bytes | None:
        rows = {slug: [row.get(name) for name in ROW] for slug, row in sorted(self.rows.items())}
        data = zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 6)
        return data if len(data) <= TABLE_MAX_BYTES else None

    @classmethod
    def decode(cls, computed_at: float, data: bytes) -> SpacesTable | None:
        """What `encode` wrote, or None for anything else (it is then worked out again)."""
        try:
            raw = json.loads(zlib.decompress(data))
            rows = {str(slug): dict(zip(ROW, values, strict=True)) for slug, values in raw.items()}
        except (ValueError, TypeError, AttributeError, zlib.error):
            return None
        return cls(computed_at, rows)


def adds_of(quarter: Mapping[str, SpaceQuarter]) -> dict[str, int]:
    return {slug: space.count(rules.SKETCH_ADDS) for slug, space in quarter.items()}


def with_people(quarter: Mapping[str, SpaceQuarter], summary: PeopleSummary) -> dict[str, SpaceQuarter]:
    adds = adds_of(quarter)
    return {slug: replace(space, people=summary.people(slug, adds[slug])) for slug, space in quarter.items()}


class MetricsStore(ABC):
    @abstractmethod
    def weeks(self, scope: str, weeks: Sequence[str]) -> list[Week]:
        """The scope's counters for each of `weeks` (consecutive, oldest first), in their order;
        a week where nothing happened has zeros."""

    @abstractmethod
    def quarter(self, quarter: str, *, people: bool = False) -> dict[str, SpaceQuarter]:
        """Every space's counters for the quarter (`2026-Q4`), by slug: only spaces with any. With
        `people`, each space's distinct people too (from the quarter's `PeopleSummary`, brought up
        to date); without it, `people` is 0."""

    @abstractmethod
    def spaces_table(self, quarter: str) -> SpacesTable | None:
        """The quarter's spaces table as last kept (one GetItem), or None."""

    @abstractmethod
    def keep_spaces_table(self, quarter: str, table: SpacesTable) -> None:
        """Keep this table for the quarter (one Put; the last one written wins), unless it is too
        large to keep."""

    def seed(self, weeks: Iterable[rules.PastWeek]) -> int:
        """Add these past weeks to storage as their writes would have (`rules.past_weeks`), and
        answer how many items that touched. For benchmarks and tests: each item is read, added to
        and written back whole, in batches, so seeding adds to what is there (other seeds, real
        writes) as writes do, but not atomically with writes made meanwhile to the same items."""
        return self.add_whole(rules.past_weeks(weeks))

    @abstractmethod
    def add_whole(self, tally: rules.Tally) -> int:
        """Add `tally` to every item it names (counters added, members with a positive step put
        in the set, stamps kept when later than the stored one), reading and writing each item
        whole, in as few requests as storage allows; answer how many items."""

    def on_request(self, listener: Callable[..., None]) -> Callable[[], None]:
        """Call `listener` before every request to storage (tests and benchmarks count them)."""
        return lambda: None
