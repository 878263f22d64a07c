"""`make secrets STAGE=<name>`: create, or rotate, the stage's secret in AWS Secrets Manager.

The secret (`commons/<stage>`, format in `chalicelib.secret_store.SecretDocument`) holds the OIDC
client secret, the session keys and the CloudFront key pair. Nothing secret is printed or written
to disk.

- The first run makes a session key and a CloudFront key pair in slot A, and stores the client
  secret you pass in (a file, `COMMONS_OIDC_CLIENT_SECRET`, standard input, or a prompt).
- Later runs rotate: a new session key goes first and the previous one is kept, so sessions signed
  with it stay valid; a new CloudFront key pair fills the other slot and becomes the one that signs,
  while the old public key stays trusted, so existing cookies keep working. The client secret is
  replaced only when you pass one.
- When the stack exists, the new version is rolled out at once by a stack update that changes only
  the secret's version and the public keys: every function container is replaced, and CloudFront
  trusts the new key before any cookie is signed with it.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from chalicelib.secret_store import SLOTS, SecretDocument
from deploy import stack
from deploy.aws import Aws
from deploy.errors import DeployError
from deploy.stage import Stage

KEPT_SESSION_KEYS = 2  # the new key and the one before it
SECRET_PARAMETERS = (
    "SecretArn",
    "SecretVersion",
    "CloudFrontPublicKeyA",
    "CloudFrontKeyAFingerprint",
    "CloudFrontPublicKeyB",
    "CloudFrontKeyBFingerprint",
)
NO_KEY_FINGERPRINT = "0" * 16


@dataclass(frozen=True)
class StoredSecret:
    arn: str
    version: str
    document: SecretDocument

    def parameters(self) -> dict[str, str]:
        """The stack parameters that come from the secret: its id and version, and public keys."""
        keys = self.document.cloudfront_public_keys
        return {
            "SecretArn": self.arn,
            "SecretVersion": self.version,
            "CloudFrontPublicKeyA": keys.get("A", ""),
            "CloudFrontKeyAFingerprint": fingerprint(keys["A"]) if "A" in keys else NO_KEY_FINGERPRINT,
            "CloudFrontPublicKeyB": keys.get("B", ""),
            "CloudFrontKeyBFingerprint": fingerprint(keys["B"]) if "B" in keys else NO_KEY_FINGERPRINT,
        }


def fingerprint(public_pem: str) -> str:
    return hashlib.sha256(public_pem.strip().encode()).hexdigest()[:16]


def new_session_key(now: float) -> str:
    key_id = "s" + time.strftime("%Y%m%d%H%M%S", time.gmtime(now))
    return f"{key_id}={base64.urlsafe_b64encode(os.urandom(32)).rstrip(b'=').decode()}"


def new_cloudfront_key_pair() -> tuple[str, str]:
    """(private PEM, public PEM) of a new RSA-2048 key, which CloudFront requires."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def read(aws: Aws, stage: Stage) -> StoredSecret | None:
    """The stage's current secret, or None when `make secrets` has not made it yet."""
    from botocore.exceptions import ClientError

    client = aws.client("secretsmanager")
    try:
        answer = client.get_secret_value(SecretId=stage.secret_name)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    try:
        document = SecretDocument.from_json(answer["SecretString"])
    except (KeyError, ValueError) as exc:
        raise DeployError(
            f"secret {stage.secret_name} is not usable: {exc}; it is not one make secrets wrote: restore a "
            "previous version or delete it, then run make secrets again"
        ) from exc
    return StoredSecret(arn=answer["ARN"], version=answer["VersionId"], document=document)


def require(aws: Aws, stage: Stage) -> StoredSecret:
    stored = read(aws, stage)
    if stored is None:
        raise DeployError(
            f"stage {stage.name} has no secret yet: run `make secrets STAGE={stage.name} CLIENT_SECRET_FILE=…` first"
        )
    return stored


def rotated(document: SecretDocument, client_secret: str | None, now: float) -> SecretDocument:
    """New session key first (the previous one kept); a new CloudFront key in the other slot."""
    session_keys = [new_session_key(now), *[k for k in document.session_keys.split(",") if k.strip()]]
    other = next(slot for slot in SLOTS if slot != document.cloudfront_active)
    private, public = new_cloudfront_key_pair()
    return replace(
        document,
        oidc_client_secret=client_secret or document.oidc_client_secret,
        session_keys=",".join(session_keys[:KEPT_SESSION_KEYS]),
        cloudfront_active=other,
        cloudfront_private_key=private,
        cloudfront_public_keys={
            document.cloudfront_active: document.cloudfront_public_keys[document.cloudfront_active],
            other: public,
        },
    )


def created(client_secret: str, now: float) -> SecretDocument:
    private, public = new_cloudfront_key_pair()
    return SecretDocument(
        oidc_client_secret=client_secret,
        session_keys=new_session_key(now),
        cloudfront_active="A",
        cloudfront_private_key=private,
        cloudfront_public_keys={"A": public},
    )


def client_secret_from(file: Path | None, environ: dict[str, str], stdin: Any, *, needed: bool) -> str | None:
    """The OIDC client secret the operator passes in, if any: a file, the environment, piped
    standard input, or (only when one is needed) a prompt that does not echo."""
    if file is not None:
        try:
            value = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise DeployError(f"cannot read the client secret from {file}: {exc.strerror}") from exc
        if not value:
            raise DeployError(f"{file} is empty: it should hold the client secret from your identity provider")
        return value
    if environ.get("COMMONS_OIDC_CLIENT_SECRET", "").strip():
        return environ["COMMONS_OIDC_CLIENT_SECRET"].strip()
    if stdin is not None and not stdin.isatty():
        value = stdin.read().strip()
        return value or None
    if needed and stdin is not None and stdin.isatty():
        value = getpass.getpass("OIDC client secret (from your identity provider; not shown): ").strip()
        return value or None
    return None


def run(aws: Aws, stage: Stage, client_secret: str | None, *, now: float | None = None) -> str:
    """Create or rotate the secret, and roll it out to the stack if there is one. Returns what
    happened, in one line with no secret in it."""
    now = time.time() if now is None else now
    client = aws.client("secretsmanager")
    cloudformation = aws.client("cloudformation")
    current_status = stack.status(cloudformation, stage.stack_name)
    stack.check_ready(stage.stack_name, current_status, stage.region)
    live = current_status not in (None, stack.REVIEW)
    existing = read(aws, stage)
    if existing is None:
        if not client_secret:
            raise DeployError(
                "the first run needs the OIDC client secret from your identity provider: "
                f"make secrets STAGE={stage.name} CLIENT_SECRET_FILE=path (or pipe it in)"
            )
        document = created(client_secret, now)
        answer = client.create_secret(
            Name=stage.secret_name,
            Description=f"Commons {stage.name}: OIDC client secret, session keys, CloudFront key pair",
            SecretString=document.to_json(),
            Tags=[{"Key": "commons:stage", "Value": stage.name}],
        )
        stored = StoredSecret(answer["ARN"], answer["VersionId"], document)
        done = f"created secret {stage.secret_name}"
    else:
        if live:
            pinned = stack.parameters(cloudformation, stage.stack_name).get("SecretVersion")
            if pinned and pinned != existing.version:
                raise DeployError(
                    f"stack {stage.stack_name} still uses an older version of {stage.secret_name}: "
                    f"run make deploy STAGE={stage.name} to roll out the current one before rotating again"
                )
        document = rotated(existing.document, client_secret, now)
        answer = client.put_secret_value(SecretId=existing.arn, SecretString=document.to_json())
        stored = StoredSecret(existing.arn, answer["VersionId"], document)
        done = f"rotated {stage.secret_name} (session key, CloudFront key now in slot {document.cloudfront_active}"
        done += ", client secret replaced)" if client_secret else ")"
    if not live:
        return f"{done}; make deploy STAGE={stage.name} puts it to use"
    change_set = stack.create_change_set(
        cloudformation,
        stage.stack_name,
        kind="UPDATE",
        values=stored.parameters(),
        keep=frozenset(stack.parameters(cloudformation, stage.stack_name)) - set(SECRET_PARAMETERS),
        role_arn=stage.cloudformation_role_arn,
    )
    if not change_set.empty:
        stack.execute(cloudformation, change_set)
    return f"{done}; stack {stage.stack_name} now uses it"


def main(aws: Aws, stage: Stage, client_secret_file: Path | None) -> None:
    needed = read(aws, stage) is None  # only the first run must have a client secret
    secret = client_secret_from(client_secret_file, dict(os.environ), sys.stdin, needed=needed)
    print(run(aws, stage, secret), flush=True)
