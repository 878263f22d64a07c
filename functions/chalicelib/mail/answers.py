"""The one short answer a directory sender gets when their message could not be used: what went
wrong and what to do. At most one a day per sender and reason, so a loop of mail can't build up;
mail that failed authentication, strangers and auto-responders never get one (intake sees to it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from chalicelib.directory import Person
from chalicelib.mail.message import MailMessage
from chalicelib.mail.persistence.base import MailStore
from chalicelib.mail.sending import Sender
from chalicelib.web.http import printable

log = logging.getLogger(__name__)
DAY = 86_400

# reason -> (subject, what went wrong and what to do)
TEXTS: dict[str, tuple[str, str]] = {
    "unknown-space": (
        "No such space",
        "Your message went to {address}, but there is no team or community with that name. "
        "Each space's page on the hub shows the address that posts to it.",
    ),
    "no-space": (
        "Where should this go?",
        "Your message was not addressed to a space. Send it to a space's address, shown on its page on the hub.",
    ),
    "empty": (
        "Your message was empty",
        "Once quoted text and signatures were taken away, nothing was left to post. Write your text above the quote.",
    ),
    "too-long": (
        "Your message is too long",
        "A post can hold at most 5,000 characters once quoted text is taken away. Shorten it, or post part of it.",
    ),
    "too-large": (
        "Your message is too large",
        "Messages over 10 MB can't be posted. Commons keeps no attachments: send the text without them.",
    ),
    "expired-token": (
        "This reply address has expired",
        "You replied to an old notification. Open the post on the hub and reply there, or reply to a newer mail.",
    ),
    "damaged-token": (
        "This reply address is not one of ours",
        "The address you replied to was changed or cut short. Reply to the notification again, or use the hub.",
    ),
    "not-your-token": (
        "Reply from the address that got the mail",
        "This reply address was made for someone else, or you replied from another address. "
        "Reply from the address the notification was sent to, or add this one to your email_aliases on the hub.",
    ),
    "unknown-post": (
        "That post is gone",
        "The post you replied to no longer exists, so your reply was not posted.",
    ),
    "post-closed": (
        "That post is closed",
        "The post you replied to was deleted or hidden, so it takes no replies.",
    ),
    "rate-limited": (
        "Slow down a little",
        "You are posting faster than Commons allows. Wait a minute and send your message again.",
    ),
}


@dataclass(frozen=True)
class SenderAnswerer:
    """Answers through `sender`, remembering in `store` who was answered today."""

    store: MailStore
    sender: Sender
    compose: Callable[[str, str, str, MailMessage | None], EmailMessage]  # (to, subject, text, original)
    clock: Callable[[], float] = time.time

    def answer(self, person: Person, reason: str, message: MailMessage | None) -> None:
        subject, text = TEXTS.get(reason, ("Your message was not posted", "Your message could not be posted."))
        now = self.clock()
        day = time.strftime("%Y-%m-%d", time.gmtime(now))
        if self.store.suppression(person.email) is not None:
            return  # the address bounced or complained: nothing more goes to it
        if not self.store.first_answer_today(person.email, reason, day, now + 3 * DAY):
            log.info("not answering %s again today about %s", person.handle, reason)
            return
        address = ", ".join(m.address for m in message.recipients) if message else ""
        self.sender.send(self.compose(person.email, subject, text.format(address=address), message))
        log.info("answered %s about %s", person.handle, printable(reason))
