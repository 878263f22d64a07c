"""The feeds' actions: the two Atom documents (their token is their whole authority: no session,
no cookie), and revoking, by the signed-in person, as JSON or as a form answered 303."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from chalicelib.directory import Person
from chalicelib.feeds.links import ORG_PATH, PAGE_PATH, SUFFIX, FeedNotFoundError, space_path
from chalicelib.web import forms
from chalicelib.web.http import Incoming, Outgoing, json_body, redirect

if TYPE_CHECKING:
    from chalicelib.runtime import Services

# Feed readers poll; five minutes of their own copy is fresh enough, and it is nobody else's.
CACHE_CONTROL = "private, max-age=300"


def org_feed(incoming: Incoming, services: Services) -> Outgoing:
    feeds = services.feeds
    token = incoming.param("t")
    person = feeds.links.reader(token)
    return _atom(feeds.reader.org(person, _self_link(services, ORG_PATH, token or "")))


def space_feed(incoming: Incoming, services: Services) -> Outgoing:
    feeds = services.feeds
    token = incoming.param("t")
    person = feeds.links.reader(token)
    name = incoming.path_params.get("feed", "")
    if not name.endswith(SUFFIX) or len(name) > 200:
        raise FeedNotFoundError("space feed not named <slug>.atom")
    slug = name.removesuffix(SUFFIX)
    return _atom(feeds.reader.space(person, slug, _self_link(services, space_path(slug), token or "")))


def revoke(incoming: Incoming, services: Services) -> Outgoing:
    """Every feed link of the signed-in person stops working. JSON: their new links. A form: 303
    to its `return_to`, or to the page of feed links."""
    person = signed_in_person(incoming, services)
    submission = forms.read(incoming, frozenset())
    links = services.feeds.links.revoke(person)
    if submission.is_form:
        return redirect(submission.return_to or f"{PAGE_PATH}?revoked=1")
    return json_body(links)


def signed_in_person(incoming: Incoming, services: Services) -> Person:
    """The signed-in person; only people in the directory have feeds."""
    refusal = "Only people in the directory have feeds. Add yourself to the hub first."
    return services.auth.directory_person(incoming, services.clock(), services.directory, refusal)


def _self_link(services: Services, path: str, token: str) -> str:
    return f"{services.settings.public_origin.rstrip('/')}{path}?t={quote(token, safe='')}"


def _atom(document: str) -> Outgoing:
    from chalicelib.feeds import atom

    return Outgoing(200, document, atom.MEDIA_TYPE, headers={"Cache-Control": CACHE_CONTROL})
