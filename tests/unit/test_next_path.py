"""`next` only ever leads to a path on this origin."""

from __future__ import annotations

import pytest

from chalicelib.errors import UnsafeNextError
from chalicelib.web.next_path import safe_next_path


@pytest.mark.parametrize(
    "raw",
    [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/ /evil.example",
        "/" + "a" * 3000,
    ],
)
def test_anything_that_could_leave_the_origin_is_refused(raw: str) -> None:
    with pytest.raises(UnsafeNextError):
        safe_next_path(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "/"),
        ("", "/"),
        ("/", "/"),
        ("/teams/platform/", "/teams/platform/"),
        ("/people/?q=jane#top", "/people/?q=jane#top"),
        ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),  # a path segment, not a host
        ("/auth/logout", "/"),  # never back into the sign-in routes
        ("/auth", "/"),
    ],
)
def test_paths_on_this_origin_are_kept(raw: str | None, expected: str) -> None:
    assert safe_next_path(raw) == expected


def test_a_path_with_non_ascii_characters_comes_back_percent_encoded_for_the_location_header() -> None:
    assert safe_next_path("/teams/café/?q=日本") == "/teams/caf%C3%A9/?q=%E6%97%A5%E6%9C%AC"
    assert safe_next_path("/teams/a%20b/") == "/teams/a%20b/"
    with pytest.raises(UnsafeNextError):
        safe_next_path("/" + "日" * 300)  # 300 characters, but 2,700 once encoded


def test_a_path_holding_a_lone_surrogate_is_refused_not_crashed_on() -> None:
    with pytest.raises(UnsafeNextError, match="lone surrogate"):
        safe_next_path("/teams/\ud800/")
