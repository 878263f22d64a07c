"""What the posts domain needs from storage, and nothing of how it is stored.

`PostsStore` is the seam: `dynamodb.DynamoDBPostsStore` is the one the functions use, and
`memory.MemoryPostsStore` keeps the same promises in a dict, for tests and examples. The same
contract tests run against both (tests/integration/test_persistence_contract.py).

Every write is one atomic step with a condition, and changes the metrics it counts
(`chalicelib.metrics.rules`) in the same step. When the condition fails, the store raises
`WriteRefusedError` and changes nothing; the domain then reads, to say why. Storage that fails for
any other reason raises `StorageUnavailableError` (a 503), never a library's own exception.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from chalicelib.errors import ConflictError, StorageUnavailableError
from chalicelib.metrics import rules
from chalicelib.metrics.persistence.base import MetricsStore

KINDS = ("like", "celebrate", "thanks", "insightful")
FeedKind = Literal["space", "org", "author"]
# Where a feed page ends: the store's own key names and values, sealed into the cursor as they are.
Position = dict[str, str]


class WriteRefusedError(ConflictError):
    """A write's condition did not hold, so nothing changed. The domain reads to explain it."""


class WriteConflictError(StorageUnavailableError):
    """Another write to the same items got there at the same moment: try again."""


class IdempotencyKeyTakenError(ConflictError):
    """A create's idempotency key was used before (the domain answers the first post, or refuses)."""


class ParentRefusedError(ConflictError):
    """A reply's parent could not take it: missing, a reply, closed, or in another space."""


@dataclass(frozen=True)
class Hidden:
    by: str
    reason: str
    at: str


@dataclass(frozen=True)
class Outcome:
    by: str
    at: str
    week: str  # the ISO week the mark was counted in


@dataclass(frozen=True)
class Post:
    """A post or a reply (`parent` set). `thread` is the id of the post at the top of its thread."""

    id: str
    space: str
    parent: str | None
    thread: str
    author: str
    created_at: str
    edited_at: str | None = None
    version: int = 1
    body: str = ""
    html: str = ""
    deleted: bool = False
    hidden: Hidden | None = None
    mentions: tuple[str, ...] = ()
    reply_count: int = 0
    outcome: Outcome | None = None
    reactions: Mapping[str, frozenset[str]] = field(default_factory=dict)  # kind -> who reacted
    # kind -> how many: stored beside the set and changed with it, so the two always agree.
    counts: Mapping[str, int] = field(default_factory=dict)
    # One more on every reaction change: a write that names it knows every count and set exactly.
    reaction_version: int = 0
    first_answer_at: str | None = None  # when the first reply by someone other than the author came

    def reaction_count(self, kind: str) -> int:
        return self.counts.get(kind, 0)

    def reactors(self, kind: str) -> frozenset[str]:
        return self.reactions.get(kind, frozenset())

    @property
    def open(self) -> bool:
        """Takes replies, reactions and outcome marks."""
        return not self.deleted and self.hidden is None

    def presence(self) -> rules.Presence:
        """The facts the metrics count this post by."""
        return rules.Presence(
            id=self.id,
            space=self.space,
            top_level=self.parent is None,
            open=self.open,
            outcome_week=self.outcome.week if self.outcome is not None else None,
            first_answer_at=self.first_answer_at,
        )


@dataclass(frozen=True)
class Seen:
    """A post as one person last saw it, as far as a write on it depends: its place (space,
    parent, author), whether it was answered, and its reactions (the version, every count, and
    which kinds were this person's). Clients send it back with a write (`posts.seen` is its
    token), so a container that never read the post need not read it first: the write names all
    of it in its condition, and when any of it no longer holds, DynamoDB refuses the write and
    hands the post back. Never trusted, only checked.

    It is also what a reaction toggle answers: the counts and this person's reactions afterwards."""

    id: str
    space: str
    parent: str | None
    author: str
    answered: bool
    open: bool  # neither deleted nor hidden
    reaction_version: int
    counts: Mapping[str, int]
    mine: frozenset[str]  # the kinds this person had on

    @classmethod
    def of(cls, post: Post, handle: str | None) -> Seen:
        return cls(
            id=post.id,
            space=post.space,
            parent=post.parent,
            author=post.author,
            answered=post.first_answer_at is not None,
            open=post.open,
            reaction_version=post.reaction_version,
            counts={kind: post.reaction_count(kind) for kind in KINDS},
            mine=frozenset(kind for kind in KINDS if handle is not None and handle in post.reactors(kind)),
        )

    @property
    def thread(self) -> str:
        return self.parent if self.parent is not None else self.id

    def reaction_count(self, kind: str) -> int:
        return self.counts.get(kind, 0)

    def toggled(self, kind: str, on: bool) -> Seen:
        """After this person's `kind` reaction went on (or off)."""
        mine = self.mine | {kind} if on else self.mine - {kind}
        counts = {**self.counts, kind: self.reaction_count(kind) + (1 if on else -1)}
        return replace(self, mine=mine, counts=counts, reaction_version=self.reaction_version + 1)


@dataclass(frozen=True)
class IdempotencyRecord:
    """Remembers that `author` made `post_id` with `key`, for a day; `fingerprint` is the request."""

    author: str
    key: str
    fingerprint: str
    post_id: str
    expires_at: float


@dataclass(frozen=True)
class RateCount:
    """One more post by `author` in `minute`, refused (RateLimitedError) beyond `limit`."""

    author: str
    minute: str
    limit: int
    expires_at: float


@dataclass(frozen=True)
class Counts:
    """Outcome marks: all of them, and per ISO week."""

    total: int = 0
    weeks: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Edit:
    body: str
    html: str
    mentions: tuple[str, ...]
    at: str


class PostsStore(ABC):
    """Every read and write of posts. Reads of one post are consistent; feeds and threads read an
    index that may lag a moment behind."""

    # --- reads ---

    @abstractmethod
    def get(self, post_id: str) -> Post:
        """The post; UnknownPostError when there is none."""

    @abstractmethod
    def thread(self, root_id: str, limit: int) -> list[Post]:
        """The post and its replies (up to `limit` items), in id order: oldest first."""

    @abstractmethod
    def feed(self, kind: FeedKind, key: str, start: Position | None, limit: int) -> tuple[list[Post], Position | None]:
        """Top-level posts of a space, of everyone (`org`) or of an author, newest first, from
        `start`; and where the next page starts, when there may be one."""

    @abstractmethod
    def idempotency(self, author: str, key: str) -> IdempotencyRecord | None:
        """What an earlier create with this key made, read consistently."""

    @abstractmethod
    def outcome_counts(self, space: str) -> Counts:
        """One space's outcome counts."""

    @abstractmethod
    def all_outcome_counts(self) -> tuple[Counts, dict[str, Counts]]:
        """The organisation's counts and every space's."""

    @abstractmethod
    def metrics(self) -> MetricsStore:
        """The reader of the metrics this store counts in its writes (`chalicelib.metrics.rules`)."""

    # --- writes ---

    @abstractmethod
    def create(
        self, post: Post, record: IdempotencyRecord, rate: RateCount, *, parent_seen: Seen | None = None
    ) -> None:
        """Store a new post or reply, its idempotency record and the author's rate count, all or
        nothing. A reply also counts one more reply on its parent, which must be a top-level,
        open post in the reply's space.

        A reply by someone other than the parent's author, to a parent with no answer yet, is its
        answer: the parent's `first_answer_at` is set, in the same write. Every create counts in
        the metrics, in the same write. `parent_seen`, the parent as the replier's client saw it,
        may save a store that does not know the parent a wrong guess about that answer.

        Raises IdempotencyKeyTakenError, RateLimitedError, ParentRefusedError, or
        WriteConflictError (try again), checked in that order."""

    @abstractmethod
    def edit(self, post_id: str, author: str, version: int, change: Edit) -> Post:
        """Replace the body of the author's undeleted post at `version`; the version goes up by one."""

    @abstractmethod
    def delete(self, post_id: str, author: str, at: str) -> Post:
        """Leave a tombstone of the author's undeleted post: no body, HTML or mentions."""

    @abstractmethod
    def set_hidden(self, post_id: str, spaces: Sequence[str], hidden: Hidden | None) -> Post:
        """Hide (or, with None, restore) a post whose space is one of `spaces`."""

    @abstractmethod
    def react(
        self, post_id: str, kind: str, handle: str, on: bool, *, under: str | None = None, seen: Seen | None = None
    ) -> Seen:
        """Add `handle` to the post's `kind` reactions (on: only if not there yet, and the post is
        open) or take them away (off: only if there); the reactions afterwards, exact, as `handle`
        sees them. `under`, for a reply, names its parent, which must not be hidden. `seen`, the
        post as `handle`'s client saw it, may save a store that does not know the post a read."""

    @abstractmethod
    def mark_outcome(
        self, post_id: str, space: str, by: str, outcome: Outcome | None, week: str, *, any_author: bool
    ) -> None:
        """Set (or, with None, remove) the outcome mark of an open top-level post in `space`, and
        count it in the space's and the organisation's counts for `week`, together. Marking needs
        no mark yet; unmarking needs the mark counted in `week`. Unless `any_author`, the post
        must be by `by`."""

    # --- setting up, and watching ---

    def create_storage(self) -> bool:
        """Make what the store needs where nothing made it (the dev stack and tests); True if made."""
        return False

    def on_request(self, listener: Callable[..., None]) -> Callable[[], None]:
        """Call `listener` before every request to storage (benchmarks count round trips)."""
        return lambda: None
