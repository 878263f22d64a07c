"""Reactions: like, celebrate, thanks, insightful; one per person per kind per post, on or off.

A reaction lives on its post: per kind, the set of people who reacted (`<kind>_by`) and the count
(`<kind>_count`). A toggle is ONE conditional UpdateItem that changes both and answers the new
counts. DynamoDB applies a single-item update atomically, so after any mix of concurrent toggles
each count equals the size of its set; the condition (`NOT contains` to add, `contains` to remove)
makes a repeated toggle a no-op instead of a double count. A TransactWrite over a separate reaction
item would need a second round trip to answer the counts, since transactions return no values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.errors import PostClosedError, UnknownPostError, UnknownReactionError
from chalicelib.posts.actors import Actor
from chalicelib.posts.authoring import check_post_id, get_post
from chalicelib.posts.persistence.store import Store, failed_condition
from chalicelib.posts.reading import visible

if TYPE_CHECKING:
    from chalicelib.posts.persistence.dynamodb import PostItem

KINDS = ("like", "celebrate", "thanks", "insightful")


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise UnknownReactionError(f"no reaction kind {kind[:40]!r}")
    return kind


def toggle(store: Store, actor: Actor, post_id: str, kind: str, on: bool) -> PostItem:
    """Set this person's `kind` reaction on the post on or off; the post, with its new counts."""
    handle = actor.writer()
    check_post_id(post_id)
    check_kind(kind)
    models = store.models()
    Posts = models.PostItem
    count: Any = getattr(Posts, f"{kind}_count")
    by: Any = getattr(Posts, f"{kind}_by")
    if on:
        actions = [count.add(1), by.add({handle})]
        condition = (
            Posts.pk.exists()
            & ~by.contains(handle)
            & (Posts.deleted == False)  # noqa: E712
            & Posts.hidden.does_not_exist()
        )
    else:
        actions = [count.add(-1), by.delete({handle})]
        condition = Posts.pk.exists() & by.contains(handle)
    post: PostItem = Posts(*models.post_key(post_id))
    from pynamodb.exceptions import UpdateError

    try:
        post.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if not failed_condition(exc):
            raise
        current = get_post(store, post_id)
        if (handle in current.reactors(kind)) == on:
            return current  # already so: nothing to change
        raise PostClosedError(f"{post_id} is deleted or hidden") from exc
    return post


def reactors(store: Store, post_id: str, viewer: Actor) -> dict[str, list[str]]:
    """Who reacted, per kind (one GetItem). A hidden post is not there for who may not see it."""
    post = get_post(store, post_id)
    if not visible(post, viewer) and not post.deleted:
        raise UnknownPostError(f"{post_id} is hidden from {viewer.handle}")
    return {kind: sorted(post.reactors(kind)) for kind in KINDS}
