"""Who sees what is decided once (posts.visibility), and every way in agrees: the JSON thread, the
no-JavaScript thread page, reactions on a reply under a hidden post."""

from __future__ import annotations

from tests.integration.conftest import Stack
from tests.integration.posts_client import Person


def test_a_reply_under_a_hidden_post_shows_no_reactions_and_takes_none(hub: Stack) -> None:
    jane, lee = Person(hub, "jane.doe"), Person(hub, "lee.park")  # jane stewards platform; lee does not
    root = jane.create("platform", "A post that will be hidden")
    reply = lee.reply(root, "A reply under it")
    like = f"/api/posts/{reply['id']}/reactions/like"
    assert jane.post(like, {"state": "on"}).status_code == 200
    assert jane.post(f"/api/posts/{root['id']}/hide", {"reason": "off topic"}).status_code == 200

    # To lee the hidden post does not exist, and neither does his reply under it.
    assert lee.get(f"/api/posts/{reply['id']}/reactions").status_code == 404
    assert lee.post(like, {"state": "on"}).status_code == 404
    assert lee.post(f"/api/posts/{reply['id']}/reactions/thanks", {"state": "on"}).status_code == 404
    # Its steward still sees who reacted, but the thread is closed to reactions.
    assert jane.get(f"/api/posts/{reply['id']}/reactions").json()["reactions"]["like"] == ["jane.doe"]
    closed = jane.post(f"/api/posts/{reply['id']}/reactions/celebrate", {"state": "on"})
    assert closed.status_code == 403 and closed.json()["error"] == "post-closed"

    assert jane.post(f"/api/posts/{root['id']}/restore", {}).status_code == 200
    answer = lee.post(f"/api/posts/{reply['id']}/reactions/thanks", {"state": "on"})
    assert answer.status_code == 200 and answer.json()["reactions"]["thanks"] == {"count": 1, "mine": True}
    assert jane.get(f"/api/posts/{reply['id']}/reactions").json()["reactions"]["like"] == ["jane.doe"]


def test_both_threads_agree_that_a_deleted_reply_is_gone(hub: Stack) -> None:
    jane, lee = Person(hub, "jane.doe"), Person(hub, "lee.park")
    root = jane.create("platform", "A post with replies")
    kept = lee.reply(root, "This reply stays")
    gone = lee.reply(root, "This reply goes")
    assert lee.post(f"/api/posts/{gone['id']}/delete", {}).status_code == 200

    replies = jane.thread(root["id"])["replies"]
    assert [r["id"] for r in replies] == [kept["id"]]
    page = jane.get(f"/api/html/posts/{root['id']}")
    assert page.status_code == 200
    assert f'id="post-{kept["id"]}"' in page.text and f'id="post-{gone["id"]}"' not in page.text
    # The deleted post at the top of a thread stays, as the tombstone that keeps its replies.
    assert jane.post(f"/api/posts/{root['id']}/delete", {}).status_code == 200
    assert jane.thread(root["id"])["post"]["deleted"] is True
    assert f'id="post-{kept["id"]}"' in jane.get(f"/api/html/posts/{root['id']}").text
