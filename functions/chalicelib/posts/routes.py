"""The routes of posts, replies, reactions and outcomes, as a Chalice Blueprint: wiring only.

Write routes accept every content type, so that our own checks answer (413 before parsing, 415
for what we do not read, the Origin check for all) in the same JSON or page form as every error.
"""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Blueprint, Response

from chalicelib.posts import api, pages
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


_read("/api/feed", api.org_posts)
_read("/api/outcomes", api.org_outcomes)
_read("/api/spaces/{slug}/posts", api.space_posts)
_write("/api/spaces/{slug}/posts", api.create_post)
_read("/api/spaces/{slug}/outcomes", api.space_outcomes)
_read("/api/people/{handle}/posts", api.person_posts)
_read("/api/posts/{id}", api.post_thread)
_read("/api/posts/{id}/reactions", api.post_reactions)
_write("/api/posts/{id}/replies", api.create_reply)
_write("/api/posts/{id}/edit", api.edit_post)
_write("/api/posts/{id}/delete", api.delete_post)
_write("/api/posts/{id}/hide", api.hide_post)
_write("/api/posts/{id}/restore", api.restore_post)
_write("/api/posts/{id}/reactions/{kind}", api.toggle_reaction)
_write("/api/posts/{id}/outcome", api.mark_outcome)
_read("/api/html/feed", pages.org_page)
_read("/api/html/spaces/{slug}", pages.space_page)
_read("/api/html/people/{handle}", pages.person_page)
_read("/api/html/posts/{id}", pages.thread_page)
