"""`make deploy STAGE=<name> [DRY_RUN=1]`: validate and build the hub, package the functions, bring
the stage's stack up to date through a change set, then publish the hub and print its URL.

The order protects what is live: everything that can be refused (the stage file, credentials, the
stack's state, the secret, SES receiving, the content, the package) is checked before anything
changes, and the hub is only published once its stack is updated. With a mail domain, the stack's
receipt rule set is made the active one right after the stack update (deploy.mail).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy import mail, publish, secrets, stack
from deploy.aws import Aws
from deploy.errors import DeployError
from deploy.package import Packaged, functions_of, package
from deploy.stage import Stage
from deploy.template import REPO

TEMPLATE_BODY_LIMIT = 51_200  # CloudFormation's limit for an inline template
LISTED = 50  # files named one by one in a dry run's plan

Say = Callable[[str], None]


def _say(line: str) -> None:
    print(line, flush=True)


def artifacts_bucket_name(account: str, region: str) -> str:
    return f"commons-artifacts-{account}-{region}"


def build_hub(content: Path, out: Path) -> None:
    """`make validate` then `make build`: content that fails validation is never published."""
    from hub import validate

    if validate.main([str(content)]) != 0:
        raise DeployError(f"{content} does not pass make validate (problems above): nothing was deployed")
    env = {**os.environ, "COMMONS_CONTENT": str(content), "COMMONS_OUT": str(out), "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet"], cwd=REPO, env=env, check=False
    )
    if result.returncode != 0:
        raise DeployError("the hub did not build (errors above): nothing was deployed")


def ensure_artifacts_bucket(s3: Any, name: str, region: str) -> None:
    """The bucket that holds packaged code and templates for CloudFormation (outside the stack,
    which can't be made from a template stored in itself). Private, encrypted, HTTPS only."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=name)
        return
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise DeployError(f"artifacts bucket {name} exists but is not yours or not readable") from exc
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **location)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "HttpsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        ),
    )


def _bucket_exists(s3: Any, name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=name)
    except ClientError:
        return False
    return True


def _upload_once(s3: Any, bucket: str, key: str, body: bytes) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
        return  # content-addressed: already there
    except ClientError:
        pass
    s3.put_object(Bucket=bucket, Key=key, Body=body)


@dataclass(frozen=True)
class StackTemplate:
    body: str
    code_key: str

    @property
    def key(self) -> str:
        return f"templates/{hashlib.sha256(self.body.encode()).hexdigest()}.json"


def stack_template(packaged: Packaged, bucket: str) -> StackTemplate:
    """The packaged template with every function's CodeUri pointing at the code's content-addressed key."""
    template = json.loads(packaged.template.read_text(encoding="utf-8"))
    code_key = f"functions/{packaged.code_sha256}.zip"
    for function in functions_of(template).values():
        function["Properties"]["CodeUri"] = f"s3://{bucket}/{code_key}"
    return StackTemplate(json.dumps(template, separators=(",", ":"), sort_keys=True), code_key)


def stack_values(stage: Stage, stored: secrets.StoredSecret, public_origin: str) -> dict[str, str]:
    return {**stage.parameters(), **stored.parameters(), "PublicOrigin": public_origin}


def known_origin(stage: Stage, outputs: dict[str, str]) -> str:
    if stage.domain:
        return f"https://{stage.domain}"
    domain = outputs.get("DistributionDomainName", "")
    return f"https://{domain}" if domain else ""


def _show_changes(change_set: stack.ChangeSet, say: Say) -> None:
    if change_set.empty:
        say(f"stack {change_set.stack}: no changes")
        return
    verb = "create" if change_set.kind == "CREATE" else "update"
    say(f"stack {change_set.stack}: {verb}, {len(change_set.changes)} resource change(s)")
    for change in change_set.changes:
        say(change.line())


def _show_plan(plan: publish.SyncPlan, say: Say) -> None:
    say(f"hub: {plan.summary()}")
    for label, keys in (("upload", [f.key for f in plan.uploads]), ("delete", plan.deletes)):
        for key in keys[:LISTED]:
            say(f"  {label} {key}")
        if len(keys) > LISTED:
            say(f"  … and {len(keys) - LISTED} more to {label}")


def deploy(
    stage: Stage,
    aws: Aws,
    *,
    dry_run: bool,
    content: Path,
    hub: Path,
    out: Path,
    say: Say = _say,
    build: Callable[[Path, Path], None] = build_hub,
    packager: Callable[[Path, Path], Packaged] = package,
    poll_seconds: float = 15,
) -> str:
    """Returns the hub's URL. `build` and `packager` make the hub and the artefacts (the tests
    hand in ones made once per session)."""
    account = aws.account()
    cloudformation, s3 = aws.client("cloudformation"), aws.client("s3")
    current = stack.status(cloudformation, stage.stack_name)
    stack.check_ready(stage.stack_name, current, stage.region)
    stored = secrets.require(aws, stage)
    exists = current not in (None, stack.REVIEW)
    live_mail_domain = stack.parameters(cloudformation, stage.stack_name).get("MailDomain", "") if exists else ""
    receiving = mail.check(aws.client("ses"), stage, live_mail_domain=live_mail_domain)
    build(content, hub)
    packaged = packager(out, hub)
    say(f"packaged the functions: {packaged.code.stat().st_size / 1e6:.1f} MB")

    outputs = stack.outputs(cloudformation, stage.stack_name) if exists else {}
    bucket = artifacts_bucket_name(account, stage.region)
    template = stack_template(packaged, bucket)
    values = stack_values(stage, stored, known_origin(stage, outputs))
    kind = "UPDATE" if exists else "CREATE"
    tags = {"commons:stage": stage.name}
    role = stage.cloudformation_role_arn

    if dry_run:
        template_url = None
        made_bucket = False
        if not _fits_inline(template):
            # CloudFormation reads a template over its inline limit from S3, even for a preview: a
            # first dry run makes the bucket the first deploy would (it holds no stage's data).
            if not _bucket_exists(s3, bucket):
                ensure_artifacts_bucket(s3, bucket, stage.region)
                made_bucket = True
                say(f"made the artifacts bucket {bucket}: the template is over CloudFormation's inline limit")
            _upload_once(s3, bucket, template.key, template.body.encode())  # content-addressed, not live
            template_url = _url(s3, bucket, template.key)
        change_set = stack.create_change_set(
            cloudformation,
            stage.stack_name,
            kind=kind,
            values=values,
            template_url=template_url,
            template_body=None if template_url else template.body,
            tags=tags,
            role_arn=role,
        )
        _show_changes(change_set, say)
        stack.discard(cloudformation, change_set)
        if receiving:
            mail.plan(receiving, say)
        hub_bucket = outputs.get("HubBucketName")
        _show_plan(publish.preview(s3, hub_bucket, hub), say)
        say("dry run: nothing else was changed" if made_bucket else "dry run: nothing was changed")
        return outputs.get("HubUrl", "")

    ensure_artifacts_bucket(s3, bucket, stage.region)
    _upload_once(s3, bucket, template.code_key, packaged.code.read_bytes())
    _upload_once(s3, bucket, template.key, template.body.encode())
    template_url = _url(s3, bucket, template.key)
    change_set = stack.create_change_set(
        cloudformation, stage.stack_name, kind=kind, values=values, template_url=template_url, tags=tags, role_arn=role
    )
    _show_changes(change_set, say)
    if not change_set.empty:
        if receiving:
            mail.before_stack(aws.client("ses"), receiving, say)
        say(f"stack {stage.stack_name}: {stack.execute(cloudformation, change_set, poll_seconds=poll_seconds)}")
    outputs = stack.outputs(cloudformation, stage.stack_name)
    origin = known_origin(stage, outputs)
    if origin and origin != values["PublicOrigin"]:
        # Without a domain, the functions learn the distribution's own domain once it exists.
        values["PublicOrigin"] = origin
        second = stack.create_change_set(
            cloudformation,
            stage.stack_name,
            kind="UPDATE",
            values=values,
            template_url=template_url,
            tags=tags,
            role_arn=role,
        )
        _show_changes(second, say)
        if not second.empty:
            say(f"stack {stage.stack_name}: {stack.execute(cloudformation, second, poll_seconds=poll_seconds)}")
    if receiving:
        mail.after_stack(aws.client("ses"), receiving, stage.mail_domain, say)
    for needed in ("HubBucketName", "DistributionId", "HubUrl"):
        if needed not in outputs:
            raise DeployError(f"stack {stage.stack_name} has no output {needed}, so the hub can't be published")
    published = publish.publish(s3, aws.client("cloudfront"), outputs["HubBucketName"], outputs["DistributionId"], hub)
    say(f"hub: {published.plan.summary()}")
    if published.invalidation_id:
        say(f"hub: invalidated {len(published.invalidated)} path(s) ({published.invalidation_id})")
    if kind == "CREATE":
        say(
            f"register {origin}/auth/callback (redirect) and {origin}/auth/signed-out (post-logout redirect) "
            "with your identity provider"
        )
    say(f"Commons {stage.name} is at {outputs['HubUrl']}")
    return outputs["HubUrl"]


def _fits_inline(template: StackTemplate) -> bool:
    return len(template.body.encode()) <= TEMPLATE_BODY_LIMIT


def _url(s3: Any, bucket: str, key: str) -> str:
    endpoint = str(s3.meta.endpoint_url).rstrip("/")
    return f"{endpoint}/{bucket}/{key}"
