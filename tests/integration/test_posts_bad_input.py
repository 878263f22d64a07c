"""Input that used to reach a 500, a dropped connection or a leak, over HTTP: each now gets the
4xx the README's Limits table promises, and a hidden post stays hidden."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from tests.integration.conftest import Stack
from tests.integration.posts_client import Person

PLATFORM = "/api/spaces/platform/posts"


@pytest.fixture()
def jane(hub: Stack) -> Iterator[Person]:
    """Steward of platform."""
    yield Person(hub, "jane.doe")


@pytest.fixture()
def lee(hub: Stack) -> Iterator[Person]:
    """A member of platform, not its steward."""
    yield Person(hub, "lee.park")


def test_json_nested_too_deep_is_400_json_not_a_500(jane: Person) -> None:
    answer = jane.post(
        PLATFORM, key=str(uuid.uuid4()), headers={"Content-Type": "application/json"}, data=b"[" * 50_000
    )
    assert answer.status_code == 400, answer.text[:300]
    assert answer.json()["error"] == "malformed-json"


@pytest.mark.parametrize("limit", ["\u00b2", "9" * 5000])
def test_a_limit_that_is_not_plain_digits_is_400_not_a_500(jane: Person, limit: str) -> None:
    answer = jane.get(PLATFORM, limit=limit)
    assert answer.status_code == 400, answer.text[:300]
    assert answer.json()["error"] == "invalid-input"


def test_a_version_beyond_what_dynamodb_stores_is_400(jane: Person) -> None:
    post = jane.create("platform", "versioned")
    answer = jane.post(f"/api/posts/{post['id']}/edit", {"body": "changed", "version": 10**40})
    assert answer.status_code == 400, answer.text[:300]
    assert jane.thread(post["id"])["post"]["body"] == "versioned"


def test_a_form_returning_to_a_non_ascii_path_is_answered_with_an_ascii_location(jane: Person) -> None:
    form = {"body": "unicode return", "idempotency_key": uuid.uuid4().hex, "return_to": "/teams/café/"}
    answer = jane.post(PLATFORM, data=form)
    assert answer.status_code == 303, answer.text[:300]
    assert answer.headers["Location"].startswith("/teams/caf%C3%A9/#post-")


def test_sign_in_returns_to_a_non_ascii_path_percent_encoded(hub: Stack, visitor: requests.Session) -> None:
    done = hub.sign_in(visitor, next_path="/teams/café/")
    assert done.status_code == 303, done.text[:300]
    assert done.headers["Location"] == "/teams/caf%C3%A9/"


def test_who_reacted_to_a_hidden_post_is_hidden_like_the_post(hub: Stack, jane: Person, lee: Person) -> None:
    post = lee.create("platform", "soon hidden")
    assert jane.post(f"/api/posts/{post['id']}/reactions/like", {"state": "on"}).status_code == 200
    assert jane.post(f"/api/posts/{post['id']}/hide", {"reason": "off topic"}).status_code == 200
    newcomer = Person(hub, None)
    assert newcomer.get(f"/api/posts/{post['id']}").status_code == 404
    answer = newcomer.get(f"/api/posts/{post['id']}/reactions")
    assert answer.status_code == 404, answer.text[:300]
    assert "jane.doe" not in answer.text
    # Its author and the space's stewards still see them.
    assert lee.get(f"/api/posts/{post['id']}/reactions").json()["reactions"]["like"] == ["jane.doe"]
    assert jane.get(f"/api/posts/{post['id']}/reactions").status_code == 200


def test_a_reply_under_a_hidden_post_is_hidden_with_it(hub: Stack, jane: Person, lee: Person) -> None:
    post = lee.create("platform", "about to be hidden, with a reply")
    reply = jane.reply(post, "a reply under it")
    assert jane.post(f"/api/posts/{post['id']}/hide", {"reason": "off topic"}).status_code == 200
    newcomer = Person(hub, None)
    for path in (f"/api/posts/{reply['id']}", f"/api/html/posts/{reply['id']}"):
        answer = newcomer.get(path)
        assert answer.status_code == 404, path
        assert "a reply under it" not in answer.text
    # The reply's author, who is a steward here, still reads it.
    assert jane.get(f"/api/posts/{reply['id']}").json()["post"]["body"] == "a reply under it"


@pytest.mark.parametrize("declared", [b"abc", b"-1"])
def test_the_dev_server_answers_a_bad_content_length_with_400(hub: Stack, declared: bytes) -> None:
    port = urlsplit(hub.origin).port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(
            b"POST " + PLATFORM.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: " + declared + b"\r\n\r\n"
        )
        answer = conn.recv(200)
    assert answer.startswith(b"HTTP/1.0 400"), answer


SEEN_BAD = [
    "not base64!",
    "\ud800",
    "x" * 5000,
    "W10",  # base64 of [] : the right alphabet, not a token
    "WzEsInBsYXRmb3JtIixudWxsLCJqYW5lLmRvZSIsMCwxLC0xLFswLDAsMCwwXSxbMCwwLDAsMF1d",  # a version of -1
    12,
]


@pytest.mark.parametrize("seen", SEEN_BAD, ids=range(len(SEEN_BAD)))
def test_a_seen_token_the_api_did_not_give_is_400_and_changes_nothing(jane: Person, lee: Person, seen: object) -> None:
    post = jane.create("platform", "seen me")
    reacted = lee.post(f"/api/posts/{post['id']}/reactions/like", {"state": "on", "seen": seen})
    replied = lee.post(f"/api/posts/{post['id']}/replies", {"body": "Re", "seen": seen}, key=str(uuid.uuid4()))
    for answer in (reacted, replied):
        assert answer.status_code == 400, answer.text[:300]
        if seen == "\ud800":  # refused as text before anything reads it as a token
            assert answer.json()["error"] == "invalid-text"
        else:
            assert answer.json()["error"] == "invalid-input" and "`seen`" in answer.json()["message"]
    after = lee.thread(post["id"])
    assert after["post"]["reactions"]["like"] == {"count": 0, "mine": False} and after["replies"] == []


def test_a_seen_token_of_another_post_still_gets_the_true_answer(jane: Person, lee: Person) -> None:
    mine, other = jane.create("platform", "one"), jane.create("platform", "two")
    assert lee.post(f"/api/posts/{other['id']}/reactions/like", {"state": "on"}).status_code == 200
    answer = lee.post(f"/api/posts/{mine['id']}/reactions/like", {"state": "on", "seen": other["seen"]})
    assert answer.status_code == 200, answer.text[:300]
    assert answer.json()["reactions"]["like"] == {"count": 1, "mine": True}
    again = lee.post(f"/api/posts/{mine['id']}/reactions/like", {"state": "off", "seen": answer.json()["seen"]})
    assert again.json()["reactions"]["like"] == {"count": 0, "mine": False}
