"""What feeds need from storage: each person's feed generation, the number their feed tokens carry.
Revoking a person's feed links is a new generation, so every token made before stops working.

`dynamodb.DynamoDBFeedsStore` keeps it in the one table; `memory.MemoryFeedsStore` keeps the same
promises in a dict. The same contract tests run against both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

#: The generation of someone who never revoked: nothing is stored for them.
FIRST_GENERATION = 0


class FeedsStore(ABC):
    @abstractmethod
    def generation(self, handle: str) -> int:
        """The person's current generation, read consistently (a revoke is seen at once);
        FIRST_GENERATION when they never revoked."""

    @abstractmethod
    def revoke(self, handle: str) -> int:
        """Move the person on to a new generation, in one atomic step (two revokes at the same
        moment make two generations), and return it."""

    def on_request(self, listener: Callable[..., None]) -> Callable[[], None]:
        """Call `listener` before every request to storage (benchmarks count round trips)."""
        return lambda: None
