"""The whole sign-in flow with `requests` against the real oidc-provider, through the dev server."""

from __future__ import annotations

import logging
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from chalicelib.auth import cloudfront
from tests.integration.conftest import Stack

TWELVE_HOURS = 12 * 3600


def _set_cookies(response: requests.Response) -> dict[str, str]:
    """Set-Cookie header lines by cookie name."""
    lines = response.raw.headers.getlist("Set-Cookie")
    return {line.split("=", 1)[0]: line for line in lines}


def test_a_visitor_without_a_session_is_sent_to_sign_in_and_lands_on_the_page(
    hub: Stack, visitor: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    closed = visitor.get(hub.url("/teams/platform/"), allow_redirects=False)
    assert closed.status_code == 302  # as the stack's viewer-request function answers
    assert closed.headers["Location"] == "/auth/login?next=%2Fteams%2Fplatform%2F"
    assert "secret-team-content" not in closed.text

    login = visitor.get(hub.url(closed.headers["Location"]), allow_redirects=False)
    assert login.status_code == 303
    authorize = urlsplit(login.headers["Location"])
    params = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    assert f"{authorize.scheme}://{authorize.netloc}" == hub.idp.issuer
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["redirect_uri"] == hub.url("/auth/callback")
    assert params["scope"] == "openid email profile"
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    transaction = _set_cookies(login)["commons-signin"]
    assert "Path=/auth/callback" in transaction and "HttpOnly" in transaction and "SameSite=Lax" in transaction
    assert "Max-Age=600" in transaction

    callback_url = hub.follow_to_callback(visitor, login.headers["Location"], "jane.doe")
    callback_params = parse_qs(urlsplit(callback_url).query)
    assert callback_params["iss"] == [hub.idp.issuer]  # RFC 9207
    assert callback_params["state"] == [params["state"]]

    landed = visitor.get(callback_url, allow_redirects=False)
    assert landed.status_code == 303
    assert landed.headers["Location"] == "/teams/platform/"
    cookies = _set_cookies(landed)
    assert set(cookies) == {"commons-signin", "commons-session", *cloudfront.COOKIE_NAMES}
    assert "Max-Age=0" in cookies["commons-signin"]
    for name in ("commons-session", *cloudfront.COOKIE_NAMES):
        line = cookies[name]
        assert "HttpOnly" in line and "SameSite=Lax" in line and "Path=/" in line
        assert "Secure" not in line  # plain-http localhost only
        assert f"Max-Age={TWELVE_HOURS}" in line
    assert any("signed in sub=jane.doe handle=jane.doe" in r.getMessage() for r in caplog.records)

    page = visitor.get(hub.url("/teams/platform/"), allow_redirects=False)
    assert page.status_code == 200
    assert "secret-team-content" in page.text
    other = visitor.get(hub.url("/people/jane.doe/"), allow_redirects=False)
    assert other.status_code == 200 and "secret-person-content" in other.text

    me = visitor.get(hub.url("/api/me"))
    assert me.status_code == 200
    assert me.headers["Cache-Control"] == "no-store"
    body = me.json()
    assert {k: body[k] for k in ("handle", "name", "email", "team", "url", "in_directory")} == {
        "handle": "jane.doe",
        "name": "Jane Doe",
        "email": "jane.doe@example.com",
        "team": "platform",
        "url": "/people/jane.doe/",
        "in_directory": True,
    }
    assert set(body) == {
        "handle",
        "name",
        "email",
        "title",
        "team",
        "url",
        "in_directory",
        "session_expires_at",
        "feeds",
    }


def test_the_cloudfront_policy_covers_the_origin_until_the_session_ends(hub: Stack, visitor: requests.Session) -> None:
    landed = hub.sign_in(visitor)
    policy_line = _set_cookies(landed)[cloudfront.POLICY]
    encoded = SimpleCookie(policy_line.split(";", 1)[0])[cloudfront.POLICY].value
    policy = cloudfront.cloudfront_b64decode(encoded).decode()
    me = visitor.get(hub.url("/api/me")).json()
    expected = cloudfront.custom_policy(hub.url("/*"), me["session_expires_at"]).decode()
    assert policy == expected


def test_a_second_sign_in_is_silent_when_the_provider_remembers_the_person(
    hub: Stack, visitor: requests.Session
) -> None:
    assert hub.sign_in(visitor).status_code == 303
    again = visitor.get(hub.url("/auth/login"), params={"next": "/people/jane.doe/"}, allow_redirects=True)
    # No login page in between: the provider's own session answered straight back to the callback.
    assert [r.status_code for r in again.history] == [303, 303, 303]
    assert again.url == hub.url("/people/jane.doe/")
    assert "secret-person-content" in again.text


def test_sign_out_ends_the_session_here_and_at_the_provider(hub: Stack, visitor: requests.Session) -> None:
    hub.sign_in(visitor)
    confirm = visitor.get(hub.url("/auth/logout"))
    assert confirm.status_code == 200
    assert '<form method="post" action="/auth/logout">' in confirm.text

    out = visitor.post(hub.url("/auth/logout"), headers={"Origin": hub.origin}, allow_redirects=False)
    assert out.status_code == 303
    end_session = urlsplit(out.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{hub.idp.issuer}/session/end"
    assert parse_qs(end_session.query)["post_logout_redirect_uri"] == [hub.url("/auth/signed-out")]
    cleared = _set_cookies(out)
    assert all("Max-Age=0" in cleared[name] for name in ("commons-session", *cloudfront.COOKIE_NAMES))

    # The provider's sign-out page submits its form by script; do what the browser does.
    confirm_page = visitor.get(out.headers["Location"])
    form = confirm_page.text
    action = form.split('action="', 1)[1].split('"', 1)[0]
    xsrf = form.split('name="xsrf" value="', 1)[1].split('"', 1)[0]
    done = visitor.post(urljoin(confirm_page.url, action), data={"xsrf": xsrf, "logout": "yes"}, allow_redirects=True)
    assert done.url == hub.url("/auth/signed-out")
    assert "You are signed out" in done.text

    assert visitor.get(hub.url("/teams/platform/"), allow_redirects=False).status_code == 302
    assert visitor.get(hub.url("/api/me")).status_code == 401
    # The provider forgot the person too: signing in again asks who they are.
    login = visitor.get(hub.url("/auth/login"), params={"next": "/"}, allow_redirects=True)
    assert "/interaction/" in login.url and 'name="login"' in login.text


def test_a_link_to_the_signed_out_page_does_not_sign_anyone_out(hub: Stack, visitor: requests.Session) -> None:
    """Only the sign-out POST (with its Origin check) ends a session; a cross-site link cannot."""
    assert hub.sign_in(visitor).status_code == 303
    page = visitor.get(hub.url("/auth/signed-out"), headers={"Referer": "https://evil.example/"})
    assert page.status_code == 200
    assert "set-cookie" not in {name.lower() for name in page.headers}
    assert visitor.get(hub.url("/api/me")).status_code == 200


def test_staff_not_in_the_directory_get_in_with_a_minimal_profile(hub: Stack, visitor: requests.Session) -> None:
    landed = hub.sign_in(visitor, login="new.starter", next_path="/")
    assert landed.status_code == 303 and landed.headers["Location"] == "/"
    me = visitor.get(hub.url("/api/me")).json()
    assert me["handle"] is None and me["in_directory"] is False
    assert me["email"] == "new.starter@example.com" and me["name"] == "New Starter"
    assert visitor.get(hub.url("/"), allow_redirects=False).status_code == 200


def test_one_setting_keeps_staff_not_in_the_directory_out(
    hub: Stack, visitor: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    hub.install(allow_unknown_staff=False)
    refused = hub.sign_in(visitor, login="new.starter", next_path="/")
    assert refused.status_code == 403
    assert "You are not in the directory yet" in refused.text
    assert "commons-session" not in _set_cookies(refused)
    assert "'new.starter@example.com' (sub 'new.starter') is not in the directory" in caplog.text


@pytest.mark.parametrize("claim", ["preferred_username", "upn"])
def test_the_identity_claim_is_configurable(hub: Stack, visitor: requests.Session, claim: str) -> None:
    hub.install(identity_claim=claim, allow_unknown_staff=False)
    # preferred_username matches a handle; upn (Omar's mixed-case email) matches an email, ignoring case.
    assert hub.sign_in(visitor, login="omar.haddad", next_path="/").status_code == 303
    assert visitor.get(hub.url("/api/me")).json()["handle"] == "omar.haddad"
