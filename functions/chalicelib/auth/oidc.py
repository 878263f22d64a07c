"""The OpenID Connect relying party: discovery, the authorization request, the code exchange and
every check on the ID token.

Authlib builds the requests (PKCE S256, client authentication); joserfc verifies the ID token with
RS256 pinned. `state`, `nonce` and `iss` are checked here too, because Authlib skips its own
checks when the expected value is empty. Heavy libraries are imported inside the functions that
use them, to keep the Lambda's cold start short.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.errors import (
    CodeRejectedError,
    ConfigError,
    IdTokenError,
    ProviderUnavailableError,
)

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey

ALGORITHMS = ("RS256",)
CLOCK_LEEWAY_SECONDS = 60
JWKS_REFETCH_SECONDS = 30
METADATA_TTL_SECONDS = 24 * 3600
HTTP_TIMEOUT_SECONDS = 10
MAX_ID_TOKEN_LENGTH = 16 * 1024

FetchJson = Callable[[str], Mapping[str, Any]]


class TokenExchange(Protocol):
    def __call__(
        self, *, token_endpoint: str, code: str, code_verifier: str, redirect_uri: str
    ) -> Mapping[str, Any]: ...


def fetch_json(url: str) -> Mapping[str, Any]:
    """GET a JSON object from the provider (discovery document, JWKS)."""
    import requests

    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS, headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise ProviderUnavailableError(f"GET {url} failed: {exc.__class__.__name__}") from exc
    if response.status_code != 200:
        raise ProviderUnavailableError(f"GET {url} answered {response.status_code}")
    try:
        document = response.json()
    except ValueError as exc:
        raise ProviderUnavailableError(f"GET {url} did not answer JSON") from exc
    if not isinstance(document, dict):
        raise ProviderUnavailableError(f"GET {url} did not answer a JSON object")
    return document


@dataclass(frozen=True)
class AuthlibTokenExchange:
    """The authorization-code grant with client_secret_basic, through Authlib's requests client."""

    client_id: str
    client_secret: str

    def __call__(self, *, token_endpoint: str, code: str, code_verifier: str, redirect_uri: str) -> Mapping[str, Any]:
        import requests
        from authlib.integrations.base_client import OAuthError
        from authlib.integrations.requests_client import OAuth2Session

        auth_method = "client_secret_basic"
        with OAuth2Session(self.client_id, self.client_secret, token_endpoint_auth_method=auth_method) as client:
            try:
                token = client.fetch_token(
                    token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    redirect_uri=redirect_uri,
                    code_verifier=code_verifier,
                    timeout=HTTP_TIMEOUT_SECONDS,
                )
            except OAuthError as exc:
                raise CodeRejectedError(f"token endpoint refused the code: {exc.error}: {exc.description}") from exc
            except requests.RequestException as exc:
                raise ProviderUnavailableError(f"token endpoint failed: {exc.__class__.__name__}") from exc
            except ValueError as exc:
                raise ProviderUnavailableError(f"token endpoint did not answer JSON: {exc}") from exc
        return dict(token)


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None
    iss_parameter_supported: bool


class OpenIDProvider:
    """One trusted identity provider, configured by discovery. Thread-safe; caches what it fetches."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        redirect_uri: str,
        scopes: str,
        discovery_url: str,
        token_exchange: TokenExchange,
        token_endpoint: str = "",
        fetch: FetchJson = fetch_json,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scopes = scopes
        self._discovery_url = discovery_url
        self._token_endpoint_override = token_endpoint
        self._token_exchange = token_exchange
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._metadata: ProviderMetadata | None = None
        self._metadata_at = 0.0
        self._keys: dict[str, RSAKey] = {}
        self._keys_at: float | None = None

    # --- discovery ---------------------------------------------------------------------------

    def metadata(self) -> ProviderMetadata:
        now = self._clock()
        if self._metadata is None or now - self._metadata_at > METADATA_TTL_SECONDS:
            document = self._fetch(self._discovery_url)
            metadata = self._read_metadata(document)
            with self._lock:
                self._metadata, self._metadata_at = metadata, now
        assert self._metadata is not None
        return self._metadata

    def _read_metadata(self, document: Mapping[str, Any]) -> ProviderMetadata:
        if document.get("issuer") != self.issuer:
            # OIDC Discovery 4.3: the document must name exactly the issuer we were configured with.
            raise ConfigError(f"discovery names issuer {document.get('issuer')!r}, expected {self.issuer!r}")
        endpoints = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = document.get(name)
            if not isinstance(value, str) or not value.startswith(("https://", "http://")):
                raise ConfigError(f"discovery document has no usable {name}")
            endpoints[name] = value
        algs = document.get("id_token_signing_alg_values_supported", [])
        if isinstance(algs, list) and not set(ALGORITHMS) & set(algs):
            raise ConfigError(f"provider signs ID tokens with {algs}, none of {ALGORITHMS}")
        end_session = document.get("end_session_endpoint")
        return ProviderMetadata(
            issuer=self.issuer,
            authorization_endpoint=endpoints["authorization_endpoint"],
            token_endpoint=self._token_endpoint_override or endpoints["token_endpoint"],
            jwks_uri=endpoints["jwks_uri"],
            end_session_endpoint=end_session if isinstance(end_session, str) and end_session else None,
            iss_parameter_supported=document.get("authorization_response_iss_parameter_supported") is True,
        )

    # --- the authorization request and the code exchange ---------------------------------------

    def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        from authlib.common.urls import add_params_to_uri
        from authlib.oauth2.rfc7636 import create_s256_code_challenge

        params = [
            ("response_type", "code"),
            ("client_id", self.client_id),
            ("redirect_uri", self.redirect_uri),
            ("scope", self.scopes),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", create_s256_code_challenge(code_verifier)),  # type: ignore[no-untyped-call]
            ("code_challenge_method", "S256"),
        ]
        return str(add_params_to_uri(self.metadata().authorization_endpoint, params))

    def redeem(self, *, code: str, code_verifier: str) -> str:
        """Exchange the code for tokens; returns the (not yet verified) ID token."""
        tokens = self._token_exchange(
            token_endpoint=self.metadata().token_endpoint,
            code=code,
            code_verifier=code_verifier,
            redirect_uri=self.redirect_uri,
        )
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise IdTokenError("token response has no id_token")
        return id_token

    def end_session_url(self, post_logout_redirect_uri: str) -> str | None:
        from authlib.common.urls import add_params_to_uri

        endpoint = self.metadata().end_session_endpoint
        if endpoint is None:
            return None
        params = [("client_id", self.client_id), ("post_logout_redirect_uri", post_logout_redirect_uri)]
        return str(add_params_to_uri(endpoint, params))

    # --- the ID token ------------------------------------------------------------------------

    def verify_id_token(self, id_token: str, *, nonce: str) -> dict[str, Any]:
        """The ID token's claims after every check; IdTokenError naming the first that failed."""
        from joserfc import jws, jwt
        from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError

        if not nonce:
            raise IdTokenError("no expected nonce: refusing to verify without one")
        if len(id_token) > MAX_ID_TOKEN_LENGTH or id_token.count(".") != 2:
            raise IdTokenError("ID token is not a compact JWS")
        try:
            header = jws.extract_compact(id_token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError) as exc:
            raise IdTokenError(f"ID token header is unreadable: {exc}") from exc
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise IdTokenError(f"ID token alg {alg!r} is not allowed (only {', '.join(ALGORITHMS)})")
        key = self._signing_key(header.get("kid"))
        try:
            token = jwt.decode(id_token, key, algorithms=list(ALGORITHMS))
        except BadSignatureError as exc:
            raise IdTokenError(f"ID token signature does not verify with key {header.get('kid')!r}") from exc
        except (JoseError, ValueError) as exc:
            raise IdTokenError(f"ID token does not decode: {exc}") from exc
        claims = dict(token.claims)
        registry = jwt.JWTClaimsRegistry(
            now=int(self._clock()),
            leeway=CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as exc:
            raise IdTokenError(f"ID token expired (exp {claims.get('exp')!r})") from exc
        except ClaimError as exc:
            raise IdTokenError(f"ID token claim {exc.claim!r} is wrong: {exc.description}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        # OIDC Core 3.1.3.7: with several audiences azp is required; when present it must be us.
        if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != self.client_id:
            raise IdTokenError("ID token has several audiences or an azp, and azp is not this client")
        token_nonce = claims.get("nonce")
        if not isinstance(token_nonce, str) or not token_nonce:
            raise IdTokenError("ID token has no nonce")
        if not hmac.compare_digest(token_nonce.encode(), nonce.encode()):
            raise IdTokenError("ID token nonce does not match this sign-in")
        return claims

    def _signing_key(self, kid: object) -> RSAKey:
        if kid is not None and not isinstance(kid, str):
            raise IdTokenError("ID token kid is not a string")
        key = self._find_key(kid)
        if key is None and self._may_refetch_keys():
            # An unknown kid usually means the provider rotated its keys: fetch them once more.
            self._load_keys()
            key = self._find_key(kid)
        if key is None:
            raise IdTokenError(f"ID token kid {kid!r} is not in the provider's JWKS")
        return key

    def _find_key(self, kid: str | None) -> RSAKey | None:
        if kid is None:
            # A provider with a single key may omit kid (OIDC Core 10.1).
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def _may_refetch_keys(self) -> bool:
        return self._keys_at is None or self._clock() - self._keys_at >= JWKS_REFETCH_SECONDS

    def _load_keys(self) -> None:
        from joserfc.errors import JoseError
        from joserfc.jwk import RSAKey

        document = self._fetch(self.metadata().jwks_uri)
        keys: dict[str, RSAKey] = {}
        entries = document.get("keys")
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict) or entry.get("kty") != "RSA":
                continue
            if entry.get("use", "sig") != "sig" or entry.get("alg", "RS256") not in ALGORITHMS:
                continue
            try:
                key = RSAKey.import_key(entry)
            except (JoseError, ValueError):
                continue
            keys[str(entry.get("kid", ""))] = key
        with self._lock:
            self._keys, self._keys_at = keys, self._clock()
