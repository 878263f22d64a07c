"""The posts store's contract, run against both stores: in memory, and DynamoDB on moto's server
over HTTP. What one promises, the other keeps."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from chalicelib.errors import RateLimitedError, StorageUnavailableError, UnknownPostError
from chalicelib.metrics import rules
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
    Seen,
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
    assert on.mine == {"like"} and on.reaction_count("like") == 1
    assert store.get(post.id).reactors("like") == {"lee.park"}
    with pytest.raises(WriteRefusedError):
        store.react(post.id, "like", "lee.park", True)
    store.react(post.id, "like", "omar.haddad", True)
    off = store.react(post.id, "like", "lee.park", False)
    assert off.mine == frozenset() and off.reaction_count("like") == 1
    assert store.get(post.id).reactors("like") == {"omar.haddad"}
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


# --- the metrics each write counts (chalicelib.metrics.rules), read back the same from both ---

CLOCK = 1_796_220_000.0  # Wednesday 2026-12-02 12:00 UTC, in 2026-W49: when reactions and marks happen
WEEKS = ["2026-W48", "2026-W49", "2026-W50"]


@pytest.fixture(params=["memory", "dynamodb"])
def counted(request: pytest.FixtureRequest, local_dynamodb: str) -> Iterator[PostsStore]:
    if request.param == "memory":
        yield MemoryPostsStore(clock=lambda: CLOCK)
        return
    settings = PostsSettings(endpoint=local_dynamodb, table=f"metrics-{uuid.uuid4().hex[:10]}")
    made = DynamoDBPostsStore(settings, clock=lambda: CLOCK)
    assert made.create_storage() is True
    yield made


def written(when: str, author: str = "jane.doe", parent: Post | None = None, space: str = "platform") -> Post:
    """A post (or reply) written at `when`, UTC, with a ULID of that time, as the domain makes them."""
    from datetime import UTC, datetime

    from ulid import ULID

    moment = datetime.fromisoformat(when).replace(tzinfo=UTC)
    post_id = str(ULID.from_timestamp(moment.timestamp()))
    at = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Post(
        id=post_id,
        space=space,
        parent=parent.id if parent else None,
        thread=parent.id if parent else post_id,
        author=author,
        created_at=at,
        body="x",
        html="<p>x</p>",
    )


def week(store: PostsStore, scope: str, name: str = "2026-W49") -> dict[str, int]:
    found = {w.week: w for w in store.metrics().weeks(scope, WEEKS)}
    return {**found[name].counts, "people": found[name].people}


def test_writes_count_posts_replies_answers_reactions_outcomes_and_people(counted: PostsStore) -> None:
    store = counted
    post = add(store, written("2026-12-01 09:00:00"))  # Tuesday
    add(store, written("2026-12-01 10:00:00", parent=post))  # the author's own reply: no answer
    answer = add(store, written("2026-12-02 08:00:00", "lee.park", parent=post))  # 23 hours: within a day
    add(store, written("2026-12-02 09:00:00", "omar.haddad", parent=post))  # a second answer: not new
    assert store.get(post.id).first_answer_at == answer.created_at
    store.react(post.id, "like", "lee.park", True)
    store.react(post.id, "like", "omar.haddad", True)
    store.react(post.id, "like", "lee.park", False)
    store.mark_outcome(
        post.id, "platform", "jane.doe", Outcome("jane.doe", "t", "2026-W49"), "2026-W49", any_author=True
    )
    expected = {
        "posts": 1,
        "replies": 3,
        "reactions": 1,
        "outcomes": 1,
        "answered": 1,
        "answered_within_a_day": 1,
        "delay_5": 1,
        "people": 3,
    }
    assert week(store, "ORG") == week(store, "SPACE#platform") == expected
    assert [w.week for w in store.metrics().weeks("ORG", WEEKS)] == WEEKS  # every week, in order
    assert week(store, "ORG", "2026-W48") == week(store, "ORG", "2026-W50") == {"people": 0}
    assert week(store, "SPACE#design") == {"people": 0}
    quarter = store.metrics().quarter("2026-Q4", people=True)["platform"]
    assert (quarter.count("posts"), quarter.count("outcomes"), quarter.count("answered")) == (1, 1, 1)
    assert quarter.people == 3 and quarter.unanswered == frozenset()
    assert quarter.last_post_at == post.created_at


def test_the_quarters_people_follow_each_write_through_the_summary_of_the_last_read(counted: PostsStore) -> None:
    metrics = counted.metrics()
    post = add(counted, written("2026-12-01 09:00:00"))
    add(counted, written("2026-12-01 10:00:00", "lee.park", space="design"))
    assert {s: q.people for s, q in metrics.quarter("2026-Q4").items()} == {"platform": 0, "design": 0}
    first = metrics.quarter("2026-Q4", people=True)
    assert {s: q.people for s, q in first.items()} == {"platform": 1, "design": 1}
    assert metrics.quarter("2026-Q4", people=True) == first  # read again from the summary
    counted.react(post.id, "like", "lee.park", True)  # a new person in platform
    counted.react(post.id, "like", "jane.doe", True)  # the author again: the estimate stays
    after = metrics.quarter("2026-Q4", people=True)
    assert {s: q.people for s, q in after.items()} == {"platform": 2, "design": 1}
    # The summary is an item of the quarter's partition, never a space of it.
    assert "~people" not in after and rules.PEOPLE_SUMMARY not in metrics.quarter("2026-Q4")


def test_unmark_hide_delete_and_restore_adjust_the_counts(counted: PostsStore) -> None:
    store = counted
    post = add(store, written("2026-12-01 09:00:00"))
    waiting = add(store, written("2026-12-01 11:00:00", "lee.park"))
    add(store, written("2026-12-03 09:00:00", "lee.park", parent=post))  # 48 hours: answered, not in a day
    mark = Outcome("jane.doe", "t", "2026-W49")
    store.mark_outcome(post.id, "platform", "jane.doe", mark, "2026-W49", any_author=True)
    assert store.metrics().quarter("2026-Q4")["platform"].unanswered == {waiting.id}
    full = {"posts": 2, "replies": 1, "outcomes": 1, "answered": 1, "delay_6": 1, "people": 2}
    assert week(store, "ORG") == full
    store.set_hidden(post.id, ["platform"], Hidden("omar.haddad", "spam", "2026-12-03T10:00:00.000Z"))
    assert week(store, "ORG") == {"posts": 1, "replies": 1, "people": 2}
    store.set_hidden(post.id, ["platform"], None)
    assert week(store, "ORG") == full
    store.mark_outcome(post.id, "platform", "jane.doe", None, "2026-W49", any_author=True)
    assert week(store, "SPACE#platform").get("outcomes", 0) == 0
    store.set_hidden(waiting.id, ["platform"], Hidden("omar.haddad", "spam", "2026-12-03T10:00:00.000Z"))
    assert store.metrics().quarter("2026-Q4")["platform"].unanswered == frozenset()
    store.delete(post.id, "jane.doe", "2026-12-03T11:00:00.000Z")
    store.delete(waiting.id, "lee.park", "2026-12-03T11:00:00.000Z")  # hidden already: no change
    assert week(store, "ORG") == {"replies": 1, "people": 2}
    store.set_hidden(waiting.id, ["platform"], None)  # restoring a deleted post counts nothing again
    assert week(store, "ORG") == {"replies": 1, "people": 2}


def test_only_the_first_reply_by_someone_else_answers_whatever_the_order(counted: PostsStore) -> None:
    store = counted
    post = add(store, written("2026-12-01 09:00:00"))
    for when, author in (("2026-12-01 09:30:00", "jane.doe"), ("2026-12-01 12:00:00", "lee.park")):
        add(store, written(when, author, parent=post))
    add(store, written("2026-12-01 13:00:00", "jane.doe", parent=post))
    assert store.get(post.id).first_answer_at == "2026-12-01T12:00:00.000Z"
    assert week(store, "ORG")["answered"] == 1 and week(store, "ORG")["delay_2"] == 1  # 3 hours


def test_a_dynamodb_write_costs_one_request_when_the_container_knows_the_post(local_dynamodb: str) -> None:
    settings = PostsSettings(endpoint=local_dynamodb, table=f"rt-{uuid.uuid4().hex[:10]}")
    store = DynamoDBPostsStore(settings, clock=lambda: CLOCK)
    store.create_storage()
    sent: list[str] = []
    stop = store.on_request(lambda **kwargs: sent.append(kwargs.get("event_name", "")))

    def cost(action: Callable[[], object]) -> int:
        before = len(sent)
        action()
        return len(sent) - before

    post = written("2026-12-01 09:00:00")
    assert cost(lambda: add(store, post)) == 1
    assert cost(lambda: add(store, written("2026-12-01 10:00:00", "lee.park", parent=post))) == 1  # the answer
    assert cost(lambda: add(store, written("2026-12-01 11:00:00", "lee.park", parent=post))) == 1
    assert cost(lambda: store.react(post.id, "like", "lee.park", True)) == 1
    mark = Outcome("jane.doe", "t", "2026-W49")
    assert cost(lambda: store.mark_outcome(post.id, "platform", "jane.doe", mark, "2026-W49", any_author=True)) == 1
    assert cost(lambda: store.set_hidden(post.id, ["platform"], Hidden("jane.doe", "x", "t"))) == 1
    # Another container, which never saw these posts: its assumption is checked, then learnt.
    other = DynamoDBPostsStore(settings, clock=lambda: CLOCK)  # the same table, so the same client
    fresh = add(store, written("2026-12-01 12:00:00"))
    assert cost(lambda: add(other, written("2026-12-01 13:00:00", "lee.park", parent=fresh))) == 2  # guessed wrong
    assert cost(lambda: add(other, written("2026-12-01 14:00:00", "omar.haddad", parent=fresh))) == 1
    assert store.get(fresh.id).first_answer_at == "2026-12-01T13:00:00.000Z"
    assert cost(lambda: store.set_hidden(post.id, ["platform"], None)) == 1
    assert cost(lambda: other.react(post.id, "like", "omar.haddad", True)) == 2  # one read, one write
    # The first container's picture of `post` is stale now (a reaction it did not see): still right.
    assert store.react(post.id, "thanks", "lee.park", True).reaction_count("like") == 2
    assert week(store, "ORG")["answered"] == 2
    stop()


def test_what_the_client_saw_makes_each_write_one_request_in_a_container_that_never_saw_the_post(
    local_dynamodb: str,
) -> None:
    """A Lambda container that never read the post writes in one request, from the `seen` the
    client sent back; a stale or forged one costs one more, and the answer is exact all the same."""
    settings = PostsSettings(endpoint=local_dynamodb, table=f"seen-{uuid.uuid4().hex[:10]}")
    writer = DynamoDBPostsStore(settings, clock=lambda: CLOCK)
    writer.create_storage()
    post = add(writer, written("2026-12-01 09:00:00"))
    sent: list[str] = []
    stop = writer.on_request(lambda **kwargs: sent.append(kwargs.get("event_name", "")))

    def cold() -> DynamoDBPostsStore:
        return DynamoDBPostsStore(settings, clock=lambda: CLOCK)  # a container that knows no post

    def cost(action: Callable[[], object]) -> int:
        before = len(sent)
        action()
        return len(sent) - before

    seen = Seen.of(writer.get(post.id), "lee.park")  # what lee.park's page showed
    answer = written("2026-12-01 10:00:00", "lee.park", parent=post)
    assert cost(lambda: cold().create(answer, record(answer), rate(answer), parent_seen=seen)) == 1
    assert writer.get(post.id).first_answer_at == "2026-12-01T10:00:00.000Z"
    later = written("2026-12-01 11:00:00", "omar.haddad", parent=post)  # with the page from before the answer
    assert cost(lambda: cold().create(later, record(later), rate(later), parent_seen=seen)) == 2
    assert week(writer, "ORG")["answered"] == 1 and week(writer, "ORG")["replies"] == 2

    seen = Seen.of(writer.get(post.id), "lee.park")
    results: list[Seen] = []
    assert cost(lambda: results.append(cold().react(post.id, "like", "lee.park", True, seen=seen))) == 1
    assert results[-1].reaction_count("like") == 1 and results[-1].mine == {"like"}
    # The answer is what the page sends next time: one request again, off.
    assert cost(lambda: results.append(cold().react(post.id, "like", "lee.park", False, seen=results[-1]))) == 1
    assert results[-1].reaction_count("like") == 0 and results[-1].mine == frozenset()
    writer.react(post.id, "thanks", "omar.haddad", True)
    # Stale (another reaction since): refused with the post handed back, then one write.
    assert cost(lambda: results.append(cold().react(post.id, "like", "lee.park", True, seen=results[-1]))) == 2
    assert results[-1].counts == {"like": 1, "celebrate": 0, "thanks": 1, "insightful": 0}
    # Forged: the version right, the counts and the space not. Nothing false is counted or answered.
    forged = replace(Seen.of(writer.get(post.id), "jane.doe"), counts={"like": 40, "thanks": 9}, space="design")
    assert cost(lambda: results.append(cold().react(post.id, "celebrate", "jane.doe", True, seen=forged))) == 2
    assert results[-1].counts == {"like": 1, "celebrate": 1, "thanks": 1, "insightful": 0}
    assert week(writer, "SPACE#platform")["reactions"] == 3 and "reactions" not in week(writer, "SPACE#design")
    # Without it: one read first, as before.
    assert cost(lambda: cold().react(post.id, "insightful", "jane.doe", True)) == 2
    stored = writer.get(post.id)
    assert {kind: stored.reaction_count(kind) for kind in stored.counts} == {
        kind: len(stored.reactors(kind)) for kind in stored.counts
    }
    stop()
