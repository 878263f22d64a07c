"""The directory snapshot (`directory.json`) that the hub build publishes: people and spaces.

Only the fields listed in `Person` are read, and only `Person.public()` leaves the server.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from typing import Any


class DirectoryError(Exception):
    """The snapshot is missing or unreadable: an operator problem, not the visitor's."""


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    email: str
    title: str
    team: str | None
    url: str

    def public(self) -> dict[str, Any]:
        return {
            "handle": self.handle,
            "name": self.name,
            "email": self.email,
            "title": self.title,
            "team": self.team,
            "url": "/" + self.url.lstrip("/"),
        }


class Directory:
    """People indexed by handle and by email (case-insensitive), reloaded when the file changes."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._by_handle: dict[str, Person] = {}
        self._by_email: dict[str, Person] = {}

    def by_handle(self, handle: str) -> Person | None:
        self._refresh()
        return self._by_handle.get(handle.lower())

    def by_email(self, email: str) -> Person | None:
        self._refresh()
        return self._by_email.get(email.lower())

    def _refresh(self) -> None:
        try:
            stat = os.stat(self._path)
        except OSError as exc:
            raise DirectoryError(f"directory snapshot {self._path} is missing") from exc
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return
        with self._lock:
            if stamp == self._stamp:
                return
            by_handle, by_email = _load(self._path)
            self._by_handle, self._by_email, self._stamp = by_handle, by_email, stamp


def _load(path: str) -> tuple[dict[str, Person], dict[str, Person]]:
    try:
        with open(path, encoding="utf-8") as handle_file:
            snapshot = json.load(handle_file)
        people = snapshot["people"]
        by_handle: dict[str, Person] = {}
        for handle, entry in people.items():
            team = entry.get("team")
            by_handle[handle.lower()] = Person(
                handle=handle,
                name=str(entry["name"]),
                email=str(entry["email"]),
                title=str(entry.get("title", "")),
                team=team if isinstance(team, str) else None,
                url=str(entry.get("url") or f"people/{handle}/"),
            )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DirectoryError(f"directory snapshot {path} is not readable: {exc}") from exc
    return by_handle, {p.email.lower(): p for p in by_handle.values()}
