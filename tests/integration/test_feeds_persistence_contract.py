"""The feeds store's contract, run against both stores: in memory, and DynamoDB on moto's server
over HTTP. What one promises, the other keeps."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.errors import StorageUnavailableError
from chalicelib.feeds.persistence.base import FIRST_GENERATION, FeedsStore
from chalicelib.feeds.persistence.dynamodb import DynamoDBFeedsStore
from chalicelib.feeds.persistence.memory import MemoryFeedsStore
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.persistence.dynamodb import DynamoDBPostsStore
from chalicelib.table import Location


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest, local_dynamodb: str) -> Iterator[FeedsStore]:
    if request.param == "memory":
        yield MemoryFeedsStore()
        return
    table = f"feeds-contract-{uuid.uuid4().hex[:10]}"
    # The table is the one every feature shares; posts' store makes it where nothing did.
    assert DynamoDBPostsStore(PostsSettings(endpoint=local_dynamodb, table=table)).create_storage() is True
    yield DynamoDBFeedsStore(Location(table, "us-east-1", local_dynamodb))


def test_someone_who_never_revoked_is_at_the_first_generation(store: FeedsStore) -> None:
    assert store.generation("jane.doe") == FIRST_GENERATION == 0


def test_each_revoke_is_a_new_generation_for_that_person_only(store: FeedsStore) -> None:
    assert store.revoke("jane.doe") == 1
    assert store.revoke("jane.doe") == 2
    assert store.generation("jane.doe") == 2
    assert store.generation("lee.park") == FIRST_GENERATION
    assert store.revoke("lee.park") == 1 and store.generation("jane.doe") == 2


def test_revokes_at_the_same_moment_each_make_a_generation(store: FeedsStore) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        answered = list(pool.map(lambda _: store.revoke("omar.haddad"), range(16)))
    assert sorted(answered) == list(range(1, 17))
    assert store.generation("omar.haddad") == 16


def test_storage_that_cannot_be_reached_is_a_domain_error() -> None:
    gone = DynamoDBFeedsStore(Location(f"missing-{uuid.uuid4().hex[:8]}", "us-east-1", "http://127.0.0.1:9"))
    with pytest.raises(StorageUnavailableError):
        gone.generation("jane.doe")
    with pytest.raises(StorageUnavailableError):
        gone.revoke("jane.doe")
