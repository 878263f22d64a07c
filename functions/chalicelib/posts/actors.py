"""Who is acting: the signed-in person as the posts domain sees them."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.auth.sessions import Session
from chalicelib.directory import Directory
from chalicelib.errors import NotInDirectoryError


@dataclass(frozen=True)
class Actor:
    handle: str | None  # None: staff the identity provider admitted who are not in the directory yet
    name: str
    stewards_of: frozenset[str]

    @classmethod
    def of(cls, session: Session, directory: Directory) -> Actor:
        person = directory.by_handle(session.handle) if session.handle else None
        if person is None:
            return cls(None, session.name, frozenset())
        return cls(person.handle, person.name, directory.stewarded_by(person.handle))

    def writer(self) -> str:
        """The handle writes are made under; only people in the directory write."""
        if self.handle is None:
            raise NotInDirectoryError(f"{self.name!r} is signed in but not in the directory")
        return self.handle

    def stewards(self, space: str) -> bool:
        return space in self.stewards_of
