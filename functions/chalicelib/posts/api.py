"""The `/api` routes of posts, replies, reactions and outcomes: each reads the request, calls one
domain function and shapes the answer (JSON, or 303 back to the page for an HTML form)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from chalicelib.auth.signin import current_session
from chalicelib.errors import UnknownPostError
from chalicelib.posts import authoring, editing, moderation, outcomes, reactions, reading, shapes
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence.store import storage_errors
from chalicelib.runtime import Services
from chalicelib.web import forms
from chalicelib.web.http import Incoming, Outgoing, json_body

if TYPE_CHECKING:
    from chalicelib.posts.persistence.dynamodb import PostItem

BODY = frozenset({"body"})
REPLY = frozenset({"body", "space"})
EDIT = frozenset({"body", "version"})
NOTHING: frozenset[str] = frozenset()
HIDE = frozenset({"reason"})
STATE = frozenset({"state"})
OUTCOME = frozenset({"state", "space"})


def actor_of(incoming: Incoming, services: Services) -> Actor:
    return Actor.of(current_session(incoming, services), services.directory)


def space_page_path(slug: str) -> str:
    return f"/api/html/spaces/{quote(slug, safe='')}"


def thread_page_path(post_id: str) -> str:
    return f"/api/html/posts/{quote(post_id, safe='')}"


def _writer(incoming: Incoming, services: Services, allowed: frozenset[str]) -> tuple[Actor, forms.Submission]:
    actor = actor_of(incoming, services)
    submission = forms.read(incoming, allowed)
    services.limiter.check(actor.writer())
    return actor, submission


# --- reads ---------------------------------------------------------------------------------------


def space_posts(incoming: Incoming, services: Services) -> Outgoing:
    actor = actor_of(incoming, services)
    slug = incoming.path_params["slug"]
    limit = reading.parse_limit(incoming.param("limit"))
    with storage_errors():
        page = reading.space_feed(
            services.store, services.directory, services.cursors, actor, slug, incoming.param("cursor"), limit
        )
    return json_body(
        {
            "space": shapes.space(services.directory, slug, actor),
            "posts": [shapes.post(item, actor, services.directory) for item in page.posts],
            "next": page.next,
        }
    )


def org_posts(incoming: Incoming, services: Services) -> Outgoing:
    actor = actor_of(incoming, services)
    limit = reading.parse_limit(incoming.param("limit"))
    with storage_errors():
        page = reading.org_feed(services.store, services.cursors, actor, incoming.param("cursor"), limit)
    return json_body(
        {"posts": [shapes.post(item, actor, services.directory) for item in page.posts], "next": page.next}
    )


def person_posts(incoming: Incoming, services: Services) -> Outgoing:
    actor = actor_of(incoming, services)
    handle = incoming.path_params["handle"]
    limit = reading.parse_limit(incoming.param("limit"))
    with storage_errors():
        page = reading.person_feed(
            services.store, services.directory, services.cursors, actor, handle, incoming.param("cursor"), limit
        )
    person = shapes.author(services.directory, handle)
    return json_body(
        {
            "person": {**person, "handle": person["handle"].lower()},
            "posts": [shapes.post(item, actor, services.directory) for item in page.posts],
            "next": page.next,
        }
    )


def open_thread(services: Services, post_id: str, viewer: Actor) -> tuple[PostItem, list[PostItem]]:
    """A post and its replies as `viewer` may read them. A post hidden from the viewer is unknown
    to them, and so is a reply under one (which costs a read of its parent, on that path only)."""

    def hidden(item: PostItem) -> bool:
        return not reading.visible(item, viewer) and not item.deleted

    with storage_errors():
        root, replies = authoring.thread(services.store, post_id)
        if hidden(root) or (root.parent and hidden(authoring.get_post(services.store, root.parent))):
            raise UnknownPostError(f"{root.id} is hidden from {viewer.handle}")
    return root, replies


def post_thread(incoming: Incoming, services: Services) -> Outgoing:
    actor = actor_of(incoming, services)
    root, replies = open_thread(services, incoming.path_params["id"], actor)
    return json_body(
        {
            "post": shapes.post(root, actor, services.directory),
            "replies": [
                shapes.post(item, actor, services.directory) for item in replies if reading.visible(item, actor)
            ],
        }
    )


def post_reactions(incoming: Incoming, services: Services) -> Outgoing:
    actor = actor_of(incoming, services)
    post_id = incoming.path_params["id"]
    with storage_errors():
        who = reactions.reactors(services.store, post_id, actor)
    return json_body({"post_id": post_id, "reactions": who})


def space_outcomes(incoming: Incoming, services: Services) -> Outgoing:
    actor_of(incoming, services)
    slug = incoming.path_params["slug"]
    with storage_errors():
        counts = outcomes.space_counts(services.store, services.directory, slug)
    return json_body({"space": slug, **counts.public()})


def org_outcomes(incoming: Incoming, services: Services) -> Outgoing:
    actor_of(incoming, services)
    with storage_errors():
        org, spaces = outcomes.org_counts(services.store)
    return json_body({**org.public(), "spaces": {slug: counts.public() for slug, counts in sorted(spaces.items())}})


# --- writes --------------------------------------------------------------------------------------


def create_post(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, BODY)
    slug = incoming.path_params["slug"]
    with storage_errors():
        created = authoring.create_post(
            services.store,
            services.directory,
            actor,
            slug,
            submission.fields.get("body"),
            submission.idempotency_key,
            clock=services.clock,
        )
    return _created(submission, created, actor, services, back=space_page_path(slug))


def create_reply(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, REPLY)
    parent = incoming.path_params["id"]
    with storage_errors():
        created = authoring.create_reply(
            services.store,
            services.directory,
            actor,
            parent,
            submission.fields.get("body"),
            submission.idempotency_key,
            space_hint=submission.text("space"),
            clock=services.clock,
        )
    return _created(submission, created, actor, services, back=thread_page_path(parent))


def _created(
    submission: forms.Submission, created: authoring.Created, actor: Actor, services: Services, *, back: str
) -> Outgoing:
    document = {"post": shapes.post(created.post, actor, services.directory)}
    out = forms.done(submission, document, status=201, back=back, anchor=f"post-{created.post.id}")
    if created.replayed:
        out.headers["Idempotent-Replayed"] = "true"
    return out


def edit_post(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, EDIT)
    post_id = incoming.path_params["id"]
    with storage_errors():
        item = editing.edit(
            services.store,
            services.directory,
            actor,
            post_id,
            submission.fields.get("body"),
            submission.fields.get("version"),
            clock=services.clock,
        )
    return _changed(submission, item, actor, services)


def delete_post(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, NOTHING)
    with storage_errors():
        item = editing.delete(services.store, actor, incoming.path_params["id"], clock=services.clock)
    return _changed(submission, item, actor, services)


def hide_post(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, HIDE)
    with storage_errors():
        item = moderation.hide(
            services.store, actor, incoming.path_params["id"], submission.fields.get("reason"), clock=services.clock
        )
    return _changed(submission, item, actor, services)


def restore_post(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, NOTHING)
    with storage_errors():
        item = moderation.restore(services.store, actor, incoming.path_params["id"])
    return _changed(submission, item, actor, services)


def _changed(submission: forms.Submission, item: PostItem, actor: Actor, services: Services) -> Outgoing:
    document = {"post": shapes.post(item, actor, services.directory)}
    return forms.done(submission, document, back=thread_page_path(item.thread), anchor=f"post-{item.id}")


def toggle_reaction(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, STATE)
    post_id, kind = incoming.path_params["id"], incoming.path_params["kind"]
    reactions.check_kind(kind)
    on = outcomes.parse_state(submission.fields.get("state"))
    with storage_errors():
        item = reactions.toggle(services.store, actor, post_id, kind, on)
    document = {"post_id": item.id, "reactions": shapes.reactions(item, actor)}
    return forms.done(submission, document, back=thread_page_path(item.thread), anchor=f"post-{item.id}")


def mark_outcome(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, OUTCOME)
    post_id = incoming.path_params["id"]
    on = outcomes.parse_state(submission.fields.get("state"))
    with storage_errors():
        mark = outcomes.mark(
            services.store,
            services.directory,
            actor,
            post_id,
            on,
            space_hint=submission.text("space"),
            clock=services.clock,
        )
    document = {"post_id": post_id, "outcome": {"by": mark.by, "at": mark.at} if mark is not None else None}
    return forms.done(submission, document, back=thread_page_path(post_id), anchor=f"post-{post_id}")
