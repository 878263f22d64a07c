"""The feeds store in DynamoDB, in the one table; every storage failure is a 503 (a domain error),
never a library's exception. PynamoDB is imported on first use, so `import app` stays cheap."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from chalicelib.feeds.persistence.base import FIRST_GENERATION, FeedsStore
from chalicelib.table import Location, on_request, storage


class DynamoDBFeedsStore(FeedsStore):
    def __init__(self, location: Location) -> None:
        self.location = location

    def models(self) -> ModuleType:
        from chalicelib import table
        from chalicelib.feeds.persistence import _dynamodb_models as models

        table.bind(self.location)
        return models

    @storage
    def generation(self, handle: str) -> int:
        models = self.models()
        try:
            item = models.FeedGenerationItem.get(*models.generation_key(handle), consistent_read=True)
        except models.FeedGenerationItem.DoesNotExist:
            return FIRST_GENERATION
        return int(item.generation or FIRST_GENERATION)

    @storage
    def revoke(self, handle: str) -> int:
        """One UpdateItem (ADD makes the item, from 0, when there is none), answering the new value."""
        models = self.models()
        Item = models.FeedGenerationItem
        item = Item(*models.generation_key(handle))
        item.update(actions=[Item.generation.add(1)])
        return int(item.generation)

    def on_request(self, listener: Callable[..., None]) -> Callable[[], None]:
        return on_request(self.models().MODELS, listener)
