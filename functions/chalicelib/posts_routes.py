"""The routes of posts, replies, reactions and outcomes, as a Chalice Blueprint: wiring only.

Write routes accept every content type, so that our own checks answer (413 before parsing, 415
for what we do not read, the Origin check for all) in the same JSON or page form as every error.
"""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Blueprint, Response

from chalicelib import html_feed, openapi, posts_api
from chalicelib.routing import Action, respond

posts = Blueprint(__name__)
ANY_TYPE = ["*/*"]


def _respond(action: Action) -> Response:
    return respond(posts.current_request, action)


def _view(action: Action, method: str) -> Callable[..., Response]:
    def view(**_: str) -> Response:  # path parameters arrive in the request, not as arguments
        return _respond(action)

    view.__name__ = f"{action.__module__.rsplit('.', 1)[-1]}_{action.__name__}_{method}"
    return view


def _read(path: str, action: Action) -> None:
    posts.route(path, methods=["GET"])(_view(action, "get"))


def _write(path: str, action: Action) -> None:
    posts.route(path, methods=["POST"], content_types=ANY_TYPE)(_view(action, "post"))


_read("/api/openapi.json", openapi.document)
_read("/api/feed", posts_api.org_posts)
_read("/api/outcomes", posts_api.org_outcomes)
_read("/api/spaces/{slug}/posts", posts_api.space_posts)
_write("/api/spaces/{slug}/posts", posts_api.create_post)
_read("/api/spaces/{slug}/outcomes", posts_api.space_outcomes)
_read("/api/people/{handle}/posts", posts_api.person_posts)
_read("/api/posts/{id}", posts_api.post_thread)
_read("/api/posts/{id}/reactions", posts_api.post_reactions)
_write("/api/posts/{id}/replies", posts_api.create_reply)
_write("/api/posts/{id}/edit", posts_api.edit_post)
_write("/api/posts/{id}/delete", posts_api.delete_post)
_write("/api/posts/{id}/hide", posts_api.hide_post)
_write("/api/posts/{id}/restore", posts_api.restore_post)
_write("/api/posts/{id}/reactions/{kind}", posts_api.toggle_reaction)
_write("/api/posts/{id}/outcome", posts_api.mark_outcome)
_read("/api/html/feed", html_feed.org_page)
_read("/api/html/spaces/{slug}", html_feed.space_page)
_read("/api/html/people/{handle}", html_feed.person_page)
_read("/api/html/posts/{id}", html_feed.thread_page)
