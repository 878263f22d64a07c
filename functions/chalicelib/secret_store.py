"""The deployed stage's secrets: one Secrets Manager secret, read once per container.

`make secrets` writes it (scripts/deploy/secrets.py, with `SecretDocument`); the functions read the
version the stack names (`COMMONS_SECRET_VERSION`), so a rotation reaches every container at once,
through a stack update that replaces them. Nothing secret is in the template or in plain
environment variables: only the secret's ARN and version id are.

Locally (the dev server, tests) there is no `COMMONS_SECRET_ID`, and the environment is used as is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.errors import ConfigError

SECRET_ID = "COMMONS_SECRET_ID"  # noqa: S105 (the names of environment variables)
SECRET_VERSION = "COMMONS_SECRET_VERSION"  # noqa: S105
# `A=<public key id>,B=<public key id>`: the ids CloudFront gave the key group's two slots.
KEY_PAIR_IDS = "COMMONS_CLOUDFRONT_KEY_PAIR_IDS"
FORMAT = 1
SLOTS = ("A", "B")

# (secret id, version id or "") -> the secret's string
FetchSecret = Callable[[str, str], str]


@dataclass(frozen=True)
class SecretDocument:
    """What the stage's secret holds, as JSON. Public keys are kept beside their private halves so
    that `make deploy` can give CloudFront the public ones."""

    oidc_client_secret: str = field(repr=False)
    session_keys: str = field(repr=False)  # `id=key,id=key`, newest first (see config.parse_session_keys)
    cloudfront_active: str  # the slot whose private key signs
    cloudfront_private_key: str = field(repr=False)
    cloudfront_public_keys: dict[str, str]  # slot -> PEM

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "oidc_client_secret": self.oidc_client_secret,
                "session_keys": self.session_keys,
                "cloudfront_active": self.cloudfront_active,
                "cloudfront_private_key": self.cloudfront_private_key,
                "cloudfront_public_keys": self.cloudfront_public_keys,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> SecretDocument:
        """Raise ValueError, naming the field but never a value, when the secret is not one of ours."""
        try:
            data: Any = json.loads(text)
        except ValueError:
            raise ValueError("the secret is not JSON") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"the secret is not a Commons secret of format {FORMAT}")
        for name in ("oidc_client_secret", "session_keys", "cloudfront_active", "cloudfront_private_key"):
            if not isinstance(data.get(name), str) or not data[name]:
                raise ValueError(f"the secret has no {name}")
        public = data.get("cloudfront_public_keys")
        if not isinstance(public, dict) or not all(
            slot in SLOTS and isinstance(pem, str) and pem for slot, pem in public.items()
        ):
            raise ValueError("the secret's cloudfront_public_keys must map slots A and B to PEM")
        if data["cloudfront_active"] not in public:
            raise ValueError("the secret's active CloudFront slot has no public key")
        return cls(
            oidc_client_secret=data["oidc_client_secret"],
            session_keys=data["session_keys"],
            cloudfront_active=data["cloudfront_active"],
            cloudfront_private_key=data["cloudfront_private_key"],
            cloudfront_public_keys=dict(public),
        )


def fetch_from_secrets_manager(secret_id: str, version: str) -> str:
    """The secret's string, from Secrets Manager, with the function role's credentials."""
    import botocore.session
    from botocore.exceptions import BotoCoreError, ClientError

    client = botocore.session.get_session().create_client("secretsmanager")
    arguments = {"SecretId": secret_id, **({"VersionId": version} if version else {})}
    try:
        answer = client.get_secret_value(**arguments)
    except ClientError as exc:
        raise ConfigError(f"reading secret {secret_id}: {exc.response.get('Error', {}).get('Code')}") from exc
    except BotoCoreError as exc:
        raise ConfigError(f"reading secret {secret_id}: {type(exc).__name__}") from exc
    text = answer.get("SecretString")
    if not isinstance(text, str):
        raise ConfigError(f"secret {secret_id} has no SecretString")
    return text


def environment(env: Mapping[str, str], fetch: FetchSecret = fetch_from_secrets_manager) -> dict[str, str]:
    """`env` with the secret's values under the names `config.Settings` reads; `env` itself when
    no secret is configured."""
    merged = dict(env)
    secret_id = env.get(SECRET_ID, "").strip()
    if not secret_id:
        return merged
    try:
        document = SecretDocument.from_json(fetch(secret_id, env.get(SECRET_VERSION, "").strip()))
    except ValueError as exc:
        raise ConfigError(f"secret {secret_id}: {exc}") from exc
    key_ids = dict(entry.split("=", 1) for entry in env.get(KEY_PAIR_IDS, "").split(",") if entry.count("=") == 1)
    key_id = key_ids.get(document.cloudfront_active, "")
    if not key_id:
        raise ConfigError(f"{KEY_PAIR_IDS} has no key id for slot {document.cloudfront_active}")
    merged.update(
        COMMONS_OIDC_CLIENT_SECRET=document.oidc_client_secret,
        COMMONS_SESSION_KEYS=document.session_keys,
        COMMONS_CLOUDFRONT_PRIVATE_KEY=document.cloudfront_private_key,
        COMMONS_CLOUDFRONT_KEY_PAIR_ID=key_id,
    )
    return merged
