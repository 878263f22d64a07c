"""What mail needs from storage: each person's preferences, the addresses mail must not go to
(after a bounce or a complaint), and the answers already sent to a sender today.

`dynamodb.DynamoDBMailStore` keeps them in the one table; `memory.MemoryMailStore` keeps the same
promises in a dict. The same contract tests run against both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

Digest = Literal["off", "daily", "weekly"]
DIGESTS: tuple[Digest, ...] = ("off", "daily", "weekly")
SuppressionReason = Literal["bounce", "complaint"]


@dataclass(frozen=True)
class Preferences:
    """A person's choices. `follows` None: the defaults (their team's space and the spaces they
    steward), worked out when mail is sent, so they follow a new team without doing anything."""

    follows: frozenset[str] | None = None
    each_post: bool = False
    digest: Digest = "weekly"
    mentions: bool = True
    replies: bool = True


@dataclass(frozen=True)
class Suppression:
    address: str  # lower case
    reason: SuppressionReason
    at: str  # ISO time


class MailStore(ABC):
    @abstractmethod
    def preferences(self, handle: str) -> Preferences | None:
        """What the person chose, or None when they never chose (the defaults apply)."""

    @abstractmethod
    def all_preferences(self) -> dict[str, Preferences]:
        """Everyone's choices, read together (a digest run reads them once)."""

    @abstractmethod
    def save_preferences(self, handle: str, preferences: Preferences) -> None: ...

    def preferences_of(self, handles: Iterable[str]) -> dict[str, Preferences]:
        """The choices of these people (those who never chose are left out), read together: the
        few a notification goes to. The stores read them in batches."""
        found = {handle: self.preferences(handle) for handle in dict.fromkeys(handles)}
        return {handle: chosen for handle, chosen in found.items() if chosen is not None}

    def each_post_preferences(self) -> dict[str, Preferences]:
        """The choices of everyone with `each_post` on: who may get mail about a new post. They are
        few, so the stores keep a copy of them apart, and a new post reads only those."""
        return {handle: chosen for handle, chosen in self.all_preferences().items() if chosen.each_post}

    @abstractmethod
    def suppress(self, suppression: Suppression) -> None:
        """Stop all mail to the address."""

    @abstractmethod
    def unsuppress(self, address: str) -> None:
        """Send to the address again (the person asked for it, after fixing their mailbox)."""

    @abstractmethod
    def suppression(self, address: str) -> Suppression | None: ...

    @abstractmethod
    def suppressions(self) -> dict[str, Suppression]:
        """Every stopped address, read together."""

    def suppressions_of(self, addresses: Iterable[str]) -> dict[str, Suppression]:
        """Which of these addresses are stopped (lower case), read together."""
        found = {address.lower(): self.suppression(address) for address in addresses}
        return {address: stopped for address, stopped in found.items() if stopped is not None}

    @abstractmethod
    def first_answer_today(self, sender: str, reason: str, day: str, expires_at: float) -> bool:
        """True, and remembered until `expires_at`, the first time `sender` is answered for
        `reason` on `day`; False after that, so a sender gets one answer per reason per day."""

    def on_request(self, listener: Callable[..., None]) -> Callable[[], None]:
        """Call `listener` before every request to storage (benchmarks count round trips)."""
        return lambda: None
