"""The metrics read from DynamoDB, through PynamoDB: one Query per read (see `base` for the pages).
Seeding past weeks (`base.MetricsStore.seed`) reads the items it adds to with BatchGetItem (100 a
request) and puts them back whole with BatchWriteItem (25 a request); PynamoDB sends again what
DynamoDB leaves unprocessed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType

from chalicelib.metrics import rules
from chalicelib.metrics.persistence.base import MetricsStore, SpaceQuarter, Week
from chalicelib.table import Location, bind, on_request, storage


class DynamoDBMetricsStore(MetricsStore):
    def __init__(self, location: Location) -> None:
        self.location = location

    def models(self) -> ModuleType:
        from chalicelib.metrics.persistence import _dynamodb_models as models

        bind(self.location)
        return models

    @storage
    def weeks(self, scope: str, weeks: Sequence[str]) -> list[Week]:
        if not weeks:
            return []
        Item = self.models().MetricsItem
        pk, first = rules.week_item(scope, weeks[0])
        _, last = rules.week_item(scope, weeks[-1])
        counts: dict[str, dict[str, int]] = {}
        people: dict[str, set[bytes]] = {}
        for item in Item.query(pk, Item.sk.between(first, f"{last}#~")):
            week, _, rest = item.sk.partition("#")
            if rest:
                people.setdefault(week, set()).update(item.binary_set(rules.PEOPLE))
            else:
                counts[week] = item.counts()
        return [Week(week, counts.get(week, {}), rules.estimate(people.get(week, ()))) for week in weeks]

    @storage
    def quarter(self, quarter: str) -> dict[str, SpaceQuarter]:
        Item = self.models().MetricsItem
        pk, _ = rules.quarter_item("", quarter)
        counts: dict[str, dict[str, int]] = {}
        people: dict[str, set[bytes]] = {}
        unanswered: dict[str, frozenset[str]] = {}
        last: dict[str, str | None] = {}
        for item in Item.query(pk):
            slug, _, part = item.sk.partition("#")
            if part == rules.PEOPLE:
                people[slug] = item.binary_set(rules.PEOPLE)
            elif part == rules.UNANSWERED:
                unanswered[slug] = item.string_set(rules.UNANSWERED)
            else:
                counts[slug], last[slug] = item.counts(), item.text(rules.LAST_POST)
        return {
            slug: SpaceQuarter(
                slug,
                counts.get(slug, {}),
                rules.estimate(people.get(slug, ())),
                unanswered.get(slug, frozenset()),
                last.get(slug),
            )
            for slug in {*counts, *people, *unanswered}
        }

    @storage
    def add_whole(self, tally: rules.Tally) -> int:
        models = self.models()
        Item = models.MetricsItem
        stored = {(item.pk, item.sk): item.raw for item in Item.batch_get(sorted(tally.items()))}
        items = models.whole_items(tally, stored)
        with Item.batch_write() as batch:
            for item in items:
                batch.save(item)
        return len(items)

    def on_request(self, listener: Callable[..., None]) -> Callable[[], None]:
        return on_request(self.models().MODELS, listener)
