"""The metrics' items in the one table, through PynamoDB (imported on first use, as every feature's
models are). The posts store writes them, inside its own transactions; `dynamodb` reads them.

Items (pk, sk):
  METRICS#ORG | METRICS#SPACE#<s>  <ISO week>             counters: posts, replies, reactions,
                                                           outcomes, answered, answered_within_a_day,
                                                           delay_<bucket>, sketch_adds
  METRICS#ORG | METRICS#SPACE#<s>  ~people                `estimates`: the weeks' people as last
                                                           read, `version` (`PeopleSummary`)
  METRICS#<scope>#people           <ISO week>#<n>         `people`: a binary set, one shard of the
                                                           week's HyperLogLog sketch (n < 8)
  METRICS#QUARTER#<2026-Q4>        <slug>                 the space's quarter: the same counters,
                                                           and `last_post_at`
  METRICS#QUARTER#<2026-Q4>        <slug>#unanswered      `unanswered`: a string set of the ids of
                                                           the quarter's posts with no answer yet
  METRICS#QUARTER#<2026-Q4>        ~people                `estimates`: the quarter's people by space
                                                           as last read, `version` (`PeopleSummary`)
  METRICS#QUARTER#<2026-Q4>#people <slug>                 `people`: the space's quarter's sketch

ISO weeks sort as text (`2026-W09` < `2026-W10` < `2027-W01`), and before `~people`, so one Query
with `sk BETWEEN` reads a range of weeks' counters and the estimates kept, and one on the partition
of sketches a range of weeks' sketches. Counter names are top-level attributes, so that ADD
creates and adds to them in one update. Writes add to items (`updates`); seeding past weeks adds
the same tallies to items read whole and puts them back (`whole_items`).
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

    @classmethod
    def whole(cls, pk: str, sk: str, attributes: dict[str, Any]) -> MetricsItem:
        """An item to put whole: its key and these attributes, in DynamoDB's typed form."""
        item = cls(pk, sk)
        item.raw = attributes
        return item

    def serialize(self, null_check: bool = True) -> dict[str, dict[str, Any]]:
        """The key and, for an item made by `whole`, its attributes: their names vary, so they are
        not declared, and PynamoDB's own serialize would leave them out of a put."""
        return {**getattr(self, "raw", {}), **super().serialize(null_check)}

    def counts(self) -> dict[str, int]:
        return {name: int(value["N"]) for name, value in self.raw.items() if "N" in value and int(value["N"])}

    def binary_set(self, name: str) -> set[bytes]:
        return {bytes(v) for v in self.raw.get(name, {}).get("BS", ())}

    def string_set(self, name: str) -> frozenset[str]:
        return frozenset(self.raw.get(name, {}).get("SS", ()))

    def number(self, name: str) -> int | None:
        value = self.raw.get(name, {}).get("N")
        return int(value) if value is not None else None

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


def whole_items(tally: rules.Tally, stored: dict[rules.Item, dict[str, Any]]) -> list[MetricsItem]:
    """The tally added to the `stored` items (raw, as read; missing ones are empty), as whole items
    for a batch of puts (`MetricsStore.seed`): counters added, the members with a positive step put
    in the set (binary for the sketch, strings otherwise, as `updates` adds them), and a stamp kept
    when it is later than the stored one. A set left empty is left out, as DynamoDB stores none."""
    whole: dict[rules.Item, dict[str, Any]] = {}
    for pk, sk in tally.items():
        before = stored.get((pk, sk), {})
        whole[(pk, sk)] = {name: value for name, value in before.items() if name not in ("pk", "sk")}
    for item, counters in tally.counts.items():
        attributes = whole[item]
        for name, step in counters.items():
            attributes[name] = {"N": str(int(attributes.get(name, {}).get("N", 0)) + step)}
    for (item, attribute), values in tally.members.items():
        kind = "BS" if attribute == rules.PEOPLE else "SS"
        members = {bytes(v) if kind == "BS" else v for v in whole[item].get(attribute, {}).get(kind, ())}
        members |= {value for value, step in values.items() if step > 0}
        members -= {value for value, step in values.items() if step < 0}
        if members:
            whole[item][attribute] = {kind: sorted(members)}
        else:
            whole[item].pop(attribute, None)
    for item, stamps in tally.stamps.items():
        for name, value in stamps.items():
            if value > whole[item].get(name, {}).get("S", ""):
                whole[item][name] = {"S": value}
    return [MetricsItem.whole(pk, sk, whole[(pk, sk)]) for pk, sk in sorted(whole)]
