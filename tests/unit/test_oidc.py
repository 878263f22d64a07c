"""The relying party's checks, against an in-memory provider (discovery, JWKS, signed tokens)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from chalicelib.auth.oidc import JWKS_REFETCH_SECONDS, OpenIDProvider
from chalicelib.errors import ConfigError, IdTokenError

ISSUER = "https://login.example.com"
CLIENT = "commons"
NONCE = "n" * 32


class FakeProvider:
    """Discovery and JWKS documents served from memory; counts what the relying party fetches."""

    def __init__(self) -> None:
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"})]
        self.discovery: dict[str, Any] = {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": f"{ISSUER}/jwks",
            "end_session_endpoint": f"{ISSUER}/logout",
            "id_token_signing_alg_values_supported": ["RS256"],
            "authorization_response_iss_parameter_supported": True,
        }
        self.published: list[dict[str, Any]] | None = None  # the JWKS, when it differs from the keys
        self.fetched: list[str] = []
        self.now = 1_800_000_000.0

    def fetch(self, url: str) -> Mapping[str, Any]:
        self.fetched.append(url)
        if url.endswith("/jwks"):
            return {"keys": self.published or [key.as_dict(private=False) for key in self.keys]}
        return self.discovery

    def token(self, key: RSAKey | None = None, **changes: Any) -> str:
        key = key or self.keys[0]
        now = int(self.now)
        claims = {"iss": ISSUER, "aud": CLIENT, "sub": "s1", "iat": now, "exp": now + 300, "nonce": NONCE}
        claims.update(changes)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def relying_party(self) -> OpenIDProvider:
        return OpenIDProvider(
            issuer=ISSUER,
            client_id=CLIENT,
            redirect_uri="https://hub.example.com/auth/callback",
            scopes="openid email profile",
            discovery_url=f"{ISSUER}/.well-known/openid-configuration",
            token_exchange=lambda **_: {"id_token": "unused"},
            fetch=self.fetch,
            clock=lambda: self.now,
        )


@pytest.fixture()
def idp() -> FakeProvider:
    return FakeProvider()


def test_a_good_id_token_passes(idp: FakeProvider) -> None:
    claims = idp.relying_party().verify_id_token(idp.token(), nonce=NONCE)
    assert claims["sub"] == "s1"


def test_small_clock_skew_is_tolerated(idp: FakeProvider) -> None:
    token = idp.token(iat=int(idp.now) + 30, exp=int(idp.now) - 30)
    assert idp.relying_party().verify_id_token(token, nonce=NONCE)["sub"] == "s1"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "other"}, "claim 'aud'"),
        ({"iss": "https://evil.example"}, "claim 'iss'"),
        ({"iat": 1_799_990_000, "exp": 1_799_996_000}, "expired"),
        ({"iat": 1_800_003_600, "exp": 1_800_007_200}, "claim 'iat'"),
        ({"nonce": "other"}, "nonce does not match"),
        ({"nonce": None}, "has no nonce"),
        ({"sub": None}, "claim 'sub'"),
        ({"exp": None}, "claim 'exp'"),
        ({"aud": [CLIENT, "other"]}, "azp is not this client"),
        ({"azp": "another-client"}, "azp is not this client"),  # one audience, but issued to another
    ],
)
def test_wrong_claims_are_refused(idp: FakeProvider, changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(IdTokenError, match=reason):
        idp.relying_party().verify_id_token(idp.token(**changes), nonce=NONCE)


def test_several_audiences_pass_when_azp_is_this_client(idp: FakeProvider) -> None:
    token = idp.token(aud=[CLIENT, "other"], azp=CLIENT)
    assert idp.relying_party().verify_id_token(token, nonce=NONCE)["azp"] == CLIENT
    assert idp.relying_party().verify_id_token(idp.token(azp=CLIENT), nonce=NONCE)["azp"] == CLIENT


def test_alg_none_and_hs256_are_refused_before_any_key_is_used(idp: FakeProvider) -> None:
    _, payload, _ = idp.token().split(".")
    relying_party = idp.relying_party()
    for alg in ("none", "HS256", "RS512", "PS256"):
        header = _b64(f'{{"alg":"{alg}","kid":"k1"}}'.encode())
        with pytest.raises(IdTokenError, match=f"alg '{alg}' is not allowed"):
            relying_party.verify_id_token(f"{header}.{payload}.", nonce=NONCE)
    assert idp.fetched == [], "nothing fetched for a token refused on its header"


def test_a_key_from_elsewhere_with_the_real_kid_is_refused(idp: FakeProvider) -> None:
    attacker = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(IdTokenError, match="signature does not verify"):
        idp.relying_party().verify_id_token(idp.token(key=attacker), nonce=NONCE)


def test_an_empty_expected_nonce_is_never_accepted(idp: FakeProvider) -> None:
    with pytest.raises(IdTokenError, match="no expected nonce"):
        idp.relying_party().verify_id_token(idp.token(nonce=""), nonce="")


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "!!!.###.$$$", "x" * 20000])
def test_garbage_is_refused(idp: FakeProvider, token: str) -> None:
    with pytest.raises(IdTokenError):
        idp.relying_party().verify_id_token(token, nonce=NONCE)


def test_the_jwks_is_cached(idp: FakeProvider) -> None:
    relying_party = idp.relying_party()
    for _ in range(3):
        relying_party.verify_id_token(idp.token(), nonce=NONCE)
    assert idp.fetched.count(f"{ISSUER}/jwks") == 1


def test_an_unknown_kid_fetches_the_jwks_again_after_a_rotation(idp: FakeProvider) -> None:
    relying_party = idp.relying_party()
    relying_party.verify_id_token(idp.token(), nonce=NONCE)
    rotated = RSAKey.generate_key(2048, parameters={"kid": "k2", "alg": "RS256", "use": "sig"})
    idp.keys.append(rotated)
    idp.now += JWKS_REFETCH_SECONDS
    assert relying_party.verify_id_token(idp.token(key=rotated), nonce=NONCE)["sub"] == "s1"
    assert idp.fetched.count(f"{ISSUER}/jwks") == 2


def test_unknown_kids_do_not_hammer_the_provider(idp: FakeProvider) -> None:
    relying_party = idp.relying_party()
    relying_party.verify_id_token(idp.token(), nonce=NONCE)
    stranger = RSAKey.generate_key(2048, parameters={"kid": "nobody"})
    for _ in range(5):
        with pytest.raises(IdTokenError, match="kid 'nobody' is not in the provider's JWKS"):
            relying_party.verify_id_token(idp.token(key=stranger), nonce=NONCE)
    assert idp.fetched.count(f"{ISSUER}/jwks") == 1


def test_keys_for_other_uses_or_algorithms_are_ignored(idp: FakeProvider) -> None:
    encryption = {**idp.keys[0].as_dict(private=False), "use": "enc"}
    other_alg = {**idp.keys[0].as_dict(private=False), "alg": "RS512"}
    idp.published = [encryption, other_alg]
    with pytest.raises(IdTokenError, match="not in the provider's JWKS"):
        idp.relying_party().verify_id_token(idp.token(), nonce=NONCE)


def test_discovery_must_name_the_configured_issuer(idp: FakeProvider) -> None:
    idp.discovery["issuer"] = "https://evil.example"
    with pytest.raises(ConfigError, match="discovery names issuer"):
        idp.relying_party().metadata()


def test_a_provider_that_cannot_sign_rs256_is_a_configuration_error(idp: FakeProvider) -> None:
    idp.discovery["id_token_signing_alg_values_supported"] = ["ES256"]
    with pytest.raises(ConfigError, match="none of"):
        idp.relying_party().metadata()


def test_the_authorization_request_uses_pkce_s256_state_and_nonce(idp: FakeProvider) -> None:
    verifier = "v" * 64
    url = idp.relying_party().authorization_url(state="st", nonce="no", code_verifier=verifier)
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ISSUER}/authorize"
    assert params == {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": "https://hub.example.com/auth/callback",
        "scope": "openid email profile",
        "state": "st",
        "nonce": "no",
        "code_challenge": _b64(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
    }


def test_end_session_is_used_only_when_advertised(idp: FakeProvider) -> None:
    url = idp.relying_party().end_session_url("https://hub.example.com/auth/signed-out")
    assert url == (
        f"{ISSUER}/logout?client_id={CLIENT}&post_logout_redirect_uri=https%3A%2F%2Fhub.example.com%2Fauth%2Fsigned-out"
    )
    del idp.discovery["end_session_endpoint"]
    assert idp.relying_party().end_session_url("https://hub.example.com/auth/signed-out") is None


def test_a_token_response_without_an_id_token_is_refused(idp: FakeProvider) -> None:
    relying_party = OpenIDProvider(
        issuer=ISSUER,
        client_id=CLIENT,
        redirect_uri="https://hub.example.com/auth/callback",
        scopes="openid",
        discovery_url=f"{ISSUER}/.well-known/openid-configuration",
        token_exchange=lambda **_: {"access_token": "at"},
        fetch=idp.fetch,
    )
    with pytest.raises(IdTokenError, match="no id_token"):
        relying_party.redeem(code="c", code_verifier="v" * 64)
