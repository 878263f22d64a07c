"""Deployment settings, read once from the environment and checked as a whole.

Secrets (client secret, session keys, CloudFront private key) come from the deploy environment,
never from `.chalice/config.json`. README.md lists every variable: sign-in's in section "Sign-in",
and those read by `posts.config` in section "Posts, replies and reactions".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from chalicelib._encoding import b64url_decode
from chalicelib.auth.cloudfront import load_private_key
from chalicelib.errors import ConfigError
from chalicelib.mail.config import MailSettings
from chalicelib.posts.config import PostsSettings

IDENTITY_CLAIMS = ("email", "preferred_username", "upn")
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class SessionKey:
    """One deployer-provided key. The first of `Settings.session_keys` signs; all of them verify."""

    key_id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class Settings:
    public_origin: str
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    session_keys: tuple[SessionKey, ...]
    cloudfront_key_pair_id: str
    cloudfront_private_key: str = field(repr=False)
    directory_path: str
    identity_claim: str = "email"
    allow_unknown_staff: bool = True
    session_lifetime_seconds: int = 12 * 3600
    scopes: str = "openid email profile"
    discovery_url: str = ""
    token_endpoint: str = ""
    posts: PostsSettings = field(default_factory=PostsSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    # Not from the environment: the dev server turns it on, to see the hub rebuilt under it. Deployed,
    # the snapshot is packaged with the function and never changes.
    directory_reload: bool = False

    @property
    def secure_cookies(self) -> bool:
        """Secure everywhere except plain-http localhost, where browsers would drop the cookie."""
        parts = urlsplit(self.public_origin)
        return not (parts.scheme == "http" and parts.netloc.rsplit(":", 1)[0] in LOCAL_HOSTS)

    @property
    def redirect_uri(self) -> str:
        return f"{self.public_origin}/auth/callback"

    @property
    def signed_out_uri(self) -> str:
        return f"{self.public_origin}/auth/signed-out"

    @property
    def discovery_document_url(self) -> str:
        return self.discovery_url or f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> Settings:
        """Read every COMMONS_* setting; report all problems at once."""
        problems: list[str] = []

        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                problems.append(f"{name} is not set")
            return value

        origin = _origin(required("COMMONS_PUBLIC_ORIGIN"), problems)
        issuer = required("COMMONS_OIDC_ISSUER")
        if issuer and urlsplit(issuer).scheme not in ("https", "http"):
            problems.append("COMMONS_OIDC_ISSUER must be an http(s) URL")
        claim = env.get("COMMONS_IDENTITY_CLAIM", "email").strip() or "email"
        if claim not in IDENTITY_CLAIMS:
            problems.append(f"COMMONS_IDENTITY_CLAIM must be one of {', '.join(IDENTITY_CLAIMS)}")
        settings = cls(
            public_origin=origin,
            issuer=issuer,
            client_id=required("COMMONS_OIDC_CLIENT_ID"),
            client_secret=required("COMMONS_OIDC_CLIENT_SECRET"),
            session_keys=parse_session_keys(required("COMMONS_SESSION_KEYS"), problems),
            cloudfront_key_pair_id=required("COMMONS_CLOUDFRONT_KEY_PAIR_ID"),
            cloudfront_private_key=required("COMMONS_CLOUDFRONT_PRIVATE_KEY").replace("\\n", "\n"),
            directory_path=required("COMMONS_DIRECTORY"),
            identity_claim=claim,
            allow_unknown_staff=_flag(env, "COMMONS_ALLOW_UNKNOWN_STAFF", True, problems),
            session_lifetime_seconds=_hours(env, "COMMONS_SESSION_LIFETIME_HOURS", 12, problems),
            scopes=env.get("COMMONS_OIDC_SCOPES", "").strip() or "openid email profile",
            discovery_url=env.get("COMMONS_OIDC_DISCOVERY_URL", "").strip(),
            token_endpoint=env.get("COMMONS_OIDC_TOKEN_ENDPOINT", "").strip(),
            posts=PostsSettings.from_environ(env, problems),
            mail=MailSettings.from_environ(env, problems),
        )
        if "openid" not in settings.scopes.split():
            problems.append("COMMONS_OIDC_SCOPES must include openid")
        if settings.cloudfront_private_key and not _is_rsa_private_key(settings.cloudfront_private_key):
            # Found now, not at the first sign-in, after the provider has already redeemed the code.
            problems.append("COMMONS_CLOUDFRONT_PRIVATE_KEY is not an RSA private key in PEM")
        if problems:
            raise ConfigError("; ".join(problems))
        return settings


def parse_session_keys(text: str, problems: list[str]) -> tuple[SessionKey, ...]:
    """`id=secret,id=secret`, newest first; each secret is base64url of at least 32 random bytes."""
    keys: list[SessionKey] = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        key_id, sep, encoded = entry.partition("=")
        if not sep or not _KEY_ID.match(key_id):
            problems.append("COMMONS_SESSION_KEYS entries must look like id=secret (id: letters, digits, - _)")
            continue
        try:
            secret = b64url_decode(encoded)
        except ValueError:
            problems.append(f"COMMONS_SESSION_KEYS: key {key_id} is not base64url")
            continue
        if len(secret) < MIN_KEY_BYTES:
            problems.append(f"COMMONS_SESSION_KEYS: key {key_id} is shorter than {MIN_KEY_BYTES} bytes")
            continue
        if any(k.key_id == key_id for k in keys):
            problems.append(f"COMMONS_SESSION_KEYS: key id {key_id} appears twice")
            continue
        keys.append(SessionKey(key_id, secret))
    if text and not keys and not problems:
        problems.append("COMMONS_SESSION_KEYS has no key")
    return tuple(keys)


def _origin(value: str, problems: list[str]) -> str:
    if not value:
        return value
    parts = urlsplit(value)
    host = parts.netloc.rsplit(":", 1)[0]
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.path not in ("", "/"):
        problems.append("COMMONS_PUBLIC_ORIGIN must be scheme://host[:port], like https://hub.example.com")
    elif parts.scheme == "http" and host not in LOCAL_HOSTS:
        problems.append("COMMONS_PUBLIC_ORIGIN must use https (plain http is only for localhost)")
    return f"{parts.scheme}://{parts.netloc}".lower()


def _is_rsa_private_key(pem: str) -> bool:
    try:
        load_private_key(pem)
    except ValueError:
        return False
    return True


def _flag(env: Mapping[str, str], name: str, default: bool, problems: list[str]) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    problems.append(f"{name} must be true or false")
    return default


def _hours(env: Mapping[str, str], name: str, default: float, problems: list[str]) -> int:
    value = env.get(name, "").strip()
    try:
        hours = float(value) if value else default
    except ValueError:
        hours = 0
    if not 0 < hours <= 24 * 30:
        problems.append(f"{name} must be a number of hours between 0 and 720")
        hours = default
    return int(hours * 3600)
