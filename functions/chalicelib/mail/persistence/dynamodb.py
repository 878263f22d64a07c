"""The mail store in DynamoDB, in the one table; every storage failure is a 503 (a domain error),
never a library's exception. PynamoDB is imported on first use, so `import app` stays cheap."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, cast

from chalicelib.mail.persistence.base import DIGESTS, Digest, MailStore, Preferences, Suppression, SuppressionReason
from chalicelib.table import Location, error_code, on_request, storage


class DynamoDBMailStore(MailStore):
    def __init__(self, location: Location) -> None:
        self.location = location

    def models(self) -> ModuleType:
        from chalicelib import table
        from chalicelib.mail.persistence import _dynamodb_models as models

        table.bind(self.location)
        return models

    @storage
    def preferences(self, handle: str) -> Preferences | None:
        models = self.models()
        try:
            return _preferences(models.PreferencesItem.get(models.PREFS_PK, handle))
        except models.PreferencesItem.DoesNotExist:
            return None

    @storage
    def all_preferences(self) -> dict[str, Preferences]:
        models = self.models()
        return {item.sk: _preferences(item) for item in models.PreferencesItem.query(models.PREFS_PK)}

    @storage
    def save_preferences(self, handle: str, preferences: Preferences) -> None:
        """One TransactWrite: the choices, and their copy among the each-post followers (put while
        `each_post` is on, deleted when it is off), so the two never disagree."""
        from pynamodb.transactions import TransactWrite

        models = self.models()
        Item = models.PreferencesItem
        with TransactWrite(connection=Item._get_connection().connection) as transaction:
            transaction.save(_item(models, models.PREFS_PK, handle, preferences))
            if preferences.each_post:
                transaction.save(_item(models, models.EACH_POST_PK, handle, preferences))
            else:
                transaction.delete(Item(models.EACH_POST_PK, handle))

    @storage
    def preferences_of(self, handles: Iterable[str]) -> dict[str, Preferences]:
        models = self.models()
        keys = [(models.PREFS_PK, handle) for handle in dict.fromkeys(handles)]
        if not keys:
            return {}
        return {item.sk: _preferences(item) for item in models.PreferencesItem.batch_get(keys)}

    @storage
    def each_post_preferences(self) -> dict[str, Preferences]:
        models = self.models()
        return {item.sk: _preferences(item) for item in models.PreferencesItem.query(models.EACH_POST_PK)}

    @storage
    def suppress(self, suppression: Suppression) -> None:
        models = self.models()
        address = suppression.address.lower()
        models.SuppressionItem(models.SUPPRESS_PK, address, reason=suppression.reason, at=suppression.at).save()

    @storage
    def unsuppress(self, address: str) -> None:
        models = self.models()
        models.SuppressionItem(models.SUPPRESS_PK, address.lower()).delete()

    @storage
    def suppression(self, address: str) -> Suppression | None:
        models = self.models()
        try:
            return _suppression(models.SuppressionItem.get(models.SUPPRESS_PK, address.lower()))
        except models.SuppressionItem.DoesNotExist:
            return None

    @storage
    def suppressions(self) -> dict[str, Suppression]:
        models = self.models()
        return {item.sk: _suppression(item) for item in models.SuppressionItem.query(models.SUPPRESS_PK)}

    @storage
    def suppressions_of(self, addresses: Iterable[str]) -> dict[str, Suppression]:
        models = self.models()
        keys = [(models.SUPPRESS_PK, address) for address in dict.fromkeys(a.lower() for a in addresses)]
        if not keys:
            return {}
        return {item.sk: _suppression(item) for item in models.SuppressionItem.batch_get(keys)}

    @storage
    def first_answer_today(self, sender: str, reason: str, day: str, expires_at: float) -> bool:
        from pynamodb.exceptions import PutError

        models = self.models()
        item = models.AnswerItem(
            f"ANSWER#{sender.lower()}", f"{reason}#{day}", expires_at=datetime.fromtimestamp(expires_at, UTC)
        )
        try:
            item.save(condition=models.AnswerItem.pk.does_not_exist())
        except PutError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def on_request(self, listener: Callable[..., None]) -> Callable[[], None]:
        return on_request(self.models().MODELS, listener)


def _item(models: ModuleType, pk: str, handle: str, preferences: Preferences) -> Any:
    """The item of one person's choices, under `pk` (theirs, or the each-post followers')."""
    return models.PreferencesItem(
        pk,
        handle,
        chosen_follows=preferences.follows is not None,
        follows=set(preferences.follows) if preferences.follows else None,
        each_post=preferences.each_post,
        digest=preferences.digest,
        mentions=preferences.mentions,
        replies=preferences.replies,
    )


def _preferences(item: Any) -> Preferences:
    digest = item.digest if item.digest in DIGESTS else "weekly"
    follows = frozenset(item.follows or ()) if item.chosen_follows else None
    return Preferences(
        follows=follows,
        each_post=bool(item.each_post),
        digest=cast(Digest, digest),
        mentions=bool(item.mentions),
        replies=bool(item.replies),
    )


def _suppression(item: Any) -> Suppression:
    reason = item.reason if item.reason in ("bounce", "complaint") else "bounce"
    return Suppression(item.sk, cast(SuppressionReason, reason), item.at)
