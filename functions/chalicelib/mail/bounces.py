"""Bounces and complaints, as SES reports them through SNS, stop mail to the address.

The configuration set publishes its events to an SNS topic (event publishing: `eventType`); an
identity's feedback notifications say `notificationType` instead, with the same fields, and both
are read. A permanent bounce or a complaint suppresses every recipient it names; a transient bounce
(a full mailbox, an out-of-office) does not, as SES already retried it. The person's preferences
page then says that mail to them stopped, and why, and lets them turn it on again.

Nothing here fails for a message it does not understand: SNS would only deliver it again.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.mail.persistence.base import MailStore, Suppression
from chalicelib.posts.authoring import iso
from chalicelib.web.http import printable

log = logging.getLogger(__name__)
MAX_RECIPIENTS = 100


def handle_ses_event(
    message: Mapping[str, Any] | str, store: MailStore, clock: Callable[[], float] = time.time
) -> list[str]:
    """Suppress the addresses a bounce or complaint names; the addresses suppressed."""
    event = _read(message)
    if event is None:
        log.warning("ignored an SES event that is not a JSON object")
        return []
    kind = event.get("eventType") or event.get("notificationType")
    if kind == "Bounce":
        details = _mapping(event.get("bounce"))
        if details.get("bounceType") != "Permanent":
            log.info("a %s bounce does not stop mail", printable(str(details.get("bounceType"))[:40]))
            return []
        reason, recipients = "bounce", details.get("bouncedRecipients")
    elif kind == "Complaint":
        details = _mapping(event.get("complaint"))
        reason, recipients = "complaint", details.get("complainedRecipients")
    else:
        log.info("ignored an SES event of type %s", printable(str(kind)[:40]))
        return []
    at = details.get("timestamp") if isinstance(details.get("timestamp"), str) else iso(clock())
    stopped: list[str] = []
    for recipient in (recipients if isinstance(recipients, list) else [])[:MAX_RECIPIENTS]:
        address = _mapping(recipient).get("emailAddress")
        if not isinstance(address, str) or "@" not in address or len(address) > 320:
            continue
        address = _bare(address)
        store.suppress(Suppression(address, "bounce" if reason == "bounce" else "complaint", str(at)[:40]))
        stopped.append(address)
    log.info("stopped mail to %d address(es) after a %s", len(stopped), reason)
    return stopped


def _read(message: Mapping[str, Any] | str) -> Mapping[str, Any] | None:
    if isinstance(message, str):
        try:
            message = json.loads(message)
        except ValueError:
            return None
    if not isinstance(message, Mapping):
        return None
    # An SNS envelope (as an SQS subscription or a test hands it over) holds the event in Message.
    if message.get("Type") == "Notification" and isinstance(message.get("Message"), str):
        return _read(message["Message"])
    return message


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _bare(address: str) -> str:
    """`Name <a@b>` or `a@b`, as SES writes recipients, to `a@b` in lower case."""
    from email.utils import parseaddr

    return (parseaddr(address)[1] or address).strip().lower()
