"""Feeds' items in the one table (see chalicelib/table.py), through PynamoDB.

Items (pk, sk):
  FEEDS#<handle>        GENERATION          the person's feed generation (absent: never revoked).
                                            One partition per person: every feed reader's poll
                                            reads one, and no request reads them together.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute

from chalicelib._table_item import TableItem

GENERATION_SK = "GENERATION"


def generation_key(handle: str) -> tuple[str, str]:
    return f"FEEDS#{handle}", GENERATION_SK


class FeedGenerationItem(TableItem):
    generation = NumberAttribute(default=0)


MODELS: tuple[type[TableItem], ...] = (FeedGenerationItem,)
