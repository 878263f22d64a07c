"""Per-person write limits, without a round trip of their own.

Two lines of defence:
- Creating posts and replies is counted in DynamoDB, inside the create's own TransactWrite: an item
  per person per UTC minute (`RATE#<handle>`, `<minute>`), added to under the condition that it is
  below the limit, and expiring by TTL. It holds across every Lambda container.
- Every write (reactions, edits, outcomes, creates) also passes an in-memory sliding window in the
  container that serves it: cheap, and enough to stop a runaway client hammering one container.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from chalicelib.errors import RateLimitedError

WINDOW_SECONDS = 60.0
# The durable counter item outlives its minute by this much before DynamoDB's TTL removes it.
BUCKET_TTL_SECONDS = 120


def minute_bucket(now: float) -> tuple[str, int]:
    """The UTC minute `now` falls in, and when its counter item may expire (epoch seconds)."""
    moment = datetime.fromtimestamp(now, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M"), int(now) - moment.second + BUCKET_TTL_SECONDS


class WriteLimiter:
    """At most `per_minute` writes per person in any 60 s, in this container."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, max_people: int = 10_000) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._max_people = max_people
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}

    def check(self, handle: str) -> None:
        now = self._clock()
        with self._lock:
            times = self._recent.get(handle)
            if times is None:
                if len(self._recent) >= self._max_people:
                    self._forget_idle(now)
                times = self._recent[handle] = deque()
            while times and times[0] <= now - WINDOW_SECONDS:
                times.popleft()
            if len(times) >= self.per_minute:
                raise RateLimitedError(f"{handle} made {len(times)} writes in the last minute in this container")
            times.append(now)

    def _forget_idle(self, now: float) -> None:
        idle = [h for h, times in self._recent.items() if not times or times[-1] <= now - WINDOW_SECONDS]
        for handle in idle:
            del self._recent[handle]
        if len(self._recent) >= self._max_people:
            self._recent.clear()  # memory stays bounded; the durable limit still holds for creates
