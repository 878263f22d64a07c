"""CloudFront signed cookies: what sign-in issues, and the checks CloudFront (and the dev gate) apply."""

from __future__ import annotations

import json
from functools import cache

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from chalicelib.auth import cloudfront
from chalicelib.auth.cloudfront import CloudFrontSigner, verify_signed_cookies
from chalicelib.errors import CloudFrontCookieError

NOW = 1_800_000_000
ORIGIN = "https://hub.example.com"


@cache
def _key(name: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _private_pem(name: str) -> str:
    return (
        _key(name)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def _public_pem(name: str) -> str:
    public = _key(name).public_key()
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


TRUSTED = {"KTRUSTED": _public_pem("trusted")}


def _cookies(resource: str = f"{ORIGIN}/*", expires_at: int = NOW + 3600) -> dict[str, str]:
    return CloudFrontSigner("KTRUSTED", _private_pem("trusted")).signed_cookies(resource, expires_at)


def test_the_cookies_follow_cloudfronts_format() -> None:
    cookies = _cookies()
    assert set(cookies) == {"CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"}
    assert cookies["CloudFront-Key-Pair-Id"] == "KTRUSTED"
    for name in ("CloudFront-Policy", "CloudFront-Signature"):
        assert not set(cookies[name]) & set("+=/"), "CloudFront's base64 swaps + = / for - _ ~"
    policy = cloudfront.cloudfront_b64decode(cookies["CloudFront-Policy"])
    assert json.loads(policy) == {
        "Statement": [{"Resource": f"{ORIGIN}/*", "Condition": {"DateLessThan": {"AWS:EpochTime": NOW + 3600}}}]
    }
    # RSA-SHA1 over the exact policy bytes, as CloudFront verifies it.
    _key("trusted").public_key().verify(
        cloudfront.cloudfront_b64decode(cookies["CloudFront-Signature"]),
        policy,
        padding.PKCS1v15(),
        hashes.SHA1(),  # noqa: S303 (CloudFront's own choice)
    )


@pytest.mark.parametrize("path", ["/", "/teams/platform/", "/assets/x.css?v=1", "/people/jane.doe/index.html"])
def test_valid_cookies_open_every_url_of_the_origin(path: str) -> None:
    verify_signed_cookies(_cookies(), ORIGIN + path, TRUSTED, NOW)


def test_cookies_signed_with_another_key_are_refused() -> None:
    forged = CloudFrontSigner("KTRUSTED", _private_pem("attacker")).signed_cookies(f"{ORIGIN}/*", NOW + 3600)
    with pytest.raises(CloudFrontCookieError, match="signature does not verify"):
        verify_signed_cookies(forged, ORIGIN + "/", TRUSTED, NOW)


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p["Statement"][0]["Condition"]["DateLessThan"].update({"AWS:EpochTime": NOW + 10**8}),
        lambda p: p["Statement"][0].update({"Resource": "*"}),
    ],
)
def test_a_changed_policy_is_refused(change: object) -> None:
    cookies = _cookies()
    policy = json.loads(cloudfront.cloudfront_b64decode(cookies["CloudFront-Policy"]))
    change(policy)  # type: ignore[operator]
    cookies["CloudFront-Policy"] = cloudfront.cloudfront_b64encode(json.dumps(policy, separators=(",", ":")).encode())
    with pytest.raises(CloudFrontCookieError, match="signature does not verify"):
        verify_signed_cookies(cookies, ORIGIN + "/", TRUSTED, NOW)


def test_an_untrusted_key_pair_id_is_refused() -> None:
    cookies = {**_cookies(), "CloudFront-Key-Pair-Id": "KOTHER"}
    with pytest.raises(CloudFrontCookieError, match="not in the trusted key group"):
        verify_signed_cookies(cookies, ORIGIN + "/", TRUSTED, NOW)


def test_expired_cookies_are_refused() -> None:
    with pytest.raises(CloudFrontCookieError, match="expired"):
        verify_signed_cookies(_cookies(expires_at=NOW), ORIGIN + "/", TRUSTED, NOW)


def test_the_resource_must_cover_the_url() -> None:
    with pytest.raises(CloudFrontCookieError, match="does not cover"):
        verify_signed_cookies(_cookies(), "https://other.example.com/", TRUSTED, NOW)
    narrow = _cookies(resource=f"{ORIGIN}/teams/?/*")
    verify_signed_cookies(narrow, f"{ORIGIN}/teams/a/index.html", TRUSTED, NOW)
    with pytest.raises(CloudFrontCookieError):
        verify_signed_cookies(narrow, f"{ORIGIN}/teams/ab/index.html", TRUSTED, NOW)


@pytest.mark.parametrize("missing", ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"])
def test_a_missing_cookie_is_refused(missing: str) -> None:
    cookies = {name: value for name, value in _cookies().items() if name != missing}
    with pytest.raises(CloudFrontCookieError):
        verify_signed_cookies(cookies, ORIGIN + "/", TRUSTED, NOW)


def test_garbage_cookies_are_refused_not_crashed_on() -> None:
    cookies = {**_cookies(), "CloudFront-Signature": "%%%not-base64"}
    with pytest.raises(CloudFrontCookieError, match="not CloudFront base64"):
        verify_signed_cookies(cookies, ORIGIN + "/", TRUSTED, NOW)


def _sign(policy: dict[str, object]) -> dict[str, str]:
    raw = json.dumps(policy, separators=(",", ":")).encode()
    signature = _key("trusted").sign(raw, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    return {
        "CloudFront-Policy": cloudfront.cloudfront_b64encode(raw),
        "CloudFront-Signature": cloudfront.cloudfront_b64encode(signature),
        "CloudFront-Key-Pair-Id": "KTRUSTED",
    }


def test_a_signed_policy_without_an_expiry_is_refused() -> None:
    cookies = _sign({"Statement": [{"Resource": f"{ORIGIN}/*", "Condition": {}}]})
    with pytest.raises(CloudFrontCookieError, match="DateLessThan"):
        verify_signed_cookies(cookies, ORIGIN + "/", TRUSTED, NOW)


def test_start_time_and_source_address_conditions_apply() -> None:
    condition = {
        "DateLessThan": {"AWS:EpochTime": NOW + 60},
        "DateGreaterThan": {"AWS:EpochTime": NOW - 60},
        "IpAddress": {"AWS:SourceIp": "10.0.0.0/8"},
    }
    cookies = _sign({"Statement": [{"Resource": f"{ORIGIN}/*", "Condition": condition}]})
    verify_signed_cookies(cookies, ORIGIN + "/", TRUSTED, NOW, client_ip="10.1.2.3")
    with pytest.raises(CloudFrontCookieError, match="client address"):
        verify_signed_cookies(cookies, ORIGIN + "/", TRUSTED, NOW, client_ip="192.0.2.1")
    with pytest.raises(CloudFrontCookieError, match="not valid before"):
        verify_signed_cookies(cookies, ORIGIN + "/", TRUSTED, NOW - 120, client_ip="10.1.2.3")


def test_a_canned_policy_names_the_exact_url() -> None:
    url = f"{ORIGIN}/teams/platform/"
    policy = cloudfront.custom_policy(url, NOW + 60)
    signature = _key("trusted").sign(policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    cookies = {
        "CloudFront-Expires": str(NOW + 60),
        "CloudFront-Signature": cloudfront.cloudfront_b64encode(signature),
        "CloudFront-Key-Pair-Id": "KTRUSTED",
    }
    verify_signed_cookies(cookies, url, TRUSTED, NOW)
    with pytest.raises(CloudFrontCookieError, match="signature does not verify"):
        verify_signed_cookies(cookies, f"{ORIGIN}/people/", TRUSTED, NOW)
