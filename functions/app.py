"""Commons' functions on Lambda: wiring only. Each feature's routes are a Blueprint in its package
under chalicelib; domain errors become short pages or JSON in `chalicelib.web`."""

from __future__ import annotations

from chalice.app import Chalice

from chalicelib.auth.routes import auth
from chalicelib.posts.routes import posts
from chalicelib.web.http import secure_every_answer

app = Chalice(app_name="commons")
app.debug = False  # tracebacks never reach a visitor
app.register_middleware(secure_every_answer, "http")  # Chalice's own 405/415/500 too
app.register_blueprint(auth)  # sign-in, sign-out and /api/me
app.register_blueprint(posts)  # posts, replies, reactions, outcomes and their no-JavaScript pages
