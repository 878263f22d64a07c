"""What mail needs, built once per container from the settings: the store of preferences and
suppressions, the composer and its signed tokens, the sender (SES), the queue that spreads sending
out, the three things that send (notifications, digests, the queue's deliveries), and the intake
that turns a received message into a post or a reply through the posts' own services."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from chalicelib.config import SessionKey
from chalicelib.directory import Directory
from chalicelib.mail import bounces, compose, inbound
from chalicelib.mail.answers import SenderAnswerer
from chalicelib.mail.compose import Composer
from chalicelib.mail.config import MailSettings
from chalicelib.mail.digest import KINDS, DigestRun, Digests
from chalicelib.mail.fanout import Delivered, Delivery, Queue, SqsQueue
from chalicelib.mail.intake import Decision, Intake
from chalicelib.mail.message import MailMessage
from chalicelib.mail.notifications import Notifier
from chalicelib.mail.persistence.base import MailStore
from chalicelib.mail.persistence.dynamodb import DynamoDBMailStore
from chalicelib.mail.preferences import MailPreferences
from chalicelib.mail.sending import Sender, SesSender
from chalicelib.mail.tokens import ReplyTokens
from chalicelib.mail.unsubscribe import UnsubscribeTokens
from chalicelib.mail.verdicts import Verdicts
from chalicelib.posts.services import PostsServices
from chalicelib.table import Location


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
    digests: Digests
    intake: Intake
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
        intake = Intake(
            directory,
            posts.store,
            tokens,
            settings,
            posts.post_rate_per_minute,
            answerer=SenderAnswerer(store, sender, functools.partial(_answer, settings=settings), clock),
            created=lambda created: posts.events.created(created.post),
            clock=clock,
        )
        return cls(
            settings=settings,
            store=store,
            sender=sender,
            composer=composer,
            preferences=MailPreferences(store, directory),
            unsubscribes=unsubscribes,
            delivery=delivery,
            notifier=notifier,
            digests=Digests(store, posts.store, directory, composer, sender, delivery, clock),
            intake=intake,
            clock=clock,
        )

    def run_digests(self, kind: str, now: float) -> DigestRun:
        """The scheduled job: "daily" every day, "weekly" on Mondays."""
        for known in KINDS:
            if kind == known:
                return self.digests.run(known, now)
        raise ValueError(f"no digest kind {kind!r}")

    def deliver(self, bodies: Iterable[str]) -> Delivered:
        """The queue's event source: the bodies of its messages."""
        return self.delivery.deliver(bodies)

    def handle_ses_event(self, message: Mapping[str, Any] | str) -> list[str]:
        """An SNS message from the configuration set's event destination."""
        return bounces.handle_ses_event(message, self.store, self.clock)

    def receive(self, raw: bytes, verdicts: Verdicts, *, dry_run: bool = False) -> Decision:
        """A message as delivered (the dev SMTP server, `make mail-check`)."""
        return self.intake.receive(raw, verdicts, dry_run=dry_run)

    def receive_notification(self, message: str, fetch: inbound.Fetch = inbound.fetch_from_s3) -> Decision | None:
        """An SNS message from the receipt rule: SES stored the message in S3."""
        return inbound.receive_notification(message, self.intake, fetch)


def _answer(to: str, subject: str, text: str, original: MailMessage | None, *, settings: MailSettings) -> EmailMessage:
    return compose.answer(to, subject, text, settings, original)
