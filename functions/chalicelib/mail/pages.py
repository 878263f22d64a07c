"""Mail's pages, rendered by the function for browsers without JavaScript: the signed-in person's
mail preferences (a form that posts to `/api/mail/preferences`), and the unsubscribe link's two
pages: a confirm button (a GET changes nothing, as mail scanners fetch every link) and the answer.

Everything shown is escaped. The pages load nothing and run no script: their only style is inline,
allowed by its hash in a strict Content-Security-Policy, as for posts' pages.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from chalicelib.directory import Person
from chalicelib.errors import CommonsError, MailOffError
from chalicelib.mail.compose import PREFERENCES_PATH, UNSUBSCRIBE_PATH
from chalicelib.mail.services import MailServices
from chalicelib.mail.unsubscribe import describe
from chalicelib.runtime import Services
from chalicelib.web.http import Incoming, Outgoing, problem_outgoing
from chalicelib.web.skeleton import Skeleton

STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}"
    "fieldset{border:1px solid #ddd;margin:1rem 0;padding:.5rem 1rem}legend{font-weight:bold}"
    ".spaces{max-height:22rem;overflow:auto}label{display:block;margin:.2rem 0}"
    "button{font:inherit;padding:.4rem .9rem;cursor:pointer;border:1px solid #3f51b5;border-radius:4px;"
    "background:#3f51b5;color:#fff}.note{background:#fff4e5;padding:.5rem .8rem}.done{background:#e8f5e9;"
    "padding:.5rem .8rem}.meta{color:#555;font-size:.9rem}nav a{margin-right:1rem}"
)
SKELETON = Skeleton(STYLE)
DIGEST_LABELS = {"weekly": "Weekly, on Mondays", "daily": "Daily", "off": "No digest"}


def page(title: str, body: str, status: int = 200) -> Outgoing:
    return SKELETON.page(title, body, status)


def mail_of(services: Services) -> MailServices:
    """The mail services of the composition root; a 404 where this deployment has no mail."""
    if not services.mail.settings.enabled:
        raise MailOffError("COMMONS_MAIL_DOMAIN is not set")
    return services.mail


def person_of(incoming: Incoming, services: Services) -> Person:
    """The signed-in person; only people in the directory have mail preferences."""
    refusal = "Only people in the directory get mail from Commons. Add yourself to the hub first."
    return services.auth.directory_person(incoming, services.clock(), services.directory, refusal)


# --- preferences ---------------------------------------------------------------------------------


def preferences_page(incoming: Incoming, services: Services) -> Outgoing:
    person = person_of(incoming, services)
    shown = mail_of(services).preferences.shown(person)
    chosen = mail_of(services).store.preferences(person.handle)
    parts = [f'<p class="meta">What Commons mails to {escape(person.email)}.</p>']
    if incoming.param("saved") == "1":
        parts.append('<p class="done" role="status">Your mail preferences are saved.</p>')
    suppressed = shown["suppressed"]
    if suppressed is not None:
        why = "bounced" if suppressed["reason"] == "bounce" else "was reported as spam from your mailbox"
        parts.append(
            f'<div class="note"><p>Mail to your address stopped on {escape(suppressed["at"][:10])}: a message to it '
            f"{why}. Nothing is sent to you until you ask for it again.</p>"
            f'<form method="post" action="/api/mail/preferences">'
            f'<input type="hidden" name="resume" value="on">'
            f'<input type="hidden" name="return_to" value="{escape(PREFERENCES_PATH)}?saved=1">'
            '<button type="submit">Mail me again</button></form></div>'
        )
    followed = set(shown["follows"])
    boxes = "".join(
        f'<label><input type="checkbox" name="follows" value="{escape(space["slug"])}"'
        f"{' checked' if space['slug'] in followed else ''}> {escape(space['name'])}</label>"
        for space in sorted(shown["spaces"], key=lambda s: (s["slug"] not in followed, s["name"].casefold()))
    )
    defaults = (
        '<p class="meta">These are the defaults: your team\'s space and the spaces you steward.</p>'
        if chosen is None or chosen.follows is None
        else ""
    )
    radios = "".join(
        f'<label><input type="radio" name="digest" value="{value}"'
        f"{' checked' if shown['digest'] == value else ''}> {label}</label>"
        for value, label in DIGEST_LABELS.items()
    )
    parts.append(
        '<form method="post" action="/api/mail/preferences">'
        f'<input type="hidden" name="return_to" value="{escape(PREFERENCES_PATH)}?saved=1">'
        f'<fieldset><legend>Spaces you follow</legend>{defaults}<div class="spaces">{boxes}</div></fieldset>'
        f"<fieldset><legend>New posts in the spaces you follow</legend>"
        f"{_box('each_post', shown['each_post'], 'Mail me each new post as it comes')}"
        f"<p>A digest of them:</p>{radios}</fieldset>"
        "<fieldset><legend>About you</legend>"
        f"{_box('mentions', shown['mentions'], 'Mail me when someone mentions me')}"
        f"{_box('replies', shown['replies'], 'Mail me replies to my posts and to threads I replied in')}"
        "</fieldset>"
        '<button type="submit">Save</button></form>'
        f'<p><a href="/{escape(person.url.lstrip("/"))}">Back to your page</a></p>'
    )
    return page("Mail preferences", "".join(parts))


def _box(name: str, on: bool, label: str) -> str:
    checked = " checked" if on else ""
    return f'<label><input type="checkbox" name="{name}" value="on"{checked}> {escape(label)}</label>'


# --- unsubscribe ---------------------------------------------------------------------------------


def unsubscribe_confirm(incoming: Incoming, services: Services) -> Outgoing:
    """GET: what the link would stop, and a button that stops it. Nothing changes here."""
    try:
        token = incoming.param("t")
        unsubscribe = mail_of(services).unsubscribes.open(token)
        what = describe(unsubscribe, _space_name(services, unsubscribe.space))
        action = f"{UNSUBSCRIBE_PATH}?t={quote(token or '', safe='')}"
        body = (
            f"<p>Stop {escape(what)}?</p>"
            f'<form method="post" action="{escape(action)}">'
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            '<button type="submit">Unsubscribe</button></form>'
            f'<p class="meta">Or choose what Commons mails you on your '
            f'<a href="{escape(PREFERENCES_PATH)}">mail preferences</a> page.</p>'
        )
        return page("Unsubscribe", body)
    except CommonsError as error:
        return _refused(error, incoming)


def unsubscribe(incoming: Incoming, services: Services) -> Outgoing:
    """POST (one click, from a mail client or the confirm page): stop what the token names."""
    try:
        mail = mail_of(services)
        unsubscribed = mail.unsubscribes.open(incoming.param("t"))
        mail.preferences.unsubscribe(unsubscribed)
        what = describe(unsubscribed, _space_name(services, unsubscribed.space))
        body = (
            f"<p>Commons will not send you {escape(what)} any more.</p>"
            f'<p class="meta">Changed your mind? Choose again on your '
            f'<a href="{escape(PREFERENCES_PATH)}">mail preferences</a> page.</p>'
        )
        return page("You are unsubscribed", body)
    except CommonsError as error:
        return _refused(error, incoming)


def _space_name(services: Services, slug: str | None) -> str | None:
    space = services.directory.space(slug) if slug else None
    return space.name if space is not None else slug


def _refused(error: CommonsError, incoming: Incoming) -> Outgoing:
    # A page, not JSON: whoever opened a link from a mail reads the answer in a browser.
    return problem_outgoing(error, incoming.path, back="/")
