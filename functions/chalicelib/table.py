"""The one DynamoDB table every feature keeps its items in (single-table design): where it is,
and `bind`, which points every feature's models at it. The models subclass `_table_item.TableItem`
inside each feature's `persistence/`, and PynamoDB is imported only with them, so `import app`
stays cheap.

Items by feature: posts/persistence/_dynamodb_models.py and mail/persistence/_dynamodb_models.py
document theirs.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from chalicelib.errors import StorageUnavailableError

P = ParamSpec("P")
R = TypeVar("R")

TTL_ATTRIBUTE = "expires_at"
# Credentials for a local endpoint (moto's server) when the environment has none: it checks none.
LOCAL_CREDENTIALS = ("local", "local")


@dataclass(frozen=True)
class Location:
    table: str
    region: str
    endpoint: str  # "" in AWS; a local DynamoDB (moto's server) in development and tests


_lock = threading.Lock()
_bound: Location | None = None


def bind(location: Location) -> None:
    """Point every model of every feature at this table (once; again when it changes)."""
    global _bound
    if _bound == location:
        return
    with _lock:
        if _bound == location:
            return
        from chalicelib._table_item import TableItem, models

        meta = TableItem.Meta
        meta.table_name = location.table
        meta.region = location.region
        meta.host = location.endpoint or None
        meta.aws_access_key_id, meta.aws_secret_access_key = _credentials(location) or (None, None)
        for model in models(TableItem):
            model._connection = None  # made again on next use
        _bound = location


def _credentials(location: Location) -> tuple[str, str] | None:
    if not location.endpoint:
        return None  # the Lambda role's, found by botocore
    if os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY"):
        return None
    return LOCAL_CREDENTIALS


def storage(method: Callable[P, R]) -> Callable[P, R]:
    """Storage that fails (unreachable, throttled, misconfigured) is a 503 (a domain error), never
    a library's exception: for every method of a feature's DynamoDB adapter."""

    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        from pynamodb.exceptions import PynamoDBException

        try:
            return method(*args, **kwargs)
        except PynamoDBException as exc:
            raise StorageUnavailableError(f"DynamoDB: {error_code(exc) or ''} {exc}") from exc

    return wrapped


def error_code(exc: Exception) -> str | None:
    """DynamoDB's error code of a PynamoDB error, such as ConditionalCheckFailedException; None
    when the cause had no answer (a timeout), where PynamoDB's own `cause_response_code` fails."""
    response = getattr(getattr(exc, "cause", None), "response", None)
    error = response.get("Error") if isinstance(response, dict) else None
    code = error.get("Code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


def on_request(models: Iterable[Any], listener: Callable[..., None]) -> Callable[[], None]:
    """Call `listener` before each request the models send (benchmarks count round trips with it);
    returns what stops it."""
    clients = [model._get_connection().connection.client for model in models]
    unique = list({id(client): client for client in clients}.values())
    for client in unique:
        client.meta.events.register("before-send.dynamodb", listener)

    def stop() -> None:
        for client in unique:
            client.meta.events.unregister("before-send.dynamodb", listener)

    return stop
