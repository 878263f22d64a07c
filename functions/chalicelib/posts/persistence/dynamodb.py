"""The posts store in DynamoDB, through PynamoDB: every condition, every reading of a cancelled
transaction, and every translation of a storage failure into a domain error is here, once.

The key schema is documented in `_dynamodb_models`. Each write is one request: a conditional
UpdateItem (edit) or one TransactWrite (create, react, delete, hide, outcome marks), which also
changes the metrics' counters (`chalicelib.metrics.rules`) with no condition on them. PynamoDB and
botocore are imported on first use, so `import app` stays cheap.

What a write must know of the post before it can count (a reply: whether it is its parent's first
answer; a reaction: the counts to answer with; delete and hide: what the post counted) comes from
`Known`, the posts this container last read or wrote, or else from `Seen`, the post as the
client saw it (`chalicelib.posts.seen`). Neither is trusted: the write names what it assumed in
its condition (the space, the reaction version and counts, the post's version, its answer), and
when that no longer holds DynamoDB cancels it and hands back the item as it is
(ReturnValuesOnConditionCheckFailure = ALL_OLD), so the next attempt knows, with no read. A post
known to neither costs one consistent read first (a reaction, delete or hide), or, for a reply that
turns out to be the first answer, one cancelled attempt.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from chalicelib.errors import RateLimitedError, StorageUnavailableError, UnknownPostError
from chalicelib.metrics import rules
from chalicelib.metrics.persistence.base import MetricsStore
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.persistence.base import (
    KINDS,
    Counts,
    Edit,
    FeedKind,
    Hidden,
    IdempotencyKeyTakenError,
    IdempotencyRecord,
    Outcome,
    ParentRefusedError,
    Position,
    Post,
    PostsStore,
    RateCount,
    Seen,
    WriteConflictError,
    WriteRefusedError,
)
from chalicelib.table import Location, error_code, on_request, storage

CONDITION_FAILED = "ConditionalCheckFailed"
CONFLICT = "TransactionConflict"
OUTCOMES_PK = "OUTCOMES"
ORG_SK = "ORG"
INDEXES: dict[FeedKind, str] = {"space": "space_index", "org": "org_index", "author": "author_index"}
ALL_OLD = "ALL_OLD"
ATTEMPTS = 6  # a write whose assumption went stale learns the item and goes again, this often
KNOWN_POSTS = 2_000  # at most ~5 KB of Markdown and HTML each: about 20 MB at worst


class Known:
    """The posts this container last read or wrote, newest kept (an LRU, bounded): a guess that
    every write checks in its condition, never a source of truth."""

    def __init__(self, size: int = KNOWN_POSTS) -> None:
        self._lock = threading.Lock()
        self._posts: OrderedDict[str, Post] = OrderedDict()
        self._size = size

    def get(self, post_id: str) -> Post | None:
        with self._lock:
            post = self._posts.get(post_id)
            if post is not None:
                self._posts.move_to_end(post_id)
            return post

    def put(self, post: Post) -> Post:
        with self._lock:
            self._posts[post.id] = post
            self._posts.move_to_end(post.id)
            while len(self._posts) > self._size:
                self._posts.popitem(last=False)
        return post

    def forget(self, post_id: str) -> None:
        with self._lock:
            self._posts.pop(post_id, None)


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class DynamoDBPostsStore(PostsStore):
    def __init__(self, settings: PostsSettings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.known = Known()
        self._clock = clock  # when a reaction or an outcome mark happened, for its week

    def models(self) -> ModuleType:
        """The PynamoDB models, pointed at this store's table."""
        from chalicelib import table
        from chalicelib.posts.persistence import _dynamodb_models as models

        table.bind(table.Location(self.settings.table, self.settings.region, self.settings.endpoint))
        return models

    # --- reads ---

    @storage
    def get(self, post_id: str) -> Post:
        models = self.models()
        try:
            item = models.PostItem.get(*models.post_key(post_id), consistent_read=True)
        except models.PostItem.DoesNotExist as exc:
            self.known.forget(post_id)
            raise UnknownPostError(f"no post {post_id}") from exc
        return self.known.put(_post(item))

    @storage
    def thread(self, root_id: str, limit: int) -> list[Post]:
        index = self.models().PostItem.thread_index
        return sorted(
            (self.known.put(_post(item)) for item in index.query(root_id, limit=limit, page_size=limit)),
            key=lambda p: p.id,
        )

    @storage
    def feed(self, kind: FeedKind, key: str, start: Position | None, limit: int) -> tuple[list[Post], Position | None]:
        models = self.models()
        index: Any = getattr(models.PostItem, INDEXES[kind])
        begin = {name: {"S": value} for name, value in start.items()} if start else None
        hash_key = models.ORG_FEED if kind == "org" else key
        results = index.query(
            hash_key, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=begin
        )
        posts = [self.known.put(_post(item)) for item in results]
        last = results.last_evaluated_key if len(posts) >= limit else None
        return posts, ({name: value["S"] for name, value in last.items()} if last else None)

    @storage
    def idempotency(self, author: str, key: str) -> IdempotencyRecord | None:
        models = self.models()
        try:
            record = models.IdempotencyItem.get(f"IDEM#{author}#{key}", "IDEM", consistent_read=True)
        except models.IdempotencyItem.DoesNotExist:
            return None
        expires = record.expires_at.timestamp() if record.expires_at else 0.0
        return IdempotencyRecord(author, key, record.fingerprint, record.post_id, expires)

    @storage
    def outcome_counts(self, space: str) -> Counts:
        models = self.models()
        try:
            return _counts(models.OutcomeCounter.get(OUTCOMES_PK, f"SPACE#{space}"))
        except models.OutcomeCounter.DoesNotExist:
            return Counts()

    @storage
    def all_outcome_counts(self) -> tuple[Counts, dict[str, Counts]]:
        org, spaces = Counts(), {}
        for counter in self.models().OutcomeCounter.query(OUTCOMES_PK):
            if counter.sk == ORG_SK:
                org = _counts(counter)
            elif counter.sk.startswith("SPACE#"):
                spaces[counter.sk.removeprefix("SPACE#")] = _counts(counter)
        return org, spaces

    def metrics(self) -> MetricsStore:
        from chalicelib.metrics.persistence.dynamodb import DynamoDBMetricsStore

        return DynamoDBMetricsStore(Location(self.settings.table, self.settings.region, self.settings.endpoint))

    # --- writes ---

    @storage
    def create(
        self, post: Post, record: IdempotencyRecord, rate: RateCount, *, parent_seen: Seen | None = None
    ) -> None:
        """One TransactWrite: [post, idempotency record] put, then [parent, rate count] updated,
        then the metrics' counters. A reply's parent is updated under an assumption about its
        answer (see `_answer_condition`), from what this container knows of the parent, else from
        what the client saw (`parent_seen`), else that it is not the answer; when that is wrong,
        the cancelled write hands the parent back and the next attempt knows it."""
        from pynamodb.exceptions import TransactWriteError

        models = self.models()
        now = rules.created(post.id)
        parent = self.known.get(post.parent) if post.parent is not None else None
        guess = parent_seen if parent is None else Seen.of(parent, None)  # the parent's author, and its answer
        for _ in range(ATTEMPTS):
            answer = guess is not None and rules.is_answer(guess.author, guess.answered, post.author)
            tally = rules.posted(post.presence(), post.author, now)
            if post.parent is not None:
                tally.merge(rules.replied(post.parent, post.space, answer=answer, now=rules.parse_iso(post.created_at)))
            try:
                self._create(models, post, record, rate, tally, answer)
            except TransactWriteError as exc:
                codes = _cancellation_codes(exc)
                if not codes:
                    raise StorageUnavailableError(f"create failed: {error_code(exc)}: {exc}") from exc
                rate_at = 3 if post.parent is not None else 2
                if codes[1] in (CONDITION_FAILED, CONFLICT):
                    raise IdempotencyKeyTakenError(f"{record.author} used key {record.key} ({codes[1]})") from exc
                if codes[rate_at] == CONDITION_FAILED:
                    raise RateLimitedError(f"{rate.author} created too many posts this minute") from exc
                if post.parent is not None and codes[2] == CONDITION_FAILED:
                    found = _returned(models, exc, 2)
                    if found is None or found.parent is not None or not found.open or found.space != post.space:
                        raise ParentRefusedError(f"{post.parent} cannot take a reply in {post.space}") from exc
                    parent = self.known.put(found)  # the answer was assumed wrongly: now it is known
                    guess = Seen.of(parent, None)
                    continue
                if CONFLICT in codes or codes[0] == CONDITION_FAILED:
                    raise WriteConflictError(f"create of {post.id} conflicted: {codes}") from exc
                raise StorageUnavailableError(f"create cancelled: {codes}") from exc
            self.known.put(post)
            if parent is not None:
                first = post.created_at if answer else parent.first_answer_at
                self.known.put(replace(parent, reply_count=parent.reply_count + 1, first_answer_at=first))
            return
        raise WriteConflictError(f"the parent of {post.id} kept changing")

    def _create(
        self, models: ModuleType, post: Post, record: IdempotencyRecord, rate: RateCount, tally: Any, answer: bool
    ) -> None:
        from pynamodb.transactions import TransactWrite

        Posts, IdempotencyItem, RateItem = models.PostItem, models.IdempotencyItem, models.RateItem
        with TransactWrite(connection=Posts._get_connection().connection) as transaction:
            transaction.save(_item(models, post), condition=Posts.pk.does_not_exist())
            transaction.save(
                IdempotencyItem(
                    f"IDEM#{record.author}#{record.key}",
                    "IDEM",
                    post_id=record.post_id,
                    fingerprint=record.fingerprint,
                    expires_at=_time(record.expires_at),
                ),
                condition=IdempotencyItem.pk.does_not_exist(),
            )
            if post.parent is not None:
                actions = [Posts.reply_count.add(1)]
                if answer:
                    actions.append(Posts.first_answer_at.set(post.created_at))
                transaction.update(
                    Posts(*models.post_key(post.parent)),
                    actions=actions,
                    condition=_open(Posts)
                    & (Posts.space == post.space)
                    & Posts.parent.does_not_exist()
                    & _answer_condition(Posts, post.author, answer),
                    return_values=ALL_OLD,
                )
            transaction.update(
                RateItem(f"RATE#{rate.author}", rate.minute),
                actions=[RateItem.posts.add(1), RateItem.expires_at.set(_time(rate.expires_at))],
                condition=RateItem.posts.does_not_exist() | (RateItem.posts < rate.limit),
            )
            _count(transaction, tally)

    @storage
    def edit(self, post_id: str, author: str, version: int, change: Edit) -> Post:
        Posts = self.models().PostItem
        actions = [
            Posts.body.set(change.body),
            Posts.html.set(change.html),
            Posts.mentions.set(list(change.mentions)),
            Posts.edited_at.set(change.at),
            Posts.version.add(1),
        ]
        condition = Posts.pk.exists() & (Posts.author == author) & (Posts.version == version) & _undeleted(Posts)
        return self.known.put(self._update(post_id, actions, condition))

    @storage
    def delete(self, post_id: str, author: str, at: str) -> Post:
        Posts = self.models().PostItem
        actions = [
            Posts.deleted.set(True),
            Posts.body.set(""),
            Posts.html.set(""),
            Posts.mentions.set([]),
            Posts.edited_at.set(at),
            Posts.version.add(1),
        ]

        def after(post: Post) -> Post | None:
            if post.author != author or post.deleted:
                return None
            return replace(post, deleted=True, body="", html="", mentions=(), edited_at=at, version=post.version + 1)

        return self._pinned(post_id, actions, Posts.pk.exists() & (Posts.author == author) & _undeleted(Posts), after)

    @storage
    def set_hidden(self, post_id: str, spaces: Sequence[str], hidden: Hidden | None) -> Post:
        models = self.models()
        Posts = models.PostItem
        if hidden is None:
            action = Posts.hidden.remove()
        else:
            action = Posts.hidden.set(models.HiddenMark(by=hidden.by, reason=hidden.reason, at=hidden.at))

        def after(post: Post) -> Post | None:
            return replace(post, hidden=hidden) if post.space in spaces else None

        # No read first when this container knows the post: the condition names the spaces this
        # person stewards, and what the post was, for its counts.
        return self._pinned(post_id, [action], Posts.pk.exists() & Posts.space.is_in(*spaces), after)

    def _pinned(self, post_id: str, actions: list[Any], condition: Any, after: Callable[[Post], Post | None]) -> Post:
        """One TransactWrite of the post, assuming it is as `Known` holds it (every field its
        counts or its answer depend on, named in the condition), and of its counts' change."""
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        models = self.models()
        Posts = models.PostItem
        known = self._known_or_read(post_id)
        for _ in range(ATTEMPTS):
            changed = after(known)
            if changed is None:
                raise WriteRefusedError(f"the condition on {post_id} did not hold")
            tally = rules.change(known.presence(), changed.presence())
            try:
                with TransactWrite(connection=Posts._get_connection().connection) as transaction:
                    transaction.update(
                        Posts(*models.post_key(post_id)),
                        actions=actions,
                        condition=condition & _as_known(Posts, known),
                        return_values=ALL_OLD,
                    )
                    _count(transaction, tally)
            except TransactWriteError as exc:
                codes = _cancellation_codes(exc)
                if codes and codes[0] == CONDITION_FAILED:
                    found = _returned(models, exc, 0)
                    if found is None:
                        self.known.forget(post_id)
                        raise WriteRefusedError(f"no post {post_id}") from exc
                    known = self.known.put(found)
                    continue
                if CONFLICT in codes:
                    continue
                raise StorageUnavailableError(f"write of {post_id} failed: {error_code(exc)}: {exc}") from exc
            return self.known.put(changed)
        raise WriteConflictError(f"{post_id} kept changing")

    def _known_or_read(self, post_id: str) -> Post:
        known = self.known.get(post_id)
        if known is not None:
            return known
        try:
            return self.get(post_id)
        except UnknownPostError as exc:
            raise WriteRefusedError(f"no post {post_id}") from exc

    @storage
    def react(
        self, post_id: str, kind: str, handle: str, on: bool, *, under: str | None = None, seen: Seen | None = None
    ) -> Seen:
        """One TransactWrite that assumes the post's reactions are as seen (by this container,
        else by the client: `seen`, else one consistent read first), so the counts it answers are
        exact: [parent not hidden, for a reply] checked, then the post and the counts updated (or,
        when the reaction is already so, only that assumption checked).

        A wrong assumption is refused with the post handed back, and the next attempt assumes that.
        When other reactions got there first even so (the version moved on), assuming again would
        race them again: the next attempt assumes nothing but the reaction itself (not there yet to
        add, there to take away), as ADD and DELETE commute, and a consistent read answers the
        counts. So a busy post costs up to three requests, never a refusal."""
        from pynamodb.exceptions import TransactWriteError

        models = self.models()
        base = self.known.get(post_id)  # the whole post, when this container has it
        if base is None and seen is None:
            base = self._known_or_read(post_id)
        view: Seen | None = Seen.of(base, handle) if base is not None else seen
        learnt = False  # whether `view` is what the post was at the last attempt
        for attempt in range(ATTEMPTS):
            if base is not None and base.parent != under:
                raise WriteRefusedError(f"{post_id} is not a reply under {under}")  # a fact that never changes
            try:
                answer = self._react_once(models, post_id, kind, handle, on, under, view)
            except TransactWriteError as exc:
                codes = _cancellation_codes(exc)
                at = 1 if under is not None else 0
                if under is not None and codes and codes[0] == CONDITION_FAILED:
                    raise WriteRefusedError(f"reaction on {post_id} under hidden {under}") from exc
                if len(codes) > at and codes[at] == CONDITION_FAILED:
                    if view is None:
                        raise WriteRefusedError(f"{handle}'s {kind} on {post_id} is already so, or closed") from exc
                    base = self.known.put(_returned(models, exc, at) or self.get(post_id))  # a check hands none back
                    raced = learnt and base.reaction_version != view.reaction_version
                    view, learnt = (None, False) if raced else (Seen.of(base, handle), True)
                    continue
                if CONFLICT in codes:
                    time.sleep(0.01 * (attempt + 1))
                    continue
                raise StorageUnavailableError(f"reaction on {post_id} failed: {error_code(exc)}") from exc
            if view is None:
                return Seen.of(self.get(post_id), handle)
            if answer is None:
                raise WriteRefusedError(f"{post_id} is deleted or hidden")
            if answer is view:
                raise WriteRefusedError(f"{handle}'s {kind} on {post_id} is already {'on' if on else 'off'}")
            if base is not None:
                self.known.put(_toggled(base, kind, handle, on))
            return answer
        raise WriteConflictError(f"reactions on {post_id} kept changing")

    def _react_once(
        self, models: ModuleType, post_id: str, kind: str, handle: str, on: bool, under: str | None, view: Seen | None
    ) -> Seen | None:
        """One attempt: assuming `view` (None: nothing), the reactions afterwards (None: refused
        as closed; `view` itself: already so, nothing written)."""
        from pynamodb.transactions import TransactWrite

        Posts = models.PostItem
        count: Any = getattr(Posts, f"{kind}_count")
        by: Any = getattr(Posts, f"{kind}_by")
        answer: Seen | None = None
        if view is not None:
            if (kind in view.mine) == on:
                answer = view
            elif not on or view.open:
                answer = view.toggled(kind, on)
        pk, sk = models.post_key(post_id)
        with TransactWrite(connection=Posts._get_connection().connection) as transaction:
            if under is not None:
                parent_pk, parent_sk = models.post_key(under)
                transaction.condition_check(
                    Posts, parent_pk, parent_sk, condition=Posts.pk.exists() & Posts.hidden.does_not_exist()
                )
            if view is not None and (answer is None or answer is view):
                pinned = Posts.pk.exists() & _as_seen(Posts, view, handle) & _open_as_seen(Posts, view)
                transaction.condition_check(Posts, pk, sk, condition=pinned)
                return answer
            condition = _open(Posts) & ~by.contains(handle) if on else Posts.pk.exists() & by.contains(handle)
            if view is not None:
                condition = condition & _as_seen(Posts, view, handle)
            step = 1 if on else -1
            actions = [count.add(step), by.add({handle}) if on else by.delete({handle}), Posts.reaction_version.add(1)]
            parent_condition = Posts.parent == under if under is not None else Posts.parent.does_not_exist()
            transaction.update(
                Posts(pk, sk), actions=actions, condition=condition & parent_condition, return_values=ALL_OLD
            )
            space = view.space if view is not None else self._space_of(post_id)  # the condition pins it
            _count(transaction, rules.reacted(space, handle, on, self._clock()))
        return answer

    def _space_of(self, post_id: str) -> str:
        known = self.known.get(post_id)  # the space never changes, so any picture of the post will do
        return known.space if known is not None else self.get(post_id).space

    @storage
    def mark_outcome(
        self, post_id: str, space: str, by: str, outcome: Outcome | None, week: str, *, any_author: bool
    ) -> None:
        """One TransactWrite: the post's mark, the space's and the organisation's outcome counts,
        and the metrics' counters."""
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        models = self.models()
        Posts, OutcomeCounter = models.PostItem, models.OutcomeCounter
        condition = _open(Posts) & (Posts.space == space) & Posts.parent.does_not_exist()
        if not any_author:
            condition = condition & (Posts.author == by)
        if outcome is not None:
            condition = condition & Posts.outcome.does_not_exist()
            post_action = Posts.outcome.set(models.OutcomeMark(by=outcome.by, at=outcome.at, week=outcome.week))
        else:
            condition = condition & (Posts.outcome.week == week)
            post_action = Posts.outcome.remove()
        step = 1 if outcome is not None else -1
        tally = rules.marking(post_id, space, week, outcome is not None).merge(rules.marked(space, by, self._clock()))
        try:
            with TransactWrite(connection=Posts._get_connection().connection) as transaction:
                transaction.update(Posts(*models.post_key(post_id)), actions=[post_action], condition=condition)
                for sort_key in (f"SPACE#{space}", ORG_SK):
                    transaction.update(
                        OutcomeCounter(OUTCOMES_PK, sort_key),
                        actions=[OutcomeCounter.total.add(step), models.week_attribute(week).add(step)],
                    )
                _count(transaction, tally)
        except TransactWriteError as exc:
            codes = _cancellation_codes(exc)
            if codes and codes[0] == CONDITION_FAILED:
                raise WriteRefusedError(f"outcome of {post_id} refused") from exc
            if CONFLICT in codes:
                raise WriteConflictError(f"outcome of {post_id} conflicted") from exc
            raise StorageUnavailableError(f"outcome write failed: {error_code(exc)}: {exc}") from exc
        known = self.known.get(post_id)
        if known is not None:
            self.known.put(replace(known, outcome=outcome))

    def _update(self, post_id: str, actions: list[Any], condition: Any) -> Post:
        """One conditional UpdateItem that answers the post as it now is."""
        from pynamodb.exceptions import UpdateError

        models = self.models()
        item = models.PostItem(*models.post_key(post_id))
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise WriteRefusedError(f"the condition on {post_id} did not hold") from exc
            raise
        return _post(item)

    # --- setting up, and watching ---

    @storage
    def create_storage(self) -> bool:
        created: bool = self.models().create_table()
        return created

    def on_request(self, listener: Callable[..., None]) -> Callable[[], None]:
        """Every request of this store, the metrics it counts and reads included."""
        from chalicelib.metrics.persistence import _dynamodb_models as metrics_models

        return on_request([*self.models().MODELS, *metrics_models.MODELS], listener)


# --- conditions and conversions ---


def _undeleted(Posts: Any) -> Any:
    return Posts.deleted == False  # noqa: E712 (a DynamoDB condition, not a test)


def _open(Posts: Any) -> Any:
    return Posts.pk.exists() & _undeleted(Posts) & Posts.hidden.does_not_exist()


def _answer_condition(Posts: Any, replier: str, answer: bool) -> Any:
    """What a reply assumes of its parent: that it is the first answer (someone else's post, not
    answered yet) or that it is not (the replier's own post, or answered already). Exactly one holds."""
    if answer:
        return (Posts.author != replier) & Posts.first_answer_at.does_not_exist()
    return (Posts.author == replier) | Posts.first_answer_at.exists()


def _version_is(attribute: Any, value: int) -> Any:
    # Posts written before the attribute existed have none: that is version 0.
    return attribute.does_not_exist() | (attribute == value) if value == 0 else attribute == value


def _reactions_as_known(Posts: Any, known: Post) -> Any:
    return _version_is(Posts.reaction_version, known.reaction_version)


def _as_seen(Posts: Any, view: Seen, handle: str) -> Any:
    """The post is in the space seen, with the reactions seen: the version, every count and every
    reaction of `handle`'s. What a container knows makes the last two follow from the first; what
    a client sent need not, and is checked all the same."""
    condition = (Posts.space == view.space) & _version_is(Posts.reaction_version, view.reaction_version)
    for kind in KINDS:
        condition = condition & _version_is(getattr(Posts, f"{kind}_count"), view.reaction_count(kind))
        by = getattr(Posts, f"{kind}_by")
        condition = condition & (by.contains(handle) if kind in view.mine else ~by.contains(handle))
    return condition


def _open_as_seen(Posts: Any, view: Seen) -> Any:
    return _open(Posts) if view.open else Posts.pk.exists() & ((Posts.deleted == True) | Posts.hidden.exists())  # noqa: E712


def _toggled(post: Post, kind: str, handle: str, on: bool) -> Post:
    who = post.reactors(kind)
    return replace(
        post,
        reactions={**post.reactions, kind: who | {handle} if on else who - {handle}},
        counts={**post.counts, kind: post.reaction_count(kind) + (1 if on else -1)},
        reaction_version=post.reaction_version + 1,
    )


def _open_as_known(Posts: Any, known: Post) -> Any:
    deleted = Posts.deleted == True if known.deleted else _undeleted(Posts)  # noqa: E712
    hidden = Posts.hidden.at == known.hidden.at if known.hidden is not None else Posts.hidden.does_not_exist()
    return deleted & hidden


def _as_known(Posts: Any, known: Post) -> Any:
    """The post is exactly as known: every field a delete's or a hide's answer and counts show."""
    outcome = Posts.outcome.week == known.outcome.week if known.outcome is not None else Posts.outcome.does_not_exist()
    answered = Posts.first_answer_at.exists() if known.first_answer_at else Posts.first_answer_at.does_not_exist()
    return (
        (Posts.version == known.version)
        & (Posts.reply_count == known.reply_count)
        & _reactions_as_known(Posts, known)
        & _open_as_known(Posts, known)
        & outcome
        & answered
    )


def _count(transaction: Any, tally: rules.Tally) -> None:
    """The tally's updates, with no condition: counting never refuses a write."""
    from chalicelib.metrics.persistence._dynamodb_models import updates

    for item, actions in updates(tally):
        transaction.update(item, actions=actions)


def _returned(models: ModuleType, error: Any, index: int) -> Post | None:
    """The item a cancelled transaction handed back for its `index`th step (ALL_OLD), if any."""
    reasons = error.cancellation_reasons
    reason = reasons[index] if index < len(reasons) else None
    raw = getattr(reason, "raw_item", None) if reason is not None else None
    return _post(models.PostItem.from_raw_data(raw)) if raw else None


def _cancellation_codes(error: Any) -> list[str | None]:
    """One code per transaction item, in order: None where that item was not a reason."""
    return [reason.code if reason is not None else None for reason in error.cancellation_reasons]


def _post(item: Any) -> Post:
    hidden = item.hidden
    outcome = item.outcome
    return Post(
        id=item.id,
        space=item.space,
        parent=item.parent,
        thread=item.thread,
        author=item.author,
        created_at=item.created_at,
        edited_at=item.edited_at,
        version=int(item.version or 1),
        body=item.body or "",
        html=item.html or "",
        deleted=bool(item.deleted),
        hidden=Hidden(hidden.by, hidden.reason, hidden.at) if hidden is not None else None,
        mentions=tuple(item.mentions or ()),
        reply_count=int(item.reply_count or 0),
        outcome=Outcome(outcome.by, outcome.at, outcome.week) if outcome is not None else None,
        reactions={kind: frozenset(getattr(item, f"{kind}_by") or ()) for kind in KINDS},
        counts={kind: int(getattr(item, f"{kind}_count") or 0) for kind in KINDS},
        reaction_version=int(item.reaction_version or 0),
        first_answer_at=item.first_answer_at,
    )


def _item(models: ModuleType, post: Post) -> Any:
    top_level = post.parent is None
    return models.PostItem(
        *models.post_key(post.id),
        id=post.id,
        space=post.space,
        parent=post.parent,
        thread=post.thread,
        author=post.author,
        created_at=post.created_at,
        version=post.version,
        body=post.body,
        html=post.html,
        mentions=list(post.mentions),
        first_answer_at=post.first_answer_at,
        reaction_version=post.reaction_version,
        space_feed=post.space if top_level else None,
        org_feed=models.ORG_FEED if top_level else None,
        author_feed=post.author if top_level else None,
    )


def _counts(counter: Any) -> Counts:
    weeks = {week: n for week, n in getattr(counter, "weeks", {}).items() if n}
    return Counts(int(counter.total or 0), weeks)
