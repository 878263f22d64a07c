"""Settings of mail: its domain, how long a reply address lasts, and where sending goes.

Read by `config.Settings.from_environ` with the rest, so every problem is reported at once.
README.md, section "Email", lists every variable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class MailSettings:
    # False when COMMONS_MAIL_DOMAIN is not set (a stage without `mail_domain`): nothing is mailed,
    # nothing received, and the mail routes answer 404 "mail-off".
    enabled: bool = True
    domain: str = "commons.localhost"
    reply_token_days: int = 90
    # The SES configuration set that reports bounces and complaints; empty locally.
    configuration_set: str = ""
    # The queue that spreads sending over invocations; empty: send in the same invocation.
    queue_url: str = ""
    # The account's SES send rate (messages a second), shared by every invocation that sends.
    send_rate_per_second: int = 14
    # How many delivery invocations run at once: the SQS event source's maximum concurrency.
    delivery_concurrency: int = 2
    # SQS messages one delivery invocation takes: the event source's batch size.
    delivery_batch_size: int = 10

    @classmethod
    def from_environ(cls, env: Mapping[str, str], problems: list[str]) -> MailSettings:
        configured = env.get("COMMONS_MAIL_DOMAIN", "").strip().lower()
        domain = configured or cls.domain
        if not _DOMAIN.match(domain):
            problems.append("COMMONS_MAIL_DOMAIN must be a domain name, like commons.example.com")
        days_text = env.get("COMMONS_MAIL_REPLY_TOKEN_DAYS", "").strip()
        days = cls.reply_token_days
        if days_text:
            if days_text.isascii() and days_text.isdecimal() and 1 <= int(days_text) <= 365:
                days = int(days_text)
            else:
                problems.append("COMMONS_MAIL_REPLY_TOKEN_DAYS must be a whole number of days from 1 to 365")
        configuration_set = env.get("COMMONS_MAIL_CONFIGURATION_SET", "").strip()
        if configuration_set and not _NAME.match(configuration_set):
            problems.append("COMMONS_MAIL_CONFIGURATION_SET must be an SES configuration set name")
        queue_url = env.get("COMMONS_MAIL_QUEUE_URL", "").strip()
        if queue_url and not queue_url.startswith(("https://", "http://")):
            problems.append("COMMONS_MAIL_QUEUE_URL must be an SQS queue URL")
        return cls(
            enabled=bool(configured),
            domain=domain,
            reply_token_days=days,
            configuration_set=configuration_set,
            queue_url=queue_url,
            send_rate_per_second=_whole(env, "COMMONS_MAIL_SEND_RATE", cls.send_rate_per_second, 10_000, problems),
            delivery_concurrency=_whole(
                env, "COMMONS_MAIL_DELIVERY_CONCURRENCY", cls.delivery_concurrency, 1_000, problems
            ),
            delivery_batch_size=_whole(env, "COMMONS_MAIL_DELIVERY_BATCH", cls.delivery_batch_size, 10, problems),
        )


def _whole(env: Mapping[str, str], name: str, default: int, most: int, problems: list[str]) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdecimal()) or len(value) > 6 or not 1 <= int(value) <= most:
        problems.append(f"{name} must be a whole number from 1 to {most}")
        return default
    return int(value)
