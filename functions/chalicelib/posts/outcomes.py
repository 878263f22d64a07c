"""Outcomes: a post marked as achieving its space's purpose, and the counts that show the benefit.

A mark is one write to the store: the post's `outcome`, the space's counts and the org-wide counts
(each a total and one per ISO week), together, so the counts always equal the marks. Who may
mark: the stewards of the post's space and the post's author, once the space has an outcome (a
draft may have none yet). The space must be known to address its counter:
the client sends it (`space_hint`) and the write checks it; without it we read the post first.
An unmark takes one off the week the mark was counted in, which the condition checks too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from chalicelib.directory import Directory
from chalicelib.errors import (
    InvalidInputError,
    NoOutcomeYetError,
    OutcomeNotAllowedError,
    PostClosedError,
    StorageUnavailableError,
    UnknownSpaceError,
)
from chalicelib.posts.actors import Actor
from chalicelib.posts.authoring import check_post_id, iso
from chalicelib.posts.persistence.base import Counts, Outcome, Post, PostsStore, WriteConflictError, WriteRefusedError

ATTEMPTS = 3


def public(counts: Counts) -> dict[str, Any]:
    return {"total": counts.total, "weeks": dict(sorted(counts.weeks.items()))}


def iso_week(now: float) -> str:
    year, week, _ = datetime.fromtimestamp(now, UTC).isocalendar()
    return f"{year}-W{week:02d}"


def parse_state(raw: Any) -> bool:
    if raw in ("on", "off"):
        return bool(raw == "on")
    raise InvalidInputError("bad state", message='Say "on" or "off" in the field `state`.')


def mark(
    store: PostsStore,
    directory: Directory,
    actor: Actor,
    post_id: str,
    on: bool,
    *,
    space_hint: str | None = None,
    clock: Callable[[], float] = time.time,
) -> Outcome | None:
    """Mark or unmark the post; its outcome mark afterwards (None when unmarked)."""
    handle = actor.writer()
    check_post_id(post_id)
    space = space_hint if space_hint and directory.space(space_hint) is not None else None
    known: Post | None = None
    if space is None:
        known = store.get(post_id)
        space = known.space
    now = clock()
    # Unmarking takes one off the week of the mark: this week unless the post says otherwise.
    week = known.outcome.week if known is not None and known.outcome is not None else iso_week(now)
    for _ in range(ATTEMPTS):
        if on and (found := directory.space(space)) is not None and found.outcome_unwritten:
            raise NoOutcomeYetError(f"{space} is a draft with no outcome")
        if known is not None:
            _check_markable(known, actor)
            if (known.outcome is not None) == on:
                return known.outcome  # already so
        outcome = Outcome(by=handle, at=iso(now), week=week) if on else None
        try:
            store.mark_outcome(post_id, space, handle, outcome, week, any_author=actor.stewards(space))
            return outcome
        except (WriteRefusedError, WriteConflictError):
            known = store.get(post_id)
            space = known.space
            if known.outcome is not None:
                week = known.outcome.week
    raise StorageUnavailableError(f"outcome of {post_id} kept conflicting")


def _check_markable(post: Post, actor: Actor) -> None:
    if post.parent is not None:
        raise InvalidInputError(
            f"{post.id} is a reply", message="Only posts, not replies, can be marked as achieving the outcome."
        )
    if not post.open:
        raise PostClosedError(f"{post.id} is deleted or hidden")
    if post.author != actor.handle and not actor.stewards(post.space):
        raise OutcomeNotAllowedError(f"{actor.handle} is neither author of {post.id} nor steward of {post.space}")


def space_counts(store: PostsStore, directory: Directory, slug: str) -> Counts:
    """One space's outcome counts (one read)."""
    if directory.space(slug) is None:
        raise UnknownSpaceError(f"no space {slug[:80]!r}")
    return store.outcome_counts(slug)


def org_counts(store: PostsStore) -> tuple[Counts, dict[str, Counts]]:
    """Org-wide counts and each space's (one Query)."""
    return store.all_outcome_counts()
