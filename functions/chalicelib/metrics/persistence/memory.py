"""The metrics in memory: a ledger the in-memory posts store applies its tallies to, under its own
lock, and the reader of it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from chalicelib.metrics import rules
from chalicelib.metrics.persistence.base import (
    MetricsStore,
    PeopleSummary,
    SpaceQuarter,
    SpacesTable,
    Week,
    adds_of,
    with_people,
)


class MetricsLedger:
    """Items as DynamoDB would hold them: counters, sets and stamps, by (pk, sk)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[rules.Item, dict[str, Any]] = {}

    def apply(self, tally: rules.Tally) -> None:
        """Called by the posts store inside its own critical section, so a write and its counts
        change together."""
        with self.lock:
            self._apply(tally)

    def add_whole(self, tally: rules.Tally) -> int:
        """What a seed adds (`MetricsStore.add_whole`): as `apply`, but a stamp stays when the
        stored one is later, as a seed may name weeks in any order."""
        with self.lock:
            stamps = {
                item: {name: value for name, value in named.items() if value > self.items.get(item, {}).get(name, "")}
                for item, named in tally.stamps.items()
            }
            self._apply(rules.Tally(tally.counts, tally.members, stamps))
            return len(tally.items())

    def _apply(self, tally: rules.Tally) -> None:
        """Under `lock`."""
        for item, counters in tally.counts.items():
            stored = self.items.setdefault(item, {})
            for name, step in counters.items():
                stored[name] = stored.get(name, 0) + step
        for (item, attribute), values in tally.members.items():
            members: set[Any] = self.items.setdefault(item, {}).setdefault(attribute, set())
            for value, step in values.items():
                if step > 0:
                    members.add(value)
                else:
                    members.discard(value)
        for item, stamps in tally.stamps.items():
            self.items.setdefault(item, {}).update(stamps)

    def keep(self, item: rules.Item, version: int, summary: Any) -> None:
        """Store a reader's summary unless another was stored since the `version` it read."""
        with self.lock:
            stored = self.items.get(item)
            if (stored["summary"].version if stored else 0) == version:
                self.items[item] = {"summary": summary}

    def read(self, item: rules.Item) -> dict[str, Any]:
        with self.lock:
            return {k: set(v) if isinstance(v, set) else v for k, v in self.items.get(item, {}).items()}

    def partition(self, pk: str) -> dict[str, dict[str, Any]]:
        with self.lock:
            keys = [sk for (p, sk) in self.items if p == pk]
        return {sk: self.read((pk, sk)) for sk in keys}


def _counts(stored: dict[str, Any]) -> dict[str, int]:
    return {name: value for name, value in stored.items() if isinstance(value, int) and value}


class MemoryMetricsStore(MetricsStore):
    def __init__(self, ledger: MetricsLedger) -> None:
        self.ledger = ledger

    def weeks(self, scope: str, weeks: Sequence[str]) -> list[Week]:
        answer = []
        for week in weeks:
            pk, sk = rules.week_item(scope, week)
            people: set[bytes] = set()
            for shard in range(rules.SHARDS):
                people |= self.ledger.read(rules.people_item(scope, week, shard)).get(rules.PEOPLE, set())
            counts = _counts(self.ledger.read((pk, sk)))
            counts.pop(rules.SKETCH_ADDS, None)
            answer.append(Week(week, counts, rules.estimate(people)))
        return answer

    def quarter(self, quarter: str, *, people: bool = False) -> dict[str, SpaceQuarter]:
        pk, _ = rules.quarter_item("", quarter)
        parts: dict[str, dict[str, Any]] = {}
        stored_summary = None
        for sk, stored in self.ledger.partition(pk).items():
            if sk == rules.PEOPLE_SUMMARY:
                stored_summary = stored
                continue
            parts.setdefault(sk.partition("#")[0], {}).update(stored)
        spaces = {
            slug: SpaceQuarter(
                slug,
                _counts(stored),
                0,
                frozenset(stored.get(rules.UNANSWERED, set())),
                stored.get(rules.LAST_POST),
            )
            for slug, stored in parts.items()
        }
        if not people:
            return spaces
        summary = stored_summary["summary"] if stored_summary else PeopleSummary()
        adds = adds_of(spaces)
        stale = summary.stale(adds)
        if stale:
            sketches = {slug: self.ledger.read(rules.quarter_people_item(slug, quarter)) for slug in stale}
            estimates = {slug: rules.estimate(sketch.get(rules.PEOPLE, set())) for slug, sketch in sketches.items()}
            newer = summary.updated(adds, estimates)
            self.ledger.keep((pk, rules.PEOPLE_SUMMARY), summary.version, newer)
            summary = newer
        return with_people(spaces, summary)

    def spaces_table(self, quarter: str) -> SpacesTable | None:
        kept = self.ledger.read(rules.spaces_table_item(quarter))
        return SpacesTable.decode(kept["computed_at"], kept["rows"]) if kept else None

    def keep_spaces_table(self, quarter: str, table: SpacesTable) -> None:
        """Kept encoded, as DynamoDB keeps it: encoded once, and read back through `decode`."""
        data = table.encode()
        if data is not None:
            with self.ledger.lock:
                self.ledger.items[rules.spaces_table_item(quarter)] = {"computed_at": table.computed_at, "rows": data}

    def add_whole(self, tally: rules.Tally) -> int:
        return self.ledger.add_whole(tally)
