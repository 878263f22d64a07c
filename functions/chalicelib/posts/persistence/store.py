"""Access to the one table: binds the PynamoDB models to the configured table on first use, and
turns storage failures that are nobody's input error into one domain error.

PynamoDB and botocore are imported here only inside methods, so `import app` stays cheap.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from chalicelib.errors import StorageUnavailableError
from chalicelib.posts.config import PostsSettings

if TYPE_CHECKING:
    from pynamodb.exceptions import TransactWriteError

# Credentials for a local endpoint (moto's server) when the environment has none: it checks none.
LOCAL_CREDENTIALS = ("local", "local")

_bind_lock = threading.Lock()
_bound: PostsSettings | None = None


class Store:
    def __init__(self, settings: PostsSettings) -> None:
        self.settings = settings

    def models(self) -> ModuleType:
        """`posts.persistence.dynamodb`, pointed at this store's table."""
        global _bound
        from chalicelib.posts.persistence import dynamodb as models

        if _bound != self.settings:
            with _bind_lock:
                if _bound != self.settings:
                    models.bind(
                        table=self.settings.table,
                        region=self.settings.region,
                        host=self.settings.endpoint or None,
                        credentials=self._credentials(),
                    )
                    _bound = self.settings
        return models

    def _credentials(self) -> tuple[str, str] | None:
        if not self.settings.endpoint:
            return None  # the Lambda role's, found by botocore
        import os

        if os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY"):
            return None
        return LOCAL_CREDENTIALS

    def create_table(self) -> bool:
        created: bool = self.models().create_table()
        return created

    def on_request(self, listener: Callable[..., None]) -> Callable[[], None]:
        """Call `listener` before every DynamoDB request (benchmarks count round trips with it);
        returns a function that stops it."""
        models = self.models()
        clients = [model._get_connection().connection.client for model in models.MODELS]
        unique = {id(client): client for client in clients}.values()
        for client in unique:
            client.meta.events.register("before-send.dynamodb", listener)

        def stop() -> None:
            for client in unique:
                client.meta.events.unregister("before-send.dynamodb", listener)

        return stop


@contextmanager
def storage_errors() -> Iterator[None]:
    """Storage that fails (unreachable, throttled, misconfigured) is a 503, never a traceback."""
    from pynamodb.exceptions import PynamoDBException

    try:
        yield
    except PynamoDBException as exc:
        raise StorageUnavailableError(f"DynamoDB: {exc.cause_response_code or ''} {exc}") from exc


def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    """One code per transaction item, in order: None where that item was not a reason."""
    return [reason.code if reason is not None else None for reason in error.cancellation_reasons]


def failed_condition(error: Any) -> bool:
    """Whether a single-item write failed on its condition (and not on something else)."""
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"
