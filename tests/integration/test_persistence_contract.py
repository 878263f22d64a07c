"""The posts store's contract, run against both stores: in memory, and DynamoDB on moto's server
over HTTP. What one promises, the other keeps."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from chalicelib.errors import RateLimitedError, StorageUnavailableError, UnknownPostError
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.persistence.base import (
    Edit,
    Hidden,
    IdempotencyKeyTakenError,
    IdempotencyRecord,
    Outcome,
    ParentRefusedError,
    Post,
    PostsStore,
    RateCount,
    WriteRefusedError,
)
from chalicelib.posts.persistence.dynamodb import DynamoDBPostsStore
from chalicelib.posts.persistence.memory import MemoryPostsStore

NOW = 1_795_000_000.0
_ids = iter(range(10**6))


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest, local_dynamodb: str) -> Iterator[PostsStore]:
    if request.param == "memory":
        yield MemoryPostsStore()
        return
    made = DynamoDBPostsStore(PostsSettings(endpoint=local_dynamodb, table=f"contract-{uuid.uuid4().hex[:10]}"))
    assert made.create_storage() is True
    yield made


def new_id() -> str:
    # ULIDs sort by time; these sort by creation, which is all the stores rely on.
    return f"01J{next(_ids):023d}"


def draft(space: str = "platform", author: str = "jane.doe", parent: Post | None = None, body: str = "x") -> Post:
    post_id = new_id()
    return Post(
        id=post_id,
        space=space,
        parent=parent.id if parent else None,
        thread=parent.id if parent else post_id,
        author=author,
        created_at="2026-11-26T10:00:00.000Z",
        body=body,
        html=f"<p>{body}</p>",
    )


def record(post: Post, key: str | None = None) -> IdempotencyRecord:
    return IdempotencyRecord(post.author, key or uuid.uuid4().hex, "fp", post.id, NOW + 86400)


def rate(post: Post, limit: int = 100, minute: str = "2026-11-26T10:00") -> RateCount:
    return RateCount(post.author, minute, limit, NOW + 120)


def add(store: PostsStore, post: Post) -> Post:
    store.create(post, record(post), rate(post))
    return post


def test_a_created_post_is_read_back_whole(store: PostsStore) -> None:
    post = add(store, draft(body="hello"))
    got = store.get(post.id)
    assert (got.id, got.space, got.author, got.body, got.html, got.version) == (
        post.id,
        "platform",
        "jane.doe",
        "hello",
        "<p>hello</p>",
        1,
    )
    assert got.parent is None and got.thread == post.id and got.open and got.reply_count == 0
    with pytest.raises(UnknownPostError):
        store.get(new_id())


def test_feeds_list_top_level_posts_newest_first_a_page_at_a_time(store: PostsStore) -> None:
    made = [add(store, draft(author="lee.park" if i % 2 else "jane.doe")) for i in range(5)]
    add(store, draft(space="design"))
    add(store, draft(parent=made[0]))
    seen: list[str] = []
    start = None
    while True:
        page, start = store.feed("space", "platform", start, 2)
        seen += [p.id for p in page]
        if start is None:
            break
    assert seen == [p.id for p in reversed(made)]
    org, _ = store.feed("org", "org", None, 50)
    assert len(org) == 6
    mine, _ = store.feed("author", "lee.park", None, 50)
    assert [p.id for p in mine] == [made[3].id, made[1].id]


def test_a_used_idempotency_key_or_the_rate_limit_refuses_the_whole_create(store: PostsStore) -> None:
    first = draft()
    store.create(first, record(first, "key-1"), rate(first, limit=2))
    again = draft()
    with pytest.raises(IdempotencyKeyTakenError):
        store.create(again, record(again, "key-1"), rate(again, limit=2))
    found = store.idempotency("jane.doe", "key-1")
    assert found is not None and found.post_id == first.id and found.fingerprint == "fp"
    assert store.idempotency("jane.doe", "key-2") is None
    second = draft()
    store.create(second, record(second), rate(second, limit=2))
    third = draft()
    with pytest.raises(RateLimitedError):
        store.create(third, record(third), rate(third, limit=2))
    later = draft()
    store.create(later, record(later), rate(later, limit=2, minute="2026-11-26T10:01"))
    for refused in (again, third):
        with pytest.raises(UnknownPostError):
            store.get(refused.id)


def test_a_reply_counts_on_its_parent_only_when_the_parent_can_take_it(store: PostsStore) -> None:
    root = add(store, draft())
    reply = add(store, draft(parent=root))
    assert store.get(root.id).reply_count == 1
    assert [p.id for p in store.thread(root.id, 10)] == [root.id, reply.id]
    feed, _ = store.feed("space", "platform", None, 10)
    assert [p.id for p in feed] == [root.id]
    for parent, space in ((reply, "platform"), (root, "design")):
        refused = draft(space=space, parent=parent)
        with pytest.raises(ParentRefusedError):
            store.create(refused, record(refused), rate(refused))
    store.set_hidden(root.id, ["platform"], Hidden("jane.doe", "spam", "2026-11-26T11:00:00.000Z"))
    late = draft(parent=root)
    with pytest.raises(ParentRefusedError):
        store.create(late, record(late), rate(late))
    assert store.get(root.id).reply_count == 1


def test_edit_and_delete_hold_to_author_version_and_tombstone(store: PostsStore) -> None:
    post = add(store, draft(body="v1"))
    change = Edit(body="v2", html="<p>v2</p>", mentions=("lee.park",), at="2026-11-26T10:05:00.000Z")
    for author, version in (("lee.park", 1), ("jane.doe", 2)):
        with pytest.raises(WriteRefusedError):
            store.edit(post.id, author, version, change)
    edited = store.edit(post.id, "jane.doe", 1, change)
    assert (edited.body, edited.version, edited.mentions, edited.edited_at) == (
        "v2",
        2,
        ("lee.park",),
        "2026-11-26T10:05:00.000Z",
    )
    with pytest.raises(WriteRefusedError):
        store.delete(post.id, "lee.park", "t")
    gone = store.delete(post.id, "jane.doe", "2026-11-26T10:06:00.000Z")
    assert gone.deleted and gone.body == gone.html == "" and gone.mentions == () and gone.version == 3
    with pytest.raises(WriteRefusedError):
        store.delete(post.id, "jane.doe", "t")
    with pytest.raises(WriteRefusedError):
        store.edit(post.id, "jane.doe", 3, change)


def test_hiding_needs_the_posts_space_among_the_stewards(store: PostsStore) -> None:
    post = add(store, draft())
    mark = Hidden("omar.haddad", "off topic", "2026-11-26T10:00:00.000Z")
    with pytest.raises(WriteRefusedError):
        store.set_hidden(post.id, ["design"], mark)
    with pytest.raises(WriteRefusedError):
        store.set_hidden(new_id(), ["platform"], mark)
    assert store.set_hidden(post.id, ["design", "platform"], mark).hidden == mark
    assert not store.get(post.id).open
    assert store.set_hidden(post.id, ["platform"], None).hidden is None


def test_reactions_change_once_per_person_and_keep_count_and_set_together(store: PostsStore) -> None:
    post = add(store, draft())
    on = store.react(post.id, "like", "lee.park", True)
    assert on.reactors("like") == {"lee.park"} and on.reaction_count("like") == 1
    with pytest.raises(WriteRefusedError):
        store.react(post.id, "like", "lee.park", True)
    store.react(post.id, "like", "omar.haddad", True)
    off = store.react(post.id, "like", "lee.park", False)
    assert off.reactors("like") == {"omar.haddad"} and off.reaction_count("like") == 1
    with pytest.raises(WriteRefusedError):
        store.react(post.id, "like", "lee.park", False)
    store.delete(post.id, "jane.doe", "t")
    with pytest.raises(WriteRefusedError):
        store.react(post.id, "thanks", "lee.park", True)
    assert store.react(post.id, "like", "omar.haddad", False).reaction_count("like") == 0


def test_a_reply_takes_reactions_only_with_its_parent_named_and_not_hidden(store: PostsStore) -> None:
    root = add(store, draft())
    reply = add(store, draft(parent=root, author="lee.park"))
    with pytest.raises(WriteRefusedError):
        store.react(reply.id, "like", "jane.doe", True)  # the fast path is for top-level posts
    assert store.react(reply.id, "like", "jane.doe", True, under=root.id).reaction_count("like") == 1
    store.set_hidden(root.id, ["platform"], Hidden("jane.doe", "spam", "t"))
    with pytest.raises(WriteRefusedError):
        store.react(reply.id, "thanks", "omar.haddad", True, under=root.id)
    with pytest.raises(WriteRefusedError):
        store.react(reply.id, "like", "jane.doe", False, under=root.id)
    assert store.get(reply.id).reaction_count("like") == 1


def test_outcome_marks_and_their_counts_move_together(store: PostsStore) -> None:
    post = add(store, draft(author="lee.park"))
    mark = Outcome("lee.park", "2026-11-26T10:00:00.000Z", "2026-W48")
    with pytest.raises(WriteRefusedError):
        store.mark_outcome(post.id, "platform", "jane.doe", mark, "2026-W48", any_author=False)
    with pytest.raises(WriteRefusedError):
        store.mark_outcome(post.id, "design", "lee.park", mark, "2026-W48", any_author=False)
    store.mark_outcome(post.id, "platform", "lee.park", mark, "2026-W48", any_author=False)
    assert store.get(post.id).outcome == mark
    with pytest.raises(WriteRefusedError):
        store.mark_outcome(post.id, "platform", "lee.park", mark, "2026-W48", any_author=False)
    assert store.outcome_counts("platform").total == 1
    assert dict(store.outcome_counts("platform").weeks) == {"2026-W48": 1}
    org, spaces = store.all_outcome_counts()
    assert org.total == 1 and spaces["platform"].total == 1
    with pytest.raises(WriteRefusedError):
        store.mark_outcome(post.id, "platform", "jane.doe", None, "2026-W49", any_author=True)  # not that week
    store.mark_outcome(post.id, "platform", "jane.doe", None, "2026-W48", any_author=True)
    counts = store.outcome_counts("platform")
    assert store.get(post.id).outcome is None and counts.total == 0 and dict(counts.weeks) == {}
    reply = add(store, draft(parent=post))
    with pytest.raises(WriteRefusedError):
        store.mark_outcome(reply.id, "platform", "jane.doe", mark, "2026-W48", any_author=True)
    assert store.outcome_counts("design").total == 0


def test_a_store_that_cannot_reach_its_table_is_unavailable_never_a_library_error(local_dynamodb: str) -> None:
    missing = DynamoDBPostsStore(PostsSettings(endpoint=local_dynamodb, table=f"missing-{uuid.uuid4().hex[:8]}"))
    post = draft()
    for attempt in (
        lambda: missing.get(post.id),
        lambda: missing.feed("org", "org", None, 5),
        lambda: missing.create(post, record(post), rate(post)),
        lambda: missing.react(post.id, "like", "jane.doe", True),
        lambda: missing.outcome_counts("platform"),
    ):
        with pytest.raises(StorageUnavailableError):
            attempt()
