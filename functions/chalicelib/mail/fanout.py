"""Spreading sending over invocations through SQS, within the account's SES send rate.

A job is a small JSON document on the queue: `{"kind": "post", "post": id}` (decide who gets mail
about a new post, and send it) or `{"kind": "digest", ...}` (digests already decided, for a group
of people, with the posts they list). The scheduled run and the web write only put jobs; `deliver`,
on the queue's event source, does the sending.

Why no invocation runs longer than five minutes, at any size:
- the event source runs at most `delivery_concurrency` invocations at once, and each sends at
  `send_rate_per_second / delivery_concurrency`, so together they stay within the SES rate;
- a digest job holds as many people as one invocation's share of the rate sends in
  `PLANNED_SECONDS`, for a batch of `delivery_batch_size` jobs;
- whatever is left when `BUDGET_SECONDS` have passed (SES slowed down, a post with thousands of
  followers) goes back on the queue as a new job, and the invocation ends.
A job whose sending SES refused for a while (throttling, an outage) goes back with a delay, and is
dropped, with a log line, after `MAX_ATTEMPTS`. No job is ever sent twice by SQS redelivering a
batch, since `deliver` itself never fails for one job's sake.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol, TypeVar

from chalicelib.mail.config import MailSettings
from chalicelib.mail.sending import MailUnavailableError, Sender

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = dict[str, Any]

MAX_BATCH_ENTRIES = 10  # SendMessageBatch's limit
MAX_BATCH_BYTES = 250_000  # under the 256 KiB a batch (and a message) may hold
MAX_JOB_BYTES = 200_000  # one job's body, leaving the rest of a message for SQS's own attributes
BUDGET_SECONDS = 240.0  # one invocation's sending, under its 300-second timeout
PLANNED_SECONDS = 200.0  # what a full digest job is sized to take, under the budget
MAX_ATTEMPTS = 6
MAX_DELAY_SECONDS = 900  # SQS's longest delay
# SES refusals that pass: wait and send again. Any other refusal is about the message itself.
LATER = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "Throttling",
        "ThrottlingException",
        "InternalFailure",
        "ServiceUnavailable",
        "SendingPausedException",
    }
)


class Queue(Protocol):
    def put(self, bodies: Sequence[str], delay_seconds: int = 0) -> None:
        """Put every body on the queue, or raise MailUnavailableError."""
        ...


class SqsQueue:
    """An SQS queue, written in batches (up to ten messages, up to 250 KB, per request)."""

    def __init__(self, url: str, client: Any = None) -> None:
        self.url = url
        self._client = client

    def client(self) -> Any:
        if self._client is None:
            import botocore.session

            self._client = botocore.session.get_session().create_client("sqs")
        return self._client

    def put(self, bodies: Sequence[str], delay_seconds: int = 0) -> None:
        for batch in batches(bodies):
            self._send(batch, min(max(delay_seconds, 0), MAX_DELAY_SECONDS))

    def _send(self, batch: list[str], delay: int) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        entries = {str(number): body for number, body in enumerate(batch)}
        for _ in range(3):
            request = [{"Id": key, "MessageBody": body, "DelaySeconds": delay} for key, body in entries.items()]
            try:
                answer = self.client().send_message_batch(QueueUrl=self.url, Entries=request)
            except ClientError as exc:
                raise MailUnavailableError(f"SQS refused a batch: {exc.response.get('Error', {}).get('Code')}") from exc
            except BotoCoreError as exc:
                raise MailUnavailableError(f"SQS could not be reached: {type(exc).__name__}") from exc
            failed = {entry["Id"] for entry in answer.get("Failed", [])}
            entries = {key: body for key, body in entries.items() if key in failed}
            if not entries:
                return
        raise MailUnavailableError(f"SQS kept refusing {len(entries)} messages of a batch")


@dataclass
class MemoryQueue:
    """A queue in memory, for tests, benchmarks and the dev stack."""

    bodies: list[str] = field(default_factory=list)
    delays: list[int] = field(default_factory=list)

    def put(self, bodies: Sequence[str], delay_seconds: int = 0) -> None:
        for body in bodies:
            if len(body.encode()) > MAX_BATCH_BYTES:
                raise MailUnavailableError(f"a message of {len(body.encode())} bytes is over SQS's limit")
        self.bodies.extend(bodies)
        self.delays.extend(delay_seconds for _ in bodies)

    def take(self, count: int) -> list[str]:
        taken, self.bodies, self.delays = self.bodies[:count], self.bodies[count:], self.delays[count:]
        return taken


def batches(bodies: Sequence[str]) -> Iterable[list[str]]:
    """The bodies in SendMessageBatch requests: at most ten, and at most MAX_BATCH_BYTES, each."""
    batch: list[str] = []
    size = 0
    for body in bodies:
        length = len(body.encode())
        if batch and (len(batch) == MAX_BATCH_ENTRIES or size + length > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(body)
        size += length
    if batch:
        yield batch


def encode(job: Job) -> str:
    return json.dumps(job, separators=(",", ":"), ensure_ascii=False)


def decode(body: str) -> Job | None:
    try:
        job = json.loads(body)
    except ValueError:
        return None
    return job if isinstance(job, dict) and isinstance(job.get("kind"), str) else None


class Pacer:
    """At most `rate` sends a second, sleeping between them when they would come faster."""

    def __init__(
        self, rate: float, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0

    def next_slot(self) -> float:
        """When the next send may go."""
        return max(self._clock(), self._next)

    def wait(self) -> None:
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


@dataclass
class Budget:
    """One invocation's share of the send rate, and until when it may send."""

    pacer: Pacer
    deadline: float
    clock: Callable[[], float] = time.monotonic

    def left(self) -> bool:
        """Whether the next send, when the rate lets it go, is still before the deadline."""
        return self.pacer.next_slot() < self.deadline


@dataclass
class Sending:
    """What a run of sends did: how many went, the items left, and whether SES asked us to wait."""

    sent: int = 0
    skipped: int = 0
    left: list[Any] = field(default_factory=list)
    later: bool = False


def send_all(
    sender: Sender, items: Sequence[T], compose: Callable[[T], EmailMessage | None], budget: Budget
) -> Sending:
    """Compose and send each item in turn, paced; stop when the budget is spent or SES says to
    wait, and say which items are left. An item SES refuses for itself is skipped and logged."""
    result = Sending()
    for number, item in enumerate(items):
        if not budget.left():
            result.left = list(items[number:])
            return result
        message = compose(item)
        if message is None:
            result.skipped += 1
            continue
        budget.pacer.wait()
        try:
            sender.send(message)
        except MailUnavailableError as exc:
            if not retry_later(exc):
                log.warning("SES refused one message, skipped: %s", exc.reason)
                result.skipped += 1
                continue
            log.warning("sending paused: %s", exc.reason)
            result.left, result.later = list(items[number:]), True
            return result
        result.sent += 1
    return result


def retry_later(error: MailUnavailableError) -> bool:
    """Whether SES's refusal passes (throttling, an outage) rather than being about the message."""
    from botocore.exceptions import ClientError

    cause = error.__cause__
    if isinstance(cause, ClientError):
        return str(cause.response.get("Error", {}).get("Code", "")) in LATER
    return True  # not reached, a timeout: try again


Handler = Callable[[Job, Budget], Job | None]  # does the job; returns what is left of it, if anything


@dataclass
class Delivered:
    jobs: int = 0
    requeued: int = 0
    dropped: int = 0


class Delivery:
    """Runs jobs from the queue (or, with none, in the same invocation) within one budget."""

    def __init__(
        self,
        settings: MailSettings,
        queue: Queue | None,
        *,
        budget_seconds: float = BUDGET_SECONDS,
        planned_seconds: float = PLANNED_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.queue = queue
        self.handlers: dict[str, Handler] = {}
        self.budget_seconds = budget_seconds
        self.planned_seconds = planned_seconds
        self.clock = clock
        self.sleep = sleep

    def register(self, kind: str, handler: Handler) -> None:
        self.handlers[kind] = handler

    @property
    def rate(self) -> float:
        """This invocation's share of the account's send rate."""
        share = self.settings.delivery_concurrency if self.queue is not None else 1
        return self.settings.send_rate_per_second / share

    def people_per_job(self) -> int:
        """How many digests one job holds: a batch of such jobs takes `planned_seconds` at our rate."""
        return max(1, math.floor(self.planned_seconds * self.rate / self.settings.delivery_batch_size))

    def budget(self) -> Budget:
        return Budget(Pacer(self.rate, self.clock, self.sleep), self.clock() + self.budget_seconds, self.clock)

    def submit(self, jobs: Sequence[Job]) -> Delivered:
        """Queue the jobs; with no queue, run them here and now."""
        if self.queue is None:
            return self.deliver([encode(job) for job in jobs])
        self.queue.put([encode(job) for job in jobs])
        return Delivered(jobs=len(jobs))

    def deliver(self, bodies: Iterable[str]) -> Delivered:
        """The queue's event source calls this with its messages' bodies. Each job is done, put
        back (what is left of it), or dropped with a log line; only failing to put work back
        raises, so that SQS delivers the batch again."""
        budget = self.budget()
        done = Delivered()
        again: dict[int, list[Job]] = {}
        for body in bodies:
            job = decode(body)
            handler = self.handlers.get(str(job.get("kind"))) if job is not None else None
            if job is None or handler is None:
                log.warning("dropped a mail job that is not one of ours (%d characters)", len(body))
                done.dropped += 1
                continue
            done.jobs += 1
            if not budget.left():
                again.setdefault(0, []).append(job)
                continue
            attempt = int(job.get("attempt") or 0)
            try:
                rest = handler(job, budget)
            except Exception:  # a bug or storage: try this job again later, never the whole batch
                log.exception("a %s job failed; it will be tried again", job["kind"])
                rest = {**job, "attempt": attempt + 1}
            if rest is None:
                continue
            tries = int(rest.get("attempt") or 0)
            if tries >= MAX_ATTEMPTS:
                log.error("dropped a %s job after %d attempts", rest["kind"], tries)
                done.dropped += 1
                continue
            delay = 0 if tries == attempt else min(MAX_DELAY_SECONDS, 30 * 2**tries)
            again.setdefault(delay, []).append(rest)
        for delay, jobs in sorted(again.items()):
            done.requeued += len(jobs)
            if self.queue is None:
                log.error("%d mail jobs could not finish and there is no queue to take them", len(jobs))
                continue
            self.queue.put([encode(job) for job in jobs], delay_seconds=delay)
        return done


def later(job: Job, sending: Sending, left: Mapping[str, Any]) -> Job | None:
    """What is left of `job` after `sending`: the same job with `left` in place of what it held,
    one attempt further if SES asked us to wait; None when nothing is left."""
    if not sending.left:
        return None
    attempt = int(job.get("attempt") or 0) + (1 if sending.later else 0)
    return {**job, **left, "attempt": attempt}
