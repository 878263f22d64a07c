"""The directory snapshot (`directory.json`) that the hub build publishes: people and spaces.

Only the fields listed in `Person` and `Space` are read, and only their `public()` views leave the
server. Stewards come from here: who may hide posts in a space, and mark its outcomes.
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
    #: None for someone whose file has no title (a Backstage catalog has none).
    title: str | None
    team: str | None
    url: str
    #: Other addresses the person sends mail from. Private: matched, never shown (not in `public()`).
    email_aliases: tuple[str, ...] = ()

    def public(self) -> dict[str, Any]:
        return {
            "handle": self.handle,
            "name": self.name,
            "email": self.email,
            "title": self.title,
            "team": self.team,
            "url": "/" + self.url.lstrip("/"),
        }


@dataclass(frozen=True)
class Space:
    slug: str
    name: str
    kind: str
    #: A space its team has not finished: purpose and outcome may be None, stewards empty.
    draft: bool
    purpose: str | None
    outcome: str | None
    stewards: tuple[str, ...]
    members: tuple[str, ...]
    parent: str | None
    url: str

    @property
    def outcome_unwritten(self) -> bool:
        """A draft whose team has not written its outcome yet: no post can be marked as achieving
        it, and it is never "an outcome never marked"."""
        return self.draft and not self.outcome

    def public(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "kind": self.kind,
            "draft": self.draft,
            "purpose": self.purpose,
            "outcome": self.outcome,
            "url": "/" + self.url.lstrip("/"),
        }


@dataclass(frozen=True)
class _Snapshot:
    by_handle: dict[str, Person]
    by_email: dict[str, Person]
    by_address: dict[str, Person]
    spaces: dict[str, Space]
    stewarded: dict[str, frozenset[str]]


class Directory:
    """People indexed by handle, by email and by every address (email and aliases), ignoring case,
    and spaces by slug, read on first use.

    With `reload` (the dev server), the file is checked on every lookup and read again when it
    changes. Without it (Lambda, where the snapshot is packaged with the function and never changes)
    it is read once, and a feed of fifty posts costs no `stat` at all.
    """

    def __init__(self, path: str, *, reload: bool = False) -> None:
        self._path = path
        self._reload = reload
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._snapshot = _Snapshot({}, {}, {}, {}, {})

    def by_handle(self, handle: str) -> Person | None:
        self._refresh()
        return self._snapshot.by_handle.get(handle.lower())

    def by_email(self, email: str) -> Person | None:
        """The person whose email this is, ignoring case: what sign-in matches, so an alias, which
        only its owner vouches for, never signs anyone in."""
        self._refresh()
        return self._snapshot.by_email.get(email.lower())

    def by_address(self, address: str) -> Person | None:
        """The person with this address as their email or one of their `email_aliases`, ignoring
        case: who sent a message."""
        self._refresh()
        return self._snapshot.by_address.get(address.lower())

    def space(self, slug: str) -> Space | None:
        self._refresh()
        return self._snapshot.spaces.get(slug)

    def stewarded_by(self, handle: str) -> frozenset[str]:
        """The slugs of the spaces this person stewards."""
        self._refresh()
        return self._snapshot.stewarded.get(handle.lower(), frozenset())

    def space_names(self) -> dict[str, str]:
        self._refresh()
        return {slug: space.name for slug, space in self._snapshot.spaces.items()}

    def _refresh(self) -> None:
        if self._stamp is not None and not self._reload:
            return
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
            self._snapshot, self._stamp = _load(self._path), stamp


def _load(path: str) -> _Snapshot:
    try:
        with open(path, encoding="utf-8") as handle_file:
            snapshot = json.load(handle_file)
        people = snapshot["people"]
        by_handle: dict[str, Person] = {}
        for handle, entry in people.items():
            team, title = entry.get("team"), entry.get("title")
            by_handle[handle.lower()] = Person(
                handle=handle,
                name=str(entry["name"]),
                email=str(entry["email"]),
                title=title if isinstance(title, str) else None,
                team=team if isinstance(team, str) else None,
                url=str(entry.get("url") or f"people/{handle}/"),
                email_aliases=tuple(str(a) for a in entry.get("email_aliases") or ()),
            )
        spaces = {slug: _space(slug, entry) for slug, entry in (snapshot.get("spaces") or {}).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DirectoryError(f"directory snapshot {path} is not readable: {exc}") from exc
    stewarded: dict[str, set[str]] = {}
    for space in spaces.values():
        for steward in space.stewards:
            stewarded.setdefault(steward.lower(), set()).add(space.slug)
    by_email = {p.email.lower(): p for p in by_handle.values()}
    # Aliases first, so that an alias the snapshot shares with someone's email never hides them.
    by_address = {alias.lower(): p for p in by_handle.values() for alias in p.email_aliases}
    by_address.update(by_email)
    return _Snapshot(
        by_handle=by_handle,
        by_email=by_email,
        by_address=by_address,
        spaces=spaces,
        stewarded={handle: frozenset(slugs) for handle, slugs in stewarded.items()},
    )


def _space(slug: str, entry: dict[str, Any]) -> Space:
    parent, purpose, outcome = entry.get("parent"), entry.get("purpose"), entry.get("outcome")
    return Space(
        slug=str(slug),
        name=str(entry.get("name") or slug),
        kind=str(entry.get("kind") or "team"),
        draft=entry.get("draft") is True,
        purpose=purpose if isinstance(purpose, str) else None,
        outcome=outcome if isinstance(outcome, str) else None,
        stewards=tuple(str(h) for h in entry.get("stewards") or ()),
        members=tuple(str(h) for h in entry.get("members") or ()),
        parent=parent if isinstance(parent, str) else None,
        url=str(entry.get("url") or f"teams/{slug}/"),
    )
