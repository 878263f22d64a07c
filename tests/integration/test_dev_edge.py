"""The dev server's edge matches the stack's: the same viewer-request function decides, the same
response headers policy applies, and hub files get the Cache-Control that publishing gives them."""

from __future__ import annotations

from urllib.parse import quote

import requests

from deploy import publish
from deploy.template import security_headers
from devstack.edge_function import EdgeResponse, ViewerRequestFunction
from tests.integration.conftest import Stack

POLICY = {rule.name: rule.value for rule in security_headers()}


def test_a_page_visit_without_cookies_gets_exactly_the_cloudfront_functions_redirect(
    hub: Stack, visitor: requests.Session
) -> None:
    path = "/people/zo%C3%AB/?tab=posts&q=caf%C3%A9&q=x%20y"
    answer = visitor.get(hub.url(path), allow_redirects=False)
    with ViewerRequestFunction() as function:
        expected = function("GET", path, {}, {})
    assert isinstance(expected, EdgeResponse) and expected.status == 302
    assert answer.status_code == 302
    assert answer.headers["Location"] == expected.headers["location"]
    assert answer.headers["Location"] == "/auth/login?next=" + quote(
        "/people/zo%C3%AB/?tab=posts&q=caf%C3%A9&q=x%20y", safe=""
    )


def test_hub_files_carry_the_policy_and_the_published_cache_rule(hub: Stack, visitor: requests.Session) -> None:
    hub.sign_in(visitor)
    page = visitor.get(hub.url("/teams/platform/"), allow_redirects=False)
    assert page.status_code == 200 and "secret-team-content" in page.text
    for name, value in POLICY.items():
        assert page.headers[name] == value
    assert page.headers["Cache-Control"] == publish.cache_control("teams/platform/index.html") == "no-cache"
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    again = visitor.get(hub.url("/teams/platform/"), headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    moved = visitor.get(hub.url("/teams/platform"), allow_redirects=False)
    assert (moved.status_code, moved.headers["Location"]) == (301, "/teams/platform/")
    missing = visitor.get(hub.url("/teams/nowhere/"), allow_redirects=False)
    assert missing.status_code == 404
    manifest = visitor.get(hub.url("/" + publish.MANIFEST), allow_redirects=False)
    assert manifest.status_code == 404
    # The functions' snapshot of the directory (with everyone's email aliases) is never published.
    assert (hub.root / "directory.json").is_file() and "directory.json" in publish.UNPUBLISHED
    assert visitor.get(hub.url("/directory.json"), allow_redirects=False).status_code == 404
    escape = visitor.get(hub.url("/..%2F..%2Fetc%2Fpasswd"), allow_redirects=False)
    assert escape.status_code == 404
    assert visitor.post(hub.url("/teams/platform/"), allow_redirects=False).status_code == 403


def test_the_functions_own_stricter_policy_is_kept_and_the_rest_is_added(hub: Stack, visitor: requests.Session) -> None:
    visitor.cookies.update(hub.session_cookie("jane.doe"))
    page = visitor.get(hub.url("/api/html/spaces/platform"))
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert page.headers["Content-Security-Policy"] != POLICY["Content-Security-Policy"]
    assert page.headers["Strict-Transport-Security"] == POLICY["Strict-Transport-Security"]
    assert page.headers["X-Frame-Options"] == "DENY"
    api = visitor.get(hub.url("/api/me"))
    assert api.status_code == 200 and api.headers["X-Content-Type-Options"] == "nosniff"
