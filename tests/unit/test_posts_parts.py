"""The small parts of posts, with no network: cursors, limits, settings and the allowlists."""

from __future__ import annotations

import pytest

from chalicelib.config import SessionKey
from chalicelib.errors import (
    BadCursorError,
    InvalidInputError,
    MalformedJsonError,
    PayloadTooLargeError,
    RateLimitedError,
)
from chalicelib.posts.authoring import check_idempotency_key, clean_body
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.cursors import CursorSigner
from chalicelib.posts.editing import check_version
from chalicelib.posts.ratelimit import WriteLimiter, minute_bucket
from chalicelib.posts.reading import parse_limit
from chalicelib.web import forms
from chalicelib.web.http import Incoming

KEY = SessionKey("k1", b"s" * 32)
LAST = {"pk": "POST#01J", "sk": "POST", "space_feed": "platform", "id": "01J"}


def test_a_cursor_opens_only_for_its_own_feed_and_unchanged() -> None:
    signer = CursorSigner([KEY])
    cursor = signer.seal("space:platform", LAST)
    assert signer.open(cursor, "space:platform") == LAST
    with pytest.raises(BadCursorError):
        signer.open(cursor, "space:design")
    head, payload, signature = cursor.rsplit(".", 2)
    with pytest.raises(BadCursorError):
        signer.open(f"{head}.{payload[:-2]}xx.{signature}", "space:platform")
    with pytest.raises(BadCursorError):
        CursorSigner([SessionKey("k1", b"t" * 32)]).open(cursor, "space:platform")
    forged = CursorSigner([KEY]).seal("space:platform", {"pk": {"N": "1"}})  # type: ignore[dict-item]  # signed, not a key
    with pytest.raises(BadCursorError):
        signer.open(forged, "space:platform")


def test_cursors_survive_a_key_rotation() -> None:
    old = CursorSigner([KEY]).seal("org", LAST)
    rotated = CursorSigner([SessionKey("k2", b"n" * 32), KEY])
    assert rotated.open(old, "org") == LAST
    assert rotated.seal("org", LAST).startswith("c2.k2.")


def test_the_write_limiter_is_a_sliding_minute_per_person() -> None:
    now = [1000.0]
    limiter = WriteLimiter(3, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("jane")
    with pytest.raises(RateLimitedError):
        limiter.check("jane")
    limiter.check("lee")
    now[0] += 60.5
    limiter.check("jane")


def test_the_write_limiter_stays_bounded_in_memory() -> None:
    limiter = WriteLimiter(1, clock=lambda: 0.0, max_people=10)
    for i in range(100):
        limiter.check(f"p{i}")
    assert len(limiter._recent) <= 10


def test_minute_buckets_expire_after_their_minute() -> None:
    bucket, expires = minute_bucket(1_800_000_030.5)
    assert bucket == "2027-01-15T08:00" and expires == 1_800_000_000 + 120


def test_bodies_are_trimmed_and_bounded() -> None:
    assert clean_body("  hi\r\nthere \x00 ") == "hi\nthere"
    assert len(clean_body("a" * 5000)) == 5000
    for bad in ("", "  ", None, 3, "a" * 5001):
        with pytest.raises(InvalidInputError):
            clean_body(bad)


def test_idempotency_keys_are_checked() -> None:
    assert check_idempotency_key("0b7a6f0e-2f4c-4f0e-9d7c-1a2b3c4d5e6f")
    for bad in (None, "", "short", "has space in it", "x" * 129):
        with pytest.raises(InvalidInputError):
            check_idempotency_key(bad)


def test_posts_settings_have_defaults_and_check_what_is_set() -> None:
    problems: list[str] = []
    settings = PostsSettings.from_environ({}, problems)
    assert settings == PostsSettings() and problems == []
    local = PostsSettings.from_environ(
        {"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8002/", "AWS_REGION": "eu-west-1", "COMMONS_TABLE": "c22"},
        problems,
    )
    assert (local.endpoint, local.region, local.table) == ("http://127.0.0.1:8002", "eu-west-1", "c22")
    PostsSettings.from_environ(
        {
            "COMMONS_TABLE": "x",
            "COMMONS_DYNAMODB_REGION": "moon",
            "COMMONS_DYNAMODB_ENDPOINT": "ftp://x",
            "COMMONS_POST_RATE_PER_MINUTE": "0",
            "COMMONS_WRITE_RATE_PER_MINUTE": "lots",
        },
        problems,
    )
    assert len(problems) == 5, problems


def _json_write(body: bytes, **headers: str) -> Incoming:
    return Incoming("POST", "/api/posts/x/edit", {}, {"content-type": "application/json", **headers}, {}, body)


def test_json_nested_past_the_parser_is_malformed_not_a_crash() -> None:
    with pytest.raises(MalformedJsonError):
        forms.read(_json_write(b"[" * 60_000), frozenset({"body"}))


def test_a_content_length_that_is_not_plain_digits_is_ignored_and_a_huge_one_is_413() -> None:
    big = b'{"body": "' + b"a" * (65 * 1024) + b'"}'
    for declared in ("\u00b2", "abc", "-1"):  # "²" passes isdigit() but not int()
        with pytest.raises(PayloadTooLargeError):
            forms.read(_json_write(big, **{"content-length": declared}), frozenset({"body"}))
        assert forms.read(_json_write(b"{}", **{"content-length": declared}), frozenset()).fields == {}
    with pytest.raises(PayloadTooLargeError):
        forms.read(_json_write(b"{}", **{"content-length": "9" * 5000}), frozenset())


@pytest.mark.parametrize("raw", ["\u00b2", "\u0663", "0", "51", "1" * 5000, "-1", " 5"])
def test_a_limit_is_1_to_50_in_ascii_digits(raw: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_limit(raw)


def test_a_good_limit_passes() -> None:
    assert (parse_limit(None), parse_limit("7"), parse_limit("50")) == (20, 7, 50)


@pytest.mark.parametrize("raw", ["\u00b2", "1" * 5000, 10**40, 2**53 + 1, 0, True, "1.5"])
def test_a_version_must_be_a_whole_number_dynamodb_can_compare(raw: object) -> None:
    with pytest.raises(InvalidInputError):
        check_version(raw)


def test_a_good_version_passes() -> None:
    assert (check_version(3), check_version("12")) == (3, 12)
