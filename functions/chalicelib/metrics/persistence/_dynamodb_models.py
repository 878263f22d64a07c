"""The metrics' items in the one table, through PynamoDB (imported on first use, as every feature's
models are). The posts store writes them, inside its own transactions; `dynamodb` reads them.

Items (pk, sk):
  METRICS#ORG | METRICS#SPACE#<s>  <ISO week>             counters: posts, replies, reactions,
                                                           outcomes, answered, answered_within_a_day,
                                                           delay_<bucket>
  METRICS#ORG | METRICS#SPACE#<s>  <ISO week>#people#<n>  `people`: a binary set, one shard of the
                                                           week's HyperLogLog sketch (n < 8)
  METRICS#QUARTER#<2026-Q4>        <slug>                 the space's quarter: the same counters,
                                                           and `last_post_at`
  METRICS#QUARTER#<2026-Q4>        <slug>#people          `people`: the quarter's sketch
  METRICS#QUARTER#<2026-Q4>        <slug>#unanswered      `unanswered`: a string set of the ids of
                                                           the quarter's posts with no answer yet

ISO weeks sort as text (`2026-W09` < `2026-W10` < `2027-W01`), so one Query with `sk BETWEEN`
reads a range of weeks with their sketches. Counter names are top-level attributes, so that ADD
creates and adds to them in one update.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import BinarySetAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute

from chalicelib._table_item import TableItem
from chalicelib.metrics import rules


class MetricsItem(TableItem):
    """Any metrics item; its attributes are read from the raw item, as their names vary."""

    raw: dict[str, Any]

    @classmethod
    def from_raw_data(cls, data: dict[str, Any]) -> MetricsItem:
        item = super().from_raw_data(data)
        item.raw = data
        return item

    def counts(self) -> dict[str, int]:
        return {name: int(value["N"]) for name, value in self.raw.items() if "N" in value and int(value["N"])}

    def binary_set(self, name: str) -> set[bytes]:
        return {bytes(v) for v in self.raw.get(name, {}).get("BS", ())}

    def string_set(self, name: str) -> frozenset[str]:
        return frozenset(self.raw.get(name, {}).get("SS", ()))

    def text(self, name: str) -> str | None:
        value = self.raw.get(name, {}).get("S")
        return str(value) if value is not None else None


MODELS: tuple[type[TableItem], ...] = (MetricsItem,)


def updates(tally: rules.Tally) -> list[tuple[MetricsItem, list[Any]]]:
    """The tally as one unconditional update per item, for a transaction."""
    found = []
    for pk, sk in sorted(tally.items()):
        actions: list[Any] = []
        for name, step in sorted(tally.counts.get((pk, sk), {}).items()):
            actions.append(NumberAttribute(attr_name=name).add(step))
        for (item, attribute), values in sorted(tally.members.items(), key=lambda e: e[0][1]):
            if item != (pk, sk):
                continue
            added = {v for v, step in values.items() if step > 0}
            removed = {v for v, step in values.items() if step < 0}
            attr: Any = (
                BinarySetAttribute(attr_name=attribute, legacy_encoding=False)
                if attribute == rules.PEOPLE
                else UnicodeSetAttribute(attr_name=attribute)
            )
            if added:
                actions.append(attr.add(added))
            if removed:
                actions.append(attr.delete(removed))
        for name, value in sorted(tally.stamps.get((pk, sk), {}).items()):
            actions.append(UnicodeAttribute(attr_name=name).set(value))
        if actions:
            found.append((MetricsItem(pk, sk), actions))
    return found
