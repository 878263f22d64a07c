"""The `/api` routes of posts, replies, reactions and outcomes: each reads the request, calls one
domain function and shapes the answer (JSON, or 303 back to the page for an HTML form)."""

from __future__ import annotations

from urllib.parse import quote

from chalicelib.posts import authoring, editing, moderation, outcomes, reactions, reading, seen, shapes
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence.base import Post
from chalicelib.runtime import Services
from chalicelib.web import forms
from chalicelib.web.http import Incoming, Outgoing, json_body

BODY = frozenset({"body"})
REPLY = frozenset({"body", "space", "seen"})
EDIT = frozenset({"body", "version"})
NOTHING: frozenset[str] = frozenset()
HIDE = frozenset({"reason"})
STATE = frozenset({"state", "seen"})
OUTCOME = frozenset({"state", "space"})


def actor_of(incoming: Incoming, services: Services) -> Actor:
    return Actor.of(services.auth.current_session(incoming, services.clock()), services.directory)


def space_page_path(slug: str) -> str:
    return f"/api/html/spaces/{quote(slug, safe='')}"


def thread_page_path(post_id: str) -> str:
    return f"/api/html/posts/{quote(post_id, safe='')}"


def _writer(incoming: Incoming, services: Services, allowed: frozenset[str]) -> tuple[Actor, forms.Submission]:
    actor = actor_of(incoming, services)
    submission = forms.read(incoming, allowed)
    services.posts.limiter.check(actor.writer())
    return actor, submission


def _shaped(items: list[Post], actor: Actor, services: Services) -> list[dict[str, object]]:
    return [shapes.post(item, actor, services.directory) for item in items]


# --- reads ---------------------------------------------------------------------------------------


def space_posts(incoming: Incoming, services: Services) -> Outgoing:
    actor = actor_of(incoming, services)
    slug = incoming.path_params["slug"]
    limit = reading.parse_limit(incoming.param("limit"))
    page = services.posts.reader.space_feed(actor, slug, incoming.param("cursor"), limit)
    space = shapes.space(services.directory, slug, actor)
    return json_body({"space": space, "posts": _shaped(page.posts, actor, services), "next": page.next})


def org_posts(incoming: Incoming, services: Services) -> Outgoing:
    actor = actor_of(incoming, services)
    limit = reading.parse_limit(incoming.param("limit"))
    page = services.posts.reader.org_feed(actor, incoming.param("cursor"), limit)
    return json_body({"posts": _shaped(page.posts, actor, services), "next": page.next})


def person_posts(incoming: Incoming, services: Services) -> Outgoing:
    actor = actor_of(incoming, services)
    handle = incoming.path_params["handle"]
    limit = reading.parse_limit(incoming.param("limit"))
    page = services.posts.reader.person_feed(actor, handle, incoming.param("cursor"), limit)
    person = shapes.author(services.directory, handle)
    return json_body(
        {
            "person": {**person, "handle": person["handle"].lower()},
            "posts": _shaped(page.posts, actor, services),
            "next": page.next,
        }
    )


def post_thread(incoming: Incoming, services: Services) -> Outgoing:
    actor = actor_of(incoming, services)
    root, replies = services.posts.reader.thread(incoming.path_params["id"], actor)
    return json_body(
        {"post": shapes.post(root, actor, services.directory), "replies": _shaped(replies, actor, services)}
    )


def post_reactions(incoming: Incoming, services: Services) -> Outgoing:
    actor = actor_of(incoming, services)
    post_id = incoming.path_params["id"]
    who = reactions.reactors(services.posts.store, post_id, actor)
    return json_body({"post_id": post_id, "reactions": who})


def space_outcomes(incoming: Incoming, services: Services) -> Outgoing:
    actor_of(incoming, services)
    slug = incoming.path_params["slug"]
    counts = outcomes.space_counts(services.posts.store, services.directory, slug)
    return json_body({"space": slug, **outcomes.public(counts)})


def org_outcomes(incoming: Incoming, services: Services) -> Outgoing:
    actor_of(incoming, services)
    org, spaces = outcomes.org_counts(services.posts.store)
    by_space = {slug: outcomes.public(counts) for slug, counts in sorted(spaces.items())}
    return json_body({**outcomes.public(org), "spaces": by_space})


# --- writes --------------------------------------------------------------------------------------


def create_post(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, BODY)
    slug = incoming.path_params["slug"]
    body, key = submission.fields.get("body"), submission.idempotency_key
    created = services.posts.create_post(actor, slug, body, key, clock=services.clock)
    return _created(submission, created, actor, services, back=space_page_path(slug))


def create_reply(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, REPLY)
    parent = incoming.path_params["id"]
    body, key, hint = submission.fields.get("body"), submission.idempotency_key, submission.text("space")
    parent_seen = seen.parse(submission.fields.get("seen"), parent)
    created = services.posts.create_reply(
        actor, parent, body, key, space_hint=hint, parent_seen=parent_seen, clock=services.clock
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
    item = editing.edit(
        services.posts.store,
        services.directory,
        actor,
        incoming.path_params["id"],
        submission.fields.get("body"),
        submission.fields.get("version"),
        clock=services.clock,
    )
    return _changed(submission, item, actor, services)


def delete_post(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, NOTHING)
    item = editing.delete(services.posts.store, actor, incoming.path_params["id"], clock=services.clock)
    return _changed(submission, item, actor, services)


def hide_post(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, HIDE)
    reason = submission.fields.get("reason")
    item = moderation.hide(services.posts.store, actor, incoming.path_params["id"], reason, clock=services.clock)
    return _changed(submission, item, actor, services)


def restore_post(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, NOTHING)
    item = moderation.restore(services.posts.store, actor, incoming.path_params["id"])
    return _changed(submission, item, actor, services)


def _changed(submission: forms.Submission, item: Post, actor: Actor, services: Services) -> Outgoing:
    document = {"post": shapes.post(item, actor, services.directory)}
    return forms.done(submission, document, back=thread_page_path(item.thread), anchor=f"post-{item.id}")


def toggle_reaction(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, STATE)
    post_id, kind = incoming.path_params["id"], incoming.path_params["kind"]
    reactions.check_kind(kind)
    on = outcomes.parse_state(submission.fields.get("state"))
    seen_then = seen.parse(submission.fields.get("seen"), post_id)
    item = reactions.toggle(services.posts.store, actor, post_id, kind, on, seen_then)
    document = {"post_id": item.id, "reactions": shapes.reactions(item), "seen": seen.token(item)}
    return forms.done(submission, document, back=thread_page_path(item.thread), anchor=f"post-{item.id}")


def mark_outcome(incoming: Incoming, services: Services) -> Outgoing:
    actor, submission = _writer(incoming, services, OUTCOME)
    post_id = incoming.path_params["id"]
    on = outcomes.parse_state(submission.fields.get("state"))
    mark = outcomes.mark(
        services.posts.store,
        services.directory,
        actor,
        post_id,
        on,
        space_hint=submission.text("space"),
        clock=services.clock,
    )
    document = {"post_id": post_id, "outcome": {"by": mark.by, "at": mark.at} if mark is not None else None}
    return forms.done(submission, document, back=thread_page_path(post_id), anchor=f"post-{post_id}")
