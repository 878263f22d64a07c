"""Feeds as plain HTML, rendered by the function for browsers without JavaScript: a space's feed,
the org-wide one, a person's posts and one thread. Every form posts to the same `/api` routes as
the hub's JavaScript, with a fresh idempotency key and a `return_to` that leads back here.

Everything is escaped except post HTML, which was sanitised with nh3 when it was written. The pages
load nothing: their only style is inline, allowed by its hash in a strict Content-Security-Policy.
"""

from __future__ import annotations

import secrets
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

from chalicelib.posts import reading, shapes
from chalicelib.posts.actors import Actor
from chalicelib.posts.api import actor_of, space_page_path, thread_page_path
from chalicelib.posts.persistence.base import KINDS, Post
from chalicelib.runtime import Services
from chalicelib.web.http import Incoming, Outgoing
from chalicelib.web.skeleton import Skeleton

LABELS = {"like": "\U0001f44d Like", "celebrate": "\U0001f389 Celebrate", "thanks": "\U0001f64f Thanks"}
LABELS["insightful"] = "\U0001f4a1 Insightful"
STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}"
    "article{border-top:1px solid #ddd;padding:.8rem 0}article article{margin-left:1.5rem}"
    "form{display:inline-block;max-width:100%;margin:.2rem .3rem .2rem 0}form.block{display:block}"
    "textarea{width:100%;min-height:5rem;font:inherit}input[type=text]{font:inherit;width:20rem;max-width:100%;box-sizing:border-box}"
    "button{font:inherit;padding:.2rem .6rem;cursor:pointer}button[aria-pressed=true]{font-weight:bold}"
    ".meta{color:#555;font-size:.9rem}.note{background:#fff4e5;padding:.3rem .6rem}"
    "nav a{margin-right:1rem}pre{overflow:auto;background:#f5f5f5;padding:.5rem}"
)
SKELETON = Skeleton(STYLE, (("/", "Hub"), ("/api/html/feed", "All posts")))


def _page(title: str, body: str) -> Outgoing:
    return SKELETON.page(title, body)


def _current(incoming: Incoming) -> str:
    cursor = incoming.param("cursor")
    return incoming.path + (f"?{urlencode({'cursor': cursor})}" if cursor else "")


def _form(
    action: str,
    here: str,
    button: str,
    *,
    fields: dict[str, str] | None = None,
    extra: str = "",
    create: bool = False,
    block: bool = False,
    pressed: bool | None = None,
) -> str:
    hidden = {**(fields or {}), "return_to": here}
    if create:
        hidden["idempotency_key"] = secrets.token_urlsafe(18)
    inputs = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in hidden.items())
    aria = f' aria-pressed="{str(pressed).lower()}"' if pressed is not None else ""
    css = ' class="block"' if block else ""
    return (
        f'<form method="post" action="{escape(action)}"{css}>{inputs}{extra}'
        f'<button type="submit"{aria}>{escape(button)}</button></form>'
    )


def _textarea(label: str, text: str = "") -> str:
    return (
        f"<label>{escape(label)}<br>"
        f'<textarea name="body" maxlength="5000" required>{escape(text)}</textarea></label><br>'
    )


def _post(item: Post, viewer: Actor, services: Services, here: str, *, full: bool) -> str:
    shaped = shapes.post(item, viewer, services.directory)
    can = shaped["can"]
    base = f"/api/posts/{quote(item.id, safe='')}"
    author = shaped["author"]
    meta = (
        f'<a href="{escape(author["url"])}">{escape(author["name"])}</a> · {escape(item.created_at[:16])} UTC'
        f' in <a href="{escape(space_page_path(item.space))}">{escape(item.space)}</a>'
    )
    if item.edited_at and not item.deleted:
        meta += " · edited"
    parts = [f'<p class="meta">{meta}</p>']
    if shaped["deleted"]:
        parts.append("<p><em>This post was deleted.</em></p>")
    if shaped["hidden"]:
        hidden = shaped["hidden"]
        parts.append(
            f'<p class="note">Hidden by {escape(hidden["by"])}: {escape(hidden["reason"])}. '
            "Only its author and the space's stewards see it.</p>"
        )
    if shaped["outcome"]:
        parts.append(
            f'<p class="note">\u2714 Achieved the space\'s outcome (marked by {escape(shaped["outcome"]["by"])})</p>'
        )
    parts.append(shaped["html"])  # sanitised by nh3 when it was written
    if not item.deleted:
        buttons = []
        for kind in KINDS:
            state = shaped["reactions"][kind]
            buttons.append(
                _form(
                    f"{base}/reactions/{kind}",
                    here,
                    f"{LABELS[kind]} {state['count']}",
                    fields={"state": "off" if state["mine"] else "on", "seen": shaped["seen"]},
                    pressed=bool(state["mine"]),
                )
            )
        parts.append("<div>" + "".join(buttons) + "</div>")
    actions = []
    if can["mark_outcome"] or (shaped["outcome"] and (can["edit"] or viewer.stewards(item.space))):
        marked = shaped["outcome"] is not None
        label = "Unmark outcome" if marked else "Mark as achieving the outcome"
        actions.append(
            _form(f"{base}/outcome", here, label, fields={"state": "off" if marked else "on", "space": item.space})
        )
    if can["delete"]:
        actions.append(_form(f"{base}/delete", here, "Delete"))
    if can["restore"]:
        actions.append(_form(f"{base}/restore", here, "Restore"))
    if can["hide"]:
        reason = (
            '<input type="text" name="reason" maxlength="500" required placeholder="Why hide it?" aria-label="Reason"> '
        )
        actions.append(_form(f"{base}/hide", here, "Hide", extra=reason))
    if actions:
        parts.append("<div>" + "".join(actions) + "</div>")
    if full and can["edit"]:
        parts.append(
            "<details><summary>Edit</summary>"
            + _form(
                f"{base}/edit",
                here,
                "Save",
                fields={"version": str(item.version)},
                extra=_textarea("Your post", item.body),
                block=True,
            )
            + "</details>"
        )
    if item.parent is None and not full:
        count = int(item.reply_count or 0)
        label = f"{count} repl{'y' if count == 1 else 'ies'}" if count else "Open"
        parts.append(f'<p><a href="{escape(thread_page_path(item.id))}">{label}</a></p>')
    if item.parent is None and can["reply"]:
        parts.append(
            _form(
                f"{base}/replies",
                here,
                "Reply",
                fields={"space": item.space, "seen": shaped["seen"]},
                extra=_textarea("Reply"),
                create=True,
                block=True,
            )
        )
    # Named by author and time, as the hub's script names its posts, so a screen reader's list of
    # articles says whose each one is and when it was written.
    kind = "Reply" if item.parent else "Post"
    label = f"{kind} by {author['name']}, {item.created_at[:10]} {item.created_at[11:16]} UTC"
    return f'<article id="post-{escape(item.id)}" aria-label="{escape(label)}">{"".join(parts)}</article>'


def _feed(page: reading.Page, viewer: Actor, services: Services, here: str, base: str) -> str:
    items = "".join(_post(item, viewer, services, here, full=False) for item in page.posts) or "<p>No posts yet.</p>"
    if page.next:
        items += f'<p><a href="{escape(base)}?{escape(urlencode({"cursor": page.next}))}">Older posts</a></p>'
    return items


def space_page(incoming: Incoming, services: Services) -> Outgoing:
    viewer = actor_of(incoming, services)
    slug = incoming.path_params["slug"]
    here = _current(incoming)
    page = services.posts.reader.space_feed(viewer, slug, incoming.param("cursor"), reading.DEFAULT_LIMIT)
    space = shapes.space(services.directory, slug, viewer)
    head = _about(space)
    if space["can_post"]:
        head += _form(
            f"/api/spaces/{quote(slug, safe='')}/posts",
            here,
            "Post",
            extra=_textarea("Write a post"),
            create=True,
            block=True,
        )
    return _page(space["name"], head + _feed(page, viewer, services, here, incoming.path))


def _about(space: dict[str, Any]) -> str:
    """The space's purpose and outcome above its posts; a draft may have neither yet."""
    unwritten = "<em>not written yet</em>"
    purpose = escape(space["purpose"]) if space["purpose"] else unwritten
    outcome = escape(space["outcome"]) if space["outcome"] else unwritten
    draft = "<p><strong>A draft:</strong> its team has not finished this space.</p>" if space["draft"] else ""
    return (
        f"{draft}<p>{purpose}</p><p><strong>Outcome that counts:</strong> {outcome}</p>"
        f'<p><a href="{escape(space["url"])}">About this space</a></p>'
    )


def org_page(incoming: Incoming, services: Services) -> Outgoing:
    viewer = actor_of(incoming, services)
    page = services.posts.reader.org_feed(viewer, incoming.param("cursor"), reading.DEFAULT_LIMIT)
    return _page("All posts", _feed(page, viewer, services, _current(incoming), incoming.path))


def person_page(incoming: Incoming, services: Services) -> Outgoing:
    viewer = actor_of(incoming, services)
    handle = incoming.path_params["handle"]
    page = services.posts.reader.person_feed(viewer, handle, incoming.param("cursor"), reading.DEFAULT_LIMIT)
    person: dict[str, Any] = shapes.author(services.directory, handle)
    return _page(f"Posts by {person['name']}", _feed(page, viewer, services, _current(incoming), incoming.path))


def thread_page(incoming: Incoming, services: Services) -> Outgoing:
    viewer = actor_of(incoming, services)
    here = incoming.path
    # The same replies as the JSON thread: visibility is decided once, in posts.visibility.
    root, replies = services.posts.reader.thread(incoming.path_params["id"], viewer)
    body = _post(root, viewer, services, here, full=True)
    body += "".join(_post(reply, viewer, services, here, full=True) for reply in replies)
    title = "Reply" if root.parent else "Post"
    return _page(title, body)
