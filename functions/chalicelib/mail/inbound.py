"""Mail arriving in AWS: SES stores the message in the mail bucket and notifies SNS, whose message
names the object and carries SES's verdicts. The message is read from S3 and handed to intake.
A notification that is not one of these is logged and ignored, never an error that SNS retries.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.mail.intake import Decision, Intake
from chalicelib.mail.message import MAX_MESSAGE_BYTES
from chalicelib.mail.verdicts import Verdicts
from chalicelib.web.http import printable

log = logging.getLogger(__name__)
Fetch = Callable[[str, str], bytes]  # (bucket, key) -> the stored message


def fetch_from_s3(bucket: str, key: str) -> bytes:
    import botocore.session

    client = botocore.session.get_session().create_client("s3")
    answer = client.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{MAX_MESSAGE_BYTES}")
    body: bytes = answer["Body"].read()
    return body


def receive_notification(message: str, intake: Intake, fetch: Fetch = fetch_from_s3) -> Decision | None:
    """One SNS message from SES's receipt rule; the decision, or None when it was not a message."""
    try:
        notification: Any = json.loads(message)
    except ValueError:
        log.warning("an SNS message that is not JSON was ignored")
        return None
    if not isinstance(notification, Mapping) or notification.get("notificationType") != "Received":
        log.info("ignored an SES notification of type %s", printable(str(_get(notification, "notificationType"))))
        return None
    receipt, mail = notification.get("receipt"), notification.get("mail")
    action = receipt.get("action") if isinstance(receipt, Mapping) else None
    if not isinstance(mail, Mapping) or not isinstance(action, Mapping) or action.get("type") != "S3":
        log.warning("ignored a received-mail notification without an S3 action")
        return None
    bucket, key = action.get("bucketName"), action.get("objectKey")
    if not isinstance(bucket, str) or not isinstance(key, str):
        log.warning("ignored a received-mail notification without its object")
        return None
    assert isinstance(receipt, Mapping)
    return intake.receive(fetch(bucket, key), Verdicts.from_ses(receipt, mail))


def _get(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, Mapping) else None
