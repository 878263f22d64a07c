"""A person's feed links, and whose a link is.

Each link is absolute, on the hub's public origin: the organisation's feed and one per space, all
with the same token in `?t=`. The token goes in the query, not the path, because the path is what
Commons logs about a request (`web.http`): a refused or failed request never writes a token there.

Every link that does not open a feed (tampered, signed with a retired key, of someone who left the
directory, of a generation that was revoked, or for a space that does not exist) gets the same
404, with the same body as any other miss: it says nothing about why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from chalicelib.directory import Directory, Person
from chalicelib.errors import NotFoundError
from chalicelib.feeds.persistence.base import FeedsStore
from chalicelib.feeds.tokens import FeedToken, FeedTokenError, FeedTokens

ORG_PATH = "/api/feeds/org.atom"
SPACES_PATH = "/api/feeds/spaces/"
SUFFIX = ".atom"
REVOKE_PATH = "/api/feeds/revoke"
PAGE_PATH = "/api/html/feeds"


class FeedNotFoundError(NotFoundError):
    """A feed link that opens nothing. Its code, title and message are every miss's (NotFoundError)."""


def space_path(slug: str) -> str:
    return f"{SPACES_PATH}{quote(slug, safe='')}{SUFFIX}"


@dataclass(frozen=True)
class FeedLinks:
    store: FeedsStore
    tokens: FeedTokens
    directory: Directory
    public_origin: str

    def of(self, person: Person) -> dict[str, Any]:
        """`{"org": url, "spaces": {slug: url}}`: the person's links now (one read of storage)."""
        return self._links(FeedToken(person.handle, self.store.generation(person.handle)))

    def revoke(self, person: Person) -> dict[str, Any]:
        """Every link the person had stops working; their new links (one write)."""
        return self._links(FeedToken(person.handle, self.store.revoke(person.handle)))

    def reader(self, token: str | None) -> Person:
        """The person a link's token names, if it still opens their feeds; FeedNotFoundError if not.
        The reason, for the log, never quotes the token."""
        if not token:
            raise FeedNotFoundError("feed link without a token")
        try:
            opened = self.tokens.open(token)
        except FeedTokenError as exc:
            raise FeedNotFoundError(f"feed link refused: {exc}") from exc
        person = self.directory.by_handle(opened.handle)
        if person is None:
            raise FeedNotFoundError("feed link of someone no longer in the directory")
        if opened.generation != self.store.generation(person.handle):
            raise FeedNotFoundError(f"feed link of {person.handle} was revoked (generation {opened.generation})")
        return person

    def _links(self, token: FeedToken) -> dict[str, Any]:
        query = f"?t={quote(self.tokens.seal(token), safe='')}"
        origin = self.public_origin.rstrip("/")
        spaces = sorted(self.directory.space_names())
        return {
            "org": f"{origin}{ORG_PATH}{query}",
            "spaces": {slug: f"{origin}{space_path(slug)}{query}" for slug in spaces},
        }
