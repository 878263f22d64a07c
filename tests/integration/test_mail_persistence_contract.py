"""The mail store's contract, run against both stores: in memory, and DynamoDB on moto's server
over HTTP. What one promises, the other keeps."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from chalicelib.errors import StorageUnavailableError
from chalicelib.mail.persistence.base import MailStore, Preferences, Suppression
from chalicelib.mail.persistence.dynamodb import DynamoDBMailStore
from chalicelib.mail.persistence.memory import MemoryMailStore
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.persistence.dynamodb import DynamoDBPostsStore
from chalicelib.table import Location


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest, local_dynamodb: str) -> Iterator[MailStore]:
    if request.param == "memory":
        yield MemoryMailStore()
        return
    table = f"mail-contract-{uuid.uuid4().hex[:10]}"
    # The table is the one every feature shares; posts' store makes it where nothing did.
    assert DynamoDBPostsStore(PostsSettings(endpoint=local_dynamodb, table=table)).create_storage() is True
    yield DynamoDBMailStore(Location(table, "us-east-1", local_dynamodb))


def test_nothing_is_stored_for_someone_who_never_chose(store: MailStore) -> None:
    assert store.preferences("jane.doe") is None
    assert store.all_preferences() == {}
    assert store.preferences_of(["jane.doe"]) == {}
    assert store.each_post_preferences() == {}


def test_preferences_are_read_back_as_saved_follows_none_empty_or_some(store: MailStore) -> None:
    chosen = {
        "jane.doe": Preferences(),
        "lee.park": Preferences(follows=frozenset(), digest="off", mentions=False),
        "omar.haddad": Preferences(follows=frozenset({"platform", "design"}), each_post=True, digest="daily"),
    }
    for handle, preferences in chosen.items():
        store.save_preferences(handle, preferences)
    for handle, preferences in chosen.items():
        assert store.preferences(handle) == preferences
    assert store.all_preferences() == chosen
    store.save_preferences("lee.park", Preferences(replies=False))
    assert store.preferences("lee.park") == Preferences(replies=False), "saving replaces every choice"


def test_preferences_of_many_people_are_read_together(store: MailStore) -> None:
    handles = [f"person.{n:03d}" for n in range(130)]  # more than one BatchGetItem takes
    for number, handle in enumerate(handles[::2]):
        store.save_preferences(handle, Preferences(digest="daily" if number % 2 else "off"))
    found = store.preferences_of([*handles, handles[0], "nobody"])
    assert set(found) == set(handles[::2])
    assert found["person.002"] == Preferences(digest="daily")
    assert store.preferences_of([]) == {}


def test_the_each_post_followers_are_kept_apart_and_follow_every_change(store: MailStore) -> None:
    store.save_preferences("jane.doe", Preferences(each_post=True, follows=frozenset({"platform"})))
    store.save_preferences("lee.park", Preferences(each_post=True))
    store.save_preferences("omar.haddad", Preferences(each_post=False))
    assert store.each_post_preferences() == {
        "jane.doe": Preferences(each_post=True, follows=frozenset({"platform"})),
        "lee.park": Preferences(each_post=True),
    }
    store.save_preferences("lee.park", Preferences(each_post=False))
    store.save_preferences("jane.doe", Preferences(each_post=True, follows=frozenset({"design"})))
    assert store.each_post_preferences() == {"jane.doe": Preferences(each_post=True, follows=frozenset({"design"}))}


def test_a_suppressed_address_is_found_in_any_case_until_it_is_lifted(store: MailStore) -> None:
    store.suppress(Suppression("Jane.Doe@Example.com", "bounce", "2026-11-26T10:00:00.000Z"))
    store.suppress(Suppression("lee.park@example.com", "complaint", "2026-11-27T10:00:00.000Z"))
    expected = Suppression("jane.doe@example.com", "bounce", "2026-11-26T10:00:00.000Z")
    assert store.suppression("JANE.DOE@example.com") == expected
    assert set(store.suppressions()) == {"jane.doe@example.com", "lee.park@example.com"}
    assert store.suppressions()["lee.park@example.com"].reason == "complaint"
    many = [f"someone.{n}@example.com" for n in range(120)]
    assert store.suppressions_of([*many, "JANE.doe@example.com"]) == {"jane.doe@example.com": expected}
    assert store.suppressions_of([]) == {}
    store.unsuppress("jane.doe@EXAMPLE.com")
    store.unsuppress("never.suppressed@example.com")
    assert store.suppression("jane.doe@example.com") is None
    assert set(store.suppressions()) == {"lee.park@example.com"}


def test_a_sender_is_answered_once_a_day_for_each_reason(store: MailStore) -> None:
    assert store.first_answer_today("Jane.Doe@example.com", "unknown-space", "2026-11-26", 1_900_000_000.0)
    assert not store.first_answer_today("jane.doe@example.com", "unknown-space", "2026-11-26", 1_900_000_000.0)
    assert store.first_answer_today("jane.doe@example.com", "empty", "2026-11-26", 1_900_000_000.0)
    assert store.first_answer_today("jane.doe@example.com", "unknown-space", "2026-11-27", 1_900_000_000.0)


def test_storage_that_fails_is_a_503_never_a_library_error(local_dynamodb: str) -> None:
    missing = DynamoDBMailStore(Location(f"missing-{uuid.uuid4().hex[:8]}", "us-east-1", local_dynamodb))
    for call in (
        lambda: missing.preferences("jane.doe"),
        lambda: missing.save_preferences("jane.doe", Preferences()),
        lambda: missing.preferences_of(["jane.doe"]),
        lambda: missing.suppressions_of(["jane.doe@example.com"]),
        lambda: missing.each_post_preferences(),
    ):
        with pytest.raises(StorageUnavailableError):
            call()
