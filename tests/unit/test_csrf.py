"""State-changing requests must come from the hub's own origin."""

from __future__ import annotations

import pytest

from chalicelib.errors import CrossOriginError
from chalicelib.web.csrf import check_same_origin

HUB = "https://hub.example.com"


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://hub.example.com"},
        {"origin": "HTTPS://HUB.EXAMPLE.COM"},
        {"referer": "https://hub.example.com/teams/platform/"},
    ],
)
def test_same_origin_posts_pass(headers: dict[str, str]) -> None:
    check_same_origin("POST", headers, HUB)


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"origin": "https://hub.example.com.evil.example"},
        {"origin": "http://hub.example.com"},
        {"referer": "https://evil.example/https://hub.example.com/"},
        {"origin": "https://evil.example", "referer": "https://hub.example.com/"},
        {},
    ],
)
def test_everything_else_is_refused(headers: dict[str, str]) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        with pytest.raises(CrossOriginError):
            check_same_origin(method, headers, HUB)


def test_safe_methods_are_not_checked() -> None:
    for method in ("GET", "HEAD", "OPTIONS"):
        check_same_origin(method, {"origin": "https://evil.example"}, HUB)
