"""The `/auth` routes and `/api/me`, as a Chalice Blueprint: wiring only."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.auth import profile, signin
from chalicelib.routing import Action, respond

auth = Blueprint(__name__)
# Every type a form (or a forged cross-site form) can send, so that the Origin check answers them all.
FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain", "application/json"]


def _respond(action: Action) -> Response:
    return respond(auth.current_request, action)


@auth.route("/auth/login", methods=["GET"])
def login() -> Response:
    return _respond(signin.begin)


@auth.route("/auth/callback", methods=["GET"])
def callback() -> Response:
    return _respond(signin.complete)


@auth.route("/auth/logout", methods=["GET"])
def logout_page() -> Response:
    return _respond(signin.confirm_sign_out)


@auth.route("/auth/logout", methods=["POST"], content_types=FORM_TYPES)
def logout() -> Response:
    return _respond(signin.sign_out)


@auth.route("/auth/signed-out", methods=["GET"])
def signed_out() -> Response:
    return _respond(signin.signed_out)


@auth.route("/api/me", methods=["GET"])
def me() -> Response:
    return _respond(profile.me)
