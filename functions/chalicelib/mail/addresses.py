"""What a received message is addressed to: a space (`<slug>@<mail domain>`), a post
(`reply+<token>@<mail domain>`), or neither. Our Message-IDs name the post they are about, so a
reply whose token was lost can still be placed from `In-Reply-To` or `References`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.mail.tokens import PREFIX

if TYPE_CHECKING:
    from chalicelib.mail.message import Mailbox, MailMessage

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
POST_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


@dataclass(frozen=True)
class ToSpace:
    slug: str


@dataclass(frozen=True)
class ToReply:
    token: str  # what follows `reply+`, possibly damaged


Target = ToSpace | ToReply


def target(recipients: Iterable[Mailbox], domain: str) -> Target | None:
    """The first recipient at our domain decides; None when none is ours."""
    for mailbox in recipients:
        local, at, host = mailbox.address.rpartition("@")
        if not at or host.lower() != domain:
            continue
        local = local.lower()
        if local.startswith(PREFIX):
            return ToReply(local[len(PREFIX) :])
        if SLUG.match(local):
            return ToSpace(local)
    return None


def message_id(post_id: str, recipient_key: str, domain: str) -> str:
    """The Message-ID of one post's mail to one recipient (`recipient_key` tells the copies apart)."""
    return f"post.{post_id}.{recipient_key}@{domain}"


def thread_message_id(post_id: str, domain: str) -> str:
    """The post's own Message-ID: what every mail about it names in References."""
    return f"post.{post_id}@{domain}"


def post_named(message: MailMessage, domain: str) -> str | None:
    """The post that one of our Message-IDs in In-Reply-To or References names (nearest first)."""
    for reference in (*message.in_reply_to, *reversed(message.references)):
        local, at, host = reference.rpartition("@")
        if not at or host.lower() != domain:
            continue
        parts = local.split(".")
        if len(parts) in (2, 3) and parts[0] == "post" and POST_ID.match(parts[1].upper()):
            return parts[1].upper()
    return None
