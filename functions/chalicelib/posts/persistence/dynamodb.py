"""The posts store in DynamoDB, through PynamoDB: every condition, every reading of a cancelled
transaction, and every translation of a storage failure into a domain error is here, once.

The key schema is documented in `_dynamodb_models`. Each write is one request: a conditional
UpdateItem (edit, delete, hide, react) or one TransactWrite (create, outcome marks). PynamoDB and
botocore are imported on first use, so `import app` stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from chalicelib.errors import RateLimitedError, StorageUnavailableError, UnknownPostError
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
    WriteConflictError,
    WriteRefusedError,
)
from chalicelib.table import on_request, storage

CONDITION_FAILED = "ConditionalCheckFailed"
CONFLICT = "TransactionConflict"
OUTCOMES_PK = "OUTCOMES"
ORG_SK = "ORG"
INDEXES: dict[FeedKind, str] = {"space": "space_index", "org": "org_index", "author": "author_index"}


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class DynamoDBPostsStore(PostsStore):
    def __init__(self, settings: PostsSettings) -> None:
        self.settings = settings

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
            raise UnknownPostError(f"no post {post_id}") from exc
        return _post(item)

    @storage
    def thread(self, root_id: str, limit: int) -> list[Post]:
        index = self.models().PostItem.thread_index
        return sorted((_post(item) for item in index.query(root_id, limit=limit, page_size=limit)), key=lambda p: p.id)

    @storage
    def feed(self, kind: FeedKind, key: str, start: Position | None, limit: int) -> tuple[list[Post], Position | None]:
        models = self.models()
        index: Any = getattr(models.PostItem, INDEXES[kind])
        begin = {name: {"S": value} for name, value in start.items()} if start else None
        hash_key = models.ORG_FEED if kind == "org" else key
        results = index.query(
            hash_key, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=begin
        )
        posts = [_post(item) for item in results]
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

    # --- writes ---

    @storage
    def create(self, post: Post, record: IdempotencyRecord, rate: RateCount) -> None:
        """One TransactWrite: [post, idempotency record] put, then [parent, rate count] updated."""
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        models = self.models()
        Posts, IdempotencyItem, RateItem = models.PostItem, models.IdempotencyItem, models.RateItem
        try:
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
                    transaction.update(
                        Posts(*models.post_key(post.parent)),
                        actions=[Posts.reply_count.add(1)],
                        condition=_open(Posts) & (Posts.space == post.space) & Posts.parent.does_not_exist(),
                    )
                transaction.update(
                    RateItem(f"RATE#{rate.author}", rate.minute),
                    actions=[RateItem.posts.add(1), RateItem.expires_at.set(_time(rate.expires_at))],
                    condition=RateItem.posts.does_not_exist() | (RateItem.posts < rate.limit),
                )
        except TransactWriteError as exc:
            codes = _cancellation_codes(exc)
            if not codes:
                raise StorageUnavailableError(f"create failed: {exc.cause_response_code}: {exc}") from exc
            if codes[1] in (CONDITION_FAILED, CONFLICT):
                raise IdempotencyKeyTakenError(f"{record.author} used key {record.key} ({codes[1]})") from exc
            if codes[-1] == CONDITION_FAILED:
                raise RateLimitedError(f"{rate.author} created too many posts this minute") from exc
            if post.parent is not None and codes[2] == CONDITION_FAILED:
                raise ParentRefusedError(f"{post.parent} cannot take a reply in {post.space}") from exc
            if CONFLICT in codes or codes[0] == CONDITION_FAILED:
                raise WriteConflictError(f"create of {post.id} conflicted: {codes}") from exc
            raise StorageUnavailableError(f"create cancelled: {codes}") from exc

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
        return self._update(post_id, actions, condition)

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
        return self._update(post_id, actions, Posts.pk.exists() & (Posts.author == author) & _undeleted(Posts))

    @storage
    def set_hidden(self, post_id: str, spaces: Sequence[str], hidden: Hidden | None) -> Post:
        models = self.models()
        Posts = models.PostItem
        if hidden is None:
            action = Posts.hidden.remove()
        else:
            action = Posts.hidden.set(models.HiddenMark(by=hidden.by, reason=hidden.reason, at=hidden.at))
        # No read first: the condition names the spaces this person stewards.
        return self._update(post_id, [action], Posts.pk.exists() & Posts.space.is_in(*spaces))

    @storage
    def react(self, post_id: str, kind: str, handle: str, on: bool, *, under: str | None = None) -> Post:
        models = self.models()
        Posts = models.PostItem
        count: Any = getattr(Posts, f"{kind}_count")
        by: Any = getattr(Posts, f"{kind}_by")
        if on:
            actions = [count.add(1), by.add({handle})]
            condition = _open(Posts) & ~by.contains(handle)
        else:
            actions = [count.add(-1), by.delete({handle})]
            condition = Posts.pk.exists() & by.contains(handle)
        if under is None:
            # A top-level post, as nearly every reaction is: one UpdateItem that answers the counts.
            return self._update(post_id, actions, condition & Posts.parent.does_not_exist())
        return self._react_under(models, post_id, under, actions, condition)

    def _react_under(self, models: ModuleType, post_id: str, under: str, actions: list[Any], condition: Any) -> Post:
        """A reply: its parent must not be hidden, checked in the same transaction; a read after it
        answers the counts (a transaction returns none)."""
        from pynamodb.exceptions import TransactWriteError
        from pynamodb.transactions import TransactWrite

        Posts = models.PostItem
        parent_pk, parent_sk = models.post_key(under)
        try:
            with TransactWrite(connection=Posts._get_connection().connection) as transaction:
                transaction.condition_check(
                    Posts, parent_pk, parent_sk, condition=Posts.pk.exists() & Posts.hidden.does_not_exist()
                )
                transaction.update(
                    Posts(*models.post_key(post_id)), actions=actions, condition=condition & (Posts.parent == under)
                )
        except TransactWriteError as exc:
            codes = _cancellation_codes(exc)
            if CONDITION_FAILED in codes:
                raise WriteRefusedError(f"reaction on {post_id} under {under} refused: {codes}") from exc
            if CONFLICT in codes:
                raise WriteConflictError(f"reaction on {post_id} conflicted") from exc
            raise
        return self.get(post_id)

    @storage
    def mark_outcome(
        self, post_id: str, space: str, by: str, outcome: Outcome | None, week: str, *, any_author: bool
    ) -> None:
        """One TransactWrite: the post's mark, and the space's and the organisation's counts."""
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
        try:
            with TransactWrite(connection=Posts._get_connection().connection) as transaction:
                transaction.update(Posts(*models.post_key(post_id)), actions=[post_action], condition=condition)
                for sort_key in (f"SPACE#{space}", ORG_SK):
                    transaction.update(
                        OutcomeCounter(OUTCOMES_PK, sort_key),
                        actions=[OutcomeCounter.total.add(step), models.week_attribute(week).add(step)],
                    )
        except TransactWriteError as exc:
            codes = _cancellation_codes(exc)
            if codes and codes[0] == CONDITION_FAILED:
                raise WriteRefusedError(f"outcome of {post_id} refused") from exc
            if CONFLICT in codes:
                raise WriteConflictError(f"outcome of {post_id} conflicted") from exc
            raise StorageUnavailableError(f"outcome write failed: {exc.cause_response_code}: {exc}") from exc

    def _update(self, post_id: str, actions: list[Any], condition: Any) -> Post:
        """One conditional UpdateItem that answers the post as it now is."""
        from pynamodb.exceptions import UpdateError

        models = self.models()
        item = models.PostItem(*models.post_key(post_id))
        try:
            item.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise WriteRefusedError(f"the condition on {post_id} did not hold") from exc
            raise
        return _post(item)

    # --- setting up, and watching ---

    @storage
    def create_storage(self) -> bool:
        created: bool = self.models().create_table()
        return created

    def on_request(self, listener: Callable[..., None]) -> Callable[[], None]:
        return on_request(self.models().MODELS, listener)


# --- conditions and conversions ---


def _undeleted(Posts: Any) -> Any:
    return Posts.deleted == False  # noqa: E712 (a DynamoDB condition, not a test)


def _open(Posts: Any) -> Any:
    return Posts.pk.exists() & _undeleted(Posts) & Posts.hidden.does_not_exist()


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
        space_feed=post.space if top_level else None,
        org_feed=models.ORG_FEED if top_level else None,
        author_feed=post.author if top_level else None,
    )


def _counts(counter: Any) -> Counts:
    weeks = {week: n for week, n in getattr(counter, "weeks", {}).items() if n}
    return Counts(int(counter.total or 0), weeks)
