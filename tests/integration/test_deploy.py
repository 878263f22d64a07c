"""The deploy commands against moto's server over HTTP: secrets, the change-set flow, SES receiving,
publishing the hub, and every refusal.

What moto does not do, and so what these tests can't see (the template tests check it instead):
- Its CloudFormation skips CloudFront and SAM resources, and applies few properties (no
  point-in-time recovery, TTL, versioning or bucket policy). It lists them in change sets, so the
  flow is real, but a stack it creates has no outputs at all.
- It fails on the Lambda permission for the skipped SAM function, so `moto_template` leaves out
  exactly the resources it can't run, and says which.
- It ignores the conditions of bucket policies, so the artifacts bucket's https-only policy
  would refuse every request: the flow tests start with that bucket made, and
  `test_the_artifacts_bucket_is_private_and_https_only` checks what `make deploy` sets on it.
- It never reaches a failed state such as ROLLBACK_COMPLETE: an execution that fails raises at
  once and leaves the stack in REVIEW_IN_PROGRESS. Failed states are refused by the same code;
  `FailedStack` below stands in for CloudFormation to show it.
- It skips every SES resource (it lists them in the change set): the mail tests make the receipt
  rule set the stack would have made, with moto's SES API, which does keep receipt rule sets and
  which one is active. It also skips bucket and topic policies, role policies, alarms and SAM's
  event sources, and applies only the mail bucket's encryption (not its lifecycle or public-access
  block): the mail tests check the queues, topics and bucket it does make, the template tests the
  rest. Whether SES would really receive in a region, or refuse the rule's actions, nothing here
  can see.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from deploy import publish, secrets
from deploy.__main__ import _describe
from deploy.aws import Aws
from deploy.deploy import (
    LISTED,
    TEMPLATE_BODY_LIMIT,
    artifacts_bucket_name,
    deploy,
    ensure_artifacts_bucket,
    stack_template,
)
from deploy.errors import DeployError
from deploy.package import Packaged
from deploy.stage import Stage, parse_stage
from devstack import local_aws
from tests.conftest import REPO

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's
# Resources moto's CloudFormation can't run, and why; everything else is the packaged template.
MOTO_CANNOT_RUN = {
    "APIHandlerInvokePermission": "a Lambda permission naming the SAM function moto skips, which it then fails to find",
}
# Resources moto's CloudFormation lists in a change set but does not make.
MOTO_SKIPS = {
    "APIHandler",
    "RestAPI",
    "Distribution",
    "HubOriginAccessControl",
    "HubKeyGroup",
    "CloudFrontKeyA",
    "ViewerRequestFunction",
}


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("wb")
    aws = local_aws.start(output=log)
    try:
        # moto reads a TemplateURL's bucket from the path only when the host is "localhost".
        yield aws.endpoint.replace("127.0.0.1", "localhost")
    finally:
        aws.stop()
        log.close()


@pytest.fixture()
def moto(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh moto for each test, reached the way the deploy commands reach AWS."""
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield endpoint


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def stage(**changes: Any) -> Stage:
    document = {
        "region": REGION,
        "oidc_issuer": "https://login.example.com",
        "oidc_client_id": "commons",
        "alarm_email": "ops@example.com",
        **changes,
    }
    return parse_stage("t", document, "infra/stages/t.json")


@pytest.fixture(scope="module")
def moto_packaged(packaged: Packaged, tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    template = json.loads(packaged.template.read_text())
    for name in MOTO_CANNOT_RUN:
        del template["Resources"][name]
    out = tmp_path_factory.mktemp("moto-package")
    (out / "template.json").write_text(json.dumps(template))
    shutil.copy(packaged.code, out / "deployment.zip")
    return Packaged(out / "template.json", out / "deployment.zip")


class Run:
    """One `make deploy`, in process, with the session's built hub and package."""

    def __init__(self, built_hub: Path, packaged: Packaged, tmp_path: Path) -> None:
        self.built_hub, self.packaged, self.hub = built_hub, packaged, tmp_path / "hub"
        self.said: list[str] = []
        self.built = 0

    def build(self, content: Path, out: Path) -> None:
        self.built += 1
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(self.built_hub, out)

    def __call__(self, target: Stage, *, dry_run: bool = False, aws: Aws | None = None) -> str:
        self.said.clear()
        return deploy(
            target,
            aws or Aws(target.region),
            dry_run=dry_run,
            content=REPO / "site",
            hub=self.hub,
            out=self.hub.parent / "deploy",
            say=self.said.append,
            build=self.build,
            packager=lambda out, hub: self.packaged,
            poll_seconds=0.05,
        )


@pytest.fixture()
def run(moto: str, built_hub: Path, moto_packaged: Packaged, tmp_path: Path) -> Run:
    client("s3").create_bucket(
        Bucket=artifacts_bucket_name(ACCOUNT, REGION), CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return Run(built_hub, moto_packaged, tmp_path)


def waiting_change_sets(name: str = "commons-t") -> list[str]:
    """Change sets made but not executed (moto, unlike CloudFormation, also lists executed ones)."""
    summaries = client("cloudformation").list_change_sets(StackName=name)["Summaries"]
    return [s["ChangeSetName"] for s in summaries if s.get("ExecutionStatus") != "EXECUTE_COMPLETE"]


def stack_parameters(name: str = "commons-t") -> dict[str, str]:
    found = client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in found["Parameters"]}


def changed_code(packaged: Packaged, folder: Path) -> Packaged:
    changed = folder / "changed.zip"
    shutil.copy(packaged.code, changed)
    with zipfile.ZipFile(changed, "a") as archive:
        archive.writestr("chalicelib/changed.txt", "new content")
    return Packaged(packaged.template, changed)


def made_resources(name: str = "commons-t") -> set[str]:
    """The logical ids of what moto's CloudFormation made for the stack (it skips some, MOTO_SKIPS)."""
    found = client("cloudformation").describe_stack_resources(StackName=name)["StackResources"]
    return {r["LogicalResourceId"] for r in found if "LogicalResourceId" in r}


def mail_resources(packaged: Packaged) -> set[str]:
    resources = json.loads(packaged.template.read_text())["Resources"]
    return {name for name, resource in resources.items() if resource.get("Condition") == "HasMail"}


def first_deploy(run: Run, target: Stage) -> None:
    """Up to where moto stops: it makes no outputs, so the hub can't be published."""
    with pytest.raises(DeployError, match="stack commons-t has no output HubBucketName"):
        run(target)


# --- secrets -----------------------------------------------------------------------------------


def test_secrets_are_created_once_then_rotated(moto: str) -> None:
    target = stage()
    aws = Aws(REGION)
    with pytest.raises(DeployError, match="the first run needs the OIDC client secret"):
        secrets.run(aws, target, None)
    assert secrets.run(aws, target, "from-the-idp") == ("created secret commons/t; make deploy STAGE=t puts it to use")
    first = secrets.require(aws, target)
    assert first.document.oidc_client_secret == "from-the-idp"
    assert set(first.document.cloudfront_public_keys) == {"A"}
    message = secrets.run(aws, target, None)
    assert "client secret" not in message and "rotated commons/t" in message
    second = secrets.require(aws, target)
    assert second.version != first.version
    assert second.document.cloudfront_active == "B"
    assert second.document.oidc_client_secret == "from-the-idp"
    assert second.document.session_keys.split(",")[1] == first.document.session_keys
    for secret in (second.document.oidc_client_secret, second.document.cloudfront_private_key):
        assert secret not in message


def test_a_deploy_without_secrets_is_refused_before_anything_is_made(moto: str, run: Run) -> None:
    with pytest.raises(DeployError, match=r"stage t has no secret yet: run `make secrets STAGE=t"):
        run(stage())
    assert run.built == 0
    assert "Contents" not in client("s3").list_objects_v2(Bucket=artifacts_bucket_name(ACCOUNT, REGION))


def test_the_artifacts_bucket_is_private_and_https_only(moto: str) -> None:
    s3, name = client("s3"), artifacts_bucket_name(ACCOUNT, REGION)
    ensure_artifacts_bucket(s3, name, REGION)
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == REGION
    assert set(s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"].values()) == {True}
    (rule,) = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (statement,) = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ensure_artifacts_bucket(s3, name, REGION)  # a second deploy finds it and changes nothing


# --- the change-set flow -----------------------------------------------------------------------


def test_the_first_deploy_creates_the_stack_through_a_change_set(moto: str, run: Run) -> None:
    target = stage()
    secrets.run(Aws(REGION), target, "from-the-idp")
    first_deploy(run, target)
    assert run.built == 1
    assert run.said[1].startswith("stack commons-t: create, ")
    assert "  add                  Table (AWS::DynamoDB::Table)" in run.said
    assert "  add                  Distribution (AWS::CloudFront::Distribution)" in run.said
    cloudformation = client("cloudformation")
    assert cloudformation.describe_stacks(StackName="commons-t")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

    stored = secrets.require(Aws(REGION), target)
    parameters = stack_parameters()
    assert parameters["SecretVersion"] == stored.version and parameters["SecretArn"] == stored.arn
    assert parameters["CloudFrontPublicKeyA"] == stored.document.cloudfront_public_keys["A"]
    assert parameters["AlarmEmail"] == "ops@example.com" and parameters["PublicOrigin"] == ""

    made = made_resources()
    assert {"Table", "HubBucket", "FunctionRole", "FunctionLogGroup", "AlarmTopic"} <= made
    # moto's CloudFormation evaluates the conditions itself (its change sets list every resource,
    # whatever the conditions): without mail_domain, it makes nothing of mail.
    assert not made & mail_resources(run.packaged), "a stage without mail_domain has mail resources"
    assert "QueueUrls" not in client("sqs").list_queues()
    assert not made & MOTO_SKIPS, "moto creates CloudFront resources now: test them here"
    assert "commons-t" in client("dynamodb").list_tables()["TableNames"]
    (group,) = client("logs").describe_log_groups(logGroupNamePrefix="/commons/commons-t/")["logGroups"]
    assert group["retentionInDays"] == 90

    keys = {o["Key"] for o in client("s3").list_objects_v2(Bucket=artifacts_bucket_name(ACCOUNT, REGION))["Contents"]}
    assert f"functions/{run.packaged.code_sha256}.zip" in keys
    assert any(key.startswith("templates/") for key in keys)


def test_a_second_deploy_with_nothing_changed_changes_nothing(moto: str, run: Run) -> None:
    target = stage()
    secrets.run(Aws(REGION), target, "from-the-idp")
    first_deploy(run, target)
    before = client("cloudformation").describe_stacks(StackName="commons-t")["Stacks"][0]
    first_deploy(run, target)
    assert "stack commons-t: no changes" in run.said
    after = client("cloudformation").describe_stacks(StackName="commons-t")["Stacks"][0]
    assert after["StackStatus"] == before["StackStatus"] and after["Parameters"] == before["Parameters"]
    assert waiting_change_sets() == []


def test_changed_code_and_settings_are_an_update(moto: str, run: Run, tmp_path: Path) -> None:
    """moto compares templates only (a changed setting alone is "no changes" to it, unlike
    CloudFormation), so the code changes here too, as it does when anyone edits the content."""
    secrets.run(Aws(REGION), stage(), "from-the-idp")
    first_deploy(run, stage())
    run.packaged = changed_code(run.packaged, tmp_path)
    first_deploy(run, stage(alarm_email="it@example.com", session_lifetime_hours=8))
    assert run.said[1].startswith("stack commons-t: update, "), run.said
    assert "  modify               APIHandler (AWS::Serverless::Function)" in run.said
    parameters = stack_parameters()
    assert parameters["AlarmEmail"] == "it@example.com" and parameters["SessionLifetimeHours"] == "8"


def test_cloudformation_acts_as_the_stages_role_when_it_names_one(moto: str, run: Run) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/commons-cloudformation"
    target = stage(cloudformation_role_arn=role)
    aws = Aws(REGION)
    secrets.run(aws, target, "from-the-idp")
    sent: list[dict[str, Any]] = []
    aws.client("cloudformation").meta.events.register(
        "provide-client-params.cloudformation.CreateChangeSet", lambda params, **_: sent.append(dict(params))
    )
    with pytest.raises(DeployError, match="has no output HubBucketName"):
        run(target, aws=aws)
    assert sent and all(request["RoleARN"] == role for request in sent)


def test_a_dry_run_shows_the_change_set_and_the_sync_and_changes_nothing(moto: str, run: Run, tmp_path: Path) -> None:
    secrets.run(Aws(REGION), stage(), "from-the-idp")
    cloudformation = client("cloudformation")
    run(stage(), dry_run=True)
    assert run.said[1].startswith("stack commons-t: create, ")
    assert run.said[-1] == "dry run: nothing was changed"
    files = len(publish.local_files(run.hub))
    assert f"hub: {files} to upload, 0 to delete, 0 unchanged" in run.said
    assert sum(line.startswith("  upload ") for line in run.said) == LISTED
    with pytest.raises(ClientError, match="does not exist"):
        cloudformation.describe_stacks(StackName="commons-t")

    first_deploy(run, stage())
    before = cloudformation.describe_stacks(StackName="commons-t")["Stacks"][0]
    code = {o["Key"] for o in client("s3").list_objects_v2(Bucket=artifacts_bucket_name(ACCOUNT, REGION))["Contents"]}
    run.packaged = changed_code(run.packaged, tmp_path)
    run(stage(alarm_email="it@example.com"), dry_run=True)
    assert any(line.startswith("stack commons-t: update, ") for line in run.said)
    after = cloudformation.describe_stacks(StackName="commons-t")["Stacks"][0]
    assert after["Parameters"] == before["Parameters"]
    assert waiting_change_sets() == []
    uploaded = {
        o["Key"] for o in client("s3").list_objects_v2(Bucket=artifacts_bucket_name(ACCOUNT, REGION))["Contents"]
    }
    assert {k for k in uploaded - code if k.startswith("functions/")} == set(), "a dry run uploads no code"


def test_a_failed_execution_is_one_line(moto: str, run: Run) -> None:
    """A table kept from an earlier stack of the same name makes the create fail. (moto answers
    with DynamoDB's JSON error inside CloudFormation's XML, which botocore can't parse, and leaves
    the stack in REVIEW_IN_PROGRESS where CloudFormation would roll it back; the command still
    says what happened in one line.)"""
    secrets.run(Aws(REGION), stage(), "from-the-idp")
    client("dynamodb").create_table(
        TableName="commons-t",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    with pytest.raises(Exception) as failed:
        run(stage())
    line = _describe(failed.value)
    assert "Table already exists: commons-t" in line and "\n" not in line
    assert waiting_change_sets() == [] or client("cloudformation").describe_stacks(StackName="commons-t")


class FailedStack:
    """CloudFormation answering for a stack in `status`, which moto can't reach."""

    def __init__(self, status: str) -> None:
        self.status = status

    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        return {"Stacks": [{"StackName": StackName, "StackStatus": self.status}]}


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        ("ROLLBACK_COMPLETE", "its first create failed and it can't be updated"),
        ("UPDATE_ROLLBACK_FAILED", "aws cloudformation continue-update-rollback --stack-name commons-t"),
        ("UPDATE_IN_PROGRESS", "another change is running; wait for it"),
        ("DELETE_FAILED", "it is being deleted"),
    ],
)
def test_a_stack_in_a_failed_state_is_refused_with_how_to_recover(
    moto: str, run: Run, status: str, advice: str
) -> None:
    aws = Aws(REGION)
    aws._clients["cloudformation"] = FailedStack(status)
    with pytest.raises(DeployError, match=advice) as refused:
        deploy(stage(), aws, dry_run=False, content=REPO / "site", hub=run.hub, out=run.hub, build=run.build)
    assert "\n" not in str(refused.value) and f"commons-t is {status}" in str(refused.value)
    assert run.built == 0


def test_rotating_secrets_rolls_them_out_to_the_stack(moto: str, run: Run) -> None:
    """moto takes a change of parameters alone for no change, so the request is read as it is
    sent: the stack's template and other settings stay, and the new version and keys go in."""
    aws = Aws(REGION)
    secrets.run(aws, stage(), "from-the-idp")
    first_deploy(run, stage())
    sent: list[dict[str, Any]] = []
    aws.client("cloudformation").meta.events.register(
        "provide-client-params.cloudformation.CreateChangeSet", lambda params, **_: sent.append(dict(params))
    )
    assert secrets.run(aws, stage(), None).endswith("stack commons-t now uses it")
    rotated = secrets.require(aws, stage())
    (request,) = sent
    assert request["UsePreviousTemplate"] is True and request["ChangeSetType"] == "UPDATE"
    given = {p["ParameterKey"]: p["ParameterValue"] for p in request["Parameters"] if "ParameterValue" in p}
    kept = {p["ParameterKey"] for p in request["Parameters"] if p.get("UsePreviousValue")}
    assert set(given) == set(secrets.SECRET_PARAMETERS)
    assert given["SecretVersion"] == rotated.version
    assert given["CloudFrontPublicKeyA"] == rotated.document.cloudfront_public_keys["A"]
    assert given["CloudFrontPublicKeyB"] == rotated.document.cloudfront_public_keys["B"]
    assert given["CloudFrontKeyBFingerprint"] == secrets.fingerprint(rotated.document.cloudfront_public_keys["B"])
    assert kept == set(stack_parameters()) - set(given) and "AlarmEmail" in kept

    # The stack still names an older version than the current one (as after a roll-out that
    # failed; here moto never applied it): another rotation would strand that version, so it is
    # refused until a deploy rolls the current one out.
    client("secretsmanager").put_secret_value(SecretId=rotated.arn, SecretString=rotated.document.to_json())
    assert stack_parameters()["SecretVersion"] != secrets.require(aws, stage()).version
    with pytest.raises(DeployError, match="still uses an older version of commons/t: run make deploy STAGE=t"):
        secrets.run(aws, stage(), None)


# --- SES receiving -------------------------------------------------------------------------------

MAIL_DOMAIN = "commons.example.com"


def make_rule_set(name: str = "commons-t", *, active: bool = False) -> None:
    """What the stack's AWS::SES::ReceiptRuleSet makes, which moto's CloudFormation skips."""
    ses = client("ses")
    ses.create_receipt_rule_set(RuleSetName=name)
    if active:
        ses.set_active_receipt_rule_set(RuleSetName=name)


def active_rule_set() -> str | None:
    metadata = client("ses").describe_active_receipt_rule_set().get("Metadata") or {}
    name = metadata.get("Name")
    return str(name) if name else None


def activations(aws: Aws) -> list[dict[str, Any]]:
    """Every SetActiveReceiptRuleSet the deploy sends, as sent."""
    sent: list[dict[str, Any]] = []
    aws.client("ses").meta.events.register(
        "provide-client-params.ses.SetActiveReceiptRuleSet", lambda params, **_: sent.append(dict(params))
    )
    return sent


def test_a_stage_with_mail_activates_its_receipt_rule_set_once_the_stack_is_up(moto: str, run: Run) -> None:
    target = stage(mail_domain=MAIL_DOMAIN)
    aws = Aws(REGION)
    secrets.run(aws, target, "from-the-idp")
    make_rule_set()
    sent = activations(aws)
    with pytest.raises(DeployError, match="has no output HubBucketName"):
        run(target, aws=aws)
    for line in (
        "  add                  MailReceiptRuleSet (AWS::SES::ReceiptRuleSet)",
        "  add                  MailReceiptRule (AWS::SES::ReceiptRule)",
        "  add                  MailIdentity (AWS::SES::EmailIdentity)",
        "  add                  MailEventDestination (AWS::SES::ConfigurationSetEventDestination)",
        "  add                  ReceiveMail (AWS::Serverless::Function)",
        "  add                  SendDigests (AWS::Serverless::Function)",
    ):
        assert line in run.said
    made = made_resources()
    assert {"MailQueue", "MailDeadLetterQueue", "MailFailedEventsQueue", "InboundMailTopic", "MailBucket"} <= made
    assert f"mail: activated receipt rule set commons-t; SES receives mail for {MAIL_DOMAIN}" in run.said
    assert sent == [{"RuleSetName": "commons-t"}] and active_rule_set() == "commons-t"
    assert stack_parameters()["MailDomain"] == MAIL_DOMAIN
    # Activated after the stack update, before the hub is published (which moto's missing outputs stop).
    said = run.said
    assert said.index("stack commons-t: CREATE_COMPLETE") < said.index(next(x for x in said if x.startswith("mail:")))

    # What moto's CloudFormation does make of the mail resources.
    sqs = client("sqs")
    queue = sqs.get_queue_url(QueueName="commons-t-mail")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    dead_letters = sqs.get_queue_url(QueueName="commons-t-mail-dead-letters")["QueueUrl"]
    dead_letters_arn = sqs.get_queue_attributes(QueueUrl=dead_letters, AttributeNames=["QueueArn"])["Attributes"]
    assert redrive == {"deadLetterTargetArn": dead_letters_arn["QueueArn"], "maxReceiveCount": 5}
    assert attributes["VisibilityTimeout"] == "1800" and attributes["SqsManagedSseEnabled"] == "true"
    assert sqs.get_queue_url(QueueName="commons-t-mail-failed-events")["QueueUrl"]
    topics = {t["TopicArn"].rsplit(":", 1)[1] for t in client("sns").list_topics()["Topics"]}
    assert {"commons-t-inbound-mail", "commons-t-mail-events"} <= topics
    buckets = [
        b["Name"] for b in client("s3").list_buckets()["Buckets"] if b["Name"].startswith("commons-t-mailbucket")
    ]
    assert len(buckets) == 1
    # moto applies the bucket's encryption, not its lifecycle, public-access block or ownership
    # controls: test_the_mail_bucket_is_private_encrypted_https_only_and_forgets_after_30_days
    # checks those in the template.
    (rule,) = client("s3").get_bucket_encryption(Bucket=buckets[0])["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    # A second deploy finds it active and leaves it be.
    sent.clear()
    with pytest.raises(DeployError, match="has no output HubBucketName"):
        run(target, aws=aws)
    assert sent == [] and active_rule_set() == "commons-t"
    assert not [line for line in run.said if line.startswith("mail:")]


def test_a_dry_run_says_it_would_activate_the_rule_set_and_does_not(moto: str, run: Run) -> None:
    target = stage(mail_domain=MAIL_DOMAIN)
    aws = Aws(REGION)
    secrets.run(aws, target, "from-the-idp")
    sent = activations(aws)
    run(target, dry_run=True, aws=aws)
    assert "mail: would make receipt rule set commons-t the active one, once the stack has it" in run.said
    assert run.said[-1] == "dry run: nothing was changed"
    assert sent == [] and active_rule_set() is None

    make_rule_set(active=True)  # as after a deploy
    run(target, dry_run=True, aws=aws)
    assert "mail: receipt rule set commons-t is already active" in run.said
    assert sent == [] and active_rule_set() == "commons-t"


def test_another_active_rule_set_is_never_replaced(moto: str, run: Run) -> None:
    """SES has one active rule set per region: another application's (or stage's) stays, and the
    deploy stops before anything is built or changed."""
    target = stage(mail_domain=MAIL_DOMAIN)
    aws = Aws(REGION)
    secrets.run(aws, target, "from-the-idp")
    make_rule_set("helpdesk", active=True)
    with pytest.raises(DeployError, match="already receives mail through receipt rule set helpdesk") as refused:
        run(target, aws=aws)
    assert "\n" not in str(refused.value) and "nothing was changed" in str(refused.value)
    assert run.built == 0 and active_rule_set() == "helpdesk"
    with pytest.raises(ClientError, match="does not exist"):
        client("cloudformation").describe_stacks(StackName="commons-t")


def test_a_stage_without_mail_never_asks_ses(moto: str, run: Run) -> None:
    aws = Aws(REGION)
    secrets.run(aws, stage(), "from-the-idp")
    asked: list[str] = []
    aws.client("ses").meta.events.register("before-call.ses.*", lambda model, **_: asked.append(model.name))
    with pytest.raises(DeployError, match="has no output HubBucketName"):
        run(stage(), aws=aws)
    assert asked == [] and stack_parameters()["MailDomain"] == ""


def test_turning_mail_off_deactivates_the_rule_set_before_the_stack_removes_it(
    moto: str, run: Run, tmp_path: Path
) -> None:
    """CloudFormation can't delete an active rule set. (moto takes a changed setting alone for no
    change, so the code changes too, as in test_changed_code_and_settings_are_an_update.)"""
    aws = Aws(REGION)
    secrets.run(aws, stage(mail_domain=MAIL_DOMAIN), "from-the-idp")
    make_rule_set()
    with pytest.raises(DeployError, match="has no output HubBucketName"):
        run(stage(mail_domain=MAIL_DOMAIN), aws=aws)
    assert active_rule_set() == "commons-t"
    run.packaged = changed_code(run.packaged, tmp_path)
    run(stage(), dry_run=True, aws=aws)
    assert "mail: would deactivate receipt rule set commons-t before the stack removes it" in run.said
    assert active_rule_set() == "commons-t"

    sent = activations(aws)
    with pytest.raises(DeployError, match="has no output HubBucketName"):
        run(stage(), aws=aws)
    assert sent == [{}], "no RuleSetName: no rule set is active"
    assert active_rule_set() is None
    said = run.said
    deactivated = said.index("mail: deactivated receipt rule set commons-t; SES no longer receives mail for the stage")
    assert deactivated < said.index(next(x for x in said if x.startswith("stack commons-t: UPDATE_")))
    assert stack_parameters()["MailDomain"] == ""


# --- publishing the hub ------------------------------------------------------------------------


def make_distribution() -> str:
    answer = client("cloudfront").create_distribution(
        DistributionConfig={
            "CallerReference": "commons-test",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {"Id": "hub", "DomainName": "hub.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "hub", "ViewerProtocolPolicy": "redirect-to-https"},
        }
    )
    distribution_id: str = answer["Distribution"]["Id"]
    return distribution_id


def invalidated_paths(distribution_id: str) -> list[list[str]]:
    cloudfront = client("cloudfront")
    items = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"].get("Items", [])
    batches = []
    for item in items:
        found = cloudfront.get_invalidation(DistributionId=distribution_id, Id=item["Id"])
        batches.append(sorted(found["Invalidation"]["InvalidationBatch"]["Paths"].get("Items", [])))
    return batches


def test_publishing_uploads_what_changed_with_its_headers_and_invalidates_exactly_that(
    moto: str, built_hub: Path, tmp_path: Path
) -> None:
    s3, cloudfront = client("s3"), client("cloudfront")
    s3.create_bucket(Bucket="hub", CreateBucketConfiguration={"LocationConstraint": REGION})
    distribution_id = make_distribution()
    root = tmp_path / "hub"
    shutil.copytree(built_hub, root)
    files = publish.local_files(root)
    assert (root / "directory.json").is_file() and "directory.json" not in files

    first = publish.publish(s3, cloudfront, "hub", distribution_id, root)
    assert len(first.plan.uploads) == len(files) and first.plan.deletes == []
    assert "directory.json" not in publish.remote_keys(s3, "hub"), "the snapshot's private fields stay private"
    assert first.invalidated == ["/*"], "a first publish changes everything"
    page = s3.head_object(Bucket="hub", Key="index.html")
    assert page["ContentType"] == "text/html; charset=utf-8" and page["CacheControl"] == "no-cache"
    index = s3.head_object(Bucket="hub", Key="search/people.json")
    assert index["ContentType"] == "application/json" and index["CacheControl"] == "no-cache"
    bundle = next(key for key in files if key.startswith("assets/javascripts/bundle.") and key.endswith(".js"))
    assert s3.head_object(Bucket="hub", Key=bundle)["CacheControl"] == "public, max-age=31536000, immutable"
    assert s3.get_object(Bucket="hub", Key="index.html")["Body"].read() == (root / "index.html").read_bytes()

    again = publish.publish(s3, cloudfront, "hub", distribution_id, root)
    assert (again.plan.uploads, again.plan.deletes, again.invalidation_id) == ([], [], None)
    assert len(invalidated_paths(distribution_id)) == 1

    person = next(key for key in files if key.startswith("people/") and key.endswith("/index.html"))
    (root / person).write_text((root / person).read_text() + "<!-- changed -->")
    (root / "sitemap.xml.gz").unlink()
    s3.put_object(Bucket="hub", Key="stray.html", Body=b"not built")
    # as a publish from before UNPUBLISHED left it
    s3.put_object(Bucket="hub", Key="directory.json", Body=(root / "directory.json").read_bytes())
    third = publish.publish(s3, cloudfront, "hub", distribution_id, root)
    assert [f.key for f in third.plan.uploads] == [person]
    assert third.plan.deletes == ["directory.json", "sitemap.xml.gz", "stray.html"]
    assert invalidated_paths(distribution_id)[-1] == sorted(
        ["/" + person, "/directory.json", "/sitemap.xml.gz", "/stray.html"]
    )
    keys = publish.remote_keys(s3, "hub")
    assert not keys & {"stray.html", "sitemap.xml.gz", "directory.json"} and publish.MANIFEST in keys


# --- refusals from the command line --------------------------------------------------------------


def command(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env, "PYTHONPATH": f"{REPO / 'scripts'}:{REPO / 'functions'}"}
    return subprocess.run(
        [sys.executable, "-m", "deploy", *args], cwd=REPO, env=full_env, capture_output=True, text=True, check=False
    )


def assert_refused(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("deploy: ") and expected in last, result.stderr


@pytest.fixture()
def stages(tmp_path: Path) -> Path:
    folder = tmp_path / "stages"
    folder.mkdir()
    document = {"region": REGION, "oidc_issuer": "https://login.example.com", "oidc_client_id": "commons"}
    (folder / "t.json").write_text(json.dumps(document))
    (folder / "badcert.json").write_text(
        json.dumps(
            {
                **document,
                "domain": "hub.example.com",
                "certificate_arn": f"arn:aws:acm:eu-west-1:{ACCOUNT}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            }
        )
    )
    (folder / "broken.json").write_text('{"region": "eu-west-1",}')
    (folder / "nomail.json").write_text(
        json.dumps({**document, "region": "eu-central-2", "mail_domain": "commons.example.com"})
    )
    return folder


def test_no_credentials_is_one_line(stages: Path, tmp_path: Path) -> None:
    clean = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    nowhere = {
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",  # and no instance role to fall back on
        "PYTHONPATH": f"{REPO / 'scripts'}:{REPO / 'functions'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "deploy", "deploy", "--stage", "t", "--stages", str(stages)],
        cwd=REPO,
        env={**clean, **nowhere},
        capture_output=True,
        text=True,
        check=False,
    )
    assert_refused(result, "no AWS credentials")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["deploy", "--stage", "nope"], "stages/nope.json does not exist: copy infra/stages/example.json"),
        (["deploy", "--stage", "broken"], "broken.json:1: not JSON"),
        (["deploy", "--stage", "badcert"], "CloudFront only uses certificates from us-east-1"),
        (["deploy"], "STAGE is required: make deploy STAGE=<name>"),
        (["secrets", "--stage", "Bad Name"], "is not a stage name"),
        (["deploy", "--stage", "nomail"], "mail_domain needs a region where SES receives email, and eu-central-2"),
    ],
)
def test_a_bad_stage_is_one_line(moto: str, stages: Path, args: list[str], expected: str) -> None:
    assert_refused(command([*args, "--stages", str(stages)], {}), expected)


def test_content_that_fails_validation_is_never_published(moto: str, stages: Path, tmp_path: Path) -> None:
    secrets.run(Aws(REGION), stage(), "from-the-idp")
    content = tmp_path / "site"
    shutil.copytree(REPO / "site", content)
    person = sorted((content / "people").glob("*.yml"))[0]
    person.write_text(person.read_text().replace("team:", "team: no-such-team\nold_team:", 1))
    result = command(["deploy", "--stage", "t", "--stages", str(stages), "--content", str(content)], {})
    assert_refused(result, "does not pass make validate (problems above): nothing was deployed")
    assert f"{person.name}" in result.stdout + result.stderr
    assert client("cloudformation").list_stacks()["StackSummaries"] == []


def test_the_guides_first_deploy_commands_run(moto: str, tmp_path: Path) -> None:
    """docs/deploy.md's `make secrets` and dry run, as written, with the guide's stage file; only
    the paths (stage folder, client secret, build folder) point into the test's own folder."""
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    stage_file = re.search(r"<!-- example: infra/stages/prod.json -->\n```json\n(.*?)```", guide, re.S)
    assert stage_file is not None
    folder = tmp_path / "stages"
    folder.mkdir()
    (folder / "prod.json").write_text(stage_file[1])
    (tmp_path / "client-secret").write_text("from-the-idp\n")
    steps = guide.split("## The first deploy, step by step", 1)[1].split("\n## ", 1)[0]
    shown = re.findall(r"```sh\n\s*(make [^\n]*?)\s*\n\s*```", steps)
    assert shown == [
        "make secrets STAGE=prod CLIENT_SECRET_FILE=~/commons-client-secret",
        "make deploy STAGE=prod DRY_RUN=1",
        "make deploy STAGE=prod",
    ]
    # moto applies the artifacts bucket's https-only Deny without its condition (the module's
    # docstring), so the bucket that a first dry run over CloudFormation's inline limit makes (it
    # says so) is made here first, as `run` makes it; the preview still reads its template from it.
    artifacts = artifacts_bucket_name(ACCOUNT, REGION)
    client("s3").create_bucket(Bucket=artifacts, CreateBucketConfiguration={"LocationConstraint": REGION})
    outputs = []
    for line in shown[:2]:
        argv = shlex.split(line.replace("~/commons-client-secret", str(tmp_path / "client-secret")))
        argv += [f"STAGES={folder}", f"ARGS=--build {tmp_path / 'build'}", "--no-print-directory", "-s"]
        result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout)
    assert "created secret commons/prod; make deploy STAGE=prod puts it to use" in outputs[0]
    assert "from-the-idp" not in "".join(outputs)
    assert "stack commons-prod: create, " in outputs[1]
    assert outputs[1].rstrip().endswith("dry run: nothing was changed")
    # Over CloudFormation's inline limit, even a preview reads the template from S3.
    packaged = Packaged(
        tmp_path / "build" / "deploy" / "template.json", tmp_path / "build" / "deploy" / "deployment.zip"
    )
    inline = len(stack_template(packaged, artifacts).body.encode()) <= TEMPLATE_BODY_LIMIT
    stored = client("s3").list_objects_v2(Bucket=artifacts).get("Contents", [])
    assert [o["Key"].split("/")[0] for o in stored] == ([] if inline else ["templates"]), "only the template, if any"
    with pytest.raises(ClientError, match="does not exist"):
        boto3.client("cloudformation", region_name="eu-west-1").describe_stacks(StackName="commons-prod")
