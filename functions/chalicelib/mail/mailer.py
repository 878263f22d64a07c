"""What every kind of outbound mail needs (notifications, digests): the stores, the directory,
the composer, the sender and the delivery that runs its jobs, which each kind registers with for
its own kind of job."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from chalicelib.directory import Directory
from chalicelib.mail.compose import Composer
from chalicelib.mail.fanout import Budget, Delivery, Job
from chalicelib.mail.persistence.base import MailStore
from chalicelib.mail.sending import Sender
from chalicelib.posts.persistence.base import PostsStore


@dataclass
class Mailer:
    KIND: ClassVar[str]  # the jobs this kind of mail runs, as `Delivery` knows them

    store: MailStore
    posts: PostsStore
    directory: Directory
    composer: Composer
    sender: Sender
    delivery: Delivery
    clock: Callable[[], float] = field(default=time.time)

    def __post_init__(self) -> None:
        self.delivery.register(self.KIND, self.run_job)

    def run_job(self, job: Job, budget: Budget) -> Job | None:
        """Do one job from the queue within `budget`; what is left of it, if anything."""
        raise NotImplementedError
