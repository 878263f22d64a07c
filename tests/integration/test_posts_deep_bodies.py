"""Bodies that used to be a 500 (RecursionError) or take seconds of CPU are posted, replied and
edited over HTTP like any other: deep lists and quotes stop at `MAX_NESTING` levels, the rest text."""

from __future__ import annotations

import uuid

import pytest

from chalicelib.posts.rendering import MAX_NESTING
from tests.integration.conftest import Stack
from tests.integration.posts_client import Person


@pytest.mark.parametrize(
    ("body", "tag"),
    [("+ " * 496 + "x", "<ul>"), ("1. " * 495, "<ol>"), ("> " * 2500, "<blockquote>"), ("[" * 5000, "")],
)
def test_create_reply_and_edit_take_deep_and_pathological_bodies(hub: Stack, body: str, tag: str) -> None:
    jane = Person(hub, "jane.doe")
    created = jane.post("/api/spaces/platform/posts", {"body": body}, key=str(uuid.uuid4()))
    assert created.status_code == 201, created.text[:300]
    post = created.json()["post"]
    reply = jane.post(f"/api/posts/{post['id']}/replies", {"body": body}, key=str(uuid.uuid4()))
    edit = jane.post(f"/api/posts/{post['id']}/edit", {"body": body[:-6] + " again", "version": 1})
    assert reply.status_code == 201 and edit.status_code == 200, (reply.text[:300], edit.text[:300])
    for shown in (post, reply.json()["post"], edit.json()["post"]):
        assert shown["html"].count(tag) == MAX_NESTING if tag else shown["html"].startswith("<p>[[[")
