"""The posts store in memory: the same promises as the DynamoDB adapter, kept under one lock, for
tests and examples. Each write checks its whole condition before it changes anything, as a
DynamoDB condition or transaction does."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from chalicelib.errors import RateLimitedError, UnknownPostError
from chalicelib.metrics import rules
from chalicelib.metrics.persistence.base import MetricsStore
from chalicelib.metrics.persistence.memory import MemoryMetricsStore, MetricsLedger
from chalicelib.posts.persistence.base import (
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


class MemoryPostsStore(PostsStore):
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock  # when a reaction or an outcome mark happened, for its week
        self._ledger = MetricsLedger()
        self._lock = threading.Lock()
        self._posts: dict[str, Post] = {}
        self._keys: dict[tuple[str, str], IdempotencyRecord] = {}
        self._rates: dict[tuple[str, str], int] = {}
        self._counts: dict[str, dict[str, int]] = {}  # "ORG" or a space -> {"total": n, week: n}

    # --- reads ---

    def get(self, post_id: str) -> Post:
        with self._lock:
            found = self._posts.get(post_id)
        if found is None:
            raise UnknownPostError(f"no post {post_id}")
        return found

    def thread(self, root_id: str, limit: int) -> list[Post]:
        with self._lock:
            items = sorted((p for p in self._posts.values() if p.thread == root_id), key=lambda p: p.id)
        return items[:limit]

    def feed(self, kind: FeedKind, key: str, start: Position | None, limit: int) -> tuple[list[Post], Position | None]:
        def member(post: Post) -> bool:
            if post.parent is not None:
                return False
            return kind == "org" or (kind == "space" and post.space == key) or (kind == "author" and post.author == key)

        with self._lock:
            items = sorted((p for p in self._posts.values() if member(p)), key=lambda p: p.id, reverse=True)
        if start is not None:
            items = [p for p in items if p.id < start.get("id", "")]
        page = items[:limit]
        return page, ({"id": page[-1].id} if len(page) == limit else None)

    def idempotency(self, author: str, key: str) -> IdempotencyRecord | None:
        with self._lock:
            return self._keys.get((author, key))

    def outcome_counts(self, space: str) -> Counts:
        with self._lock:
            return self._counts_of(space)

    def all_outcome_counts(self) -> tuple[Counts, dict[str, Counts]]:
        with self._lock:
            spaces = {name: self._counts_of(name) for name in self._counts if name != "ORG"}
            return self._counts_of("ORG"), spaces

    def _counts_of(self, name: str) -> Counts:
        counts = self._counts.get(name, {})
        return Counts(counts.get("total", 0), {w: n for w, n in counts.items() if w != "total" and n})

    def metrics(self) -> MetricsStore:
        return MemoryMetricsStore(self._ledger)

    # --- writes ---

    def create(
        self, post: Post, record: IdempotencyRecord, rate: RateCount, *, parent_seen: Seen | None = None
    ) -> None:
        # Everything is known here: what the client saw (`parent_seen`) is not needed.
        with self._lock:
            if (record.author, record.key) in self._keys:
                raise IdempotencyKeyTakenError(f"{record.author} used key {record.key} before")
            if self._rates.get((rate.author, rate.minute), 0) >= rate.limit:
                raise RateLimitedError(f"{rate.author} created too many posts this minute")
            parent = self._posts.get(post.parent) if post.parent is not None else None
            if post.parent is not None and (
                parent is None or parent.parent is not None or not parent.open or parent.space != post.space
            ):
                raise ParentRefusedError(f"{post.parent} cannot take a reply in {post.space}")
            if post.id in self._posts:
                raise WriteConflictError(f"post id {post.id} is taken")
            now = rules.created(post.id)
            tally = rules.posted(post.presence(), post.author, now)
            self._posts[post.id] = post
            self._keys[(record.author, record.key)] = record
            self._rates[(rate.author, rate.minute)] = self._rates.get((rate.author, rate.minute), 0) + 1
            if parent is not None:
                answer = rules.is_answer(parent.author, parent.first_answer_at is not None, post.author)
                self._posts[parent.id] = replace(
                    parent,
                    reply_count=parent.reply_count + 1,
                    first_answer_at=post.created_at if answer else parent.first_answer_at,
                )
                tally.merge(rules.replied(parent.id, parent.space, answer=answer, now=rules.parse_iso(post.created_at)))
            self._ledger.apply(tally)

    def _change(self, post_id: str, allowed: bool, changed: Post | None, extra: rules.Tally | None = None) -> Post:
        # Called under the lock: a refused condition changes nothing, counts included.
        if not allowed or changed is None:
            raise WriteRefusedError(f"the condition on {post_id} did not hold")
        before = self._posts[post_id]
        self._posts[post_id] = changed
        self._ledger.apply(rules.change(before.presence(), changed.presence()).merge(extra or rules.Tally()))
        return changed

    def edit(self, post_id: str, author: str, version: int, change: Edit) -> Post:
        with self._lock:
            post = self._posts.get(post_id)
            allowed = post is not None and post.author == author and post.version == version and not post.deleted
            new = post and replace(
                post,
                body=change.body,
                html=change.html,
                mentions=change.mentions,
                edited_at=change.at,
                version=post.version + 1,
            )
            return self._change(post_id, allowed, new)

    def delete(self, post_id: str, author: str, at: str) -> Post:
        with self._lock:
            post = self._posts.get(post_id)
            allowed = post is not None and post.author == author and not post.deleted
            new = post and replace(
                post, deleted=True, body="", html="", mentions=(), edited_at=at, version=post.version + 1
            )
            return self._change(post_id, allowed, new)

    def set_hidden(self, post_id: str, spaces: Sequence[str], hidden: Hidden | None) -> Post:
        with self._lock:
            post = self._posts.get(post_id)
            return self._change(
                post_id, post is not None and post.space in spaces, post and replace(post, hidden=hidden)
            )

    def react(
        self, post_id: str, kind: str, handle: str, on: bool, *, under: str | None = None, seen: Seen | None = None
    ) -> Seen:
        with self._lock:
            post = self._posts.get(post_id)
            parent = self._posts.get(under) if under is not None else None
            # Without `under`, only a top-level post; with it, only that parent's reply, not hidden.
            if (
                post is None
                or post.parent != under
                or (under is not None and (parent is None or parent.hidden is not None))
            ):
                raise WriteRefusedError(f"the condition on {post_id} did not hold")
            who = post.reactors(kind)
            allowed = (handle not in who and post.open) if on else handle in who
            step = 1 if on else -1
            new = replace(
                post,
                reactions={**post.reactions, kind: who | {handle} if on else who - {handle}},
                counts={**post.counts, kind: post.reaction_count(kind) + step},
                reaction_version=post.reaction_version + 1,
            )
            changed = self._change(post_id, allowed, new, rules.reacted(post.space, handle, on, self._clock()))
            return Seen.of(changed, handle)

    def mark_outcome(
        self, post_id: str, space: str, by: str, outcome: Outcome | None, week: str, *, any_author: bool
    ) -> None:
        with self._lock:
            post = self._posts.get(post_id)
            allowed = (
                post is not None
                and post.space == space
                and post.parent is None
                and post.open
                and (any_author or post.author == by)
                and (
                    post.outcome is None
                    if outcome is not None
                    else post.outcome is not None and post.outcome.week == week
                )
            )
            self._change(
                post_id, allowed, post and replace(post, outcome=outcome), rules.marked(space, by, self._clock())
            )
            step = 1 if outcome is not None else -1
            for name in (space, "ORG"):
                counts = self._counts.setdefault(name, {})
                counts["total"] = counts.get("total", 0) + step
                counts[week] = counts.get(week, 0) + step
