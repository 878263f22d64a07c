"""Private Atom feeds over HTTP against the dev server and moto's DynamoDB: the links in /api/me,
what a feed shows (the newest 50 posts its person may see), revoking, and every link that opens
nothing answered with one and the same 404; hostile tokens and paths get a 400 or 404, never a 500,
and no token reaches the functions' log."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from chalicelib.config import SessionKey
from chalicelib.feeds import reading
from chalicelib.feeds.reading import FEED_SIZE
from chalicelib.feeds.tokens import FeedToken, FeedTokens
from chalicelib.web.http import SECURITY_HEADERS
from tests.integration.conftest import SPACES, Stack
from tests.integration.posts_client import Person
from tests.unit.test_feeds_atom import NS, valid_atom


@pytest.fixture()
def jane(hub: Stack) -> Iterator[Person]:
    """Steward of platform."""
    yield Person(hub, "jane.doe")


@pytest.fixture()
def lee(hub: Stack) -> Iterator[Person]:
    """A member of platform, not its steward."""
    yield Person(hub, "lee.park")


def feeds_of(person: Person) -> dict[str, Any]:
    answer = person.get("/api/me")
    assert answer.status_code == 200, answer.text[:300]
    feeds: dict[str, Any] = answer.json()["feeds"]
    return feeds


def fetch(url: str) -> requests.Response:
    """As a feed reader does: no cookie, no session."""
    return requests.get(url, allow_redirects=False, timeout=30)


def entry_ids(answer: requests.Response) -> list[str]:
    assert answer.status_code == 200, answer.text[:300]
    return [e.findtext("a:id", namespaces=NS) or "" for e in valid_atom(answer.content).findall("a:entry", NS)]


def revoke(person: Person) -> dict[str, Any]:
    answer = person.post("/api/feeds/revoke", {})
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["Content-Type"] == "application/json"
    fresh: dict[str, Any] = answer.json()
    return fresh


def test_me_lists_absolute_links_for_the_org_and_every_space(hub: Stack, jane: Person, lee: Person) -> None:
    feeds = feeds_of(jane)
    assert set(feeds) == {"org", "spaces"} and set(feeds["spaces"]) == set(SPACES)
    token = feeds["org"].split("?t=", 1)[1]
    assert feeds["org"] == hub.url(f"/api/feeds/org.atom?t={token}")
    for slug, url in feeds["spaces"].items():
        assert url == hub.url(f"/api/feeds/spaces/{slug}.atom?t={token}")
    assert feeds_of(jane) == feeds, "the same links until they are revoked"
    assert feeds_of(lee)["org"] != feeds["org"], "each person's own"
    assert Person(hub, None).get("/api/me").json()["feeds"] is None, "not in the directory: no feeds"


def test_a_feed_is_atom_of_the_newest_fifty_posts_its_person_may_see(jane: Person, lee: Person) -> None:
    run = uuid.uuid4().hex[:6]
    visible = [lee.create("platform", f"Feed {run} {n}") for n in range(FEED_SIZE + 3)]
    hidden = [lee.create("platform", f"Hidden {run} {n}") for n in range(4)]
    for post in hidden:
        assert jane.post(f"/api/posts/{post['id']}/hide", {"reason": "Off topic"}).status_code == 200
    deleted = lee.create("platform", f"Deleted {run}")
    assert lee.post(f"/api/posts/{deleted['id']}/delete").status_code == 200
    newest = [reading.entry_id(post["id"]) for post in reversed(visible)][:FEED_SIZE]

    for person in (lee, jane):  # hidden posts stay out for their author and the space's steward too
        answer = fetch(feeds_of(person)["spaces"]["platform"])
        assert entry_ids(answer) == newest
        assert answer.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
        assert answer.headers["Cache-Control"] == "private, max-age=300"
        for name in ("X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy"):
            assert answer.headers[name] == SECURITY_HEADERS[name]
    org = fetch(feeds_of(lee)["org"])
    assert entry_ids(org)[:FEED_SIZE] == newest
    hidden_ids = {reading.entry_id(post["id"]) for post in [*hidden, deleted]}
    assert not hidden_ids & set(entry_ids(org))
    first = valid_atom(org.content).find("a:entry", NS)
    assert first.findtext("a:title", namespaces=NS) == f"Feed {run} {FEED_SIZE + 2}"
    assert first.findtext("a:author/a:name", namespaces=NS) == "Lee Park"
    assert f"Feed {run} {FEED_SIZE + 2}" in (first.findtext("a:content", namespaces=NS) or "")
    assert fetch(feeds_of(lee)["spaces"]["design"]).status_code == 200


def test_revoking_stops_every_old_link_with_the_same_404_as_a_forged_one(
    hub: Stack, lee: Person, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = feeds_of(lee)
    assert fetch(before["org"]).status_code == 200
    after = revoke(lee)
    assert after == feeds_of(lee) and after["org"] != before["org"]
    assert set(after["spaces"]) == set(before["spaces"])
    old_token = before["org"].split("?t=", 1)[1]
    forged = old_token[:-3] + ("AAA" if not old_token.endswith("AAA") else "BBB")
    gone = FeedTokens(hub.settings.session_keys).seal(FeedToken("someone.who.left", 0))
    refused = [
        fetch(before["org"]),
        fetch(before["spaces"]["platform"]),
        fetch(hub.url(f"/api/feeds/org.atom?t={forged}")),
        fetch(hub.url(f"/api/feeds/org.atom?t={gone}")),
        fetch(hub.url("/api/feeds/org.atom")),
        fetch(after["spaces"]["platform"].replace("/platform.atom", "/nowhere.atom")),
        fetch(after["spaces"]["platform"].replace("/platform.atom", "/platform")),
    ]
    for answer in refused:
        assert answer.status_code == 404, answer.text[:300]
        assert answer.content == refused[0].content and answer.headers["Content-Type"] == "application/json"
    assert refused[0].json()["error"] == "not-found"
    assert fetch(after["org"]).status_code == 200 and fetch(after["spaces"]["design"]).status_code == 200
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("chalicelib"))
    assert "refused /api/feeds/org.atom: not-found: feed link of lee.park was revoked" in logged
    for token in (old_token, forged, after["org"].split("?t=", 1)[1]):
        assert token.rsplit(".", 1)[-1] not in logged


def test_links_outlive_a_key_rotation_until_the_old_key_is_retired(hub: Stack, lee: Person) -> None:
    before = feeds_of(lee)
    old = hub.settings.session_keys[0]
    new = SessionKey("rotated", b"r" * 32)
    hub.install(session_keys=(new, old))
    assert fetch(before["org"]).status_code == 200
    rotated = feeds_of(lee)
    assert rotated != before and ".rotated." in rotated["org"]
    hub.install(session_keys=(new,))
    assert fetch(before["org"]).status_code == 404
    assert fetch(rotated["org"]).status_code == 200


def test_revoke_as_a_form_answers_303_to_a_safe_return_to(lee: Person) -> None:
    before = feeds_of(lee)
    answer = lee.post("/api/feeds/revoke", data={"return_to": "/people/lee.park/"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/people/lee.park/"
    assert feeds_of(lee) != before and fetch(before["org"]).status_code == 404
    plain = lee.post("/api/feeds/revoke", data=b"", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert plain.status_code == 303 and plain.headers["Location"] == "/api/html/feeds?revoked=1"
    unsafe = lee.post("/api/feeds/revoke", data={"return_to": "//evil.example/"})
    assert unsafe.status_code == 400 and unsafe.headers["Content-Type"].startswith("text/html")


def test_revoke_is_a_write_like_every_other(hub: Stack, lee: Person) -> None:
    before = feeds_of(lee)
    refusals = [
        (lee.post("/api/feeds/revoke", {}, origin="https://evil.example"), 403),
        (lee.post("/api/feeds/revoke", {}, origin=None), 403),
        (lee.post("/api/feeds/revoke", {"surprise": 1}), 400),
        (lee.post("/api/feeds/revoke", data=b"x", headers={"Content-Type": "text/plain"}), 415),
        (requests.post(hub.url("/api/feeds/revoke"), json={}, headers={"Origin": hub.origin}, timeout=30), 401),
        (Person(hub, None).post("/api/feeds/revoke", {}), 403),
    ]
    for answer, status in refusals:
        assert answer.status_code == status, answer.text[:300]
    assert feeds_of(lee) == before, "nothing was revoked"


def test_the_plain_page_lists_the_links_and_revokes_them(lee: Person) -> None:
    before = feeds_of(lee)
    page = lee.get("/api/html/feeds")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for url in [before["org"], *before["spaces"].values()]:
        assert url.replace("&", "&amp;") in page.text
    assert 'action="/api/feeds/revoke"' in page.text and "Revoke all feed links" in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert requests.get(lee.stack.url("/api/html/feeds"), timeout=30).status_code == 401


def raw_get(stack: Stack, target: bytes) -> int:
    """The status of a GET whose request line is sent byte for byte (requests would re-encode it)."""
    parts = urlsplit(stack.origin)
    with socket.create_connection((parts.hostname or "localhost", parts.port or 80), timeout=30) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        head = b""
        while b"\r\n" not in head:
            chunk = connection.recv(4096)
            if not chunk:
                break
            head += chunk
    return int(head.split(b" ", 2)[1])


@pytest.mark.parametrize(
    "target",
    [
        b"/api/feeds/org.atom?t=%C3%A9",
        b"/api/feeds/org.atom?t=\xc3\xa9",
        b"/api/feeds/org.atom?t=f1.dev.%C3%A9.%C3%A9",
        b"/api/feeds/org.atom?t=%ED%A0%80",
        b"/api/feeds/org.atom?t=%FF%FE",
        b"/api/feeds/org.atom?t=a&t=b",
        b"/api/feeds/org.atom?t=%00",
        b"/api/feeds/spaces/%C3%A9.atom?t=x",
        b"/api/feeds/spaces/%ED%A0%80.atom?t=x",
        b"/api/feeds/spaces/%FF.atom?t=x",
        b"/api/feeds/spaces/" + b"a" * 3000 + b".atom?t=x",
    ],
)
def test_hostile_tokens_and_paths_are_a_400_or_404_never_a_500(hub: Stack, target: bytes) -> None:
    assert raw_get(hub, target) in (400, 404)


def test_a_genuine_token_with_hostile_text_around_it_opens_nothing_else(hub: Stack, lee: Person) -> None:
    url = feeds_of(lee)["spaces"]["platform"]
    token = url.split("?t=", 1)[1]
    for target in (
        f"/api/feeds/spaces/platform%ED%A0%80.atom?t={token}",
        f"/api/feeds/spaces/%C3%A9.atom?t={token}",
        f"/api/feeds/org.atom?t={token}%C3%A9",
        f"/api/feeds/org.atom?t={token}&t={token}",
    ):
        assert raw_get(hub, target.encode()) in (400, 404), target
    assert raw_get(hub, f"/api/feeds/spaces/platform.atom?t={token}".encode()) == 200
