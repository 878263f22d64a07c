"""Settings come from the environment, and every problem is reported at once."""

from __future__ import annotations

import pytest

from chalicelib.config import Settings
from chalicelib.errors import ConfigError

KEY = "A" * 43  # base64url of 32 bytes
ENV = {
    "COMMONS_PUBLIC_ORIGIN": "https://hub.example.com",
    "COMMONS_OIDC_ISSUER": "https://login.example.com",
    "COMMONS_OIDC_CLIENT_ID": "commons",
    "COMMONS_OIDC_CLIENT_SECRET": "s3cret",
    "COMMONS_SESSION_KEYS": f"2026-11={KEY},2026-05={'B' * 43}",
    "COMMONS_CLOUDFRONT_KEY_PAIR_ID": "K2JCJMDEHXQW5F",
    "COMMONS_CLOUDFRONT_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\\nMII...\\n-----END PRIVATE KEY-----",
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
    assert "s3cret" not in text and "MII" not in text and "\\x00" not in text


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
