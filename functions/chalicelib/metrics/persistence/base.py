"""What the metrics need from storage: reads only. The counters are written by the posts stores,
inside each write's own transaction or update, from the tallies of `chalicelib.metrics.rules`.

Bounds (DynamoDB): `weeks` is one Query on the scope's partition (counters and sketch shards of the
weeks asked, in sort-key order), one page unless the weeks hold more than 1 MB: 104 weeks with
100,000 people active every week hold about 1.7 MB, so at most 2 pages. `quarter` is one Query on
the quarter's partition, one item per space that did something: about 1 KB for a quiet space, so one
page up to roughly a thousand spaces; every further thousand, one more.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


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

    def on_request(self, listener: Callable[..., None]) -> Callable[[], None]:
        """Call `listener` before every request to storage (tests and benchmarks count them)."""
        return lambda: None
