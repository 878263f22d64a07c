"""The mail store in memory, for tests and examples: the same promises as the DynamoDB one."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

from chalicelib.mail.persistence.base import MailStore, Preferences, Suppression


class MemoryMailStore(MailStore):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._preferences: dict[str, Preferences] = {}
        self._suppressions: dict[str, Suppression] = {}
        self._answered: set[tuple[str, str, str]] = set()

    def preferences(self, handle: str) -> Preferences | None:
        with self._lock:
            return self._preferences.get(handle)

    def all_preferences(self) -> dict[str, Preferences]:
        with self._lock:
            return dict(self._preferences)

    def save_preferences(self, handle: str, preferences: Preferences) -> None:
        with self._lock:
            self._preferences[handle] = preferences

    def preferences_of(self, handles: Iterable[str]) -> dict[str, Preferences]:
        with self._lock:
            return {handle: self._preferences[handle] for handle in handles if handle in self._preferences}

    def each_post_preferences(self) -> dict[str, Preferences]:
        with self._lock:
            return {handle: chosen for handle, chosen in self._preferences.items() if chosen.each_post}

    def suppressions_of(self, addresses: Iterable[str]) -> dict[str, Suppression]:
        wanted = {address.lower() for address in addresses}
        with self._lock:
            return {address: self._suppressions[address] for address in wanted if address in self._suppressions}

    def suppress(self, suppression: Suppression) -> None:
        address = suppression.address.lower()
        with self._lock:
            self._suppressions[address] = replace(suppression, address=address)

    def unsuppress(self, address: str) -> None:
        with self._lock:
            self._suppressions.pop(address.lower(), None)

    def suppression(self, address: str) -> Suppression | None:
        with self._lock:
            return self._suppressions.get(address.lower())

    def suppressions(self) -> dict[str, Suppression]:
        with self._lock:
            return dict(self._suppressions)

    def first_answer_today(self, sender: str, reason: str, day: str, expires_at: float) -> bool:
        entry = (sender.lower(), reason, day)
        with self._lock:
            if entry in self._answered:
                return False
            self._answered.add(entry)
            return True
