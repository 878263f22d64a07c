"""Settings of posts, replies, reactions and outcomes: where the table is, and the write limits.

Read by `config.Settings.from_environ` with the rest, so every problem is reported at once.
README.md, section "Posts, replies and reactions", lists every variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


@dataclass(frozen=True)
class PostsSettings:
    table: str = "commons"
    region: str = "us-east-1"
    # Empty in AWS; a local DynamoDB (moto's server) in development and tests.
    endpoint: str = ""
    post_rate_per_minute: int = 30
    write_rate_per_minute: int = 120
    # How long the impact dashboard's table of every space is served as worked out (0: never kept).
    metrics_summary_seconds: int = 60

    @classmethod
    def from_environ(cls, env: Mapping[str, str], problems: list[str]) -> PostsSettings:
        table = env.get("COMMONS_TABLE", "").strip() or cls.table
        if not _TABLE_NAME.match(table):
            problems.append("COMMONS_TABLE must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)")
        # Lambda sets AWS_REGION; COMMONS_DYNAMODB_REGION names another region for the table.
        region = (
            env.get("COMMONS_DYNAMODB_REGION", "").strip()
            or env.get("AWS_REGION", "").strip()
            or env.get("AWS_DEFAULT_REGION", "").strip()
            or cls.region
        )
        if not _REGION.match(region):
            problems.append(f"COMMONS_DYNAMODB_REGION {region[:40]!r} is not an AWS region like eu-west-1")
        endpoint = env.get("COMMONS_DYNAMODB_ENDPOINT", "").strip() or env.get("AWS_ENDPOINT_URL_DYNAMODB", "").strip()
        if endpoint:
            parts = urlsplit(endpoint)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                problems.append("COMMONS_DYNAMODB_ENDPOINT must be an http(s) URL, like http://127.0.0.1:8002")
        return cls(
            table=table,
            region=region,
            endpoint=endpoint.rstrip("/"),
            post_rate_per_minute=_per_minute(env, "COMMONS_POST_RATE_PER_MINUTE", cls.post_rate_per_minute, problems),
            write_rate_per_minute=_per_minute(
                env, "COMMONS_WRITE_RATE_PER_MINUTE", cls.write_rate_per_minute, problems
            ),
            metrics_summary_seconds=_seconds(
                env, "COMMONS_METRICS_SUMMARY_SECONDS", cls.metrics_summary_seconds, problems
            ),
        )


def _per_minute(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 100_000:
        problems.append(f"{name} must be a whole number from 1 to 100000")
        return default
    return int(value)


def _seconds(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit() and len(value) <= 4 and int(value) <= 3600):
        problems.append(f"{name} must be a whole number of seconds from 0 to 3600")
        return default
    return int(value)
