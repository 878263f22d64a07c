"""Reactions: like, celebrate, thanks, insightful; one per person per kind per post, on or off.

A reaction lives on its post: per kind, the set of people who reacted and their count, changed
together by one conditional write that answers the new counts, so after any mix of concurrent
toggles each count equals its set. The condition (not there yet to add, there to remove) makes a
repeated toggle a no-op. A reply's parent must not be hidden: a reply under a hidden post is hidden
with it, so reacting to one costs a little more than reacting to a post (see the store).
"""

from __future__ import annotations

from chalicelib.errors import PostClosedError, UnknownReactionError
from chalicelib.posts.actors import Actor
from chalicelib.posts.authoring import check_post_id
from chalicelib.posts.persistence.base import KINDS, PostsStore, Seen, WriteRefusedError
from chalicelib.posts.visibility import opened

ATTEMPTS = 3


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise UnknownReactionError(f"no reaction kind {kind[:40]!r}")
    return kind


def toggle(store: PostsStore, actor: Actor, post_id: str, kind: str, on: bool, seen: Seen | None = None) -> Seen:
    """Set this person's `kind` reaction on the post on or off; its reactions afterwards, as this
    person sees them. `seen`, the post as their client saw it, saves a read where it is right."""
    handle = actor.writer()
    check_post_id(post_id)
    check_kind(kind)
    under = seen.parent if seen is not None else None  # else found out if the post turns out to be a reply
    for _ in range(ATTEMPTS):
        try:
            return store.react(post_id, kind, handle, on, under=under, seen=seen)
        except WriteRefusedError:
            seen = None  # whatever the client saw, the post is read now
            current = opened(store, store.get(post_id), actor)
            if current.parent != under:
                under = current.parent
                continue  # a reply: go again, with its parent checked in the same write
            if on and not current.open:
                raise PostClosedError(f"{post_id} is deleted or hidden") from None
            if current.parent is not None and store.get(current.parent).hidden is not None:
                raise PostClosedError(f"{post_id} is under a hidden post") from None
            # Refused because it was already so when the write ran: a concurrent toggle may have
            # changed it since, and the post as it is now is the true answer.
            return Seen.of(current, handle)
    return Seen.of(store.get(post_id), handle)


def reactors(store: PostsStore, post_id: str, viewer: Actor) -> dict[str, list[str]]:
    """Who reacted, per kind (one read; two for a reply, whose parent may hide it)."""
    post = opened(store, store.get(check_post_id(post_id)), viewer)
    return {kind: sorted(post.reactors(kind)) for kind in KINDS}
