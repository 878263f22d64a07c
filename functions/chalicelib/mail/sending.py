"""Handing mail to SES (v2), and, in the dev stack and tests, keeping a copy of what was sent.

Messages are built as `email.message.EmailMessage` (compose.py) and sent raw, so every header we
set (threading, List-Unsubscribe, Auto-Submitted) reaches the recipient as written. A message to a
suppressed address is never handed over: callers check `MailStore.suppression` first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any, Protocol

from chalicelib.errors import StorageUnavailableError


class MailUnavailableError(StorageUnavailableError):
    code = "mail-unavailable"
    title = "Commons could not send mail"
    message = "Mail could not be sent for a moment. It will be tried again."


class Sender(Protocol):
    def send(self, message: EmailMessage) -> str:
        """Send one message; its id at the provider."""
        ...


@dataclass
class SesSender:
    """SES v2 `SendEmail` with the raw message, in the configuration set that reports bounces."""

    configuration_set: str = ""
    _client: Any = field(default=None, repr=False)

    def client(self) -> Any:
        if self._client is None:
            import botocore.session

            self._client = botocore.session.get_session().create_client("sesv2")
        return self._client

    def send(self, message: EmailMessage) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        arguments: dict[str, Any] = {"Content": {"Raw": {"Data": message.as_bytes(policy=SMTP)}}}
        if self.configuration_set:
            arguments["ConfigurationSetName"] = self.configuration_set
        try:
            answer = self.client().send_email(**arguments)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            raise MailUnavailableError(f"SES refused a message: {code}") from exc
        except BotoCoreError as exc:
            raise MailUnavailableError(f"SES could not be reached: {type(exc).__name__}") from exc
        return str(answer.get("MessageId", ""))


@dataclass
class Kept:
    """A message as it was sent, and the provider's id."""

    message: EmailMessage
    provider_id: str


class KeepingSender:
    """Sends through `inner` and keeps each message (the dev mailbox, and tests, read them)."""

    def __init__(self, inner: Sender, limit: int = 500) -> None:
        self._inner = inner
        self._limit = limit
        self._lock = threading.Lock()
        self._kept: list[Kept] = []

    def send(self, message: EmailMessage) -> str:
        provider_id = self._inner.send(message)
        with self._lock:
            self._kept.append(Kept(message, provider_id))
            del self._kept[: -self._limit]
        return provider_id

    def kept(self) -> list[Kept]:
        with self._lock:
            return list(self._kept)
