"""The deployed functions' secrets: read from Secrets Manager (moto in process) at the version the
stack names, and turned into the settings `config.Settings` reads."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from chalicelib import secret_store
from chalicelib.config import Settings
from chalicelib.errors import ConfigError
from chalicelib.secret_store import SecretDocument
from deploy.secrets import created, new_cloudfront_key_pair, rotated

BASE = {
    "COMMONS_PUBLIC_ORIGIN": "https://hub.example.com",
    "COMMONS_OIDC_ISSUER": "https://login.example.com",
    "COMMONS_OIDC_CLIENT_ID": "commons",
    "COMMONS_DIRECTORY": "chalicelib/directory.json",
    "COMMONS_CLOUDFRONT_KEY_PAIR_IDS": "A=KAAAA,B=KBBBB",
}


def test_without_a_secret_the_environment_is_used_as_it_is() -> None:
    env = {**BASE, "COMMONS_SESSION_KEYS": "x"}
    assert secret_store.environment(env, fetch=lambda *_: pytest.fail("no secret to read")) == env


def test_the_secret_fills_the_secret_settings_and_the_active_key_id() -> None:
    document = created("client-secret-value", now=1_800_000_000)
    asked: list[tuple[str, str]] = []

    def fetch(secret_id: str, version: str) -> str:
        asked.append((secret_id, version))
        return document.to_json()

    env = {
        **BASE,
        "COMMONS_SECRET_ID": "arn:aws:secretsmanager:eu-west-1:1:secret:commons/prod-x",
        "COMMONS_SECRET_VERSION": "v7",
    }
    merged = secret_store.environment(env, fetch=fetch)
    assert asked == [("arn:aws:secretsmanager:eu-west-1:1:secret:commons/prod-x", "v7")]
    assert merged["COMMONS_OIDC_CLIENT_SECRET"] == "client-secret-value"
    assert merged["COMMONS_CLOUDFRONT_KEY_PAIR_ID"] == "KAAAA"
    settings = Settings.from_environ(merged)
    assert settings.cloudfront_private_key == document.cloudfront_private_key.strip()
    assert settings.session_keys[0].key_id == document.session_keys.split("=")[0]
    # After a rotation slot B signs, and its key id is the one used.
    again = rotated(document, None, now=1_800_086_400)
    merged = secret_store.environment(env, fetch=lambda *_: again.to_json())
    assert merged["COMMONS_CLOUDFRONT_KEY_PAIR_ID"] == "KBBBB"
    assert len(Settings.from_environ(merged).session_keys) == 2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json", "not JSON"),
        ('{"format": 2}', "format 1"),
        ('{"format": 1, "oidc_client_secret": "x"}', "no session_keys"),
    ],
)
def test_a_secret_that_is_not_ours_is_a_configuration_error_naming_no_value(text: str, reason: str) -> None:
    env = {**BASE, "COMMONS_SECRET_ID": "commons/prod"}
    with pytest.raises(ConfigError, match=reason) as refused:
        secret_store.environment(env, fetch=lambda *_: text)
    assert '"x"' not in str(refused.value)


def test_a_key_id_missing_for_the_active_slot_is_a_configuration_error() -> None:
    env = {**BASE, "COMMONS_SECRET_ID": "commons/prod", "COMMONS_CLOUDFRONT_KEY_PAIR_IDS": "B=KBBBB"}
    with pytest.raises(ConfigError, match="no key id for slot A"):
        secret_store.environment(env, fetch=lambda *_: created("c", 0).to_json())


def test_the_document_keeps_its_secrets_out_of_repr() -> None:
    document = created("client-secret-value", now=0)
    shown = repr(document)
    assert "client-secret-value" not in shown and "PRIVATE" not in shown
    assert document.session_keys.split("=")[1] not in shown


def test_rotation_keeps_one_previous_session_key_and_the_old_public_key() -> None:
    first = created("c", now=1_800_000_000)
    second = rotated(first, None, now=1_800_000_100)
    third = rotated(second, "new-client-secret", now=1_800_000_200)
    assert second.session_keys.split(",")[1] == first.session_keys
    assert third.session_keys.split(",")[1] == second.session_keys.split(",")[0]
    assert len(third.session_keys.split(",")) == 2
    assert (second.cloudfront_active, third.cloudfront_active) == ("B", "A")
    assert third.cloudfront_public_keys["B"] == second.cloudfront_public_keys["B"]
    assert third.cloudfront_public_keys["A"] != first.cloudfront_public_keys["A"]
    assert second.oidc_client_secret == "c" and third.oidc_client_secret == "new-client-secret"
    private, public = new_cloudfront_key_pair()
    assert "BEGIN PRIVATE KEY" in private and "BEGIN PUBLIC KEY" in public


@mock_aws
def test_secrets_manager_is_read_at_the_pinned_version() -> None:
    client = boto3.client("secretsmanager", region_name="eu-west-1")
    first = created("first", now=0)
    made = client.create_secret(Name="commons/prod", SecretString=first.to_json())
    client.put_secret_value(SecretId="commons/prod", SecretString=rotated(first, "second", now=1).to_json())
    import os

    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    pinned = secret_store.fetch_from_secrets_manager(made["ARN"], made["VersionId"])
    assert SecretDocument.from_json(pinned).oidc_client_secret == "first"
    current = secret_store.fetch_from_secrets_manager(made["ARN"], "")
    assert SecretDocument.from_json(current).oidc_client_secret == "second"
    with pytest.raises(ConfigError, match="ResourceNotFoundException"):
        secret_store.fetch_from_secrets_manager("commons/other", "")
