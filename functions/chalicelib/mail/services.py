"""What mail needs, built once per container from the settings: the store of preferences and
suppressions, the composer and its signed tokens, the sender (SES), the queue that spreads sending
out, the three things that send (notifications, digests, the queue's deliveries), and the intake
that turns a received message into a post or a reply through the posts' own services.

A web request needs only the notifier's hand-off (and, for a form, the preferences): the intake
and the digests, with the modules that read mail and plan digests, are made on first use, by the
functions that receive mail and send digests, so that a cold start of the web's function does not
import them."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.config import SessionKey
from chalicelib.directory import Directory
from chalicelib.mail import bounces
from chalicelib.mail.compose import Composer
from chalicelib.mail.config import MailSettings
from chalicelib.mail.fanout import Delivered, Delivery, Queue, SqsQueue
from chalicelib.mail.notifications import Notifier
from chalicelib.mail.persistence.base import MailStore
from chalicelib.mail.persistence.dynamodb import DynamoDBMailStore
from chalicelib.mail.preferences import MailPreferences
from chalicelib.mail.sending import Sender, SesSender
from chalicelib.mail.tokens import ReplyTokens
from chalicelib.mail.unsubscribe import UnsubscribeTokens
from chalicelib.posts.services import PostsServices
from chalicelib.table import Location

if TYPE_CHECKING:
    from email.message import EmailMessage

    from chalicelib.mail.digest import DigestRun, Digests
    from chalicelib.mail.inbound import Fetch
    from chalicelib.mail.intake import Decision, Intake
    from chalicelib.mail.message import MailMessage
    from chalicelib.mail.verdicts import Verdicts


@dataclass(frozen=True)
class MailServices:
    settings: MailSettings
    store: MailStore
    sender: Sender
    composer: Composer
    preferences: MailPreferences
    unsubscribes: UnsubscribeTokens
    delivery: Delivery
    notifier: Notifier
    directory: Directory
    posts: PostsServices
    tokens: ReplyTokens
    clock: Callable[[], float]

    @classmethod
    def build(
        cls,
        settings: MailSettings,
        directory: Directory,
        keys: Sequence[SessionKey],
        posts: PostsServices,
        *,
        public_origin: str,
        location: Location,
        store: MailStore | None = None,
        sender: Sender | None = None,
        queue: Queue | None = None,
        clock: Callable[[], float] = time.time,
    ) -> MailServices:
        """`store`, `sender` and `queue` replace DynamoDB, SES and SQS (tests hand in the in-memory
        store, a KeepingSender and a MemoryQueue). With no queue and no COMMONS_MAIL_QUEUE_URL,
        mail is sent in the invocation that causes it.

        Posts made by mail go through `posts.events` like the web's, and every new post is handed
        to the notifier from there."""
        store = store or DynamoDBMailStore(location)
        sender = sender or SesSender(settings.configuration_set)
        if queue is None and settings.queue_url:
            queue = SqsQueue(settings.queue_url)
        unsubscribes = UnsubscribeTokens(keys)
        tokens = ReplyTokens(keys, settings.reply_token_days)
        composer = Composer(settings, public_origin, directory, tokens, unsubscribes)
        delivery = Delivery(settings, queue)
        notifier = Notifier(store, posts.store, directory, composer, sender, delivery, clock)
        if settings.enabled:
            posts.events.on_created(notifier.post_created)
        return cls(
            settings=settings,
            store=store,
            sender=sender,
            composer=composer,
            preferences=MailPreferences(store, directory),
            unsubscribes=unsubscribes,
            delivery=delivery,
            notifier=notifier,
            directory=directory,
            posts=posts,
            tokens=tokens,
            clock=clock,
        )

    @functools.cached_property
    def intake(self) -> Intake:
        from chalicelib.mail.answers import SenderAnswerer
        from chalicelib.mail.intake import Intake

        answer = functools.partial(_answer, settings=self.settings)
        return Intake(
            self.directory,
            self.posts,
            self.tokens,
            self.settings,
            answerer=SenderAnswerer(self.store, self.sender, answer, self.clock),
            clock=self.clock,
        )

    @functools.cached_property
    def digests(self) -> Digests:
        """Made, and its jobs' handler registered with the delivery, on first use."""
        from chalicelib.mail.digest import Digests

        return Digests(
            self.store, self.posts.store, self.directory, self.composer, self.sender, self.delivery, self.clock
        )

    def run_digests(self, kind: str, now: float) -> DigestRun:
        """The scheduled job: "daily" every day, "weekly" on Mondays."""
        from chalicelib.mail.digest import KINDS

        for known in KINDS:
            if kind == known:
                return self.digests.run(known, now)
        raise ValueError(f"no digest kind {kind!r}")

    def deliver(self, bodies: Iterable[str]) -> Delivered:
        """The queue's event source: the bodies of its messages (notifications' and digests')."""
        self.digests  # noqa: B018 (made now, so that its jobs have their handler)
        return self.delivery.deliver(bodies)

    def handle_ses_event(self, message: Mapping[str, Any] | str) -> list[str]:
        """An SNS message from the configuration set's event destination."""
        return bounces.handle_ses_event(message, self.store, self.clock)

    def receive(self, raw: bytes, verdicts: Verdicts, *, dry_run: bool = False) -> Decision:
        """A message as delivered (the dev SMTP server, `make mail-check`)."""
        return self.intake.receive(raw, verdicts, dry_run=dry_run)

    def receive_notification(self, message: str, fetch: Fetch | None = None) -> Decision | None:
        """An SNS message from the receipt rule: SES stored the message in S3 (read with `fetch`)."""
        from chalicelib.mail import inbound

        return inbound.receive_notification(message, self.intake, fetch or inbound.fetch_from_s3)


def _answer(to: str, subject: str, text: str, original: MailMessage | None, *, settings: MailSettings) -> EmailMessage:
    from chalicelib.mail import compose

    return compose.answer(to, subject, text, settings, original)
