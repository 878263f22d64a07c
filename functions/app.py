"""Commons' functions on Lambda: routes only. Each reads the request, calls one domain function in
chalicelib and returns its answer. Domain errors become short pages in `chalicelib.web`."""

from __future__ import annotations

from chalice.app import Chalice, Response

from chalicelib import profile, signin
from chalicelib.posts_routes import posts
from chalicelib.routing import Action, respond

app = Chalice(app_name="commons")
app.debug = False  # tracebacks never reach a visitor
app.register_blueprint(posts)  # posts, replies, reactions, outcomes and their no-JavaScript pages


def _respond(action: Action) -> Response:
    return respond(app.current_request, action)


@app.route("/auth/login", methods=["GET"])
def login() -> Response:
    return _respond(signin.begin)


@app.route("/auth/callback", methods=["GET"])
def callback() -> Response:
    return _respond(signin.complete)


@app.route("/auth/logout", methods=["GET"])
def logout_page() -> Response:
    return _respond(signin.confirm_sign_out)


# Every type a form (or a forged cross-site form) can send, so that the Origin check answers them all.
FORM_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain", "application/json"]


@app.route("/auth/logout", methods=["POST"], content_types=FORM_TYPES)
def logout() -> Response:
    return _respond(signin.sign_out)


@app.route("/auth/signed-out", methods=["GET"])
def signed_out() -> Response:
    return _respond(signin.signed_out)


@app.route("/api/me", methods=["GET"])
def me() -> Response:
    return _respond(profile.me)
