"""The metrics read from DynamoDB, through PynamoDB: one Query per read (see `base` for the pages).
Seeding past weeks (`base.MetricsStore.seed`) reads the items it adds to with BatchGetItem (100 a
request) and puts them back whole with BatchWriteItem (25 a request); PynamoDB sends again what
DynamoDB leaves unprocessed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType

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
from chalicelib.table import Location, bind, error_code, on_request, storage

_VERSION, _ESTIMATES = "version", "estimates"
_COMPUTED_AT, _ROWS = "computed_at_ms", "rows"


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
        asked = set(weeks)
        counts: dict[str, dict[str, int]] = {}
        adds: dict[str, int] = {}
        summary = PeopleSummary()
        # From the first week asked to the summary, which sorts after every week.
        for item in Item.query(pk, Item.sk.between(first, rules.PEOPLE_SUMMARY)):
            if item.sk == rules.PEOPLE_SUMMARY:
                summary = PeopleSummary.decode(int(item.number(_VERSION) or 0), item.text(_ESTIMATES) or "")
            elif item.sk in asked:
                counts[item.sk] = item.counts()
                adds[item.sk] = counts[item.sk].pop(rules.SKETCH_ADDS, 0)
        stale = summary.stale(adds)
        if stale:
            summary = self._estimate_weeks(scope, pk, stale, adds, summary)
        return [Week(week, counts.get(week, {}), summary.people(week, adds.get(week, 0))) for week in weeks]

    def _estimate_weeks(
        self, scope: str, pk: str, stale: list[str], adds: dict[str, int], summary: PeopleSummary
    ) -> PeopleSummary:
        """Estimate these weeks from their sketches (one Query over their range of the scope's
        partition of sketches), and keep the estimates, unless that Query took more than one page:
        a read is at most three requests (104 weeks of 100,000 active people are two pages, and
        are then estimated at each read)."""
        Item = self.models().MetricsItem
        sketches, _ = rules.people_item(scope, stale[0], 0)
        wanted = set(stale)
        elements: dict[str, set[bytes]] = {}
        pages = 0
        query = Item.query(sketches, Item.sk.between(f"{stale[0]}#", f"{stale[-1]}#~"))
        for page in query.page_iter:
            pages += 1
            for raw in page.get("Items", ()):
                item = Item.from_raw_data(raw)
                week = item.sk.partition("#")[0]
                if week in wanted:
                    elements.setdefault(week, set()).update(item.binary_set(rules.PEOPLE))
        newer = summary.updated(adds, {week: rules.estimate(elements.get(week, ())) for week in stale})
        if pages <= 1:
            self._keep(pk, summary, newer)
        return newer

    @storage
    def quarter(self, quarter: str, *, people: bool = False) -> dict[str, SpaceQuarter]:
        Item = self.models().MetricsItem
        pk, _ = rules.quarter_item("", quarter)
        counts: dict[str, dict[str, int]] = {}
        unanswered: dict[str, frozenset[str]] = {}
        last: dict[str, str | None] = {}
        summary = PeopleSummary()
        for item in Item.query(pk):
            if item.sk == rules.PEOPLE_SUMMARY:
                summary = PeopleSummary.decode(int(item.number(_VERSION) or 0), item.text(_ESTIMATES) or "")
                continue
            slug, _, part = item.sk.partition("#")
            if part == rules.UNANSWERED:
                unanswered[slug] = item.string_set(rules.UNANSWERED)
            elif not part:
                counts[slug], last[slug] = item.counts(), item.text(rules.LAST_POST)
        spaces = {
            slug: SpaceQuarter(slug, counts.get(slug, {}), 0, unanswered.get(slug, frozenset()), last.get(slug))
            for slug in {*counts, *unanswered}
        }
        if not people:
            return spaces
        adds = adds_of(spaces)
        stale = summary.stale(adds)
        if stale:
            sketches = Item.batch_get([rules.quarter_people_item(slug, quarter) for slug in stale])
            found = {item.sk: item.binary_set(rules.PEOPLE) for item in sketches}
            newer = summary.updated(adds, {slug: rules.estimate(found.get(slug, ())) for slug in stale})
            self._keep(pk, summary, newer)
            summary = newer
        return with_people(spaces, summary)

    def _keep(self, pk: str, read: PeopleSummary, newer: PeopleSummary) -> None:
        """Write the newer summary unless another reader wrote one since `read` (theirs is as good)."""
        from pynamodb.attributes import NumberAttribute
        from pynamodb.exceptions import PutError

        text = newer.encode()
        if text is None:
            return
        Item = self.models().MetricsItem
        item = Item.whole(pk, rules.PEOPLE_SUMMARY, {_VERSION: {"N": str(newer.version)}, _ESTIMATES: {"S": text}})
        version = NumberAttribute(attr_name=_VERSION)
        try:
            item.save(condition=version.does_not_exist() if read.version == 0 else version == read.version)
        except PutError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    @storage
    def spaces_table(self, quarter: str) -> SpacesTable | None:
        Item = self.models().MetricsItem
        pk, sk = rules.spaces_table_item(quarter)
        try:
            item = Item.get(pk, sk)
        except Item.DoesNotExist:
            return None
        data, computed_at = item.raw.get(_ROWS, {}).get("B"), item.number(_COMPUTED_AT)
        if not isinstance(data, bytes) or computed_at is None:
            return None
        return SpacesTable.decode(computed_at / 1000, data)

    @storage
    def keep_spaces_table(self, quarter: str, table: SpacesTable) -> None:
        data = table.encode()
        if data is None:
            return
        pk, sk = rules.spaces_table_item(quarter)
        stamp = {"N": str(round(table.computed_at * 1000))}  # it is to the millisecond
        self.models().MetricsItem.whole(pk, sk, {_COMPUTED_AT: stamp, _ROWS: {"B": data}}).save()

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
