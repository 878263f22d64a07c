"""CloudFront signed cookies: issued at sign-in, checked by CloudFront (and by the dev server's gate).

A custom policy grants `<public origin>/*` until the session's expiry. CloudFront requires the
policy to be signed with RSA-SHA1 (PKCS#1 v1.5) and encoded in its own base64 variant.
`verify_signed_cookies` applies CloudFront's rules so the dev server keeps the same gate.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.errors import CloudFrontCookieError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

POLICY = "CloudFront-Policy"
SIGNATURE = "CloudFront-Signature"
KEY_PAIR_ID = "CloudFront-Key-Pair-Id"
EXPIRES = "CloudFront-Expires"
COOKIE_NAMES = (POLICY, SIGNATURE, KEY_PAIR_ID)

_TO_CLOUDFRONT = str.maketrans({"+": "-", "=": "_", "/": "~"})
_FROM_CLOUDFRONT = str.maketrans({"-": "+", "_": "=", "~": "/"})


def cloudfront_b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").translate(_TO_CLOUDFRONT)


def cloudfront_b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.translate(_FROM_CLOUDFRONT), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not CloudFront base64") from exc


def custom_policy(resource: str, expires_at: int) -> bytes:
    statement = {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires_at}}}
    return json.dumps({"Statement": [statement]}, separators=(",", ":")).encode()


@lru_cache(maxsize=4)
def load_private_key(pem: str) -> RSAPrivateKey:
    """The RSA private key in `pem`; ValueError if it is not one. Cached: the settings check and
    the signer read the same key, and parsing it is the slow part of a cold start."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:  # TypeError: it needs a password
        raise ValueError("not a private key in PEM") from exc
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("the CloudFront private key must be an RSA key")
    return key


@dataclass(frozen=True)
class CloudFrontSigner:
    key_pair_id: str
    private_key_pem: str

    @cached_property
    def _private_key(self) -> RSAPrivateKey:
        return load_private_key(self.private_key_pem)

    def signed_cookies(self, resource: str, expires_at: int) -> dict[str, str]:
        """The three cookies that open `resource` (a URL, `*` allowed) until `expires_at`."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        policy = custom_policy(resource, expires_at)
        signature = self._private_key.sign(policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
        return {
            POLICY: cloudfront_b64encode(policy),
            SIGNATURE: cloudfront_b64encode(signature),
            KEY_PAIR_ID: self.key_pair_id,
        }


def verify_signed_cookies(
    cookies: Mapping[str, str],
    url: str,
    public_keys: Mapping[str, str],
    now: float,
    client_ip: str = "127.0.0.1",
) -> None:
    """Raise CloudFrontCookieError unless the cookies let CloudFront serve `url` to this client.

    `public_keys` maps each trusted public key id (the key group) to its PEM.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key_id = cookies.get(KEY_PAIR_ID)
    signature_text = cookies.get(SIGNATURE)
    if not key_id or not signature_text:
        raise CloudFrontCookieError("no CloudFront signed cookies")
    pem = public_keys.get(key_id)
    if pem is None:
        raise CloudFrontCookieError(f"CloudFront key pair id {key_id[:40]!r} is not in the trusted key group")
    if cookies.get(POLICY):
        policy = _decode(cookies[POLICY], "policy")
    elif cookies.get(EXPIRES, "").isdigit():
        # A canned policy names the exact URL; CloudFront rebuilds it from the request.
        policy = custom_policy(url, int(cookies[EXPIRES]))
    else:
        raise CloudFrontCookieError("CloudFront cookies carry neither a policy nor an expiry")
    public_key = load_pem_public_key(pem.encode())
    if not isinstance(public_key, RSAPublicKey):
        raise CloudFrontCookieError(f"trusted key {key_id!r} is not an RSA key")
    try:
        public_key.verify(_decode(signature_text, "signature"), policy, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    except InvalidSignature as exc:
        raise CloudFrontCookieError("CloudFront policy signature does not verify") from exc
    _check_policy(policy, url, now, client_ip)


def _decode(text: str, what: str) -> bytes:
    try:
        return cloudfront_b64decode(text)
    except ValueError as exc:
        raise CloudFrontCookieError(f"CloudFront {what} cookie is not CloudFront base64") from exc


def _check_policy(policy: bytes, url: str, now: float, client_ip: str) -> None:
    try:
        document = json.loads(policy)
        (statement,) = document["Statement"]
        resource = statement.get("Resource", "*")
        condition: dict[str, Any] = statement["Condition"]
        expires = condition["DateLessThan"]["AWS:EpochTime"]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CloudFrontCookieError("CloudFront policy is not a one-statement policy with DateLessThan") from exc
    if not isinstance(expires, int) or now >= expires:
        raise CloudFrontCookieError(f"CloudFront policy expired at {expires!r}")
    not_before = condition.get("DateGreaterThan", {}).get("AWS:EpochTime")
    if not_before is not None and (not isinstance(not_before, int) or now < not_before):
        raise CloudFrontCookieError(f"CloudFront policy is not valid before {not_before!r}")
    source = condition.get("IpAddress", {}).get("AWS:SourceIp")
    if source is not None and not _admits(str(source), client_ip):
        raise CloudFrontCookieError(f"CloudFront policy does not admit client address {client_ip}")
    if not isinstance(resource, str) or not _resource_pattern(resource).fullmatch(url):
        raise CloudFrontCookieError(f"CloudFront policy resource {resource!r} does not cover {url}")


def _admits(network: str, client_ip: str) -> bool:
    try:
        return ipaddress.ip_address(client_ip) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _resource_pattern(resource: str) -> re.Pattern[str]:
    # CloudFront wildcards: * is any run of characters, ? is exactly one.
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in resource), re.DOTALL)
