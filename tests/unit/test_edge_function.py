"""The CloudFront viewer-request Function, run from Python as the dev server runs it."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from devstack.edge_function import FUNCTION, REPO, EdgeRequest, EdgeResponse, ViewerRequestFunction, cloudfront_event


def policy_cookie(epoch: int) -> str:
    policy = {
        "Statement": [
            {"Resource": "https://hub.example.com/*", "Condition": {"DateLessThan": {"AWS:EpochTime": epoch}}}
        ]
    }
    encoded = base64.b64encode(json.dumps(policy, separators=(",", ":")).encode()).decode()
    return encoded.translate(str.maketrans("+=/", "-_~"))


def signed_cookies(epoch: int) -> dict[str, str]:
    return {
        "CloudFront-Policy": policy_cookie(epoch),
        "CloudFront-Signature": "c2lnbmF0dXJl",
        "CloudFront-Key-Pair-Id": "K2JCJMDEHXQW5F",
    }


@pytest.fixture(scope="module")
def edge() -> Iterator[ViewerRequestFunction]:
    function = ViewerRequestFunction()
    try:
        yield function
    finally:
        function.close()


def test_a_page_visit_without_cookies_is_sent_to_sign_in(edge: ViewerRequestFunction) -> None:
    answer = edge("GET", "/teams/platform/", {"Sec-Fetch-Mode": "navigate"}, {})
    assert answer == EdgeResponse(
        302, {"location": "/auth/login?next=%2Fteams%2Fplatform%2F", "cache-control": "no-store"}
    )


def test_the_query_string_reaches_next_still_encoded(edge: ViewerRequestFunction) -> None:
    answer = edge("GET", "/people/zo%C3%AB/?tab=posts&q=caf%C3%A9&q=x%20y", {}, {})
    assert isinstance(answer, EdgeResponse)
    location = answer.headers["location"]
    assert location.startswith("/auth/login?next=")
    assert unquote(location.removeprefix("/auth/login?next=")) == "/people/zo%C3%AB/?tab=posts&q=caf%C3%A9&q=x%20y"


def test_valid_looking_cookies_pass_with_index_html_appended(edge: ViewerRequestFunction) -> None:
    cookies = signed_cookies(int(time.time()) + 3600)
    assert edge("GET", "/teams/platform/", {}, cookies) == EdgeRequest("/teams/platform/index.html")
    assert edge("GET", "/", {}, cookies) == EdgeRequest("/index.html")
    assert edge("GET", "/assets/x.css?v=1", {}, cookies) == EdgeRequest("/assets/x.css")
    assert edge("GET", "/teams/platform?tab=members", {}, cookies) == EdgeResponse(
        301, {"location": "/teams/platform/?tab=members"}
    )


def test_expired_cookies_are_sent_to_sign_in(edge: ViewerRequestFunction) -> None:
    answer = edge("GET", "/", {}, signed_cookies(int(time.time()) - 1))
    assert answer == EdgeResponse(302, {"location": "/auth/login?next=%2F", "cache-control": "no-store"})


def test_auth_and_api_pass_without_cookies(edge: ViewerRequestFunction) -> None:
    assert edge("GET", "/api/me", {}, {}) == EdgeRequest("/api/me")
    assert edge("GET", "/auth/callback?code=x", {}, {}) == EdgeRequest("/auth/callback")
    assert edge("POST", "/api/posts", {"Sec-Fetch-Mode": "cors"}, {}) == EdgeRequest("/api/posts")


def test_a_fetch_without_cookies_is_left_for_the_key_group(edge: ViewerRequestFunction) -> None:
    assert edge("GET", "/assets/app.js", {"Sec-Fetch-Mode": "no-cors"}, {}) == EdgeRequest("/assets/app.js")


def test_calls_from_many_threads_each_get_their_own_answer(edge: ViewerRequestFunction) -> None:
    answers: dict[int, EdgeRequest | EdgeResponse] = {}

    def visit(n: int) -> None:
        answers[n] = edge("GET", f"/teams/t{n}/", {}, {})

    threads = [threading.Thread(target=visit, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n in range(20):
        assert answers[n] == EdgeResponse(
            302, {"location": f"/auth/login?next=%2Fteams%2Ft{n}%2F", "cache-control": "no-store"}
        )


def test_the_event_keeps_raw_percent_encoding_and_multi_values() -> None:
    event = cloudfront_event(
        "get", "/people/zo%C3%AB/?tab=posts&q=caf%C3%A9&q=x%20y&flag&empty=", {"Sec-Fetch-Mode": "navigate"}, {"a": "b"}
    )
    assert event["request"] == {
        "method": "GET",
        "uri": "/people/zo%C3%AB/",
        "querystring": {
            "tab": {"value": "posts"},
            "q": {"value": "caf%C3%A9", "multiValue": [{"value": "caf%C3%A9"}, {"value": "x%20y"}]},
            "flag": {"value": ""},
            "empty": {"value": ""},
        },
        "headers": {"sec-fetch-mode": {"value": "navigate"}},
        "cookies": {"a": {"value": "b"}},
    }
    assert cloudfront_event("GET", "/", {}, {})["request"]["querystring"] == {}
    assert cloudfront_event("GET", "/?", {}, {})["request"]["querystring"] == {}
    assert cloudfront_event("GET", "/?a=1=2", {}, {})["request"]["querystring"] == {"a": {"value": "1=2"}}


def test_a_function_that_throws_raises_runtime_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.js"
    broken.write_text("function handler(event) { throw new Error('boom'); }\n")
    with ViewerRequestFunction(broken) as function, pytest.raises(RuntimeError, match="boom"):
        function("GET", "/", {}, {})


def test_a_dead_child_raises_runtime_error_and_close_is_idempotent(tmp_path: Path) -> None:
    broken = tmp_path / "syntax.js"
    broken.write_text("function handler(event) {\n")
    function = ViewerRequestFunction(broken)
    try:
        with pytest.raises(RuntimeError, match="stopped"):
            function("GET", "/", {}, {})
    finally:
        function.close()
        function.close()
    with pytest.raises(RuntimeError, match="closed"):
        function("GET", "/", {}, {})


def test_the_node_tests_of_the_function_pass() -> None:
    assert FUNCTION.is_file()
    result = subprocess.run(
        ["node", "--test", "infra/edge/"], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"node --test infra/edge/ failed:\n{result.stdout}\n{result.stderr}"
