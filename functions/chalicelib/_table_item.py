"""The key every item of the one table has, as PynamoDB sees it. Each feature's models subclass
`TableItem` inside its own `persistence/`; `chalicelib.table.bind` points them all at the table.
Only model modules import this, so `import app` stays cheap (PynamoDB pulls in botocore)."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.models import Model


class TableItem(Model):
    """Every item's key. `bind` points every model at the configured table and endpoint."""

    class Meta:
        table_name = "commons"
        region = "us-east-1"
        host: str | None = None
        aws_access_key_id: str | None = None
        aws_secret_access_key: str | None = None
        billing_mode = PAY_PER_REQUEST_BILLING_MODE
        connect_timeout_seconds = 3
        read_timeout_seconds = 10
        max_retry_attempts = 3
        max_pool_connections = 20

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


def models(root: type[TableItem]) -> list[type[TableItem]]:
    found = [root]
    for child in root.__subclasses__():
        found += models(child)
    return found
