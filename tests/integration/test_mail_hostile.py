"""Hostile input to mail's routes over HTTP against the dev server: lone surrogates and non-ASCII
text in every field, header and query, oversized and over-many-field forms, deep JSON and damaged
unsubscribe links. Each gets a clear 4xx, and the person's choices stay as they were."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from chalicelib.mail.unsubscribe import Unsubscribe, UnsubscribeTokens
from tests.integration.conftest import Stack
from tests.integration.posts_client import Person

PREFERENCES = "/api/mail/preferences"
UNSUBSCRIBE = "/api/mail/unsubscribe"


@pytest.fixture()
def lee(hub: Stack) -> Iterator[Person]:
    person = Person(hub, "lee.park")
    assert person.post(PREFERENCES, {"digest": "weekly", "follows": None, "mentions": True}).status_code == 200
    yield person


def _choices(person: Person) -> dict[str, Any]:
    answer = person.get(PREFERENCES)
    assert answer.status_code == 200, answer.text[:300]
    shown: dict[str, Any] = answer.json()
    return shown


def _refused(answer: requests.Response, status: int) -> None:
    assert answer.status_code == status, answer.text[:300]
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    "raw",
    [
        b'{"follows": ["plat\\ud800form"]}',
        b'{"digest": "\\udfffweekly"}',
        b'{"\\ud800": true}',
        b'{"follows": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"mentions": "yes"}',
        b'{"follows": "platform"}',
        b"[]",
        b'"digest"',
        '{"digest": "wöchentlich"}'.encode(),
    ],
)
def test_bad_json_is_a_400_and_changes_nothing(lee: Person, raw: bytes) -> None:
    before = _choices(lee)
    _refused(lee.post(PREFERENCES, data=raw, headers={"Content-Type": "application/json"}), 400)
    assert _choices(lee) == before


@pytest.mark.parametrize(
    "body",
    [
        b"digest=weekly&follows=plat%ED%A0%80form",
        b"digest=%ED%A0%80",
        b"digest=weekly&mentions=%FF",
        b"digest=weekly&return_to=%2F%ED%A0%80",
        b"digest=weekly&return_to=https%3A%2F%2Fevil.example%2F",
        b"digest=weekly&digest=daily",
        b"digest=weekly&surprise=1",
        b"&".join(b"follows=s%d" % n for n in range(6000)) + b"&digest=weekly",
    ],
)
def test_bad_forms_are_a_4xx_page_and_change_nothing(lee: Person, body: bytes) -> None:
    before = _choices(lee)
    answer = lee.post(PREFERENCES, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= answer.status_code < 500 and answer.headers["Content-Type"].startswith("text/html"), answer.text[:300]
    assert _choices(lee) == before


def test_an_oversized_form_is_a_413(lee: Person) -> None:
    before = _choices(lee)
    body = b"digest=weekly&follows=" + b"a" * 200_000
    _refused(lee.post(PREFERENCES, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}), 413)
    assert _choices(lee) == before


def test_a_foreign_origin_changes_nothing(lee: Person) -> None:
    before = _choices(lee)
    _refused(lee.post(PREFERENCES, {"digest": "off"}, origin="https://evil.example"), 403)
    _refused(lee.post(PREFERENCES, {"digest": "off"}, origin=None), 403)
    assert _choices(lee) == before


@pytest.mark.parametrize("cookie", ["caf\u00e9", "x" * 5000, "\u2603.\u2603"])
def test_a_bad_session_cookie_is_a_401(hub: Stack, cookie: str) -> None:
    header = f"commons-session={cookie}".encode()
    answer = requests.get(hub.url(PREFERENCES), headers={"Cookie": header}, timeout=30)
    _refused(answer, 401)


@pytest.mark.parametrize(
    "query",
    [
        b"t=%ED%A0%80",
        b"t=caf%C3%A9",
        b"t=" + b"A" * 5000,
        b"t=a&t=b",
        b"t=%00",
        b"t=",
    ],
)
def test_a_damaged_unsubscribe_link_is_a_400_page_and_changes_nothing(lee: Person, hub: Stack, query: bytes) -> None:
    before = _choices(lee)
    url = hub.url(UNSUBSCRIBE) + "?" + query.decode("latin-1")
    for answer in (
        requests.get(url, timeout=30),
        requests.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=30),
    ):
        assert answer.status_code == 400, answer.text[:300]
        assert answer.headers["Content-Type"].startswith("text/html") and "Traceback" not in answer.text
    assert _choices(lee) == before


def test_a_good_link_for_another_person_changes_only_theirs(lee: Person, hub: Stack) -> None:
    mine = _choices(lee)
    token = UnsubscribeTokens(hub.settings.session_keys).seal(Unsubscribe("jane.doe", "all"))
    answer = requests.post(
        hub.url(UNSUBSCRIBE), params={"t": token}, data={"List-Unsubscribe": "One-Click"}, timeout=30
    )
    assert answer.status_code == 200, answer.text[:300]
    assert _choices(lee) == mine
    jane = _choices(Person(hub, "jane.doe"))
    assert (jane["digest"], jane["each_post"], jane["mentions"], jane["replies"]) == ("off", False, False, False)


def test_where_mail_is_off_its_routes_say_so_with_a_404(hub: Stack) -> None:
    from dataclasses import replace

    hub.install(mail=replace(hub.settings.mail, enabled=False))
    lee = Person(hub, "lee.park")
    answer = lee.get(PREFERENCES)
    assert answer.status_code == 404 and answer.json()["error"] == "mail-off", answer.text[:300]
    assert lee.post(PREFERENCES, {"digest": "off"}).status_code == 404
    page = lee.get("/api/html/mail/preferences")
    assert page.status_code == 404 and "sends no mail" in page.text
    token = UnsubscribeTokens(hub.settings.session_keys).seal(Unsubscribe("lee.park", "all"))
    assert requests.post(hub.url(UNSUBSCRIBE), params={"t": token}, timeout=30).status_code == 404
