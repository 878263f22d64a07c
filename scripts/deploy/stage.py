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
        "cloudformation_role_arn",
    }
)
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
    # The role CloudFormation acts as, so that the deployer itself needs few permissions.
    cloudformation_role_arn: str = ""

    @property
    def stack_name(self) -> str:
        return f"commons-{self.name}"

    @property
    def secret_name(self) -> str:
        return f"commons/{self.name}"

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
        cloudformation_role_arn=role,
    )
