"""Mail's items in the one table (see chalicelib/table.py), through PynamoDB.

Items (pk, sk):
  PREFS                 <handle>            a person's mail preferences (all in one partition, so
                                            a digest run reads everyone's with one Query)
  PREFS_EACH_POST       <handle>            a copy of the preferences of those with `each_post` on,
                                            written in the same transaction: a new post reads only
                                            these few to find who wants mail about it
  SUPPRESS              <address, lower>    mail to this address is stopped: why and since when
  ANSWER#<sender>       <reason>#<day>      an answer was sent to the sender for this reason today
                                            (TTL: a few days)
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute, UnicodeSetAttribute

from chalicelib._table_item import TableItem

PREFS_PK = "PREFS"
EACH_POST_PK = "PREFS_EACH_POST"
SUPPRESS_PK = "SUPPRESS"


class PreferencesItem(TableItem):
    chosen_follows = BooleanAttribute(default=False)  # False: the defaults apply
    follows = UnicodeSetAttribute(null=True)  # DynamoDB has no empty set: None with chosen_follows
    each_post = BooleanAttribute(default=False)
    digest = UnicodeAttribute(default="weekly")
    mentions = BooleanAttribute(default=True)
    replies = BooleanAttribute(default=True)


class SuppressionItem(TableItem):
    reason = UnicodeAttribute()
    at = UnicodeAttribute()


class AnswerItem(TableItem):
    expires_at = TTLAttribute()


MODELS: tuple[type[TableItem], ...] = (PreferencesItem, SuppressionItem, AnswerItem)
