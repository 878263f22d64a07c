"""The feeds store in memory, for tests and examples: the same promises as the DynamoDB one."""

from __future__ import annotations

import threading

from chalicelib.feeds.persistence.base import FIRST_GENERATION, FeedsStore


class MemoryFeedsStore(FeedsStore):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generations: dict[str, int] = {}

    def generation(self, handle: str) -> int:
        with self._lock:
            return self._generations.get(handle, FIRST_GENERATION)

    def revoke(self, handle: str) -> int:
        with self._lock:
            self._generations[handle] = self._generations.get(handle, FIRST_GENERATION) + 1
            return self._generations[handle]
