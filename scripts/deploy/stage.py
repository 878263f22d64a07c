"""A stage's settings: `infra/stages/<name>.json`, committed, with no secret in it.

docs/deploy.md lists every field; `infra/stages/example.json` is a documented example. Problems are
reported together, on one line, naming the file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from deploy.errors import DeployError

REPO = Path(__file__).resolve().parent.parent.parent
STAGE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_ROLE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_CERTIFICATE = re.compile(r"^arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$")
IDENTITY_CLAIMS = ("email", "preferred_username", "upn")
PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# Regions where SES receives email: those whose CloudFormation offers AWS::SES::ReceiptRule (the
# resource schemas cfn-lint ships, of October 2026; tests/unit/test_stage.py compares them). AWS's
# own list is "Email receiving endpoints" in the SES chapter of the AWS General Reference: when it
# names a region missing here, add it.
SES_RECEIVING_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ca-central-1",
        "eu-central-1",
        "eu-north-1",
        "eu-south-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)
FIELDS = frozenset(
    {
        "region",
        "domain",
        "certificate_arn",
        "oidc_issuer",
        "oidc_client_id",
        "identity_claim",
        "allow_unknown_staff",
        "session_lifetime_hours",
        "alarm_email",
        "log_retention_days",
        "price_class",
        "mail_domain",
        "mail_send_rate",
        "cloudformation_role_arn",
    }
)
# SES's sending rate of a new account out of the sandbox (messages a second); the functions pace
# their sending to the stage's `mail_send_rate`, which is at most what `aws sesv2 get-account` says.
MAIL_SEND_RATE = 14
MAX_MAIL_SEND_RATE = 10_000
IGNORED = frozenset({"$schema", "$comment"})


@dataclass(frozen=True)
class Stage:
    name: str
    region: str
    oidc_issuer: str
    oidc_client_id: str
    domain: str = ""
    certificate_arn: str = ""
    identity_claim: str = "email"
    allow_unknown_staff: bool = True
    session_lifetime_hours: int = 12
    alarm_email: str = ""
    log_retention_days: int = 90
    price_class: str = "PriceClass_100"
    # Where staff mail Commons and Commons mails from (`<space>@`, `reply+<token>@`); empty: no mail.
    mail_domain: str = ""
    # The account's SES sending rate (messages a second) that the functions stay within.
    mail_send_rate: int = MAIL_SEND_RATE
    # The role CloudFormation acts as, so that the deployer itself needs few permissions.
    cloudformation_role_arn: str = ""

    @property
    def stack_name(self) -> str:
        return f"commons-{self.name}"

    @property
    def secret_name(self) -> str:
        return f"commons/{self.name}"

    @property
    def receipt_rule_set(self) -> str:
        """The SES receipt rule set the stack makes when the stage has mail (named in the template)."""
        return self.stack_name

    def parameters(self) -> dict[str, str]:
        """The stack parameters that come from this file."""
        return {
            "Stage": self.name,
            "DomainName": self.domain,
            "CertificateArn": self.certificate_arn,
            "PriceClass": self.price_class,
            "OidcIssuer": self.oidc_issuer,
            "OidcClientId": self.oidc_client_id,
            "IdentityClaim": self.identity_claim,
            "AllowUnknownStaff": "true" if self.allow_unknown_staff else "false",
            "SessionLifetimeHours": str(self.session_lifetime_hours),
            "AlarmEmail": self.alarm_email,
            "LogRetentionDays": str(self.log_retention_days),
            "MailDomain": self.mail_domain,
            "MailSendRate": str(self.mail_send_rate),
        }


def load_stage(stages: Path, name: str) -> Stage:
    """The stage `name` from `stages` (infra/stages)."""
    if not STAGE_NAME.fullmatch(name):
        raise DeployError(f"stage {name[:40]!r} is not a stage name (a-z, 0-9 and -, starting with a letter, ≤ 20)")
    path = stages / f"{name}.json"
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeployError(
            f"{shown} does not exist: copy infra/stages/example.json to it and fill it in (docs/deploy.md)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DeployError(f"{shown}: cannot be read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise DeployError(f"{shown}:{exc.lineno}: not JSON: {exc.msg}") from exc
    return parse_stage(name, document, str(shown))


def parse_stage(name: str, document: Any, shown: str) -> Stage:
    if not isinstance(document, dict):
        raise DeployError(f"{shown}: must be a JSON object of settings")
    problems: list[str] = []
    unknown = sorted(set(document) - FIELDS - IGNORED)
    if unknown:
        problems.append(f"unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(FIELDS))})")

    def text(key: str, required: bool = False) -> str:
        value = document.get(key, "")
        if not isinstance(value, str):
            problems.append(f"{key} must be a string")
            return ""
        if required and not value.strip():
            problems.append(f"{key} is required")
        return value.strip()

    region = text("region", required=True)
    if region and not _REGION.fullmatch(region):
        problems.append(f"region {region[:40]!r} is not an AWS region like eu-west-1")
    domain = text("domain").lower().rstrip(".")
    if domain and not _DOMAIN.fullmatch(domain):
        problems.append(f"domain {domain[:80]!r} is not a host name like hub.example.com")
    certificate = text("certificate_arn")
    if domain and not certificate:
        problems.append("certificate_arn is required with a domain (an ACM certificate in us-east-1)")
    if certificate and not domain:
        problems.append("certificate_arn is set but domain is not")
    if certificate:
        match = _CERTIFICATE.fullmatch(certificate)
        if not match:
            problems.append("certificate_arn is not an ACM certificate ARN")
        elif match["region"] != "us-east-1":
            problems.append(
                f"certificate_arn is in {match['region']}, but CloudFront only uses certificates from us-east-1: "
                "request or import the certificate there"
            )
    issuer = text("oidc_issuer", required=True)
    if issuer:
        parts = urlsplit(issuer)
        if parts.scheme != "https" or not parts.netloc:
            problems.append("oidc_issuer must be an https URL, the provider's issuer")
    client_id = text("oidc_client_id", required=True)
    claim = text("identity_claim") or "email"
    if claim not in IDENTITY_CLAIMS:
        problems.append(f"identity_claim must be one of {', '.join(IDENTITY_CLAIMS)}")
    allow_unknown = document.get("allow_unknown_staff", True)
    if not isinstance(allow_unknown, bool):
        problems.append("allow_unknown_staff must be true or false")
    hours = document.get("session_lifetime_hours", 12)
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 720:
        problems.append("session_lifetime_hours must be a whole number of hours from 1 to 720")
    alarm_email = text("alarm_email")
    if alarm_email and not _EMAIL.fullmatch(alarm_email):
        problems.append("alarm_email must be one email address")
    retention = document.get("log_retention_days", 90)
    if isinstance(retention, bool) or retention not in LOG_RETENTION_DAYS:
        problems.append(f"log_retention_days must be one of {', '.join(map(str, LOG_RETENTION_DAYS))}")
    price_class = text("price_class") or "PriceClass_100"
    if price_class not in PRICE_CLASSES:
        problems.append(f"price_class must be one of {', '.join(PRICE_CLASSES)}")
    mail_domain = text("mail_domain").lower().rstrip(".")
    if mail_domain and not _DOMAIN.fullmatch(mail_domain):
        problems.append(f"mail_domain {mail_domain[:80]!r} is not a domain like commons.example.com")
    elif mail_domain and _REGION.fullmatch(region) and region not in SES_RECEIVING_REGIONS:
        problems.append(
            f"mail_domain needs a region where SES receives email, and {region[:40]} is not one "
            f"({', '.join(sorted(SES_RECEIVING_REGIONS))})"
        )
    send_rate = document.get("mail_send_rate", MAIL_SEND_RATE)
    if isinstance(send_rate, bool) or not isinstance(send_rate, int) or not 1 <= send_rate <= MAX_MAIL_SEND_RATE:
        problems.append(
            f"mail_send_rate must be a whole number of messages a second from 1 to {MAX_MAIL_SEND_RATE:,}: "
            "your SES sending rate (aws sesv2 get-account, SendQuota.MaxSendRate)"
        )
    role = text("cloudformation_role_arn")
    if role and not _ROLE.fullmatch(role):
        problems.append("cloudformation_role_arn must be an IAM role ARN")
    if problems:
        raise DeployError(f"{shown}: " + "; ".join(problems))
    return Stage(
        name=name,
        region=region,
        oidc_issuer=issuer,
        oidc_client_id=client_id,
        domain=domain,
        certificate_arn=certificate,
        identity_claim=claim,
        allow_unknown_staff=bool(allow_unknown),
        session_lifetime_hours=int(hours),
        alarm_email=alarm_email,
        log_retention_days=int(retention),
        price_class=price_class,
        mail_domain=mail_domain,
        mail_send_rate=int(send_rate),
        cloudformation_role_arn=role,
    )
