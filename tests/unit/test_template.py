"""The packaged stack (build/deploy/template.json), checked offline: cfn-lint, and each property the
deployment relies on. moto's CloudFormation skips CloudFront and SAM, so these are checked here."""

from __future__ import annotations

import base64
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

from chalicelib.posts.persistence import _dynamodb_models as models
from deploy.package import BOTOCORE_SERVICES, Packaged
from deploy.stage import IDENTITY_CLAIMS, LOG_RETENTION_DAYS, PRICE_CLASSES, Stage
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


def test_cfn_lint_is_clean(packaged: Packaged) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(packaged.template)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_table_is_the_models_table_and_keeps_its_data(template: dict[str, Any]) -> None:
    table = template["Resources"]["Table"]
    assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": models.TTL_ATTRIBUTE, "Enabled": True}
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
    function = template["Resources"]["APIHandler"]
    props = function["Properties"]
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
    role = template["Resources"]["FunctionRole"]["Properties"]
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
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
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "secretsmanager:GetSecretValue",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
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
