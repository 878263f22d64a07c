"""Settings come from the environment, and every problem is reported at once."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from chalicelib.config import Settings
from chalicelib.errors import ConfigError

KEY = "A" * 43  # base64url of 32 bytes
_RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PKCS8 = serialization.PrivateFormat.PKCS8


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, *, password: bytes | None = None) -> str:
    protection = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, PKCS8, protection).decode()


# As a one-line environment value: newlines escaped.
CLOUDFRONT_KEY = _pem(_RSA).replace("\n", "\\n")
ENV = {
    "COMMONS_PUBLIC_ORIGIN": "https://hub.example.com",
    "COMMONS_OIDC_ISSUER": "https://login.example.com",
    "COMMONS_OIDC_CLIENT_ID": "commons",
    "COMMONS_OIDC_CLIENT_SECRET": "s3cret",
    "COMMONS_SESSION_KEYS": f"2026-11={KEY},2026-05={'B' * 43}",
    "COMMONS_CLOUDFRONT_KEY_PAIR_ID": "K2JCJMDEHXQW5F",
    "COMMONS_CLOUDFRONT_PRIVATE_KEY": CLOUDFRONT_KEY,
    "COMMONS_DIRECTORY": "directory.json",
}


def test_defaults() -> None:
    settings = Settings.from_environ(ENV)
    assert settings.identity_claim == "email"
    assert settings.allow_unknown_staff is True
    assert settings.session_lifetime_seconds == 12 * 3600
    assert settings.scopes == "openid email profile"
    assert settings.secure_cookies is True
    assert [k.key_id for k in settings.session_keys] == ["2026-11", "2026-05"]
    assert settings.session_keys[0].secret == b"\x00" * 32
    assert settings.redirect_uri == "https://hub.example.com/auth/callback"
    assert settings.discovery_document_url == "https://login.example.com/.well-known/openid-configuration"
    assert "\n" in settings.cloudfront_private_key, "escaped newlines in one-line env values are restored"


def test_secrets_stay_out_of_repr() -> None:
    text = repr(Settings.from_environ(ENV))
    assert "s3cret" not in text and "MII" not in text and "PRIVATE KEY" not in text and "\\x00" not in text


def test_every_setting_can_be_changed() -> None:
    settings = Settings.from_environ(
        {
            **ENV,
            "COMMONS_IDENTITY_CLAIM": "upn",
            "COMMONS_ALLOW_UNKNOWN_STAFF": "false",
            "COMMONS_SESSION_LIFETIME_HOURS": "8",
            "COMMONS_OIDC_SCOPES": "openid email",
            "COMMONS_OIDC_DISCOVERY_URL": "https://login.example.com/tenant/.well-known/openid-configuration",
            "COMMONS_OIDC_TOKEN_ENDPOINT": "http://127.0.0.1:9/token",
        }
    )
    assert settings.identity_claim == "upn"
    assert settings.allow_unknown_staff is False
    assert settings.session_lifetime_seconds == 8 * 3600
    assert settings.scopes == "openid email"
    assert settings.discovery_document_url.endswith("/tenant/.well-known/openid-configuration")
    assert settings.token_endpoint == "http://127.0.0.1:9/token"


@pytest.mark.parametrize(
    ("origin", "secure"),
    [("http://localhost:8000", False), ("http://127.0.0.1:8000", False), ("https://localhost:8443", True)],
)
def test_cookies_are_secure_except_on_plain_http_localhost(origin: str, secure: bool) -> None:
    assert Settings.from_environ({**ENV, "COMMONS_PUBLIC_ORIGIN": origin}).secure_cookies is secure


def test_all_problems_are_reported_together() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_environ(
            {
                "COMMONS_PUBLIC_ORIGIN": "http://hub.example.com",
                "COMMONS_IDENTITY_CLAIM": "sub",
                "COMMONS_SESSION_KEYS": "short=AAAA",
                "COMMONS_SESSION_LIFETIME_HOURS": "forever",
                "COMMONS_ALLOW_UNKNOWN_STAFF": "maybe",
            }
        )
    reason = raised.value.reason
    for expected in (
        "must use https",
        "COMMONS_OIDC_ISSUER is not set",
        "COMMONS_OIDC_CLIENT_SECRET is not set",
        "COMMONS_IDENTITY_CLAIM must be one of email, preferred_username, upn",
        "key short is shorter than 32 bytes",
        "COMMONS_SESSION_LIFETIME_HOURS must be a number of hours",
        "COMMONS_ALLOW_UNKNOWN_STAFF must be true or false",
        "COMMONS_DIRECTORY is not set",
    ):
        assert expected in reason


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ("nokey", "must look like id=secret"),
        ("a b=" + KEY, "must look like id=secret"),
        ("k1=***", "is not base64url"),
        (f"k1={KEY},k1={KEY}", "appears twice"),
    ],
)
def test_bad_session_keys_are_named(keys: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        Settings.from_environ({**ENV, "COMMONS_SESSION_KEYS": keys})


def test_the_public_origin_is_only_an_origin() -> None:
    with pytest.raises(ConfigError, match="scheme://host"):
        Settings.from_environ({**ENV, "COMMONS_PUBLIC_ORIGIN": "https://hub.example.com/path"})


@pytest.mark.parametrize(
    "key",
    [
        "-----BEGIN PRIVATE KEY-----\\nMII...\\n-----END PRIVATE KEY-----",  # a placeholder left in
        "unused",
        _pem(_RSA)[:200],  # cut short when pasted
        _pem(ec.generate_private_key(ec.SECP256R1())),  # CloudFront signs with RSA only
        _pem(_RSA, password=b"secret"),  # the function has no passphrase to open it
        _RSA.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),  # the public half
    ],
    ids=["placeholder", "word", "truncated", "ec", "encrypted", "public"],
)
def test_a_cloudfront_key_that_cannot_sign_is_reported_with_the_other_problems(key: str) -> None:
    """Found with the settings, not at the first sign-in after the provider has redeemed the code."""
    env = {**ENV, "COMMONS_CLOUDFRONT_PRIVATE_KEY": key, "COMMONS_OIDC_ISSUER": ""}
    with pytest.raises(ConfigError) as raised:
        Settings.from_environ(env)
    assert "COMMONS_CLOUDFRONT_PRIVATE_KEY is not an RSA private key in PEM" in raised.value.reason
    assert "COMMONS_OIDC_ISSUER is not set" in raised.value.reason
    assert key not in raised.value.reason


def test_a_missing_cloudfront_key_is_reported_as_missing_only() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_environ({**ENV, "COMMONS_CLOUDFRONT_PRIVATE_KEY": ""})
    assert "COMMONS_CLOUDFRONT_PRIVATE_KEY is not set" in raised.value.reason
    assert "not an RSA private key" not in raised.value.reason


def test_the_directory_reloads_only_where_asked() -> None:
    assert Settings.from_environ(ENV).directory_reload is False
