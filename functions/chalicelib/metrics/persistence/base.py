"""What the metrics need from storage: reads, and one bulk writer for history. The counters are
written by the posts stores, inside each write's own transaction or update, from the tallies of
`chalicelib.metrics.rules`. `seed` writes past weeks given as totals (`rules.PastWeek`) as the same
items, whole: it is for benchmarks and tests, which need weeks of history that no write made.

Bounds (DynamoDB): `weeks` is one Query on the scope's partition (counters and sketch shards of the
weeks asked, in sort-key order), one page unless the weeks hold more than 1 MB: 104 weeks with
100,000 people active every week hold about 1.7 MB, so at most 2 pages. `quarter` is one Query on
the quarter's partition, one item per space that did something: about 1 KB for a quiet space, so one
page up to roughly a thousand spaces; every further thousand, one more.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

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


class MetricsStore(ABC):
    @abstractmethod
    def weeks(self, scope: str, weeks: Sequence[str]) -> list[Week]:
        """The scope's counters for each of `weeks` (consecutive, oldest first), in their order;
        a week where nothing happened has zeros."""

    @abstractmethod
    def quarter(self, quarter: str) -> dict[str, SpaceQuarter]:
        """Every space's counters for the quarter (`2026-Q4`), by slug: only spaces with any."""

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
