"""Local DynamoDB for `make dev`: data written before a restart is there after it, and the
recording keeps only writes."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

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
