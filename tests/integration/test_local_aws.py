"""Local DynamoDB for `make dev`: data written before a restart is there after it, and the
recording keeps only writes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from chalicelib.posts.config import PostsSettings
from chalicelib.posts.persistence.dynamodb import DynamoDBPostsStore
from devstack import local_aws


def test_data_survives_a_restart_and_the_recording_keeps_only_writes(tmp_path: Path) -> None:
    recording = tmp_path / "state" / "dynamodb.recording"
    table = f"restart-{uuid.uuid4().hex[:6]}"
    log = (tmp_path / "moto.log").open("wb")
    aws = local_aws.start(record=recording, output=log)
    try:
        store = DynamoDBPostsStore(PostsSettings(endpoint=aws.endpoint, table=table))
        assert store.create_storage() is True
        models = store.models()
        models.PostItem(
            *models.post_key("01J00000000000000000000001"),
            id="01J00000000000000000000001",
            space="platform",
            thread="01J00000000000000000000001",
            author="jane.doe",
            created_at="2026-11-26T10:00:00.000Z",
            body="kept",
        ).save()
        assert models.PostItem.get(*models.post_key("01J00000000000000000000001")).body == "kept"
    finally:
        aws.stop()
    aws = local_aws.start(record=recording, output=log)
    try:
        store = DynamoDBPostsStore(PostsSettings(endpoint=aws.endpoint, table=table))
        assert store.create_storage() is False, "the table came back"
        models = store.models()
        assert models.PostItem.get(*models.post_key("01J00000000000000000000001")).body == "kept"
    finally:
        aws.stop()
        log.close()
    targets = [json.loads(line)["headers"].get("X-Amz-Target", "") for line in recording.read_text().splitlines()]
    assert targets and all(not target.endswith(("GetItem", "DescribeTable", "Query")) for target in targets[:3])
    assert local_aws.compact(recording) == len([t for t in targets if t in local_aws.WRITES])


def test_a_query_reads_its_own_partition_in_order_page_by_page(local_dynamodb: str) -> None:
    """Local DynamoDB's Query looks only at its partition (moto's would sort the whole table):
    the answer is the partition's items, in sort-key order either way, by pages, with a key
    condition, and nothing of the partitions beside it."""
    client = local_aws.client("dynamodb", local_dynamodb)
    table = f"partition-{uuid.uuid4().hex[:6]}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for pk in ("a", "b", "c"):
        for n in (3, 1, 4, 0, 2):
            client.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"S": f"{n:02d}"}, "of": {"S": pk}})

    def pages(**condition: object) -> list[list[str]]:
        found: list[list[str]] = []
        start = None
        while True:
            extra: dict[str, object] = {"ExclusiveStartKey": start} if start else {}
            answer = client.query(TableName=table, Limit=2, **condition, **extra)
            assert all(item["of"]["S"] == "b" for item in answer["Items"])
            found.append([item["sk"]["S"] for item in answer["Items"]])
            start = answer.get("LastEvaluatedKey")
            if not start:
                return found

    only_b = {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "b"}}}
    assert pages(**only_b) == [["00", "01"], ["02", "03"], ["04"]]
    assert pages(**only_b, ScanIndexForward=False) == [["04", "03"], ["02", "01"], ["00"]]
    between = {
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
        "ExpressionAttributeValues": {":pk": {"S": "b"}, ":low": {"S": "01"}, ":high": {"S": "03"}},
    }
    assert pages(**between) == [["01", "02"], ["03"]]
    nowhere = client.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "z"}}
    )
    assert nowhere["Items"] == [] and nowhere["Count"] == 0
    assert client.scan(TableName=table)["Count"] == 15, "the other partitions are all still there"


def test_a_query_answers_every_kind_of_value_as_it_was_put(local_dynamodb: str) -> None:
    """Local DynamoDB writes a Query's answer as JSON itself (moto's serializer is slow): every
    type comes back as it went in, binary included, and errors are still DynamoDB's."""
    client = local_aws.client("dynamodb", local_dynamodb)
    table = f"values-{uuid.uuid4().hex[:6]}"
    client.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    item: dict[str, dict[str, Any]] = {
        "pk": {"S": "p"},
        "sk": {"S": "s"},
        "text": {"S": 'caf\u00e9 \u2603 "quoted"'},
        "number": {"N": "-12.5"},
        "blob": {"B": bytes(range(256))},
        "blobs": {"BS": [b"\x00\x01", b"\xff\xfe", b"sketch"]},
        "texts": {"SS": ["a", "b"]},
        "numbers": {"NS": ["1", "2.5"]},
        "yes": {"BOOL": True},
        "nothing": {"NULL": True},
        "list": {"L": [{"S": "x"}, {"N": "1"}, {"B": b"\x07"}]},
        "map": {"M": {"inner": {"BS": [b"\x10"]}, "flag": {"BOOL": False}}},
    }
    client.put_item(TableName=table, Item=item)
    answer = client.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "p"}},
        ReturnConsumedCapacity="TOTAL",
    )
    (got,) = answer["Items"]
    assert {name: unordered(value) for name, value in got.items()} == {name: unordered(v) for name, v in item.items()}
    assert (answer["Count"], answer["ScannedCount"], answer["ConsumedCapacity"]["TableName"]) == (1, 1, table)
    try:
        client.query(
            TableName=table, KeyConditionExpression="nope = :pk", ExpressionAttributeValues={":pk": {"S": "p"}}
        )
    except client.exceptions.ClientError as refused:
        assert refused.response["Error"]["Code"] == "ValidationException"
    else:
        raise AssertionError("a key condition on no key was answered")


def unordered(value: dict[str, Any]) -> dict[str, Any]:
    """A set's members sorted, as DynamoDB keeps no order in a set."""
    return {kind: sorted(members) if kind in ("BS", "SS", "NS") else members for kind, members in value.items()}
