"""Hostile input over HTTP against the dev server, each of which used to reach a 500 (or a 503, or a
forged log line): non-ASCII tokens, lone surrogates, forms with too many fields, newlines in the
provider's answer, Chalice's own answers and Markdown nested deep enough to break a recursive renderer.
Each now gets a clear answer, and nothing is stored."""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests

from chalicelib.web.http import SECURITY_HEADERS
from tests.integration.conftest import Stack
from tests.integration.posts_client import Person

PLATFORM = "/api/spaces/platform/posts"
LONE_SURROGATE_JSON = b'{"body":"a\\ud800b"}'  # the raw JSON escape, as a client can send it


@pytest.fixture()
def jane(hub: Stack) -> Iterator[Person]:
    """Steward of platform."""
    yield Person(hub, "jane.doe")


def _bodies(jane: Person) -> list[str]:
    answer = jane.get(PLATFORM, limit="50")
    assert answer.status_code == 200, answer.text[:300]
    return [post["body"] for post in answer.json()["posts"]]


def _assert_api_refusal(answer: requests.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["Content-Type"] == "application/json"
    document: dict[str, Any] = answer.json()
    assert document["message"] and "Traceback" not in answer.text
    if code is not None:
        assert document["error"] == code
    return document


# --- defect 3 ------------------------------------------------------------------------------------


def test_a_session_cookie_with_a_non_ascii_character_is_a_401(hub: Stack, visitor: requests.Session) -> None:
    answer = visitor.get(hub.url("/api/me"), headers={"Cookie": "commons-session=s1.dev1.é.x"})
    _assert_api_refusal(answer, 401, "not-signed-in")


def test_a_cursor_with_a_non_ascii_signature_is_a_400(jane: Person) -> None:
    payload = base64.urlsafe_b64encode(json.dumps({"f": "space#platform", "k": {}}).encode()).rstrip(b"=").decode()
    answer = jane.get(PLATFORM, cursor=f"c1.dev1.{payload}.é")
    _assert_api_refusal(answer, 400, "bad-cursor")


# --- defect 4 ------------------------------------------------------------------------------------


def test_a_lone_surrogate_in_a_new_post_is_a_400_and_nothing_is_stored(hub: Stack, jane: Person) -> None:
    marker = f"surrogate-{uuid.uuid4().hex}"
    body = LONE_SURROGATE_JSON.replace(b'"a', f'"{marker}'.encode())
    headers = {"Content-Type": "application/json"}
    answer = jane.post(PLATFORM, key=str(uuid.uuid4()), headers=headers, data=body)
    document = _assert_api_refusal(answer, 400, "invalid-text")
    assert "body" in document["message"]
    assert not [text for text in _bodies(jane) if marker in text]


def test_a_lone_surrogate_in_a_hide_reason_is_a_400_and_the_post_stays_visible(jane: Person) -> None:
    post = jane.create("platform", "not hidden by a broken reason")
    answer = jane.post(
        f"/api/posts/{post['id']}/hide", headers={"Content-Type": "application/json"}, data=b'{"reason":"\\udfff"}'
    )
    _assert_api_refusal(answer, 400, "invalid-text")
    thread = jane.thread(post["id"])["post"]
    assert thread["body"] == "not hidden by a broken reason"
    assert not thread.get("hidden")


def test_a_form_field_holding_a_surrogate_is_a_400_and_nothing_is_stored(jane: Person) -> None:
    marker = f"form-surrogate-{uuid.uuid4().hex}"
    body = f"body={marker}%ED%A0%80&idempotency_key={uuid.uuid4().hex}".encode()
    answer = jane.post(PLATFORM, headers={"Content-Type": "application/x-www-form-urlencoded"}, data=body)
    assert answer.status_code == 400, answer.text[:300]
    assert answer.headers["Content-Type"].startswith("text/html") and "not valid" in answer.text
    assert not [text for text in _bodies(jane) if marker in text]


def test_a_query_parameter_holding_a_surrogate_is_a_400(hub: Stack, jane: Person) -> None:
    answer = jane.http.get(hub.url(PLATFORM + "?cursor=%ED%A0%80"), allow_redirects=False)
    _assert_api_refusal(answer, 400)


@pytest.mark.parametrize("text", ["é", "日本", "😀 \U0001f3f3\ufe0f\u200d\U0001f308"])
def test_valid_non_ascii_text_is_stored_as_sent(jane: Person, text: str) -> None:
    marker = f"{text} {uuid.uuid4().hex}"
    post = jane.create("platform", marker)
    assert jane.thread(post["id"])["post"]["body"] == marker


# --- defect 5 ------------------------------------------------------------------------------------


def _many_fields(count: int) -> str:
    return "&".join(f"f{n}=v" for n in range(count))


@pytest.mark.parametrize("count", [51, 500])
def test_a_form_with_too_many_fields_from_another_site_is_a_403(
    hub: Stack, visitor: requests.Session, count: int
) -> None:
    headers = {"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"}
    answer = visitor.post(hub.url(PLATFORM), data=_many_fields(count), headers=headers, allow_redirects=False)
    assert answer.status_code == 403, answer.text[:300]
    assert "another site" in answer.text and "Traceback" not in answer.text


def test_a_form_with_too_many_fields_from_the_hub_is_a_400_saying_so(jane: Person) -> None:
    answer = jane.post(
        PLATFORM, headers={"Content-Type": "application/x-www-form-urlencoded"}, data=_many_fields(51).encode()
    )
    assert answer.status_code == 400, answer.text[:300]
    assert "more than 50 fields" in answer.text


def test_a_form_with_too_many_fields_and_no_session_is_a_clean_4xx(hub: Stack, visitor: requests.Session) -> None:
    headers = {"Origin": hub.origin, "Content-Type": "application/x-www-form-urlencoded"}
    answer = visitor.post(hub.url(PLATFORM), data=_many_fields(51), headers=headers, allow_redirects=False)
    assert answer.status_code in (400, 401), answer.text[:300]
    assert answer.headers["Content-Type"].startswith("text/html") and "Traceback" not in answer.text


# --- defect 9 ------------------------------------------------------------------------------------


def test_a_newline_in_the_providers_error_description_forges_no_log_line(
    hub: Stack, visitor: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    callback = urlsplit(hub.authorize(visitor))
    params = {name: values[0] for name, values in parse_qs(callback.query).items() if name in ("state", "iss")}
    params.update(error="access_denied", error_description="nope\nrefused /api/me: forged-line\r\x1b[2K")
    refused = visitor.get(urlunsplit(callback._replace(query=urlencode(params))), allow_redirects=False)
    assert refused.status_code == 403, refused.text[:300]
    lines = [record.getMessage() for record in caplog.records if "access_denied" in record.getMessage()]
    assert lines and all("\n" not in line and "\r" not in line and "\x1b" not in line for line in lines), lines
    assert any("nope\\nrefused /api/me: forged-line\\r\\x1b[2K" in line for line in lines), lines
    assert not [r for r in caplog.records if r.getMessage().startswith("refused /api/me: forged-line")]


# --- defect 10 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("PUT", "/api/me"), ("DELETE", "/auth/login"), ("GET", PLATFORM)])
def test_chalices_own_answers_carry_the_security_headers(
    hub: Stack, visitor: requests.Session, method: str, path: str
) -> None:
    cookies = hub.session_cookie("jane.doe") if method == "GET" else {}
    answer = visitor.request(method, hub.url(path), cookies=cookies, allow_redirects=False)
    if path.startswith("/api/") and method != "GET":
        assert answer.status_code == 405, answer.text[:300]
        assert answer.json()["error"] == "method-not-allowed"
    elif method != "GET":
        assert answer.status_code == 405, answer.text[:300]
        assert answer.headers["Content-Type"].startswith("text/html") and "not allowed" in answer.text
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, (name, answer.headers)


# --- defect 1 / issue item 13 --------------------------------------------------------------------


@pytest.mark.parametrize("body", ["+ " * 496 + "x", "1. " * 495])
def test_deeply_nested_markdown_is_never_an_html_500(jane: Person, body: str) -> None:
    """Whether the renderer copes (201) or fails (a JSON 500), the answer is JSON without a traceback."""
    answer = jane.post(PLATFORM, {"body": body}, key=str(uuid.uuid4()))
    assert answer.status_code in (201, 500), answer.text[:300]
    assert answer.headers["Content-Type"] == "application/json", answer.text[:300]
    assert "Traceback" not in answer.text and "RecursionError" not in answer.text
    if answer.status_code == 500:
        assert answer.json()["error"] == "internal-error"
