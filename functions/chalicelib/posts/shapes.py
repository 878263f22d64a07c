"""What leaves the server about a post: an allowlist of fields, shaped for one viewer (their own
reactions, what they may do, and nothing of a hidden post unless it is theirs or their space's)."""

from __future__ import annotations

from typing import Any

from chalicelib.directory import Directory
from chalicelib.posts import seen as seen_token
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence.base import KINDS, Post, Seen
from chalicelib.posts.visibility import concealed


def author(directory: Directory, handle: str) -> dict[str, str]:
    person = directory.by_handle(handle)
    return {
        "handle": handle,
        "name": person.name if person else handle,
        "url": "/" + (person.url.lstrip("/") if person else f"people/{handle}/"),
    }


def reactions(seen: Seen) -> dict[str, dict[str, Any]]:
    """Each kind's count, and whether it is the viewer's (the one `seen` was made for)."""
    return {kind: {"count": seen.reaction_count(kind), "mine": kind in seen.mine} for kind in KINDS}


def post(item: Post, viewer: Actor, directory: Directory) -> dict[str, Any]:
    is_author = viewer.handle is not None and item.author == viewer.handle
    space = directory.space(item.space)
    markable = space is None or not space.outcome_unwritten
    is_steward = viewer.handle is not None and viewer.stewards(item.space)
    hidden = item.hidden is not None
    shown = not item.deleted and not concealed(item, viewer)
    open_ = item.open
    top_level = item.parent is None
    viewed = Seen.of(item, viewer.handle)
    return {
        "id": item.id,
        "space": item.space,
        "parent": item.parent,
        "author": author(directory, item.author),
        "created_at": item.created_at,
        "edited_at": item.edited_at,
        "version": int(item.version),
        "body": item.body if shown else "",
        "html": item.html if shown else "",
        "deleted": bool(item.deleted),
        "hidden": (
            {"by": item.hidden.by, "reason": item.hidden.reason, "at": item.hidden.at}
            if item.hidden is not None and not concealed(item, viewer)
            else None
        ),
        "mentions": list(item.mentions or []) if not item.deleted else [],
        "reply_count": int(item.reply_count or 0),
        "reactions": reactions(viewed),
        "outcome": {"by": item.outcome.by, "at": item.outcome.at} if item.outcome is not None else None,
        "can": {
            "edit": is_author and not item.deleted,
            "delete": is_author and not item.deleted,
            "hide": is_steward and not hidden and not item.deleted,
            "restore": is_steward and hidden,
            "mark_outcome": top_level and open_ and (is_author or is_steward) and markable,
            "reply": top_level and open_ and viewer.handle is not None,
        },
        # Sent back with a reaction on this post or a reply to it, it saves the server a read.
        "seen": seen_token.token(viewed),
    }


def space(directory: Directory, slug: str, viewer: Actor) -> dict[str, Any]:
    found = directory.space(slug)
    assert found is not None
    return {**found.public(), "can_post": viewer.handle is not None, "is_steward": viewer.stewards(slug)}
