"""The packaged stack (build/deploy/template.json), checked offline: cfn-lint, and each property the
deployment relies on. moto's CloudFormation skips CloudFront, SES and SAM, so these are checked here.

`stack_for` evaluates the template's conditions for given parameters, as CloudFormation does, so that
what a stage with or without a mail domain really gets is checked too."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.mail import fanout
from chalicelib.mail.config import MailSettings
from chalicelib.posts.persistence import _dynamodb_models as models
from chalicelib.table import TTL_ATTRIBUTE
from deploy.errors import DeployError
from deploy.package import BOTOCORE_SERVICES, Packaged, functions_of, refuse_unmade_blocks, restore_intrinsics
from deploy.stage import (
    IDENTITY_CLAIMS,
    LOG_RETENTION_DAYS,
    MAIL_SEND_RATE,
    MAX_MAIL_SEND_RATE,
    PRICE_CLASSES,
    Stage,
)
from deploy.template import VIEWER_REQUEST, load_source
from tests.conftest import REPO

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


@pytest.fixture(scope="module")
def template(packaged: Packaged) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(packaged.template.read_text())
    return loaded


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def distribution(template: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    return config


def behaviours(template: dict[str, Any]) -> list[dict[str, Any]]:
    config = distribution(template)
    return [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]


def function(template: dict[str, Any], name: str) -> dict[str, Any]:
    """A function's properties as SAM makes them, with Globals.Function merged in."""
    merged: dict[str, Any] = sam_merge(
        template.get("Globals", {}).get("Function", {}), template["Resources"][name]["Properties"]
    )
    return merged


def sam_merge(globals_: Any, local: Any) -> Any:
    """SAM's rule: maps merge with the function's keys winning, lists add up, the rest is local."""
    if isinstance(globals_, dict) and isinstance(local, dict) and not (intrinsic(globals_) or intrinsic(local)):
        return {**globals_, **{k: sam_merge(globals_[k], v) if k in globals_ else v for k, v in local.items()}}
    if isinstance(globals_, list) and isinstance(local, list):
        return globals_ + local
    return local


def intrinsic(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and len(value) == 1
        and (next(iter(value)) == "Ref" or str(next(iter(value))).startswith("Fn::"))
    )


def policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The function role's policies by name: its own, and those attached to it (with mail)."""
    role = template["Resources"]["FunctionRole"]["Properties"]
    found = {policy["PolicyName"]: policy["PolicyDocument"] for policy in role["Policies"]}
    for attached in resources(template, "AWS::IAM::RolePolicy").values():
        assert attached["Properties"]["RoleName"] == {"Ref": "FunctionRole"}
        found[attached["Properties"]["PolicyName"]] = attached["Properties"]["PolicyDocument"]
    return found


def mixed_intrinsics(value: Any, where: str = "") -> Iterator[str]:
    """Places where an intrinsic function shares its object with other keys (a broken merge)."""
    if isinstance(value, dict):
        keys = [str(k) for k in value]
        if len(keys) > 1 and any(k == "Ref" or k.startswith("Fn::") for k in keys):
            yield where
        for key, item in value.items():
            yield from mixed_intrinsics(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from mixed_intrinsics(item, f"{where}/{index}")


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(path)], capture_output=True, text=True, check=False
    )


def test_cfn_lint_is_clean(packaged: Packaged) -> None:
    """One run covers stages with and without mail: cfn-lint checks every resource, whatever the
    conditions (the parameters' values are only defaults)."""
    result = cfn_lint(packaged.template)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_table_is_the_models_table_and_keeps_its_data(template: dict[str, Any]) -> None:
    table = template["Resources"]["Table"]
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    schema = models.PostItem._get_schema()
    assert sorted(props["KeySchema"], key=str) == sorted(schema["key_schema"], key=str)
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(schema["attribute_definitions"], key=str)
    indexes = {i["IndexName"]: i for i in props["GlobalSecondaryIndexes"]}
    assert set(indexes) == {i["index_name"] for i in schema["global_secondary_indexes"]}
    for index in schema["global_secondary_indexes"]:
        mine = indexes[index["index_name"]]
        assert sorted(mine["KeySchema"], key=str) == sorted(index["key_schema"], key=str)
        assert mine["Projection"] == {"ProjectionType": "ALL"}


def test_the_hub_bucket_is_private_versioned_and_https_only(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["HubBucket"]
    assert bucket["DeletionPolicy"] == "Retain"
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    statements = template["Resources"]["HubBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows and all(s["Principal"] == {"Service": "cloudfront.amazonaws.com"} for s in allows)
    for allow in allows:
        source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        assert source.endswith(":distribution/${Distribution}"), "only this distribution reads"
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_cloudfront_reads_the_bucket_through_origin_access_control(template: dict[str, Any]) -> None:
    origins = {o["Id"]: o for o in distribution(template)["Origins"]}
    hub = origins["hub"]
    assert hub["OriginAccessControlId"] == {"Fn::GetAtt": ["HubOriginAccessControl", "Id"]}
    assert hub["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    oac = template["Resources"]["HubOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert oac["SigningBehavior"] == "always" and oac["OriginAccessControlOriginType"] == "s3"


def test_only_the_default_behaviour_needs_signed_cookies(template: dict[str, Any]) -> None:
    config = distribution(template)
    assert config["DefaultCacheBehavior"]["TrustedKeyGroups"] == [{"Ref": "HubKeyGroup"}]
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "hub"
    for behaviour in config["CacheBehaviors"]:
        assert "TrustedKeyGroups" not in behaviour and "TrustedSigners" not in behaviour
    items = template["Resources"]["HubKeyGroup"]["Properties"]["KeyGroupConfig"]["Items"]
    assert items[0] == {"Ref": "CloudFrontKeyA"}
    assert items[1] == {"Fn::If": ["HasKeyB", {"Ref": "CloudFrontKeyB"}, {"Ref": "AWS::NoValue"}]}


def test_auth_and_api_go_to_the_functions_uncached_with_cookies_query_and_origin(template: dict[str, Any]) -> None:
    config = distribution(template)
    by_path = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert set(by_path) == {"/auth/*", "/api/*"}
    policy = template["Resources"]["FunctionsOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    assert policy["CookiesConfig"] == {"CookieBehavior": "all"}
    assert policy["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    # Every viewer header but Host: Origin (the CSRF check) reaches the functions; API Gateway
    # routes on its own host name.
    assert policy["HeadersConfig"] == {"HeaderBehavior": "allExcept", "Headers": ["Host"]}
    for behaviour in by_path.values():
        assert behaviour["TargetOriginId"] == "functions"
        assert behaviour["CachePolicyId"] == CACHING_DISABLED
        assert behaviour["OriginRequestPolicyId"] == {"Ref": "FunctionsOriginRequestPolicy"}
        assert {"POST", "GET"} <= set(behaviour["AllowedMethods"])
        assert "FunctionAssociations" not in behaviour
    functions = {o["Id"]: o for o in config["Origins"]}["functions"]
    assert functions["OriginPath"] == "/api"
    assert functions["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    chalice = json.loads((REPO / "functions" / ".chalice" / "config.json").read_text())
    assert functions["OriginPath"] == "/" + chalice["api_gateway_stage"]


def test_every_behaviour_has_the_headers_policy_and_compression(template: dict[str, Any]) -> None:
    for behaviour in behaviours(template):
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}
        assert behaviour["Compress"] is True
        assert behaviour["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
    config = template["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["ContentTypeOptions"]["Override"] is True
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "same-origin"


def test_the_distribution_speaks_http2_and_3_and_tls_12_with_the_stages_certificate(template: dict[str, Any]) -> None:
    config = distribution(template)
    assert config["HttpVersion"] == "http2and3"
    assert config["Aliases"] == {"Fn::If": ["HasDomain", [{"Ref": "DomainName"}], {"Ref": "AWS::NoValue"}]}
    condition, with_certificate, without = config["ViewerCertificate"]["Fn::If"]
    assert condition == "HasCertificate"
    assert with_certificate["AcmCertificateArn"] == {"Ref": "CertificateArn"}
    assert with_certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert with_certificate["SslSupportMethod"] == "sni-only"
    assert without == {"CloudFrontDefaultCertificate": True}
    pattern = template["Parameters"]["CertificateArn"]["AllowedPattern"]
    assert re.fullmatch(pattern, "arn:aws:acm:us-east-1:123456789012:certificate/abc")
    assert not re.fullmatch(pattern, "arn:aws:acm:eu-west-1:123456789012:certificate/abc")


def test_the_viewer_request_function_is_the_tested_file_on_the_default_behaviour(template: dict[str, Any]) -> None:
    function = template["Resources"]["ViewerRequestFunction"]["Properties"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert function["AutoPublish"] is True
    assert function["FunctionCode"] == VIEWER_REQUEST.read_text()
    (association,) = distribution(template)["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association == {
        "EventType": "viewer-request",
        "FunctionARN": {"Fn::GetAtt": ["ViewerRequestFunction", "FunctionARN"]},
    }


def test_the_csp_allows_exactly_the_hubs_inline_scripts(built_hub: Path) -> None:
    """Material's inline scripts run under their hashes; a new or changed one fails here first."""
    csp = load_source()["Resources"]["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    listed = set(
        re.findall(
            r"'sha256-([A-Za-z0-9+/=]+)'",
            csp["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        )
    )
    found: set[str] = set()
    for page in built_hub.rglob("*.html"):
        for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", page.read_text(), re.S):
            if "src=" in attributes or "application/json" in attributes:
                continue
            found.add(base64.b64encode(hashlib.sha256(body.encode()).digest()).decode())
            assert not re.search(r"\son[a-z]+=", attributes)
    assert found == listed


def test_the_function_runs_arm64_with_its_own_role_log_group_and_no_secret(template: dict[str, Any]) -> None:
    props = function(template, "APIHandler")
    assert props["Architectures"] == ["arm64"]
    assert re.fullmatch(r"python3\.1[1-9]", props["Runtime"])
    assert props["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
    assert props["LoggingConfig"]["LogGroup"] == {"Ref": "FunctionLogGroup"}
    assert template["Resources"]["FunctionLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    env = props["Environment"]["Variables"]
    assert env["COMMONS_TABLE"] == {"Ref": "Table"}
    assert env["COMMONS_SECRET_ID"] == {"Ref": "SecretArn"}
    assert env["COMMONS_SECRET_VERSION"] == {"Ref": "SecretVersion"}
    assert env["COMMONS_DIRECTORY"] == "chalicelib/directory.json"
    for secret in ("COMMONS_SESSION_KEYS", "COMMONS_OIDC_CLIENT_SECRET", "COMMONS_CLOUDFRONT_PRIVATE_KEY"):
        assert secret not in env
    assert template["Resources"]["RestAPI"]["Properties"]["EndpointConfiguration"] == "REGIONAL"


def test_no_secret_is_written_into_the_template(template: dict[str, Any]) -> None:
    text = json.dumps(template)
    assert "PRIVATE KEY" not in text and "BEGIN" not in text
    for name, parameter in template["Parameters"].items():
        default = str(parameter.get("Default", ""))
        assert not default.startswith("-----"), name
    for value in strings(template):
        assert not re.fullmatch(r"[A-Za-z0-9_-]{43}", value), f"looks like a key: {value[:6]}…"


def test_iam_allows_no_wildcard_action_or_resource(template: dict[str, Any]) -> None:
    statements = [s for document in policies(template).values() for s in document["Statement"]]
    assert statements
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), actions
        targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for target in targets:
            assert target != "*" and not (isinstance(target, str)), f"{target!r} is not a named resource"
    granted = {a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert granted == {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:ConditionCheckItem",  # a transaction's ConditionCheck (a reaction on a reply)
        "dynamodb:Query",
        "secretsmanager:GetSecretValue",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "ses:SendEmail",
        "ses:SendRawEmail",
        "s3:GetObject",
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    }
    indexes = {i["index_name"] for i in models.PostItem._get_schema()["global_secondary_indexes"]}
    queried = next(s for s in statements if s["Action"] == "dynamodb:Query")["Resource"]
    assert {r["Fn::Sub"].rsplit("/", 1)[1] for r in queried} == indexes


def test_alarms_watch_errors_throttles_and_the_edge_and_tell_the_stage(template: dict[str, Any]) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    watched = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms.values()}
    assert {
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/DynamoDB", "ReadThrottleEvents"),
        ("AWS/DynamoDB", "WriteThrottleEvents"),
        ("AWS/CloudFront", "5xxErrorRate"),
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    } <= watched
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    subscription = template["Resources"]["AlarmEmailSubscription"]
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }
    assert {"HubUrl", "DistributionId", "HubBucketName", "TableName"} <= set(template["Outputs"])


def test_the_stage_file_fills_parameters_that_exist_with_the_same_choices(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    stage = Stage(name="x", region="eu-west-1", oidc_issuer="https://login.example.com", oidc_client_id="c")
    assert set(stage.parameters()) <= set(parameters)
    assert tuple(parameters["LogRetentionDays"]["AllowedValues"]) == LOG_RETENTION_DAYS
    assert tuple(parameters["PriceClass"]["AllowedValues"]) == PRICE_CLASSES
    assert tuple(parameters["IdentityClaim"]["AllowedValues"]) == IDENTITY_CLAIMS


def test_the_zip_holds_arm64_code_the_directory_and_only_the_botocore_it_needs(
    packaged: Packaged, built_hub: Path
) -> None:
    with zipfile.ZipFile(packaged.code) as archive:
        names = archive.namelist()
        assert "app.py" in names and "chalicelib/secret_store.py" in names
        native = [n for n in names if n.endswith(".so")]
        assert native and all("aarch64" in n or n.endswith(".abi3.so") for n in native), native
        assert not any("x86_64" in n for n in names)
        assert not any("__pycache__" in n for n in names)
        services = {n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") > 2}
        assert services == set(BOTOCORE_SERVICES)
        directory = json.loads(archive.read("chalicelib/directory.json"))
        assert directory == json.loads((built_hub / "directory.json").read_text())
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert names == sorted(names)


def test_the_zips_botocore_builds_a_client_for_every_service_the_functions_call(
    packaged: Packaged, tmp_path: Path
) -> None:
    with zipfile.ZipFile(packaged.code) as archive:
        for name in archive.namelist():
            if name.startswith(("botocore/", "jmespath/", "dateutil/", "urllib3/", "six.py")):
                archive.extract(name, tmp_path)
    script = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import botocore, botocore.session; "
        f"assert botocore.__file__.startswith({str(tmp_path)!r}); s = botocore.session.get_session(); "
        f"[s.create_client(n, region_name='eu-west-1', aws_access_key_id='x', aws_secret_access_key='x') "
        f"for n in {list(BOTOCORE_SERVICES)!r}]"
    )
    result = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    called = set()
    for source in (REPO / "functions").rglob("*.py"):
        called |= set(re.findall(r"create_client\(\s*\"([a-z0-9-]+)\"", source.read_text()))
    assert called <= set(BOTOCORE_SERVICES) and "dynamodb" in BOTOCORE_SERVICES


# --- mail ----------------------------------------------------------------------------------------

MAIL_RESOURCES = {
    "MailPolicy": "AWS::IAM::RolePolicy",
    "MailBucket": "AWS::S3::Bucket",
    "MailBucketPolicy": "AWS::S3::BucketPolicy",
    "InboundMailTopic": "AWS::SNS::Topic",
    "InboundMailTopicPolicy": "AWS::SNS::TopicPolicy",
    "MailReceiptRuleSet": "AWS::SES::ReceiptRuleSet",
    "MailReceiptRule": "AWS::SES::ReceiptRule",
    "MailEventsTopic": "AWS::SNS::Topic",
    "MailEventsTopicPolicy": "AWS::SNS::TopicPolicy",
    "MailIdentity": "AWS::SES::EmailIdentity",
    "MailConfigurationSet": "AWS::SES::ConfigurationSet",
    "MailEventDestination": "AWS::SES::ConfigurationSetEventDestination",
    "MailQueue": "AWS::SQS::Queue",
    "MailDeadLetterQueue": "AWS::SQS::Queue",
    "MailFailedEventsQueue": "AWS::SQS::Queue",
    "MailDeadLettersAlarm": "AWS::CloudWatch::Alarm",
    "MailFailedEventsAlarm": "AWS::CloudWatch::Alarm",
}
# The functions chalice makes for functions/app.py's mail handlers (logical id: handler), each with
# a block in infra/template.yaml.
MAIL_FUNCTIONS = {
    "ReceiveMail": "receive_mail",
    "MailEvents": "mail_events",
    "DeliverMail": "deliver_mail",
    "SendDigests": "send_digests",
}
THIS_ACCOUNTS_SES = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:*"


def resource(template: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"][name]
    return found


def props(template: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"][name]["Properties"]
    return found


def test_mail_exists_only_with_a_mail_domain(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["MailDomain"]
    assert parameter["Default"] == ""
    for good in ("", "commons.example.com", "mail.hub.example.co.uk"):
        assert re.fullmatch(parameter["AllowedPattern"], good), good
    for bad in ("Commons.example.com", "https://commons.example.com", "commons", "a@example.com", "example.com."):
        assert not re.fullmatch(parameter["AllowedPattern"], bad), bad
    assert template["Conditions"]["HasMail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "MailDomain"}, ""]}]}
    for name, kind in MAIL_RESOURCES.items():
        assert resource(template, name)["Type"] == kind, name
        assert resource(template, name)["Condition"] == "HasMail", name
    mail_outputs = {name for name in template["Outputs"] if name.startswith("Mail")}
    assert mail_outputs and all(template["Outputs"][name]["Condition"] == "HasMail" for name in mail_outputs)
    stage = Stage(
        name="x", region="eu-west-1", oidc_issuer="https://i", oidc_client_id="c", mail_domain="m.example.com"
    )
    assert stage.parameters()["MailDomain"] == "m.example.com"


def test_the_mail_bucket_is_private_encrypted_https_only_and_forgets_after_30_days(template: dict[str, Any]) -> None:
    bucket = props(template, "MailBucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and "Prefix" not in rule and "Filter" not in rule, "every object"
    assert rule["ExpirationInDays"] == 30
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 30


def test_only_this_accounts_ses_for_this_receipt_rule_puts_mail_in_the_bucket(template: dict[str, Any]) -> None:
    statements = props(template, "MailBucketPolicy")["PolicyDocument"]["Statement"]
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "ses.amazonaws.com"} and allow["Action"] == "s3:PutObject"
    prefix = props(template, "MailReceiptRule")["Rule"]["Actions"][0]["S3Action"]["ObjectKeyPrefix"]
    assert allow["Resource"] == {"Fn::Sub": "${MailBucket.Arn}/" + prefix + "*"}
    condition = allow["Condition"]["StringEquals"]
    assert condition["AWS:SourceAccount"] == {"Ref": "AWS::AccountId"}
    # The rule's own ARN, from the names the rule set and the rule are given.
    rule_set = props(template, "MailReceiptRuleSet")["RuleSetName"]
    rule_name = props(template, "MailReceiptRule")["Rule"]["Name"]["Fn::Sub"]
    assert rule_set == {"Ref": "AWS::StackName"}
    assert condition["AWS:SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:receipt-rule-set/${AWS::StackName}"
        f":receipt-rule/{rule_name}"
    }
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} and deny["Action"] == "s3:*"


def test_the_receipt_rule_takes_the_domains_mail_over_tls_scanned_into_the_bucket(template: dict[str, Any]) -> None:
    receipt = resource(template, "MailReceiptRule")
    assert set(receipt["DependsOn"]) == {"MailBucketPolicy", "InboundMailTopicPolicy"}, "SES tests both"
    assert receipt["Properties"]["RuleSetName"] == {"Ref": "MailReceiptRuleSet"}
    rule = receipt["Properties"]["Rule"]
    assert rule["Enabled"] is True and rule["ScanEnabled"] is True and rule["TlsPolicy"] == "Require"
    assert rule["Recipients"] == [{"Ref": "MailDomain"}]
    (action,) = rule["Actions"]
    assert action == {
        "S3Action": {
            "BucketName": {"Ref": "MailBucket"},
            "ObjectKeyPrefix": action["S3Action"]["ObjectKeyPrefix"],
            "TopicArn": {"Ref": "InboundMailTopic"},
        }
    }
    assert action["S3Action"]["ObjectKeyPrefix"].endswith("/")


@pytest.mark.parametrize("topic", ["InboundMailTopic", "MailEventsTopic"])
def test_ses_of_this_account_and_region_alone_publishes_to_the_mail_topics(
    template: dict[str, Any], topic: str
) -> None:
    policy = props(template, f"{topic}Policy")
    assert policy["Topics"] == [{"Ref": topic}]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "sns:Publish"
    assert statement["Principal"] == {"Service": "ses.amazonaws.com"} and statement["Resource"] == {"Ref": topic}
    assert statement["Condition"] == {
        "StringEquals": {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}},
        "StringLike": {"AWS:SourceArn": {"Fn::Sub": THIS_ACCOUNTS_SES}},
    }


def test_the_domain_is_an_easy_dkim_identity_whose_records_are_outputs(template: dict[str, Any]) -> None:
    identity = props(template, "MailIdentity")
    assert identity["EmailIdentity"] == {"Ref": "MailDomain"}
    assert identity["DkimAttributes"] == {"SigningEnabled": True}
    assert "DomainSigningPrivateKey" not in identity["DkimSigningAttributes"], "Easy DKIM: SES keeps the key"
    assert identity["DkimSigningAttributes"]["NextSigningKeyLength"] == "RSA_2048_BIT"
    assert identity["ConfigurationSetAttributes"] == {"ConfigurationSetName": {"Ref": "MailConfigurationSet"}}
    # Mailed back, a bounce would reach the domain's own inbound mail as if it were a post.
    assert identity["FeedbackAttributes"] == {"EmailForwardingEnabled": False}
    assert identity["MailFromAttributes"]["MailFromDomain"] == {"Fn::Sub": "bounce.${MailDomain}"}
    outputs = template["Outputs"]
    for n in (1, 2, 3):
        value = outputs[f"MailDkimRecord{n}"]["Value"]["Fn::Sub"]
        assert value == f"${{MailIdentity.DkimDNSTokenName{n}}} CNAME ${{MailIdentity.DkimDNSTokenValue{n}}}"
    assert outputs["MailMxRecord"]["Value"] == {
        "Fn::Sub": "${MailDomain} MX 10 inbound-smtp.${AWS::Region}.amazonaws.com"
    }
    assert outputs["MailReceiptRuleSet"]["Value"] == {"Ref": "MailReceiptRuleSet"}
    assert outputs["MailDomain"]["Value"] == {"Ref": "MailDomain"}
    assert "feedback-smtp.${AWS::Region}.amazonses.com" in outputs["MailFromMxRecord"]["Value"]["Fn::Sub"]
    assert "v=spf1 include:amazonses.com ~all" in outputs["MailFromSpfRecord"]["Value"]["Fn::Sub"]


def test_bounces_and_complaints_go_to_the_events_topic(template: dict[str, Any]) -> None:
    configuration = props(template, "MailConfigurationSet")
    assert configuration["Name"] == {"Ref": "AWS::StackName"}
    assert configuration["SendingOptions"] == {"SendingEnabled": True}
    assert configuration["DeliveryOptions"] == {"TlsPolicy": "REQUIRE"}
    destination = props(template, "MailEventDestination")
    assert destination["ConfigurationSetName"] == {"Ref": "MailConfigurationSet"}
    events = destination["EventDestination"]
    assert events["Enabled"] is True
    assert sorted(events["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert events["SnsDestination"] == {"TopicARN": {"Ref": "MailEventsTopic"}}
    assert resource(template, "MailEventDestination")["DependsOn"] == "MailEventsTopicPolicy"


def test_the_mail_queue_is_encrypted_and_gives_up_on_a_message_after_a_few_tries(template: dict[str, Any]) -> None:
    queue = props(template, "MailQueue")
    redrive = queue["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["MailDeadLetterQueue", "Arn"]}
    assert 3 <= redrive["maxReceiveCount"] <= 10
    # Lambda's advice for an SQS event source: visibility at least 6 times the function's timeout.
    assert queue["VisibilityTimeout"] >= 6 * props(template, "DeliverMail")["Timeout"]
    # An invocation stops sending after its budget and has time left to put the rest back.
    assert props(template, "DeliverMail")["Timeout"] >= fanout.BUDGET_SECONDS + 30
    for name in ("MailQueue", "MailDeadLetterQueue", "MailFailedEventsQueue"):
        assert props(template, name)["SqsManagedSseEnabled"] is True, name
    # A message keeps its first enqueue time in the dead-letter queue: it must be kept longer there.
    assert props(template, "MailDeadLetterQueue")["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]


def test_the_functions_send_from_the_mail_domain_only_and_read_only_the_mail_they_need(
    template: dict[str, Any],
) -> None:
    mail = {s["Sid"]: s for s in policies(template)["mail"]["Statement"]}
    send = mail["SendFromTheMailDomainOnly"]
    assert sorted(send["Action"]) == ["ses:SendEmail", "ses:SendRawEmail"]
    assert send["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailDomain}"},
        {
            "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:"
            "configuration-set/${MailConfigurationSet}"
        },
    ]
    assert send["Condition"] == {"StringLike": {"ses:FromAddress": {"Fn::Sub": "*@${MailDomain}"}}}
    assert mail["ReadInboundMail"]["Action"] == "s3:GetObject"
    assert mail["ReadInboundMail"]["Resource"] == {"Fn::Sub": "${MailBucket.Arn}/inbound/*"}
    assert sorted(mail["MailQueue"]["Action"]) == [
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",  # SendMessageBatch too: IAM checks it as SendMessage
    ]
    assert mail["MailQueue"]["Resource"] == {"Fn::GetAtt": ["MailQueue", "Arn"]}
    assert mail["KeepFailedEvents"] == {
        "Sid": "KeepFailedEvents",
        "Effect": "Allow",
        "Action": "sqs:SendMessage",
        "Resource": {"Fn::GetAtt": ["MailFailedEventsQueue", "Arn"]},
    }
    table = policies(template)["table"]["Statement"][0]
    assert "dynamodb:DeleteItem" in table["Action"] and table["Resource"] == {"Fn::GetAtt": ["Table", "Arn"]}


@pytest.mark.parametrize("queue", ["MailDeadLetterQueue", "MailFailedEventsQueue"])
def test_a_message_in_a_mail_failure_queue_raises_an_alarm(template: dict[str, Any], queue: str) -> None:
    (alarm,) = [
        a["Properties"]
        for a in resources(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Dimensions") == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
    ]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and alarm["Threshold"] == 0
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_every_function_gets_the_mail_settings_only_with_a_mail_domain(template: dict[str, Any]) -> None:
    env = function(template, "APIHandler")["Environment"]["Variables"]
    mail = {name: value for name, value in env.items() if name.startswith("COMMONS_MAIL_")}
    assert mail == {
        name: {"Fn::If": ["HasMail", value, {"Ref": "AWS::NoValue"}]}
        for name, value in {
            "COMMONS_MAIL_DOMAIN": {"Ref": "MailDomain"},
            "COMMONS_MAIL_CONFIGURATION_SET": {"Ref": "MailConfigurationSet"},
            "COMMONS_MAIL_QUEUE_URL": {"Ref": "MailQueue"},
            "COMMONS_MAIL_SEND_RATE": {"Ref": "MailSendRate"},
        }.items()
    }
    for name in MAIL_FUNCTIONS:
        assert function(template, name)["Environment"] == function(template, "APIHandler")["Environment"], name


def test_the_send_rate_parameter_takes_what_the_stage_and_the_functions_take(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["MailSendRate"]
    assert parameter["Default"] == MAIL_SEND_RATE == MailSettings().send_rate_per_second
    assert (parameter["MinValue"], parameter["MaxValue"]) == (1, MAX_MAIL_SEND_RATE)
    for rate, problems in ((MAX_MAIL_SEND_RATE, 0), (MAX_MAIL_SEND_RATE + 1, 1), (1, 0), (0, 1)):
        found: list[str] = []
        MailSettings.from_environ({"COMMONS_MAIL_SEND_RATE": str(rate)}, found)
        assert len(found) == problems, rate


def test_every_setting_the_stack_gives_the_functions_is_one_they_read(template: dict[str, Any]) -> None:
    source = "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "functions").rglob("*.py"))
    for name in functions_of(template):
        for variable in function(template, name)["Environment"]["Variables"]:
            assert f'"{variable}"' in source, f"{name} is given {variable}, which no function reads"


def test_every_block_of_the_template_is_merged_into_a_function_chalice_made(template: dict[str, Any]) -> None:
    """The blocks without a Type name the functions of functions/app.py's mail handlers, and every
    function chalice made has its block: a handler renamed, or added without one, fails here."""
    blocks = {name for name, block in load_source()["Resources"].items() if "Type" not in block}
    assert blocks == set(MAIL_FUNCTIONS)
    assert set(functions_of(template)) == {"APIHandler", *MAIL_FUNCTIONS}
    for name, handler in MAIL_FUNCTIONS.items():
        assert props(template, name)["Handler"] == f"app.{handler}", name
    app = (REPO / "functions" / "app.py").read_text(encoding="utf-8")
    assert set(re.findall(r"^def (\w+)\(", app, re.M)) == set(MAIL_FUNCTIONS.values())
    assert all("Type" in r for r in template["Resources"].values())
    assert not list(mixed_intrinsics(template))


def test_a_template_block_for_anything_chalice_did_not_make_is_refused() -> None:
    template: dict[str, Any] = {
        "Resources": {
            "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {}},
            "ReceiveMail": {"Type": "AWS::Serverless::Function", "Condition": "HasMail", "Properties": {}},
        }
    }
    refuse_unmade_blocks(template)
    template["Resources"]["RecieveMail"] = {"Condition": "HasMail", "Properties": {"Timeout": 30}}
    with pytest.raises(DeployError, match="merges RecieveMail into resources chalice did not make"):
        refuse_unmade_blocks(template)


def test_the_mail_handlers_functions_are_merged_as_the_template_means(template: dict[str, Any]) -> None:
    api = function(template, "APIHandler")
    for name in MAIL_FUNCTIONS:
        made = resource(template, name)
        assert made["Type"] == "AWS::Serverless::Function" and made["Condition"] == "HasMail", name
        # Lambda refuses a dead-letter queue, and SQS an event source, the role can't use yet.
        assert made["DependsOn"] == "MailPolicy", name
        effective = function(template, name)
        assert effective["Role"] == {"Fn::GetAtt": ["FunctionRole", "Arn"]}
        assert effective["Environment"] == api["Environment"], f"{name} has other settings than the API"
        assert effective["LoggingConfig"] == {"LogGroup": {"Ref": "FunctionLogGroup"}, "LogFormat": "Text"}
        assert effective["Architectures"] == ["arm64"] and effective["CodeUri"] == "./deployment.zip"
        assert effective["Timeout"] <= 300, f"{name}: no invocation over 5 minutes"
    # The stack's own topics and queue, never the placeholder names of app.py's decorators.
    events = {name: props(template, name)["Events"] for name in MAIL_FUNCTIONS}
    assert events["ReceiveMail"] == {
        "ReceiveMailSnsSubscription": {"Type": "SNS", "Properties": {"Topic": {"Ref": "InboundMailTopic"}}}
    }
    assert events["MailEvents"] == {
        "MailEventsSnsSubscription": {"Type": "SNS", "Properties": {"Topic": {"Ref": "MailEventsTopic"}}}
    }
    (sqs,) = events["DeliverMail"].values()
    assert sqs["Type"] == "SQS" and sqs["Properties"]["Queue"] == {"Fn::GetAtt": ["MailQueue", "Arn"]}
    # `deliver` puts back what is left itself and reports no single failures.
    assert "FunctionResponseTypes" not in sqs["Properties"]
    # deliver_mail paces sending by what it is told of its event source: the two must agree.
    settings = MailSettings()
    assert sqs["Properties"]["BatchSize"] == settings.delivery_batch_size
    assert sqs["Properties"]["ScalingConfig"] == {"MaximumConcurrency": settings.delivery_concurrency}
    (schedule,) = events["SendDigests"].values()
    assert schedule == {"Type": "Schedule", "Properties": {"Schedule": "cron(0 7 * * ? *)"}}, "daily, 07:00 UTC"
    # Asynchronous events (SNS, the schedule) that still fail go to the failed-events queue.
    for name in ("ReceiveMail", "MailEvents", "SendDigests"):
        assert props(template, name)["DeadLetterQueue"] == {
            "Type": "SQS",
            "TargetArn": {"Fn::GetAtt": ["MailFailedEventsQueue", "Arn"]},
        }
    assert "DeadLetterQueue" not in props(template, "DeliverMail"), "SQS retries, then its dead-letter queue"
    placeholders = {"commons-inbound-mail", "commons-mail-events", "commons-mail"}
    assert not placeholders & set(strings(template)), "a placeholder name of app.py reached the template"


def test_every_function_has_an_alarm_on_its_errors_that_exists_with_it(template: dict[str, Any]) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm").values()
    for name, made in functions_of(template).items():
        (alarm,) = [
            a
            for a in alarms
            if (a["Properties"]["Namespace"], a["Properties"]["MetricName"]) == ("AWS/Lambda", "Errors")
            and a["Properties"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]
        ]
        assert alarm.get("Condition") == made.get("Condition"), name
        watched = alarm["Properties"]
        assert (watched["Threshold"], watched["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
        assert watched["Statistic"] == "Sum" and watched["TreatMissingData"] == "notBreaching"
        assert watched["AlarmActions"] == [{"Ref": "AlarmTopic"}] == watched["OKActions"]


# --- what a stage gets: the conditions evaluated -------------------------------------------------

PSEUDO_PARAMETERS = {
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::Region": "eu-west-1",
    "AWS::StackName": "commons-t",
    "AWS::URLSuffix": "amazonaws.com",
}
NO_VALUE = object()
WITHOUT_MAIL = {"MailDomain": ""}
WITH_MAIL = {"MailDomain": "commons.example.com"}


def stack_for(template: dict[str, Any], parameters: dict[str, str]) -> dict[str, Any]:
    """The Resources, Outputs and Globals that CloudFormation would act on with these parameters
    (the defaults for the rest): resources and outputs whose condition is false left out, each
    `Fn::If` replaced by its branch, and `AWS::NoValue` removed."""
    values = {name: str(p.get("Default", "")) for name, p in template["Parameters"].items()}
    values |= PSEUDO_PARAMETERS | parameters

    def operand(value: Any) -> Any:
        return values[value["Ref"]] if isinstance(value, dict) and "Ref" in value else value

    def holds(expression: Any) -> bool:
        ((function, arguments),) = expression.items()
        if function == "Condition":
            return holds(template["Conditions"][arguments])
        if function == "Fn::Not":
            return not holds(arguments[0])
        if function == "Fn::Equals":
            return bool(operand(arguments[0]) == operand(arguments[1]))
        if function == "Fn::And":
            return all(holds(a) for a in arguments)
        if function == "Fn::Or":
            return any(holds(a) for a in arguments)
        raise AssertionError(f"no such condition function: {function}")

    def condition(name: str | None) -> bool:
        return name is None or holds(template["Conditions"][name])

    def resolved(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Fn::If"}:
                name, yes, no = value["Fn::If"]
                return resolved(yes if condition(name) else no)
            if value == {"Ref": "AWS::NoValue"}:
                return NO_VALUE
            kept = {key: resolved(item) for key, item in value.items()}
            return {key: item for key, item in kept.items() if item is not NO_VALUE}
        if isinstance(value, list):
            return [item for item in map(resolved, value) if item is not NO_VALUE]
        return value

    def present(section: dict[str, Any]) -> dict[str, Any]:
        return {name: resolved(item) for name, item in section.items() if condition(item.get("Condition"))}

    return {
        "Resources": present(template["Resources"]),
        "Outputs": present(template.get("Outputs", {})),
        "Globals": resolved(template.get("Globals", {})),
        "Parameters": values,
    }


def references(value: Any) -> Iterator[str]:
    """Every logical id or parameter a value names: Ref, Fn::GetAtt, and `${…}` in Fn::Sub."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref":
                yield item
            elif key == "Fn::GetAtt":
                yield (item if isinstance(item, str) else item[0]).split(".")[0]
            elif key == "Fn::Sub":
                text, variables = (item, {}) if isinstance(item, str) else item
                named = (name.split(".")[0] for name in re.findall(r"\$\{(?!!)([^}]+)\}", text))
                yield from (name for name in named if name not in variables)
                yield from references(variables)
            else:
                yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)


def dangling(stack: dict[str, Any]) -> set[tuple[str, str]]:
    """(resource or output, what it names) for each name that is neither a resource nor a
    parameter of this stack: what CloudFormation would refuse."""
    known = set(stack["Resources"]) | set(stack["Parameters"]) | {"AWS::NoValue"}
    found = set()
    for section in ("Resources", "Outputs"):
        for name, item in stack[section].items():
            depends = item.get("DependsOn", [])
            for target in [*references(item), *([depends] if isinstance(depends, str) else depends)]:
                if target not in known:
                    found.add((name, target))
    found |= {("Globals", target) for target in references(stack["Globals"]) if target not in known}
    return found


def test_without_a_mail_domain_no_mail_resource_is_made_and_nothing_names_one(template: dict[str, Any]) -> None:
    """Everything SAM makes from a mail function's Events (the SNS subscriptions and their Lambda
    permissions, the SQS event source mapping, the schedule's rule and its permission) gets the
    function's Condition from SAM, so a function left out takes them along; whatever chalice or
    the template would make beside the functions must carry HasMail itself, which this checks."""
    without, with_mail = stack_for(template, WITHOUT_MAIL), stack_for(template, WITH_MAIL)
    mail = set(with_mail["Resources"]) - set(without["Resources"])
    assert mail == {name for name, r in template["Resources"].items() if r.get("Condition") == "HasMail"}
    assert set(MAIL_RESOURCES) | set(MAIL_FUNCTIONS) | {f"{name}ErrorsAlarm" for name in MAIL_FUNCTIONS} <= mail
    assert set(without["Resources"]) <= set(with_mail["Resources"])
    assert dangling(without) == set() and dangling(with_mail) == set()
    # Without mail: no mail setting, no mail output, no event source of any kind on a function.
    for name, made in without["Resources"].items():
        if made["Type"] == "AWS::Serverless::Function":
            env = sam_merge(without["Globals"]["Function"], made["Properties"])["Environment"]["Variables"]
            assert not [v for v in env if v.startswith("COMMONS_MAIL_")], name
            assert "Events" not in made["Properties"], name
    assert not [name for name in without["Outputs"] if name.startswith("Mail")]
    assert {"MailMxRecord", "MailDkimRecord1", "MailDeadLetterQueueUrl"} <= set(with_mail["Outputs"])
    env = sam_merge(with_mail["Globals"]["Function"], with_mail["Resources"]["SendDigests"]["Properties"])
    assert env["Environment"]["Variables"]["COMMONS_MAIL_QUEUE_URL"] == {"Ref": "MailQueue"}


def test_a_resource_that_names_a_mail_resource_without_its_condition_is_seen(template: dict[str, Any]) -> None:
    """The check above can fail: a mail function's alarm without HasMail would name a function the
    stack does not make."""
    broken = copy.deepcopy(template)
    del broken["Resources"]["ReceiveMailErrorsAlarm"]["Condition"]
    assert dangling(stack_for(broken, WITHOUT_MAIL)) == {("ReceiveMailErrorsAlarm", "ReceiveMail")}
    assert dangling(stack_for(broken, WITH_MAIL)) == set()


def test_an_intrinsic_function_in_the_template_replaces_chalices_value_whole() -> None:
    # chalice's {"Fn::Sub": …} with the file's {"Ref": …} merged into it, key by key:
    merged = {"Events": {"E": {"Type": "SNS", "Properties": {"Topic": {"Fn::Sub": "arn:…", "Ref": "Topic"}}}}}
    source = {"Events": {"E": {"Properties": {"Topic": {"Ref": "Topic"}}}}}
    assert restore_intrinsics(source, merged) == {
        "Events": {"E": {"Type": "SNS", "Properties": {"Topic": {"Ref": "Topic"}}}}
    }
    assert restore_intrinsics({"Timeout": 30}, {"Timeout": 30, "Memory": 512}) == {"Timeout": 30, "Memory": 512}
