"""What SES found about a received message's sender, and whether that is enough to post.

Accepted: spam and virus verdicts PASS, and either DMARC PASS, or SPF or DKIM PASS for a domain
aligned with the From domain (relaxed alignment: the same domain, or one inside the other). The
local dev SMTP server's mail is "local, trusted": it skips the checks, as nothing checked it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.mail.message import MailMessage

PASS = "PASS"  # noqa: S105 (an SES verdict, not a password)
_DKIM_DOMAIN = re.compile(r"(?:^|;)\s*d\s*=\s*([A-Za-z0-9.-]+)")


@dataclass(frozen=True)
class Verdicts:
    spf: str = "GRAY"
    dkim: str = "GRAY"
    dmarc: str = "GRAY"
    spam: str = "GRAY"
    virus: str = "GRAY"
    envelope_sender: str = ""  # the SMTP MAIL FROM, whose domain SPF checked
    local_trusted: bool = False

    @classmethod
    def passing(cls, envelope_sender: str = "") -> Verdicts:
        """As if SES had checked and everything passed (make mail-check's default)."""
        return cls(PASS, PASS, PASS, PASS, PASS, envelope_sender)

    @classmethod
    def failing(cls, envelope_sender: str = "") -> Verdicts:
        return cls("FAIL", "FAIL", "FAIL", PASS, PASS, envelope_sender)

    @classmethod
    def local(cls) -> Verdicts:
        return cls(local_trusted=True)

    @classmethod
    def from_ses(cls, receipt: Mapping[str, Any], mail: Mapping[str, Any]) -> Verdicts:
        """From an SES receipt notification's `receipt` and `mail` objects."""

        def status(name: str) -> str:
            verdict = receipt.get(name)
            value = verdict.get("status") if isinstance(verdict, Mapping) else None
            return value.upper() if isinstance(value, str) else "GRAY"

        source = mail.get("source")
        return cls(
            spf=status("spfVerdict"),
            dkim=status("dkimVerdict"),
            dmarc=status("dmarcVerdict"),
            spam=status("spamVerdict"),
            virus=status("virusVerdict"),
            envelope_sender=source if isinstance(source, str) else "",
        )


def refusal(verdicts: Verdicts, message: MailMessage) -> str | None:
    """Why the sender is not trusted (a reason code), or None when the message may post."""
    if verdicts.local_trusted:
        return None
    if verdicts.virus != PASS:
        return "virus"
    if verdicts.spam != PASS:
        return "spam"
    if verdicts.dmarc == PASS:
        return None
    from_domain = _domain(message.sender.address) if message.sender else ""
    if not from_domain:
        return "unauthenticated"
    if verdicts.spf == PASS and _aligned(_domain(verdicts.envelope_sender), from_domain):
        return None
    signed = _DKIM_DOMAIN.findall(message.headers.get("dkim-signature", ""))
    if verdicts.dkim == PASS and any(_aligned(domain.lower(), from_domain) for domain in signed):
        return None
    return "unauthenticated"


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def _aligned(one: str, other: str) -> bool:
    return bool(one) and (one == other or one.endswith("." + other) or other.endswith("." + one))
