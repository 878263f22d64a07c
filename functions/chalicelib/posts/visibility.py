"""Who sees which post: decided here, once, for feeds, threads, reactions and both kinds of page.

- A hidden post is for its author and the stewards of its space; to everyone else it does not
  exist, and neither do its replies.
- A deleted post stays only as the tombstone that keeps its replies. A deleted reply, which has
  none, is gone.
"""

from __future__ import annotations

from chalicelib.errors import UnknownPostError
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence.base import Post, PostsStore


def concealed(post: Post, viewer: Actor) -> bool:
    """Hidden from this viewer."""
    return post.hidden is not None and post.author != viewer.handle and not viewer.stewards(post.space)


def listed(post: Post, viewer: Actor) -> bool:
    """Shown in a feed or a thread."""
    return not concealed(post, viewer) and not (post.deleted and not post.reply_count)


def opened(store: PostsStore, post: Post, viewer: Actor) -> Post:
    """`post`, if this viewer may open it; a reply under a post hidden from them is unknown too,
    which costs a read of its parent, on that path only."""
    if concealed(post, viewer) or (post.parent is not None and concealed(store.get(post.parent), viewer)):
        raise UnknownPostError(f"{post.id} is hidden from {viewer.handle}")
    return post
