"""Outcomes: a post marked as achieving its space's purpose, and the counts that show the benefit.

A mark is ONE TransactWrite: the post's `outcome`, the space's counters and the org-wide counters
(each a `total` and a `week_<ISO week>`), so the counts always equal the marks. Who may mark: the
stewards of the post's space and the post's author. The space must be known to address its counter:
the client sends it (`space_hint`) and the transaction checks it; without it we read the post first.
An unmark takes one off the week the mark was counted in, which the condition checks too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.directory import Directory
from chalicelib.errors import (
    InvalidInputError,
    OutcomeNotAllowedError,
    PostClosedError,
    StorageUnavailableError,
    UnknownSpaceError,
)
from chalicelib.posts.actors import Actor
from chalicelib.posts.authoring import check_post_id, get_post, iso
from chalicelib.posts.persistence.store import Store, cancellation_codes

if TYPE_CHECKING:
    from chalicelib.posts.persistence.dynamodb import OutcomeMark, PostItem

OUTCOMES_PK = "OUTCOMES"
ORG_SK = "ORG"
ATTEMPTS = 3


@dataclass(frozen=True)
class Counts:
    total: int
    weeks: dict[str, int]

    def public(self) -> dict[str, Any]:
        return {"total": self.total, "weeks": dict(sorted(self.weeks.items()))}


def iso_week(now: float) -> str:
    year, week, _ = datetime.fromtimestamp(now, UTC).isocalendar()
    return f"{year}-W{week:02d}"


def parse_state(raw: Any) -> bool:
    if raw in ("on", "off"):
        return bool(raw == "on")
    raise InvalidInputError("bad state", message='Say "on" or "off" in the field `state`.')


def mark(
    store: Store,
    directory: Directory,
    actor: Actor,
    post_id: str,
    on: bool,
    *,
    space_hint: str | None = None,
    clock: Callable[[], float] = time.time,
) -> OutcomeMark | None:
    """Mark or unmark the post; its outcome mark afterwards (None when unmarked)."""
    handle = actor.writer()
    check_post_id(post_id)
    space = space_hint if space_hint and directory.space(space_hint) is not None else None
    known: PostItem | None = None
    if space is None:
        known = get_post(store, post_id)
        space = known.space
    now = clock()
    # Unmarking takes one off the week of the mark: this week unless the post says otherwise.
    week = known.outcome.week if known is not None and known.outcome is not None else iso_week(now)
    for _ in range(ATTEMPTS):
        if known is not None:
            _check_markable(known, actor)
            if (known.outcome is not None) == on:
                return known.outcome  # already so
        try:
            return _write(store, actor, handle, post_id, space, on, week, now)
        except _Refused:
            known = get_post(store, post_id)
            space = known.space
            if known.outcome is not None:
                week = known.outcome.week
    raise StorageUnavailableError(f"outcome of {post_id} kept conflicting")


def _check_markable(post: PostItem, actor: Actor) -> None:
    if post.parent is not None:
        raise InvalidInputError(
            f"{post.id} is a reply", message="Only posts, not replies, can be marked as achieving the outcome."
        )
    if post.deleted or post.hidden is not None:
        raise PostClosedError(f"{post.id} is deleted or hidden")
    if post.author != actor.handle and not actor.stewards(post.space):
        raise OutcomeNotAllowedError(f"{actor.handle} is neither author of {post.id} nor steward of {post.space}")


class _Refused(Exception):
    pass


def _write(
    store: Store, actor: Actor, handle: str, post_id: str, space: str, on: bool, week: str, now: float
) -> OutcomeMark | None:
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    models = store.models()
    Posts, OutcomeCounter = models.PostItem, models.OutcomeCounter
    condition = (
        Posts.pk.exists()
        & (Posts.space == space)
        & Posts.parent.does_not_exist()
        & (Posts.deleted == False)  # noqa: E712
        & Posts.hidden.does_not_exist()
    )
    if not actor.stewards(space):
        condition = condition & (Posts.author == handle)
    outcome = models.OutcomeMark(by=handle, at=iso(now), week=week) if on else None
    if on:
        condition = condition & Posts.outcome.does_not_exist()
        post_action = Posts.outcome.set(outcome)
    else:
        condition = condition & (Posts.outcome.week == week)
        post_action = Posts.outcome.remove()
    step = 1 if on else -1
    try:
        with TransactWrite(connection=Posts._get_connection().connection) as transaction:
            transaction.update(Posts(*models.post_key(post_id)), actions=[post_action], condition=condition)
            for sort_key in (f"SPACE#{space}", ORG_SK):
                transaction.update(
                    OutcomeCounter(OUTCOMES_PK, sort_key),
                    actions=[OutcomeCounter.total.add(step), models.week_attribute(week).add(step)],
                )
    except TransactWriteError as exc:
        codes = cancellation_codes(exc)
        if (codes and codes[0] == "ConditionalCheckFailed") or "TransactionConflict" in codes:
            raise _Refused from exc
        raise StorageUnavailableError(f"outcome write failed: {exc.cause_response_code}: {exc}") from exc
    return outcome


def space_counts(store: Store, directory: Directory, slug: str) -> Counts:
    """One space's outcome counts (one GetItem)."""
    if directory.space(slug) is None:
        raise UnknownSpaceError(f"no space {slug[:80]!r}")
    models = store.models()
    try:
        counter = models.OutcomeCounter.get(OUTCOMES_PK, f"SPACE#{slug}")
    except models.OutcomeCounter.DoesNotExist:
        return Counts(0, {})
    return _counts(counter)


def org_counts(store: Store) -> tuple[Counts, dict[str, Counts]]:
    """Org-wide counts and each space's (one Query)."""
    models = store.models()
    org = Counts(0, {})
    spaces: dict[str, Counts] = {}
    for counter in models.OutcomeCounter.query(OUTCOMES_PK):
        if counter.sk == ORG_SK:
            org = _counts(counter)
        elif counter.sk.startswith("SPACE#"):
            spaces[counter.sk.removeprefix("SPACE#")] = _counts(counter)
    return org, spaces


def _counts(counter: Any) -> Counts:
    weeks = {week: n for week, n in getattr(counter, "weeks", {}).items() if n}
    return Counts(int(counter.total or 0), weeks)
