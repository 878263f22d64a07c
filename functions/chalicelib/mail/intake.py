"""A received message becomes a post, a reply, or nothing; through the same post services as the
web, so a post from email obeys every rule a web post does (limits, rate, idempotency).

The order protects people: mail no person wrote is dropped first, then mail whose sender is not
authenticated, then mail from strangers — all without an answer (no backscatter). Only a sender
in the directory, whose message can't be used, gets one short answer saying why (at most one a
day per reason). The Message-ID is the idempotency key, so SES delivering twice posts once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from chalicelib.directory import Directory, Person
from chalicelib.errors import (
    IdempotencyKeyReusedError,
    InvalidInputError,
    PostClosedError,
    RateLimitedError,
    ReplyDepthError,
    UnknownPostError,
)
from chalicelib.mail import addresses
from chalicelib.mail.addresses import ToReply, ToSpace
from chalicelib.mail.automatic import automatic
from chalicelib.mail.config import MailSettings
from chalicelib.mail.message import MailMessage, MessageTooLargeError, UnreadableMessageError, read_message
from chalicelib.mail.quotes import reply_text
from chalicelib.mail.tokens import ReplyTokenError, ReplyTokens
from chalicelib.mail.verdicts import Verdicts, refusal
from chalicelib.posts import authoring
from chalicelib.posts.actors import Actor
from chalicelib.posts.rendering import MAX_LENGTH
from chalicelib.posts.services import PostsServices
from chalicelib.web.http import printable

log = logging.getLogger(__name__)
Action = Literal["post", "reply", "drop", "reject"]
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#])")


@dataclass(frozen=True)
class Decision:
    """What was done with a message (or, for a dry run, what would be)."""

    action: Action
    reason: str
    space: str | None = None
    parent: str | None = None
    author: str | None = None
    body: str | None = None
    post_id: str | None = None

    def public(self) -> dict[str, str | None]:
        return {
            "action": self.action,
            "reason": self.reason,
            "space": self.space,
            "parent": self.parent,
            "author": self.author,
            "body": self.body,
        }


class Answerer(Protocol):
    def answer(self, person: Person, reason: str, message: MailMessage | None) -> None:
        """Tell a directory sender, once a day per reason at most, why their message was not used."""
        ...


@dataclass(frozen=True)
class Intake:
    directory: Directory
    posts: PostsServices  # writes as the web's do: limits, idempotency, then the posts' events
    tokens: ReplyTokens
    settings: MailSettings
    answerer: Answerer | None = None
    clock: Callable[[], float] = time.time

    def receive(self, raw: bytes, verdicts: Verdicts, *, dry_run: bool = False) -> Decision:
        try:
            message = read_message(raw)
        except MessageTooLargeError:
            return self._refused(None, "too-large", dry_run, None)
        except UnreadableMessageError as exc:
            log.info("dropped an unreadable message: %s", printable(exc.reason))
            return Decision("drop", "unreadable")
        decision = self._decide(message, verdicts, dry_run)
        log.info(
            "mail %s: %s %s (from %s, to %s)",
            printable(message.message_id[:200]),
            decision.action,
            decision.reason,
            printable(message.sender.address[:200] if message.sender else "-"),
            decision.space or decision.parent or "-",
        )
        return decision

    def _decide(self, message: MailMessage, verdicts: Verdicts, dry_run: bool) -> Decision:
        why = automatic(message)
        if why is not None:
            return Decision("drop", why)
        why = refusal(verdicts, message)
        if why is not None:
            return Decision("drop", why)
        person = self.directory.by_address(message.sender.address) if message.sender else None
        if person is None:
            return Decision("drop", "stranger")
        base = Decision("reject", "", author=person.handle)
        target = addresses.target(message.recipients, self.settings.domain)
        parent: str | None = None
        if isinstance(target, ToReply):
            try:
                parent = self.tokens.open(target.token, person.handle, self.clock()).post_id
            except ReplyTokenError as exc:
                parent = addresses.post_named(message, self.settings.domain)
                if parent is None:
                    return self._refused(person, exc.reason, dry_run, message, base)
        elif isinstance(target, ToSpace):
            if self.directory.space(target.slug) is None:
                return self._refused(person, "unknown-space", dry_run, message, replace(base, space=target.slug))
        else:
            parent = addresses.post_named(message, self.settings.domain)
            if parent is None:
                return self._refused(person, "no-space", dry_run, message, base)
        body = self._body(message, top_level=parent is None)
        if not body:
            return self._refused(person, "empty", dry_run, message, base)
        if len(body) > MAX_LENGTH:
            return self._refused(person, "too-long", dry_run, message, base)
        if parent is not None:
            return self._reply(person, parent, body, message, dry_run)
        assert isinstance(target, ToSpace)
        decision = Decision("post", "posted", space=target.slug, author=person.handle, body=body)
        if dry_run:
            return decision
        return self._create(
            person,
            decision,
            message,
            lambda actor, key: self.posts.create_post(actor, target.slug, body, key, clock=self.clock),
        )

    def _reply(self, person: Person, parent_id: str, body: str, message: MailMessage, dry_run: bool) -> Decision:
        try:
            parent = self.posts.store.get(parent_id)
        except UnknownPostError:
            return self._refused(person, "unknown-post", dry_run, message, Decision("reject", "", author=person.handle))
        root_id = parent.thread  # a reply to a reply's mail joins its thread
        decision = Decision("reply", "replied", space=parent.space, parent=root_id, author=person.handle, body=body)
        if dry_run:
            return decision
        return self._create(
            person,
            decision,
            message,
            lambda actor, key: self.posts.create_reply(
                actor, root_id, body, key, space_hint=parent.space, clock=self.clock
            ),
        )

    def _create(
        self,
        person: Person,
        decision: Decision,
        message: MailMessage,
        write: Callable[[Actor, str], authoring.Created],
    ) -> Decision:
        actor = Actor(person.handle, person.name, self.directory.stewarded_by(person.handle))
        try:
            created = write(actor, idempotency_key(message))
        except IdempotencyKeyReusedError:
            return replace(decision, action="drop", reason="duplicate")
        except RateLimitedError:
            return self._refused(person, "rate-limited", False, message, decision)
        except (PostClosedError, ReplyDepthError):
            return self._refused(person, "post-closed", False, message, decision)
        except UnknownPostError:
            return self._refused(person, "unknown-post", False, message, decision)
        except InvalidInputError:
            return self._refused(person, "empty", False, message, decision)
        if created.replayed:
            return replace(decision, action="drop", reason="duplicate", post_id=created.post.id)
        return replace(decision, post_id=created.post.id)

    def _body(self, message: MailMessage, *, top_level: bool) -> str:
        text = reply_text(message).strip()
        subject = " ".join(message.subject.split())
        if top_level and subject:
            text = f"**{_escaped(subject)}**" + (f"\n\n{text}" if text else "")
        if text and message.left_out:
            text += f"\n\n_(Left out: {_escaped(', '.join(message.left_out))}. Commons keeps no attachments.)_"
        return text

    def _refused(
        self,
        person: Person | None,
        reason: str,
        dry_run: bool,
        message: MailMessage | None,
        decision: Decision | None = None,
    ) -> Decision:
        refused = replace(decision or Decision("reject", ""), action="reject", reason=reason)
        if person is not None and not dry_run and self.answerer is not None:
            self.answerer.answer(person, reason, message)
        return refused


def _escaped(text: str) -> str:
    """Plain text inside Markdown: its own stars and brackets stay characters."""
    return _MARKDOWN.sub(r"\\\1", text)


def idempotency_key(message: MailMessage) -> str:
    """The Message-ID, hashed into the shape the post services take; without one, the message's
    own content stands in, so a redelivery is still the same key."""
    basis = message.message_id or f"{message.sender}\n{message.subject}\n{message.text}"
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()
