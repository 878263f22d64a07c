"""The one DynamoDB table, through PynamoDB: the models of `dynamodb.DynamoDBPostsStore`, which
alone imports them, on the first request that touches storage, so `import app` stays cheap.

Items (pk, sk):
  POST#<id>            POST             a post or a reply; id is a ULID, so ids sort by time
  IDEM#<handle>#<key>  IDEM             an idempotency key and the post it created (TTL: a day)
  RATE#<handle>        <UTC minute>     how many posts a person created in that minute (TTL)
  OUTCOMES             ORG | SPACE#<s>  outcome counters: `total`, and `week_<ISO week>` per week

Indexes, each with sort key `id` (so newest first is a backwards Query) and every attribute:
  space_feed   space_feed = <slug>     the top-level posts of one space
  org_feed     org_feed = "org"        every top-level post (one partition: fine at company scale,
                                       about 1,000 posts a second before DynamoDB would split it)
  author_feed  author_feed = <handle>  one person's top-level posts
  thread       thread = <root id>      a post and its replies

Reactions live on the post item: per kind a count and the set of handles, changed together, with
`rv` (the reaction version) one more each time (see `reactions`). `first_answer_at` is set by the
reply that answers the post. The metrics' items are documented in
chalicelib/metrics/persistence/_dynamodb_models.py.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib._table_item import TableItem

KINDS = ("like", "celebrate", "thanks", "insightful")
WEEK_PREFIX = "week_"
ORG_FEED = "org"


class HiddenMark(MapAttribute[str, Any]):
    by = UnicodeAttribute()
    reason = UnicodeAttribute()
    at = UnicodeAttribute()


class OutcomeMark(MapAttribute[str, Any]):
    by = UnicodeAttribute()
    at = UnicodeAttribute()
    week = UnicodeAttribute()


class SpaceFeed(GlobalSecondaryIndex["PostItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "space_feed"
        projection = AllProjection()

    space_feed = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class OrgFeed(GlobalSecondaryIndex["PostItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "org_feed"
        projection = AllProjection()

    org_feed = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class AuthorFeed(GlobalSecondaryIndex["PostItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "author_feed"
        projection = AllProjection()

    author_feed = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class Thread(GlobalSecondaryIndex["PostItem"]):  # type: ignore[no-untyped-call]
    class Meta:
        index_name = "thread"
        projection = AllProjection()

    thread = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)


class PostItem(TableItem):
    """A post or a reply. Replies have `parent` and no feed keys, so feeds list top-level posts."""

    id = UnicodeAttribute()
    space = UnicodeAttribute()
    parent = UnicodeAttribute(null=True)
    thread = UnicodeAttribute()
    author = UnicodeAttribute()
    created_at = UnicodeAttribute()
    edited_at = UnicodeAttribute(null=True)
    version = NumberAttribute(default=1)
    body = UnicodeAttribute(default="")
    html = UnicodeAttribute(default="")
    deleted = BooleanAttribute(default=False)
    hidden = HiddenMark(null=True)  # type: ignore[no-untyped-call]
    mentions = ListAttribute(of=UnicodeAttribute, default=list)
    reply_count = NumberAttribute(default=0)
    outcome = OutcomeMark(null=True)  # type: ignore[no-untyped-call]
    first_answer_at = UnicodeAttribute(null=True)
    reaction_version = NumberAttribute(default=0, attr_name="rv")
    like_count = NumberAttribute(default=0)
    like_by = UnicodeSetAttribute(null=True)
    celebrate_count = NumberAttribute(default=0)
    celebrate_by = UnicodeSetAttribute(null=True)
    thanks_count = NumberAttribute(default=0)
    thanks_by = UnicodeSetAttribute(null=True)
    insightful_count = NumberAttribute(default=0)
    insightful_by = UnicodeSetAttribute(null=True)
    space_feed = UnicodeAttribute(null=True)
    org_feed = UnicodeAttribute(null=True)
    author_feed = UnicodeAttribute(null=True)

    space_index = SpaceFeed()
    org_index = OrgFeed()
    author_index = AuthorFeed()
    thread_index = Thread()

    def reaction_count(self, kind: str) -> int:
        return int(getattr(self, f"{kind}_count") or 0)

    def reactors(self, kind: str) -> set[str]:
        return set(getattr(self, f"{kind}_by") or ())


class IdempotencyItem(TableItem):
    post_id = UnicodeAttribute()
    fingerprint = UnicodeAttribute()
    expires_at = TTLAttribute()


class RateItem(TableItem):
    posts = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class OutcomeCounter(TableItem):
    """Totals; the per-week counts are top-level `week_<ISO week>` attributes, which ADD can create
    in the same update as the total (a nested map could not be created and added to at once)."""

    total = NumberAttribute(default=0)
    weeks: dict[str, int]

    @classmethod
    def from_raw_data(cls, data: dict[str, Any]) -> OutcomeCounter:
        counter = super().from_raw_data(data)
        counter.weeks = {
            name[len(WEEK_PREFIX) :]: int(value["N"])
            for name, value in data.items()
            if name.startswith(WEEK_PREFIX) and "N" in value
        }
        return counter


MODELS: tuple[type[TableItem], ...] = (PostItem, IdempotencyItem, RateItem, OutcomeCounter)


def post_key(post_id: str) -> tuple[str, str]:
    return f"POST#{post_id}", "POST"


def week_attribute(week: str) -> NumberAttribute:
    """An unbound attribute naming one week's counter, for ADD in an update."""
    return NumberAttribute(attr_name=f"{WEEK_PREFIX}{week}")


def create_table() -> bool:
    """Create the table with its indexes and TTL when it is missing (the dev stack and tests;
    production creates it from CloudFormation). True when it was created."""
    if PostItem.exists():
        return False
    PostItem.create_table(wait=True, billing_mode=PAY_PER_REQUEST_BILLING_MODE)
    IdempotencyItem.update_ttl(ignore_update_ttl_errors=False)
    return True
