"""Hostile input at the edge, without a network: non-ASCII tokens, lone surrogates anywhere in a
request, forms with too many fields, request text bound for the log, and bugs under /api."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping

import pytest

from chalicelib import errors, web
from chalicelib.config import SessionKey
from chalicelib.signing import TokenError, TokenSigner
from chalicelib.web import forms

ORIGIN = "https://hub.example.com"
LONE = "\ud800"  # a high surrogate with no low one after it: not text


def _incoming(
    path: str = "/api/spaces/platform/posts",
    method: str = "GET",
    *,
    query: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    cookies: Mapping[str, str] | None = None,
    body: bytes = b"",
    path_params: Mapping[str, str] | None = None,
) -> web.Incoming:
    return web.Incoming(method, path, query or {}, headers or {}, cookies or {}, body, path_params or {})


def _reached(seen: list[web.Incoming]) -> Callable[[web.Incoming], web.Outgoing]:
    def action(incoming: web.Incoming) -> web.Outgoing:
        seen.append(incoming)
        return web.json_body({"ok": True})

    return action


def _answer(incoming: web.Incoming, seen: list[web.Incoming] | None = None) -> web.Outgoing:
    return web.answer(incoming, _reached(seen if seen is not None else []), lambda: ORIGIN)


# --- defect 3: the shared token format -----------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["s1.dev1.é.x", "s1.dev1.payload.é", "s1.dév1.payload.sig", "s1.dev1.\ud800.x", "s1.dev1.payload.日本"],
)
def test_a_token_holding_non_ascii_text_is_refused_not_crashed_on(token: str) -> None:
    signer = TokenSigner([SessionKey("dev1", b"k" * 32)], purpose="session", version="s1", what="session cookie")
    with pytest.raises(TokenError, match="session cookie is malformed"):
        signer.open(token, 3500)


# --- defect 4: lone surrogates, refused once at the edge -----------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        rb'{"body":"a\ud800b"}',
        rb'{"body":"a\udc00b"}',
        rb'{"body":"\ude00\ud83d"}',  # a pair in the wrong order is two lone halves
        rb'{"body":["x",{"deep":"\ud800"}]}',
        rb'{"a\ud800":"x"}',
    ],
)
def test_a_lone_surrogate_anywhere_in_a_json_body_is_refused(body: bytes) -> None:
    incoming = _incoming(method="POST", headers={"content-type": "application/json"}, body=body)
    with pytest.raises(errors.InvalidTextError) as raised:
        forms.read(incoming, frozenset({"body", "a\ud800"}))
    assert web.status_for(raised.value) == 400
    assert "not valid Unicode" in raised.value.message
    assert LONE not in raised.value.message  # the message itself must stay printable and encodable


def test_valid_non_ascii_json_text_is_kept_as_sent() -> None:
    body = '{"body":"café 日本 😀 \\ud83d\\ude00 \\u00e9"}'.encode()
    incoming = _incoming(method="POST", headers={"content-type": "application/json"}, body=body)
    assert forms.read(incoming, frozenset({"body"})).fields["body"] == "café 日本 😀 😀 é"


@pytest.mark.parametrize("body", [b"body=a%ED%A0%80b", b"body=a%FFb", b"a%ED%A0%80=x"])
def test_a_form_field_that_is_not_utf8_text_is_refused_not_replaced(body: bytes) -> None:
    incoming = _incoming(method="POST", headers={"content-type": web.FORM_TYPE}, body=body)
    with pytest.raises(errors.InvalidTextError) as raised:
        forms.read(incoming, frozenset({"body"}))
    assert "not valid" in raised.value.message


def test_a_form_with_non_ascii_text_is_read() -> None:
    incoming = _incoming(method="POST", headers={"content-type": web.FORM_TYPE}, body=b"body=caf%C3%A9+%F0%9F%98%80")
    assert forms.read(incoming, frozenset({"body"})).fields["body"] == "café 😀"


@pytest.mark.parametrize(
    ("where", "incoming"),
    [
        ("query parameter 'cursor'", _incoming(query={"cursor": [f"c1.{LONE}"]})),
        ("query parameter", _incoming(query={f"x{LONE}": ["1"]})),
        ("header 'idempotency-key'", _incoming(headers={"idempotency-key": LONE})),
        ("cookie 'commons-session'", _incoming(cookies={"commons-session": f"s1.{LONE}"})),
        ("path parameter 'slug'", _incoming(path_params={"slug": LONE})),
    ],
)
def test_a_lone_surrogate_anywhere_in_the_request_is_a_400_before_the_action(
    where: str, incoming: web.Incoming
) -> None:
    seen: list[web.Incoming] = []
    out = _answer(incoming, seen)
    assert out.status == 400 and seen == []
    document = json.loads(out.body)
    assert document["error"] == "invalid-text"
    assert where in document["message"] and "not valid Unicode" in document["message"]


def test_a_lone_surrogate_on_a_page_route_is_a_short_page() -> None:
    out = _answer(_incoming("/auth/login", query={"next": [f"/teams/{LONE}/"]}))
    assert out.status == 400 and out.content_type.startswith("text/html")
    out.body.encode("utf-8")  # the page itself is text
    assert "not valid Unicode" in out.body


def test_a_lone_surrogate_in_the_referer_of_a_refused_form_still_gets_an_answer() -> None:
    headers = {"content-type": web.FORM_TYPE, "origin": ORIGIN, "referer": f"{ORIGIN}/teams/{LONE}/"}
    out = _answer(_incoming(method="POST", headers=headers, body=b"body=x"))
    assert out.status == 400
    assert 'href="/"' in out.body  # the unreadable referer is not a way back


@pytest.mark.parametrize("text", ["é", "日本", "😀", "Zoë Ω"])
def test_valid_non_ascii_text_reaches_the_action(text: str) -> None:
    seen: list[web.Incoming] = []
    incoming = _incoming(query={"q": [text]}, headers={"x-name": text}, cookies={"c": text}, path_params={"slug": text})
    assert _answer(incoming, seen).status == 200
    assert seen == [incoming]


def test_a_path_parameter_with_a_lone_surrogate_does_not_break_the_request_path() -> None:
    from chalicelib.web.http import _actual_path

    assert _actual_path("/api/posts/{id}", {"id": f"a{LONE}"}) == "/api/posts/a%ED%A0%80"


# --- defect 5: forms with too many fields --------------------------------------------------------


def _fields(count: int) -> bytes:
    return "&".join(f"f{n}=v" for n in range(count)).encode()


def test_a_form_with_too_many_fields_from_another_site_is_a_403_page() -> None:
    headers = {"content-type": web.FORM_TYPE, "origin": "https://evil.example"}
    out = _answer(_incoming(method="POST", headers=headers, body=_fields(60)))
    assert out.status == 403 and out.content_type.startswith("text/html")


def test_a_form_with_too_many_fields_from_the_hub_is_a_400_saying_so() -> None:
    def action(incoming: web.Incoming) -> web.Outgoing:
        forms.read(incoming, frozenset({"body"}))
        return web.html("saved")

    headers = {"content-type": web.FORM_TYPE, "origin": ORIGIN}
    out = web.answer(_incoming(method="POST", headers=headers, body=_fields(51)), action, lambda: ORIGIN)
    assert out.status == 400 and out.content_type.startswith("text/html")
    assert "more than 50 fields" in out.body


# --- defect 9: request text in the log -----------------------------------------------------------


def test_printable_escapes_what_could_forge_or_break_a_log_line() -> None:
    from chalicelib.web.http import printable

    assert printable("a\nb\r\x1b[31m\u2028\x85\tz") == "a\\nb\\r\\x1b[31m\\u2028\\x85\\tz"
    assert printable(f"x{LONE}") == "x\\ud800"
    assert printable("café 日本 😀") == "café 日本 😀"


def test_a_refusal_logs_request_text_on_one_line(caplog: pytest.LogCaptureFixture) -> None:
    def action(_: web.Incoming) -> web.Outgoing:
        raise errors.AuthorizationDeniedError("provider answered 'x': a\nrefused /api/me: forged")

    with caplog.at_level(logging.INFO):
        web.answer(_incoming("/auth/callback\n/forged"), action, lambda: ORIGIN)
    (record,) = [r for r in caplog.records if r.name == "chalicelib.web.http"]
    assert "\n" not in record.getMessage()
    assert "a\\nrefused /api/me: forged" in record.getMessage()


def test_an_unexpected_failure_logs_on_one_line(caplog: pytest.LogCaptureFixture) -> None:
    def action(_: web.Incoming) -> web.Outgoing:
        raise RuntimeError("internal\nforged line")

    with caplog.at_level(logging.INFO):
        web.answer(_incoming("/api/me"), action, lambda: ORIGIN)
    (record,) = [r for r in caplog.records if r.name == "chalicelib.web.http"]
    assert "\n" not in caplog.text.strip()
    assert "internal\\nforged line" in record.getMessage() and "Traceback" in record.getMessage()


# --- defect 1 / issue item 13: a bug under /api is JSON ------------------------------------------


@pytest.mark.parametrize("failure", [KeyError("internal detail"), RecursionError("maximum recursion depth")])
def test_a_bug_under_api_is_a_json_500_without_a_traceback(failure: Exception) -> None:
    def action(_: web.Incoming) -> web.Outgoing:
        raise failure

    out = web.answer(
        _incoming("/api/spaces/platform/posts", "POST", headers={"origin": ORIGIN}), action, lambda: ORIGIN
    )
    assert out.status == 500 and out.content_type == "application/json"
    document = json.loads(out.body)
    assert document["error"] == "internal-error" and document["message"]
    assert "internal detail" not in out.body and "Traceback" not in out.body


def test_a_bug_in_a_no_javascript_form_post_is_still_a_page() -> None:
    def action(_: web.Incoming) -> web.Outgoing:
        raise KeyError("internal detail")

    headers = {"origin": ORIGIN, "content-type": web.FORM_TYPE}
    out = web.answer(_incoming("/api/spaces/platform/posts", "POST", headers=headers), action, lambda: ORIGIN)
    assert out.status == 500 and out.content_type.startswith("text/html")
    assert "internal detail" not in out.body
