"""The stack's source template, `infra/template.yaml`, read as CloudFormation reads it.

Two readers: `make package`, which merges it into chalice's output, and the dev server, which sends
the same security headers as the stack's response headers policy (`security_headers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.errors import DeployError

REPO = Path(__file__).resolve().parent.parent.parent
SOURCE = REPO / "infra" / "template.yaml"
VIEWER_REQUEST = REPO / "infra" / "edge" / "viewer-request.js"
INLINE_PREFIX = "@"  # FunctionCode: "@infra/edge/viewer-request.js" is that file's text
HEADERS_POLICY = "SecurityHeadersPolicy"
VIEWER_FUNCTION = "ViewerRequestFunction"


def load_source(path: Path = SOURCE) -> dict[str, Any]:
    """The template as plain JSON-ready data (short forms like !Sub become {"Fn::Sub": …})."""
    from cfnlint.decode import cfn_yaml

    try:
        loaded = cfn_yaml.loads(path.read_text(encoding="utf-8"), str(path))
    except Exception as exc:  # cfn-lint raises its own and yaml's errors
        raise DeployError(f"{path}: not a readable template ({exc})") from exc
    template: dict[str, Any] = _plain(loaded)
    return template


def _plain(value: Any) -> Any:
    # cfn-lint's nodes subclass dict/str and carry line marks; JSON and equality want plain types.
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value


def inline_function_code(template: dict[str, Any], repo: Path = REPO) -> dict[str, Any]:
    """Put the viewer-request function's source into its resource, as CloudFront needs it inline."""
    properties = template["Resources"][VIEWER_FUNCTION]["Properties"]
    reference = properties["FunctionCode"]
    if not (isinstance(reference, str) and reference.startswith(INLINE_PREFIX)):
        raise DeployError(f"{VIEWER_FUNCTION}.FunctionCode must name its file as '@path', not inline code")
    properties["FunctionCode"] = (repo / reference[len(INLINE_PREFIX) :]).read_text(encoding="utf-8")
    return template


@dataclass(frozen=True)
class HeaderRule:
    """One header of the response headers policy. `override`: replace the origin's own value."""

    name: str
    value: str
    override: bool


def security_headers(template: dict[str, Any] | None = None) -> tuple[HeaderRule, ...]:
    """The headers CloudFront adds to every answer, from the stack's response headers policy."""
    source = template if template is not None else load_source()
    config = source["Resources"][HEADERS_POLICY]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config.get("SecurityHeadersConfig", {})
    rules: list[HeaderRule] = []
    if "ContentSecurityPolicy" in security:
        csp = security["ContentSecurityPolicy"]
        rules.append(
            HeaderRule("Content-Security-Policy", " ".join(csp["ContentSecurityPolicy"].split()), csp["Override"])
        )
    if "StrictTransportSecurity" in security:
        hsts = security["StrictTransportSecurity"]
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if hsts.get("IncludeSubdomains") else ""
        value += "; preload" if hsts.get("Preload") else ""
        rules.append(HeaderRule("Strict-Transport-Security", value, hsts["Override"]))
    if "ContentTypeOptions" in security:
        rules.append(HeaderRule("X-Content-Type-Options", "nosniff", security["ContentTypeOptions"]["Override"]))
    if "FrameOptions" in security:
        frame = security["FrameOptions"]
        rules.append(HeaderRule("X-Frame-Options", frame["FrameOption"], frame["Override"]))
    if "ReferrerPolicy" in security:
        referrer = security["ReferrerPolicy"]
        rules.append(HeaderRule("Referrer-Policy", referrer["ReferrerPolicy"], referrer["Override"]))
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        rules.append(HeaderRule(item["Header"], item["Value"], item["Override"]))
    return tuple(rules)


def removed_headers(template: dict[str, Any] | None = None) -> tuple[str, ...]:
    source = template if template is not None else load_source()
    config = source["Resources"][HEADERS_POLICY]["Properties"]["ResponseHeadersPolicyConfig"]
    return tuple(item["Header"] for item in config.get("RemoveHeadersConfig", {}).get("Items", []))


def apply_headers(
    headers: dict[str, str], rules: tuple[HeaderRule, ...], removed: tuple[str, ...] = ()
) -> dict[str, str]:
    """`headers` as CloudFront returns them after the policy: added where missing, replaced where
    the rule overrides, and the removed ones gone. Names compare without case."""
    out = {name: value for name, value in headers.items() if name.lower() not in {r.lower() for r in removed}}
    present = {name.lower(): name for name in out}
    for rule in rules:
        existing = present.get(rule.name.lower())
        if existing is None:
            out[rule.name] = rule.value
        elif rule.override:
            del out[existing]
            out[rule.name] = rule.value
    return out
