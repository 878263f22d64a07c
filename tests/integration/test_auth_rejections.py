"""Every bad input the issue lists, against the real provider: each gets a clear 4xx answer (a short
plain page, or JSON under /api) and a logged reason, never a 500 or a traceback."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

from chalicelib.auth import cloudfront
from chalicelib.auth.cloudfront import CloudFrontSigner
from chalicelib.auth.sessions import Session, SessionSigner
from chalicelib.auth.signin_state import Transaction, TransactionSealer
from chalicelib.config import SessionKey
from tests.integration.conftest import Stack

ID_TOKEN_TITLE = "The identity provider&#x27;s answer could not be trusted"


@pytest.fixture(autouse=True)
def _capture(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)


def assert_refused(response: requests.Response, status: int, title: str, reason: str, caplog: Any) -> None:
    """A short plain page with a way back, the expected status, the reason in the log, no session."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"].startswith("text/html")
    assert title in response.text
    assert 'href="/auth/login?next=' in response.text and "Sign in again" in response.text
    assert len(response.text) < 2500
    assert "Traceback" not in response.text
    granted = [line for line in response.raw.headers.getlist("Set-Cookie") if "Max-Age=0" not in line]
    assert granted == [], granted
    assert reason in caplog.text, caplog.text[-2000:]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    return _unb64(header), _unb64(payload)


def _resign(key: RSAKey, token: str, drop: tuple[str, ...] = (), **changes: Any) -> str:
    header, claims = _segments(token)
    claims = {k: v for k, v in {**claims, **changes}.items() if k not in drop}
    return jwt.encode({"alg": "RS256", "kid": header["kid"]}, claims, key, algorithms=["RS256"])


def _tampered_signature(token: str) -> str:
    head, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    return f"{head}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"


def _alg_none(token: str) -> str:
    header, claims = _segments(token)
    head = _b64(json.dumps({"alg": "none", "kid": header["kid"]}).encode())
    return f"{head}.{_b64(json.dumps(claims).encode())}."


def _hs256_with_public_key(key: RSAKey) -> Callable[[str], str]:
    public_pem = key.as_pem(private=False)

    def rewrite(token: str) -> str:
        header, claims = _segments(token)
        signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'kid': header['kid']}).encode())}."
        signing_input += _b64(json.dumps(claims).encode())
        mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(mac)}"

    return rewrite


def _attacker_key_with_real_kid(token: str) -> str:
    header, _ = _segments(token)
    attacker = RSAKey.generate_key(2048, parameters={"kid": header["kid"]})
    return _resign(attacker, token)


def _id_token_cases(stack: Stack) -> dict[str, tuple[Callable[[str], str], str]]:
    key = stack.provider_key
    now = int(time.time())
    return {
        "tampered signature": (_tampered_signature, "ID token signature does not verify"),
        "alg none": (_alg_none, "ID token alg 'none' is not allowed"),
        "HS256 signed with the public key": (_hs256_with_public_key(key), "ID token alg 'HS256' is not allowed"),
        "attacker key reusing the real kid": (_attacker_key_with_real_kid, "ID token signature does not verify"),
        "wrong aud": (lambda t: _resign(key, t, aud="someone-else"), "ID token claim 'aud' is wrong"),
        "wrong iss": (lambda t: _resign(key, t, iss="https://evil.example"), "ID token claim 'iss' is wrong"),
        "expired": (lambda t: _resign(key, t, iat=now - 7200, exp=now - 3600), "ID token expired"),
        "iat in the future": (lambda t: _resign(key, t, iat=now + 3600, exp=now + 7200), "ID token claim 'iat'"),
        "wrong nonce": (lambda t: _resign(key, t, nonce="not-the-nonce"), "ID token nonce does not match"),
        "missing nonce": (lambda t: _resign(key, t, drop=("nonce",)), "ID token has no nonce"),
    }


ID_TOKEN_CASES = [
    "tampered signature",
    "alg none",
    "HS256 signed with the public key",
    "attacker key reusing the real kid",
    "wrong aud",
    "wrong iss",
    "expired",
    "iat in the future",
    "wrong nonce",
    "missing nonce",
]


# --- the ID token ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ID_TOKEN_CASES)
def test_a_bad_id_token_is_refused(hub: Stack, visitor: requests.Session, caplog: Any, case: str) -> None:
    rewrite, reason = _id_token_cases(hub)[case]
    hub.tamper.rewrite = rewrite
    refused = hub.sign_in(visitor)
    assert hub.tamper.seen, "the token went through the proxy"
    assert_refused(refused, 401, ID_TOKEN_TITLE, reason, caplog)
    assert "next=/teams/platform/" in refused.text
    assert visitor.get(hub.url("/teams/platform/"), allow_redirects=False).status_code == 302


def test_the_honest_token_through_the_same_proxy_is_accepted(hub: Stack, visitor: requests.Session) -> None:
    hub.tamper.rewrite = lambda token: token
    assert hub.sign_in(visitor).status_code == 303
    assert visitor.get(hub.url("/api/me")).json()["handle"] == "jane.doe"


# --- the transaction and the callback -------------------------------------------------------------


def _with_param(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return urlunsplit(parts._replace(query=urlencode(params)))


def _param(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]


def _cookie(visitor: requests.Session, name: str) -> str:
    value = visitor.cookies.get(name)
    assert value, f"no {name} cookie"
    return value


def _drop_cookie(visitor: requests.Session, name: str) -> None:
    jar = visitor.cookies
    for domain in jar.list_domains():
        for path in jar.list_paths():
            with contextlib.suppress(KeyError):
                jar.clear(domain, path, name)


def _set_cookie(visitor: requests.Session, name: str, value: str) -> None:
    _drop_cookie(visitor, name)
    # Python's cookie jar files host-only cookies of "localhost" under "localhost.local".
    visitor.cookies.set(
        name, value, domain="localhost.local", path="/auth/callback" if name == "commons-signin" else "/"
    )


EXPIRED_TITLE = "This sign-in has expired or was started elsewhere"
CODE_REFUSED_TITLE = "The identity provider refused this sign-in"


def test_a_state_that_does_not_match_is_refused(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    callback = hub.authorize(visitor)
    refused = visitor.get(_with_param(callback, state="x" * 32), allow_redirects=False)
    assert_refused(refused, 400, EXPIRED_TITLE, "state does not match the sign-in transaction", caplog)
    assert "Max-Age=0" in refused.headers["Set-Cookie"]  # the transaction is spent


def test_a_missing_state_is_refused(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    callback = hub.authorize(visitor)
    refused = visitor.get(_with_param(callback, state=None), allow_redirects=False)
    assert_refused(refused, 400, EXPIRED_TITLE, "state does not match the sign-in transaction", caplog)


def test_a_missing_transaction_cookie_is_refused(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    callback = hub.authorize(visitor)
    _drop_cookie(visitor, "commons-signin")
    refused = visitor.get(callback, allow_redirects=False)
    assert_refused(refused, 400, EXPIRED_TITLE, "callback without a sign-in transaction cookie", caplog)


def test_a_tampered_transaction_cookie_is_refused(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    callback = hub.authorize(visitor)
    sealed = _cookie(visitor, "commons-signin")
    middle = len(sealed) // 2
    flipped = "A" if sealed[middle] != "A" else "B"
    _set_cookie(visitor, "commons-signin", f"{sealed[:middle]}{flipped}{sealed[middle + 1 :]}")
    refused = visitor.get(callback, allow_redirects=False)
    assert_refused(refused, 400, EXPIRED_TITLE, "sign-in transaction cookie does not decrypt", caplog)


def test_an_expired_transaction_cookie_is_refused(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    callback = hub.authorize(visitor)
    stale = Transaction(_param(callback, "state"), "n" * 32, "v" * 64, "/", int(time.time()) - 1)
    _set_cookie(visitor, "commons-signin", TransactionSealer(hub.settings.session_keys).seal(stale))
    refused = visitor.get(callback, allow_redirects=False)
    assert_refused(refused, 400, EXPIRED_TITLE, "sign-in transaction expired at", caplog)


def test_a_transaction_without_a_pkce_verifier_is_refused(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    callback = hub.authorize(visitor)
    incomplete = Transaction(_param(callback, "state"), "n" * 32, "", "/", int(time.time()) + 600)
    _set_cookie(visitor, "commons-signin", TransactionSealer(hub.settings.session_keys).seal(incomplete))
    refused = visitor.get(callback, allow_redirects=False)
    assert_refused(refused, 400, EXPIRED_TITLE, "sign-in transaction has no code_verifier", caplog)


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    callback = hub.authorize(visitor)
    forged = Transaction(_param(callback, "state"), "n" * 32, "w" * 64, "/", int(time.time()) + 600)
    _set_cookie(visitor, "commons-signin", TransactionSealer(hub.settings.session_keys).seal(forged))
    refused = visitor.get(callback, allow_redirects=False)
    assert_refused(
        refused, 400, "The identity provider refused this sign-in", "refused the code: invalid_grant", caplog
    )


def test_a_replayed_authorization_code_is_refused(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    callback = hub.authorize(visitor)
    sealed = _cookie(visitor, "commons-signin")
    assert visitor.get(callback, allow_redirects=False).status_code == 303
    _set_cookie(visitor, "commons-signin", sealed)  # an attacker replaying everything they saw
    replay = visitor.get(callback, allow_redirects=False)
    assert_refused(replay, 400, CODE_REFUSED_TITLE, "refused the code: invalid_grant", caplog)


def test_access_denied_from_the_provider_is_shown(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    start = visitor.get(hub.url("/auth/login"), params={"next": "/"}, allow_redirects=False)
    login_page = visitor.get(start.headers["Location"], allow_redirects=True)
    abort = login_page.text.split('<form method="post" action="', 2)[2].split('"', 1)[0]
    assert abort.endswith("/abort")
    answer = visitor.post(urljoin(login_page.url, abort), allow_redirects=False)
    callback = hub.follow_to_callback(visitor, urljoin(login_page.url, answer.headers["Location"]))
    assert _param(callback, "error") == "access_denied"
    refused = visitor.get(callback, allow_redirects=False)
    assert_refused(refused, 403, "Sign-in was cancelled or refused", "provider answered 'access_denied'", caplog)


def test_an_iss_parameter_from_another_issuer_is_refused(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    callback = hub.authorize(visitor)
    refused = visitor.get(_with_param(callback, iss="https://evil.example"), allow_redirects=False)
    title = "The answer came from the wrong identity provider"
    assert_refused(refused, 400, title, "iss parameter 'https://evil.example' is not", caplog)


def test_a_missing_iss_parameter_is_refused_when_the_provider_sends_it(
    hub: Stack, visitor: requests.Session, caplog: Any
) -> None:
    callback = hub.authorize(visitor)
    refused = visitor.get(_with_param(callback, iss=None), allow_redirects=False)
    title = "The answer came from the wrong identity provider"
    assert_refused(refused, 400, title, "provider advertises RFC 9207 but the response has no iss", caplog)


def test_a_repeated_parameter_is_refused(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    callback = hub.authorize(visitor)
    refused = visitor.get(callback + "&state=second", allow_redirects=False)
    assert_refused(refused, 400, "That request was malformed", "query parameter 'state' appears 2 times", caplog)


# --- cookies and requests ------------------------------------------------------------------------


def _session(expires_in: int) -> Session:
    now = int(time.time())
    return Session("jane.doe", "jane.doe", "Jane Doe", "jane.doe@example.com", now - 60, now + expires_in)


def assert_api_refused(response: requests.Response, code: str, reason: str, caplog: Any) -> None:
    assert response.status_code == 401
    assert response.json()["error"] == code
    assert response.json()["sign_in"].startswith("/auth/login")
    assert reason in caplog.text


def test_an_expired_session_cookie_is_refused(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    _set_cookie(visitor, "commons-session", SessionSigner(hub.settings.session_keys).seal(_session(-5)))
    assert_api_refused(visitor.get(hub.url("/api/me")), "session-expired", "session expired at", caplog)


def test_a_session_cookie_forged_with_another_key_is_refused(
    hub: Stack, visitor: requests.Session, caplog: Any
) -> None:
    forger = SessionSigner([SessionKey(hub.settings.session_keys[0].key_id, b"k" * 32)])
    _set_cookie(visitor, "commons-session", forger.seal(_session(3600)))
    assert_api_refused(visitor.get(hub.url("/api/me")), "not-signed-in", "signature does not verify", caplog)


def test_a_session_cookie_with_an_edited_payload_is_refused(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    hub.sign_in(visitor)
    version, key_id, payload, signature = _cookie(visitor, "commons-session").split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields["handle"] = "omar.haddad"
    edited = f"{version}.{key_id}.{_b64(json.dumps(fields).encode())}.{signature}"
    _set_cookie(visitor, "commons-session", edited)
    assert_api_refused(visitor.get(hub.url("/api/me")), "not-signed-in", "signature does not verify", caplog)


def test_sessions_survive_a_key_rotation_while_the_old_key_is_listed(
    hub: Stack, visitor: requests.Session, caplog: Any
) -> None:
    hub.sign_in(visitor)
    old = hub.settings.session_keys[0]
    new = SessionKey("rotated", b"n" * 32)
    hub.install(session_keys=(new, old))
    assert visitor.get(hub.url("/api/me")).json()["handle"] == "jane.doe"
    # New sign-ins are signed with the new key.
    fresh = requests.Session()
    hub.sign_in(fresh)
    assert _cookie(fresh, "commons-session").startswith("s1.rotated.")
    # After the grace period the old key is dropped, and so are its sessions.
    hub.install(session_keys=(new,))
    assert_api_refused(visitor.get(hub.url("/api/me")), "not-signed-in", "unknown or retired key 'dev1'", caplog)
    assert fresh.get(hub.url("/api/me")).status_code == 200


def _other_rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _use_cloudfront_cookies(visitor: requests.Session, cookies: dict[str, str]) -> None:
    for name, value in cookies.items():
        _set_cookie(visitor, name, value)


def assert_gate_closed(hub: Stack, visitor: requests.Session, reason: str, caplog: Any, *, redirected: bool) -> None:
    """The viewer-request function sends a page visit whose cookies are missing or expired to
    sign-in; cookies that only look valid reach the key group, which refuses them (403), as
    CloudFront does."""
    page = visitor.get(hub.url("/teams/platform/"), allow_redirects=False)
    if redirected:
        assert page.status_code == 302
        assert page.headers["Location"] == "/auth/login?next=%2Fteams%2Fplatform%2F"
    else:
        assert page.status_code == 403
        assert page.text == "The hub is private: sign in at /auth/login first.\n"
    assert "secret-team-content" not in page.text
    asset = visitor.get(hub.url("/assets/hub.css"), headers={"Sec-Fetch-Mode": "no-cors"}, allow_redirects=False)
    assert asset.status_code == 403
    assert asset.text == "The hub is private: sign in at /auth/login first.\n"
    assert reason in caplog.text


def test_cloudfront_cookies_signed_with_another_key_do_not_open_the_hub(
    hub: Stack, visitor: requests.Session, caplog: Any
) -> None:
    forger = CloudFrontSigner(hub.settings.cloudfront_key_pair_id, _other_rsa_pem())
    _use_cloudfront_cookies(visitor, forger.signed_cookies(hub.url("/*"), int(time.time()) + 3600))
    assert_gate_closed(hub, visitor, "CloudFront policy signature does not verify", caplog, redirected=False)


def test_cloudfront_cookies_with_a_changed_policy_do_not_open_the_hub(
    hub: Stack, visitor: requests.Session, caplog: Any
) -> None:
    hub.sign_in(visitor)
    assert visitor.get(hub.url("/teams/platform/"), allow_redirects=False).status_code == 200
    policy = json.loads(cloudfront.cloudfront_b64decode(_cookie(visitor, cloudfront.POLICY)))
    policy["Statement"][0]["Condition"]["DateLessThan"]["AWS:EpochTime"] += 365 * 24 * 3600
    changed = json.dumps(policy, separators=(",", ":")).encode()
    _set_cookie(visitor, cloudfront.POLICY, cloudfront.cloudfront_b64encode(changed))
    assert_gate_closed(hub, visitor, "CloudFront policy signature does not verify", caplog, redirected=False)


def test_cloudfront_cookies_from_an_untrusted_key_pair_do_not_open_the_hub(
    hub: Stack, visitor: requests.Session, caplog: Any
) -> None:
    forger = CloudFrontSigner("KATTACKER", _other_rsa_pem())
    _use_cloudfront_cookies(visitor, forger.signed_cookies(hub.url("/*"), int(time.time()) + 3600))
    assert_gate_closed(
        hub, visitor, "key pair id 'KATTACKER' is not in the trusted key group", caplog, redirected=False
    )


def test_expired_cloudfront_cookies_do_not_open_the_hub(hub: Stack, visitor: requests.Session, caplog: Any) -> None:
    signer = CloudFrontSigner(hub.settings.cloudfront_key_pair_id, hub.settings.cloudfront_private_key)
    _use_cloudfront_cookies(visitor, signer.signed_cookies(hub.url("/*"), int(time.time()) - 1))
    assert_gate_closed(hub, visitor, "CloudFront policy expired at", caplog, redirected=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example"])
def test_next_never_leaves_the_origin(hub: Stack, visitor: requests.Session, caplog: Any, target: str) -> None:
    refused = visitor.get(hub.url("/auth/login"), params={"next": target}, allow_redirects=False)
    assert_refused(refused, 400, "That sign-in link leads elsewhere", f"next {target!r}", caplog)
    assert "Location" not in refused.headers


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Origin": "https://evil.example"}, "POST with Origin 'https://evil.example'"),
        ({"Origin": "null"}, "POST with Origin 'null'"),
        ({"Referer": "https://evil.example/page"}, "POST with Referer from https://evil.example"),
        ({}, "POST with neither Origin nor Referer"),
    ],
)
def test_a_cross_origin_post_is_refused(
    hub: Stack, visitor: requests.Session, caplog: Any, headers: dict[str, str], reason: str
) -> None:
    hub.sign_in(visitor)
    refused = visitor.post(
        hub.url("/auth/logout"),
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        allow_redirects=False,
    )
    assert_refused(refused, 403, "That request came from another site", reason, caplog)
    assert "Set-Cookie" not in refused.headers
    assert visitor.get(hub.url("/api/me")).status_code == 200  # still signed in


def test_a_same_origin_post_with_only_a_referer_is_accepted(hub: Stack, visitor: requests.Session) -> None:
    hub.sign_in(visitor)
    out = visitor.post(hub.url("/auth/logout"), headers={"Referer": hub.url("/auth/logout")}, allow_redirects=False)
    assert out.status_code == 303
    assert visitor.get(hub.url("/api/me")).status_code == 401
