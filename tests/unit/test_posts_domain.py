"""The posts domain against both stores: in memory, and DynamoDB (moto in process, `mock_aws`).
The same conditions hold whichever keeps the posts."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto import mock_aws

from chalicelib.config import SessionKey
from chalicelib.directory import Directory
from chalicelib.errors import (
    NoOutcomeYetError,
    NotStewardError,
    PostClosedError,
    RateLimitedError,
    ReplyDepthError,
    StaleVersionError,
    UnknownPostError,
)
from chalicelib.posts import authoring, editing, moderation, outcomes, reactions, shapes
from chalicelib.posts.actors import Actor
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.cursors import CursorSigner
from chalicelib.posts.persistence.base import PostsStore
from chalicelib.posts.persistence.dynamodb import DynamoDBPostsStore
from chalicelib.posts.persistence.memory import MemoryPostsStore
from chalicelib.posts.reading import Reader

JANE = Actor("jane.doe", "Jane Doe", frozenset({"platform"}))
LEE = Actor("lee.park", "Lee Park", frozenset())
WEEK_1 = 1_795_000_000.0  # a Thursday
NEXT_WEEK = WEEK_1 + 7 * 86400


@pytest.fixture()
def directory(tmp_path: Path) -> Directory:
    people = {h: {"name": h, "email": f"{h}@example.com"} for h in ("jane.doe", "lee.park")}
    spaces = {
        "platform": {"name": "Platform", "stewards": ["jane.doe"], "members": []},
        # A draft whose team has not written its outcome yet.
        "newcomers": {"name": "Newcomers", "draft": True, "outcome": None, "stewards": [], "members": []},
    }
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": people, "spaces": spaces}))
    return Directory(str(path))


RATE = 3


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[PostsStore]:
    if request.param == "memory":
        yield MemoryPostsStore()
        return
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        store = DynamoDBPostsStore(PostsSettings(table=f"unit-{uuid.uuid4().hex[:8]}"))
        assert store.create_storage() is True
        assert store.create_storage() is False
        yield store


def key() -> str:
    return uuid.uuid4().hex


def test_a_create_is_idempotent_and_rate_limited_in_its_transaction(store: PostsStore, directory: Directory) -> None:
    clock = lambda: WEEK_1  # noqa: E731
    first = authoring.create_post(
        store, directory, JANE, "platform", "hello", "key-00000001", rate_limit=RATE, clock=clock
    )
    again = authoring.create_post(
        store, directory, JANE, "platform", "hello", "key-00000001", rate_limit=RATE, clock=clock
    )
    assert again.replayed and again.post.id == first.post.id and not first.replayed
    authoring.create_post(store, directory, JANE, "platform", "two", key(), rate_limit=RATE, clock=clock)
    authoring.create_post(store, directory, JANE, "platform", "three", key(), rate_limit=RATE, clock=clock)
    with pytest.raises(RateLimitedError):
        authoring.create_post(store, directory, JANE, "platform", "four", key(), rate_limit=RATE, clock=clock)
    # Another minute, another bucket; a replay is never limited.
    authoring.create_post(
        store, directory, JANE, "platform", "later", key(), rate_limit=RATE, clock=lambda: WEEK_1 + 60
    )
    assert authoring.create_post(
        store, directory, JANE, "platform", "hello", "key-00000001", rate_limit=RATE, clock=clock
    ).replayed


def test_replies_go_one_level_deep_and_not_under_closed_posts(store: PostsStore, directory: Directory) -> None:
    root = authoring.create_post(store, directory, JANE, "platform", "root", key(), rate_limit=RATE).post
    reply = authoring.create_reply(
        store, directory, LEE, root.id, "reply", key(), rate_limit=RATE, space_hint="platform"
    ).post
    with pytest.raises(ReplyDepthError):
        authoring.create_reply(store, directory, LEE, reply.id, "deeper", key(), rate_limit=RATE, space_hint="platform")
    editing.delete(store, JANE, root.id)
    with pytest.raises(PostClosedError):
        authoring.create_reply(store, directory, LEE, root.id, "late", key(), rate_limit=RATE, space_hint="platform")
    with pytest.raises(UnknownPostError):
        authoring.create_reply(store, directory, LEE, "01J00000000000000000000000", "x", key(), rate_limit=RATE)
    reader = Reader(store, directory, CursorSigner([SessionKey("k1", b"k" * 32)]))
    thread_root, replies = reader.thread(root.id, LEE)
    assert thread_root.deleted and thread_root.reply_count == 1 and [r.id for r in replies] == [reply.id]


def test_edits_lock_optimistically(store: PostsStore, directory: Directory) -> None:
    post = authoring.create_post(store, directory, JANE, "platform", "v1", key(), rate_limit=RATE).post
    assert editing.edit(store, directory, JANE, post.id, "v2 @lee.park", 1).mentions == ("lee.park",)
    with pytest.raises(StaleVersionError):
        editing.edit(store, directory, JANE, post.id, "v3", 1)


def test_only_stewards_hide(store: PostsStore, directory: Directory) -> None:
    post = authoring.create_post(store, directory, LEE, "platform", "x", key(), rate_limit=RATE).post
    with pytest.raises(NotStewardError):
        moderation.hide(store, LEE, post.id, "mine")
    assert moderation.hide(store, JANE, post.id, "off topic").hidden is not None
    with pytest.raises(PostClosedError):
        reactions.toggle(store, LEE, post.id, "like", True)
    assert moderation.restore(store, JANE, post.id).hidden is None


def test_unmarking_takes_the_outcome_off_the_week_it_was_counted_in(store: PostsStore, directory: Directory) -> None:
    post = authoring.create_post(store, directory, LEE, "platform", "done", key(), rate_limit=RATE).post
    assert outcomes.mark(store, directory, LEE, post.id, True, space_hint="platform", clock=lambda: WEEK_1)
    week = outcomes.iso_week(WEEK_1)
    assert outcomes.space_counts(store, directory, "platform").weeks == {week: 1}
    # A week later a steward unmarks it: the first week goes back to zero, not the current one.
    assert outcomes.mark(store, directory, JANE, post.id, False, clock=lambda: NEXT_WEEK) is None
    counts = outcomes.space_counts(store, directory, "platform")
    assert counts.total == 0 and counts.weeks == {}
    org, spaces = outcomes.org_counts(store)
    assert org.total == 0 and spaces["platform"].total == 0


def test_a_draft_takes_posts_but_no_outcome_marks_until_it_has_an_outcome(
    store: PostsStore, directory: Directory
) -> None:
    post = authoring.create_post(store, directory, LEE, "newcomers", "hello", key(), rate_limit=RATE).post
    assert shapes.post(post, LEE, directory)["can"]["mark_outcome"] is False
    for hint in ("newcomers", None, "platform"):  # a wrong hint finds the post's own space
        with pytest.raises(NoOutcomeYetError):
            outcomes.mark(store, directory, LEE, post.id, True, space_hint=hint, clock=lambda: WEEK_1)
    assert store.get(post.id).outcome is None
    assert outcomes.space_counts(store, directory, "newcomers").total == 0
    elsewhere = authoring.create_post(store, directory, LEE, "platform", "done", key(), rate_limit=RATE).post
    assert shapes.post(elsewhere, LEE, directory)["can"]["mark_outcome"] is True


def test_reaction_counts_follow_the_set(store: PostsStore, directory: Directory) -> None:
    post = authoring.create_post(store, directory, JANE, "platform", "x", key(), rate_limit=RATE).post
    assert reactions.toggle(store, LEE, post.id, "like", True).reaction_count("like") == 1
    assert reactions.toggle(store, LEE, post.id, "like", True).reaction_count("like") == 1
    after = reactions.toggle(store, LEE, post.id, "like", False)
    assert after.reaction_count("like") == 0 and after.mine == frozenset()
    assert reactions.toggle(store, LEE, post.id, "like", False).reaction_count("like") == 0
