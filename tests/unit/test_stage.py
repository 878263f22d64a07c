"""Stage files (infra/stages/<name>.json): the documented example parses, and each mistake is
refused in one line that names the file."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from deploy.errors import DeployError
from deploy.stage import SES_RECEIVING_REGIONS, load_stage, parse_stage
from tests.conftest import REPO

CERTIFICATE = "arn:aws:acm:{}:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
VALID: dict[str, Any] = {
    "region": "eu-west-1",
    "oidc_issuer": "https://login.example.com",
    "oidc_client_id": "commons",
}


def refusal(document: Any) -> str:
    with pytest.raises(DeployError) as refused:
        parse_stage("prod", document, "infra/stages/prod.json")
    message = str(refused.value)
    assert "\n" not in message and message.startswith("infra/stages/prod.json")
    return message


def test_the_documented_example_is_a_valid_stage() -> None:
    stage = load_stage(REPO / "infra" / "stages", "example")
    assert stage.stack_name == "commons-example" and stage.secret_name == "commons/example"
    assert stage.domain == "hub.example.com"
    assert stage.certificate_arn.startswith("arn:aws:acm:us-east-1:")
    assert stage.parameters()["AllowUnknownStaff"] == "true"
    assert stage.parameters()["DomainName"] == "hub.example.com"
    assert stage.mail_domain == "commons.example.com" and stage.parameters()["MailDomain"] == "commons.example.com"
    assert stage.receipt_rule_set == "commons-example"


def test_the_smallest_stage_gets_the_defaults() -> None:
    stage = parse_stage("prod", VALID, "x")
    assert (stage.domain, stage.identity_claim, stage.session_lifetime_hours) == ("", "email", 12)
    assert stage.parameters()["LogRetentionDays"] == "90"
    assert stage.mail_domain == "" and stage.parameters()["MailDomain"] == "", "no mail unless asked for"
    assert stage.mail_send_rate == 14 and stage.parameters()["MailSendRate"] == "14", "a new SES account's rate"


def test_the_mail_send_rate_is_the_accounts_ses_rate() -> None:
    stage = parse_stage("prod", {**VALID, "mail_domain": "m.example.com", "mail_send_rate": 1}, "x")
    assert stage.parameters()["MailSendRate"] == "1", "the sandbox's one a second"
    assert parse_stage("prod", {**VALID, "mail_send_rate": 10_000}, "x").mail_send_rate == 10_000


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {
                "certificate_arn": CERTIFICATE.format("eu-west-1"),
                "domain": "hub.example.com",
            },
            "certificate_arn is in eu-west-1, but CloudFront only uses certificates from us-east-1",
        ),
        ({"domain": "hub.example.com"}, "certificate_arn is required with a domain"),
        (
            {"certificate_arn": CERTIFICATE.format("us-east-1")},
            "certificate_arn is set but domain is not",
        ),
        ({"certificate_arn": "nope", "domain": "hub.example.com"}, "certificate_arn is not an ACM certificate ARN"),
        ({"domain": "https://hub.example.com/"}, "is not a host name"),
        ({"region": "Europe"}, "region 'Europe' is not an AWS region"),
        ({"region": ""}, "region is required"),
        ({"oidc_issuer": "http://login.example.com"}, "oidc_issuer must be an https URL"),
        ({"oidc_client_id": 7}, "oidc_client_id must be a string"),
        ({"identity_claim": "sub"}, "identity_claim must be one of email, preferred_username, upn"),
        ({"allow_unknown_staff": "yes"}, "allow_unknown_staff must be true or false"),
        ({"session_lifetime_hours": 0}, "session_lifetime_hours must be a whole number"),
        ({"session_lifetime_hours": True}, "session_lifetime_hours must be a whole number"),
        ({"alarm_email": "ops@example.com, boss@example.com"}, "alarm_email must be one email address"),
        ({"log_retention_days": 10}, "log_retention_days must be one of"),
        ({"price_class": "cheap"}, "price_class must be one of"),
        ({"client_secret": "s3cret"}, "unknown setting(s) client_secret"),
        ({"cloudformation_role_arn": "commons-deployer"}, "cloudformation_role_arn must be an IAM role ARN"),
        ({"mail_domain": "commons"}, "mail_domain 'commons' is not a domain like commons.example.com"),
        ({"mail_domain": "jo@commons.example.com"}, "is not a domain like commons.example.com"),
        ({"mail_domain": "https://commons.example.com"}, "is not a domain like commons.example.com"),
        ({"mail_domain": ["commons.example.com"]}, "mail_domain must be a string"),
        ({"mail_send_rate": 0}, "mail_send_rate must be a whole number of messages a second from 1 to 10,000"),
        ({"mail_send_rate": 10_001}, "mail_send_rate must be a whole number of messages a second from 1 to 10,000"),
        ({"mail_send_rate": "14"}, "mail_send_rate must be a whole number"),
        ({"mail_send_rate": 1.5}, "mail_send_rate must be a whole number"),
        ({"mail_send_rate": True}, "mail_send_rate must be a whole number"),
        (
            {"mail_domain": "commons.example.com", "region": "eu-central-2"},
            "mail_domain needs a region where SES receives email, and eu-central-2 is not one (af-south-1, ",
        ),
        (
            {"mail_domain": "commons.example.com", "region": "us-gov-west-1"},
            "mail_domain needs a region where SES receives email, and us-gov-west-1 is not one",
        ),
    ],
)
def test_each_mistake_is_refused_with_what_to_fix(change: dict[str, Any], expected: str) -> None:
    assert expected in refusal({**VALID, **change})


def test_a_mail_domain_is_read_as_dns_does() -> None:
    stage = parse_stage("prod", {**VALID, "mail_domain": " Commons.Example.COM. "}, "x")
    assert stage.mail_domain == "commons.example.com"
    assert stage.parameters()["MailDomain"] == "commons.example.com"
    for region in ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"):
        assert parse_stage("prod", {**VALID, "region": region, "mail_domain": "m.example.com"}, "x").region == region


def test_the_regions_where_ses_receives_are_those_where_cloudformation_makes_receipt_rules() -> None:
    """cfn-lint ships each region's CloudFormation resource types; a region gains or loses
    AWS::SES::ReceiptRule there when SES receiving does. When this fails after a cfn-lint upgrade,
    check AWS's "Email receiving endpoints" list and update SES_RECEIVING_REGIONS."""
    providers = resources.files("cfnlint") / "data" / "schemas" / "providers"
    offering = set()
    for entry in providers.iterdir():
        region = entry.name.removesuffix(".json")
        if not entry.name.endswith(".json") or region == "sam" or any(p in region for p in ("iso", "gov", "eusc")):
            continue  # the other partitions: no CloudFront there, so no Commons
        if "AWS::SES::ReceiptRule" in json.loads(entry.read_text()):
            offering.add(region)
    assert offering == set(SES_RECEIVING_REGIONS)
    assert {"us-east-1", "us-west-2", "eu-west-1"} <= SES_RECEIVING_REGIONS  # receiving since the start


def test_every_problem_is_reported_at_once() -> None:
    message = refusal({"region": "x", "oidc_issuer": "", "colour": "blue"})
    assert "unknown setting(s) colour" in message
    assert "region 'x'" in message and "oidc_issuer is required" in message and "oidc_client_id is required" in message


def test_a_stage_file_that_is_not_an_object_is_refused() -> None:
    assert "must be a JSON object" in refusal(["region"])


def test_a_missing_or_broken_file_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"infra/stages/nope.json does not exist: copy infra/stages/example.json"):
        load_stage(REPO / "infra" / "stages", "nope")
    (tmp_path / "prod.json").write_text('{\n  "region": "eu-west-1",\n}\n')
    with pytest.raises(DeployError, match=r"/prod.json:3: not JSON"):
        load_stage(tmp_path, "prod")
    (tmp_path / "prod.json").write_bytes(b"\xff\xfe")
    with pytest.raises(DeployError, match="cannot be read"):
        load_stage(tmp_path, "prod")


@pytest.mark.parametrize("name", ["Prod", "../etc", "a" * 21, "", "1st", "prod\n"])
def test_a_stage_name_that_could_not_name_a_stack_is_refused(name: str) -> None:
    with pytest.raises(DeployError, match="is not a stage name"):
        load_stage(REPO / "infra" / "stages", name)


def test_the_example_documents_every_setting() -> None:
    from deploy.stage import FIELDS

    example = json.loads((REPO / "infra" / "stages" / "example.json").read_text())
    # All but the CloudFormation role, which only a CI deploy with its own role needs.
    assert set(example) - {"$comment"} == FIELDS - {"cloudformation_role_arn"}
    guide = (REPO / "docs" / "deploy.md").read_text()
    for name in FIELDS:
        assert f"`{name}`" in guide, f"docs/deploy.md does not explain {name}"
