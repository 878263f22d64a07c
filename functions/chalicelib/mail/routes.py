"""Mail's routes, as a Chalice Blueprint: the signed-in person's mail preferences (JSON for the
hub's script, a form and a page without it) and the one-click unsubscribe link.

Write routes accept every content type, so that our own checks answer (413, 415, the Origin
check) in the same JSON or page form as every error. The unsubscribe POST is the one route
exempt from the Origin check (see `web.http.answer`): mail clients post it from no page.
"""

from __future__ import annotations

from collections.abc import Callable

from chalice.app import Blueprint, Response

from chalicelib.mail import pages, preferences
from chalicelib.mail.compose import PREFERENCES_PATH
from chalicelib.routing import Action, respond
from chalicelib.runtime import Services
from chalicelib.web import forms
from chalicelib.web.http import FORM_TYPE, Incoming, Outgoing, json_body, redirect

mail = Blueprint(__name__)
ANY_TYPE = ["*/*"]


# --- actions -------------------------------------------------------------------------------------


def preferences_shown(incoming: Incoming, services: Services) -> Outgoing:
    person = pages.person_of(incoming, services)
    return json_body(pages.mail_of(services).preferences.shown(person))


def preferences_changed(incoming: Incoming, services: Services) -> Outgoing:
    """JSON: the fields sent change those choices, and the answer is the preferences now. A form:
    every choice, and 303 back to its page."""
    person = pages.person_of(incoming, services)
    choices = pages.mail_of(services).preferences
    if incoming.media_type == FORM_TYPE:
        fields, return_to = preferences.read_form(incoming)
        choices.change(person, preferences.from_form(fields, services.directory))
        return redirect(return_to or f"{PREFERENCES_PATH}?saved=1")
    submission = forms.read(incoming, preferences.FIELDS)
    choices.change(person, preferences.from_json(submission.fields, choices.current(person), services.directory))
    return json_body(choices.shown(person))


# --- wiring --------------------------------------------------------------------------------------


def _view(action: Action, method: str, *, one_click: bool = False) -> Callable[..., Response]:
    def view(**_: str) -> Response:
        return respond(mail.current_request, action, one_click_unsubscribe=one_click)

    view.__name__ = f"mail_{action.__name__}_{method}"
    return view


mail.route("/api/mail/preferences", methods=["GET"])(_view(preferences_shown, "get"))
mail.route("/api/mail/preferences", methods=["POST"], content_types=ANY_TYPE)(_view(preferences_changed, "post"))
mail.route("/api/html/mail/preferences", methods=["GET"])(_view(pages.preferences_page, "get"))
mail.route("/api/mail/unsubscribe", methods=["GET"])(_view(pages.unsubscribe_confirm, "get"))
mail.route("/api/mail/unsubscribe", methods=["POST"], content_types=ANY_TYPE)(
    _view(pages.unsubscribe, "post", one_click=True)
)
