"""Who gets mail about a new post or reply, and sending it.

For a post: the people it mentions, and the followers of its space who get each post as it comes.
For a reply: the people it mentions, the post's author, and everyone who replied in the thread
(one read of the thread). Each person at most once, for the strongest reason they take mail for
(mention, then reply, then thread, then a followed space); never the author; only people in the
directory, and never to an address that bounced or complained.

Deciding costs a few requests whatever the space's size: the thread (replies only), the chosen
preferences of the people named (one batch), the each-post followers (kept apart, so one Query
reads only them) and the suppressions of the addresses (one batch).

With a queue (deployed), the web's write only puts a job `{"kind": "post", "post": id}` on it, and
`fanout.deliver` decides and sends; without one (dev stack, tests), it is done at once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from chalicelib.directory import Person
from chalicelib.errors import UnknownPostError
from chalicelib.mail.fanout import Budget, Job, later, send_all
from chalicelib.mail.mailer import Mailer
from chalicelib.mail.persistence.base import Preferences
from chalicelib.mail.preferences import Reason, follows, wants
from chalicelib.posts.persistence.base import Post
from chalicelib.posts.reading import MAX_THREAD_ITEMS

log = logging.getLogger(__name__)
REASONS: tuple[Reason, ...] = ("mention", "reply", "thread", "post")


@dataclass(frozen=True)
class Recipient:
    person: Person
    reason: Reason


class Notifier(Mailer):
    KIND = "post"

    def post_created(self, post: Post) -> None:
        """Listens to `PostEvents.on_created`: queue the work, or, with no queue, do it now."""
        if self.delivery.queue is not None:
            self.delivery.submit([{"kind": "post", "post": post.id}])
            return
        root, recipients = self.recipients(post)
        rest = self._send({"kind": "post", "post": post.id}, post, root, recipients, self.delivery.budget())
        if rest is not None:
            log.error("mail about post %s could not go to %d people", post.id, len(rest.get("to", [])))

    def recipients(self, post: Post) -> tuple[Post, list[Recipient]]:
        """The post at the top of the thread, and who gets mail about `post`, and why."""
        root, repliers = post, []
        if post.parent is not None:
            items = self.posts.thread(post.thread, MAX_THREAD_ITEMS + 1)
            found = next((item for item in items if item.id == post.thread), None)
            root = found if found is not None else self.posts.get(post.thread)
            repliers = [item.author for item in items if item.parent is not None and item.id != post.id]
        reasons: dict[str, list[Reason]] = {}
        for handle in post.mentions:
            reasons.setdefault(handle.lower(), []).append("mention")
        if post.parent is not None:
            reasons.setdefault(root.author.lower(), []).append("reply")
            for handle in repliers:
                reasons.setdefault(handle.lower(), []).append("thread")
        chosen = self.store.preferences_of(self._handles(reasons))
        if post.parent is None:
            for handle, preferences in self.store.each_post_preferences().items():
                if self._follows(handle, preferences, post.space):
                    reasons.setdefault(handle.lower(), []).append("post")
                    chosen.setdefault(handle, preferences)
        people: list[Recipient] = []
        for key, why in reasons.items():
            person = self.directory.by_handle(key)
            if person is None or person.handle.lower() == post.author.lower():
                continue
            mine = chosen.get(person.handle)
            reason = next((reason for reason in REASONS if reason in why and wants(mine, reason)), None)
            if reason is not None:
                people.append(Recipient(person, reason))
        return root, self._unsuppressed(people)

    def run_job(self, job: Job, budget: Budget) -> Job | None:
        """A "post" job from the queue: decide (unless a job before this one did) and send."""
        try:
            post = self.posts.get(str(job.get("post")))
        except UnknownPostError:
            return None
        if not post.open:
            return None  # deleted or hidden since: nobody hears of it
        decided = job.get("to")
        if decided is None:
            root, recipients = self.recipients(post)
        else:
            root = post if post.parent is None else self.posts.get(post.thread)
            recipients = self._unsuppressed(self._decided(decided))
        return self._send(job, post, root, recipients, budget)

    # --- parts ---

    def _send(self, job: Job, post: Post, root: Post, recipients: Sequence[Recipient], budget: Budget) -> Job | None:
        now = self.clock()

        def compose(recipient: Recipient) -> EmailMessage | None:
            try:
                return self.composer.notification(post, root, recipient.person, recipient.reason, now)
            except (ValueError, IndexError, TypeError):  # an address the email package cannot write
                log.warning("no mail to %s about %s: their address cannot be written", recipient.person.handle, post.id)
                return None

        sending = send_all(self.sender, recipients, compose, budget)
        if sending.sent:
            log.info("mailed %d people about %s", sending.sent, post.id)
        return later(job, sending, {"to": [[r.person.handle, r.reason] for r in sending.left]})

    def _handles(self, reasons: dict[str, list[Reason]]) -> list[str]:
        people = (self.directory.by_handle(key) for key in reasons)
        return [person.handle for person in people if person is not None]

    def _follows(self, handle: str, preferences: Preferences, space: str) -> bool:
        person = self.directory.by_handle(handle)
        return person is not None and space in follows(preferences, person, self.directory)

    def _decided(self, decided: object) -> list[Recipient]:
        people: list[Recipient] = []
        for entry in decided if isinstance(decided, list) else []:
            if isinstance(entry, list) and len(entry) == 2 and entry[1] in REASONS:
                person = self.directory.by_handle(str(entry[0]))
                if person is not None:
                    people.append(Recipient(person, entry[1]))
        return people

    def _unsuppressed(self, people: list[Recipient]) -> list[Recipient]:
        if not people:
            return people
        stopped = self.store.suppressions_of(recipient.person.email for recipient in people)
        return [recipient for recipient in people if recipient.person.email.lower() not in stopped]
