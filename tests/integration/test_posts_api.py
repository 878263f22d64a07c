"""Posts, replies, reactions and outcomes over HTTP: the dev server with the Chalice app, against
moto's server as DynamoDB. The happy paths, then every bad input the issue lists, each answered
with a 4xx and a clear message, and nothing lost or created."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.integration.conftest import Stack
from tests.integration.posts_client import Person

PLATFORM = "/api/spaces/platform/posts"


@pytest.fixture()
def jane(hub: Stack) -> Iterator[Person]:
    """Steward of platform and design's member."""
    yield Person(hub, "jane.doe")


@pytest.fixture()
def omar(hub: Stack) -> Iterator[Person]:
    """Steward of platform and design."""
    yield Person(hub, "omar.haddad")


@pytest.fixture()
def lee(hub: Stack) -> Iterator[Person]:
    """Steward of design only; a member of platform."""
    yield Person(hub, "lee.park")


def text(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:10]}"


def refused(answer: requests.Response, status: int, code: str, message: str) -> None:
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["Content-Type"].startswith("application/json")
    document = answer.json()
    assert document["error"] == code, document
    assert message in document["message"], document
    assert "Traceback" not in answer.text


# --- the happy paths -------------------------------------------------------------------------


def test_a_post_is_stored_as_source_and_safe_html_and_shows_in_every_feed(jane: Person, lee: Person) -> None:
    body = text("Hello **platform**, ping @lee.park and @nobody.here") + " <script>alert(1)</script>"
    post = jane.create("platform", body)
    assert post["space"] == "platform" and post["parent"] is None and post["version"] == 1
    assert post["author"] == {"handle": "jane.doe", "name": "Jane Doe", "url": "/people/jane.doe/"}
    assert "<strong>platform</strong>" in post["html"] and "<script" not in post["html"]
    assert '<a href="/people/lee.park/" rel="nofollow noopener noreferrer">@lee.park</a>' in post["html"]
    assert post["mentions"] == ["lee.park"]
    assert post["body"] == body.strip()
    assert post["reactions"] == {k: {"count": 0, "mine": False} for k in ("like", "celebrate", "thanks", "insightful")}
    assert post["can"] == {
        "edit": True,
        "delete": True,
        "hide": True,
        "restore": False,
        "mark_outcome": True,
        "reply": True,
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", post["created_at"])
    assert post["id"] in lee.feed_ids(PLATFORM)
    assert post["id"] in lee.feed_ids("/api/feed")
    assert post["id"] in lee.feed_ids("/api/people/jane.doe/posts")
    assert post["id"] not in lee.feed_ids("/api/spaces/design/posts")
    seen = lee.get(PLATFORM).json()
    assert seen["space"]["slug"] == "platform" and seen["space"]["can_post"] is True
    assert seen["space"]["is_steward"] is False
    mine = next(p for p in seen["posts"] if p["id"] == post["id"])
    assert mine["can"]["edit"] is False and mine["can"]["reply"] is True


def test_feeds_are_newest_first_and_page_with_a_cursor(jane: Person) -> None:
    made = [jane.create("design", text(f"page {i}"))["id"] for i in range(5)]
    first = jane.get("/api/spaces/design/posts", limit="2").json()
    assert [p["id"] for p in first["posts"]] == made[::-1][:2]
    second = jane.get("/api/spaces/design/posts", limit="2", cursor=first["next"]).json()
    assert [p["id"] for p in second["posts"]] == made[::-1][2:4]
    refused(jane.get("/api/spaces/design/posts", limit="0"), 400, "invalid-input", "limit must be")
    refused(jane.get("/api/spaces/design/posts", limit="51"), 400, "invalid-input", "limit must be")


def test_a_thread_has_its_replies_oldest_first_one_level_deep(jane: Person, lee: Person) -> None:
    post = jane.create("platform", text("Question"))
    first = lee.reply(post, text("First answer"))
    second = jane.reply(post, text("Second answer"))
    thread = lee.thread(post["id"])
    assert thread["post"]["id"] == post["id"] and thread["post"]["reply_count"] == 2
    assert [r["id"] for r in thread["replies"]] == [first["id"], second["id"]]
    assert first["parent"] == post["id"] and first["space"] == "platform"
    assert first["id"] not in lee.feed_ids(PLATFORM), "feeds list top-level posts only"
    deeper = lee.post(f"/api/posts/{first['id']}/replies", {"body": "deeper"}, key=str(uuid.uuid4()))
    refused(deeper, 400, "reply-to-reply", "not to a reply")
    assert lee.thread(post["id"])["post"]["reply_count"] == 2


def test_a_reply_without_the_space_hint_or_with_a_wrong_one_still_lands(jane: Person, lee: Person) -> None:
    post = jane.create("platform", text("Hint"))
    no_hint = lee.post(f"/api/posts/{post['id']}/replies", {"body": "no hint"}, key=str(uuid.uuid4()))
    wrong = lee.post(f"/api/posts/{post['id']}/replies", {"body": "wrong", "space": "design"}, key=str(uuid.uuid4()))
    assert no_hint.status_code == wrong.status_code == 201
    assert no_hint.json()["post"]["space"] == wrong.json()["post"]["space"] == "platform"
    assert lee.thread(post["id"])["post"]["reply_count"] == 2


def test_edit_with_the_current_version_and_delete_leaves_a_tombstone(jane: Person, lee: Person) -> None:
    post = jane.create("platform", text("Draft"))
    reply = lee.reply(post, text("Reply stays"))
    edited = jane.post(f"/api/posts/{post['id']}/edit", {"body": "Final *text*", "version": 1})
    assert edited.status_code == 200, edited.text
    assert edited.json()["post"]["version"] == 2 and edited.json()["post"]["html"] == "<p>Final <em>text</em></p>"
    assert edited.json()["post"]["edited_at"] is not None
    deleted = jane.post(f"/api/posts/{post['id']}/delete", {})
    assert deleted.status_code == 200
    tomb = deleted.json()["post"]
    assert tomb["deleted"] is True and tomb["body"] == "" and tomb["html"] == "" and tomb["can"]["edit"] is False
    thread = lee.thread(post["id"])
    assert thread["post"]["deleted"] is True and [r["id"] for r in thread["replies"]] == [reply["id"]]
    assert post["id"] in lee.feed_ids(PLATFORM), "a tombstone with replies stays in the feed"
    again = jane.post(f"/api/posts/{post['id']}/delete")
    assert again.status_code == 200 and again.json()["post"]["deleted"] is True


def test_reactions_toggle_on_and_off_with_counts_and_mine(jane: Person, lee: Person, omar: Person) -> None:
    post = jane.create("platform", text("React"))
    url = f"/api/posts/{post['id']}/reactions"
    assert lee.post(f"{url}/like", {"state": "on"}).json()["reactions"]["like"] == {"count": 1, "mine": True}
    answer = omar.post(f"{url}/like", {"state": "on"}).json()
    assert answer == {"post_id": post["id"], "reactions": answer["reactions"], "seen": answer["seen"]}
    assert answer["reactions"]["like"] == {"count": 2, "mine": True}
    # What the answer says comes back as the next toggle's `seen`: the same picture, newer.
    back = omar.post(f"{url}/thanks", {"state": "on", "seen": answer["seen"]}).json()["reactions"]
    assert back["like"] == {"count": 2, "mine": True} and back["thanks"] == {"count": 1, "mine": True}
    assert omar.post(f"{url}/thanks", {"state": "off"}).json()["reactions"]["thanks"] == {"count": 0, "mine": False}
    again = omar.post(f"{url}/like", {"state": "on"}).json()["reactions"]["like"]
    assert again == {"count": 2, "mine": True}, "turning on twice counts once"
    assert lee.post(f"{url}/like", {"state": "off"}).json()["reactions"]["like"] == {"count": 1, "mine": False}
    assert lee.post(f"{url}/thanks", {"state": "on"}).json()["reactions"]["thanks"]["count"] == 1
    assert lee.get(url).json() == {
        "post_id": post["id"],
        "reactions": {"like": ["omar.haddad"], "celebrate": [], "thanks": ["lee.park"], "insightful": []},
    }
    seen = next(p for p in jane.get(PLATFORM).json()["posts"] if p["id"] == post["id"])
    assert seen["reactions"]["like"] == {"count": 1, "mine": False}


def test_outcomes_are_counted_per_space_per_week_and_overall(jane: Person, lee: Person, omar: Person) -> None:
    before_space = jane.get("/api/spaces/design/outcomes").json()
    before_org = jane.get("/api/outcomes").json()
    post = lee.create("design", text("Shipped it"))
    marked = lee.post(f"/api/posts/{post['id']}/outcome", {"state": "on", "space": "design"})
    assert marked.status_code == 200, marked.text
    assert marked.json()["outcome"]["by"] == "lee.park"
    after = jane.get("/api/spaces/design/outcomes").json()
    assert after["space"] == "design" and after["total"] == before_space["total"] + 1
    week = next(iter(set(after["weeks"]) - set(before_space["weeks"])), None) or max(after["weeks"])
    assert re.fullmatch(r"\d{4}-W\d\d", week)
    assert after["weeks"][week] == before_space["weeks"].get(week, 0) + 1
    org = jane.get("/api/outcomes").json()
    assert org["total"] == before_org["total"] + 1 and org["spaces"]["design"]["total"] == after["total"]
    # A steward of the space may unmark it; marking twice counts once.
    again = lee.post(f"/api/posts/{post['id']}/outcome", {"state": "on"})
    assert again.status_code == 200 and jane.get("/api/spaces/design/outcomes").json()["total"] == after["total"]
    off = omar.post(f"/api/posts/{post['id']}/outcome", {"state": "off", "space": "design"})
    assert off.status_code == 200 and off.json()["outcome"] is None
    assert jane.get("/api/spaces/design/outcomes").json()["total"] == before_space["total"]
    assert lee.thread(post["id"])["post"]["outcome"] is None


def test_a_steward_hides_with_a_reason_the_author_sees_and_restores(jane: Person, lee: Person, omar: Person) -> None:
    post = lee.create("platform", text("Off topic"))
    hidden = jane.post(f"/api/posts/{post['id']}/hide", {"reason": "Not for this space"})
    assert hidden.status_code == 200, hidden.text
    assert hidden.json()["post"]["hidden"]["reason"] == "Not for this space"
    mine = next(p for p in lee.get(PLATFORM).json()["posts"] if p["id"] == post["id"])
    assert mine["hidden"]["by"] == "jane.doe" and mine["html"], "the author sees the post and why"
    assert post["id"] in omar.feed_ids(PLATFORM), "stewards see it"
    stranger = Person(jane.stack, None)
    assert post["id"] not in stranger.feed_ids(PLATFORM)
    reaction = omar.post(f"/api/posts/{post['id']}/reactions/like", {"state": "on"})
    refused(reaction, 403, "post-closed", "deleted or hidden")
    restored = omar.post(f"/api/posts/{post['id']}/restore", {})
    assert restored.status_code == 200 and restored.json()["post"]["hidden"] is None
    assert post["id"] in stranger.feed_ids(PLATFORM)


def test_a_form_post_is_answered_with_303_back_to_the_page(jane: Person) -> None:
    body = text("From a form")
    answer = jane.post(
        PLATFORM,
        data={"body": body, "idempotency_key": uuid.uuid4().hex, "return_to": "/api/html/spaces/platform"},
    )
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert location.startswith("/api/html/spaces/platform#post-")
    post_id = location.rsplit("-", 1)[1]
    assert jane.thread(post_id)["post"]["body"] == body


# --- bad input: a 4xx with a message, and nothing lost or created ------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "cannot be empty"), ("   \n\t ", "cannot be empty"), ("x" * 5001, "at most 5,000 characters")],
    ids=["empty", "blank", "too-long"],
)
def test_a_post_of_the_wrong_length_is_refused(jane: Person, body: str, message: str) -> None:
    before = jane.feed_ids(PLATFORM)
    refused(jane.post(PLATFORM, {"body": body}, key=str(uuid.uuid4())), 400, "invalid-input", message)
    assert jane.feed_ids(PLATFORM) == before


def test_5000_characters_is_allowed(jane: Person) -> None:
    assert len(jane.create("platform", "y" * 5000)["body"]) == 5000


def test_unknown_space_post_and_reaction_kind_are_404(jane: Person) -> None:
    refused(
        jane.post("/api/spaces/nowhere/posts", {"body": "x"}, key=str(uuid.uuid4())), 404, "unknown-space", "no team"
    )
    refused(jane.get("/api/spaces/nowhere/posts"), 404, "unknown-space", "no team")
    refused(jane.get("/api/people/nobody/posts"), 404, "unknown-person", "nobody with that handle")
    missing = "01J00000000000000000000000"
    refused(jane.get(f"/api/posts/{missing}"), 404, "unknown-post", "does not exist")
    refused(jane.get("/api/posts/not-a-ulid"), 404, "unknown-post", "does not exist")
    reply = jane.post(f"/api/posts/{missing}/replies", {"body": "x"}, key=str(uuid.uuid4()))
    refused(reply, 404, "unknown-post", "does not exist")
    refused(jane.post(f"/api/posts/{missing}/edit", {"body": "x", "version": 1}), 404, "unknown-post", "not exist")
    refused(jane.post(f"/api/posts/{missing}/reactions/like", {"state": "on"}), 404, "unknown-post", "not exist")
    post = jane.create("platform", text("React"))
    kind = jane.post(f"/api/posts/{post['id']}/reactions/love", {"state": "on"})
    refused(kind, 404, "unknown-reaction", "like, celebrate, thanks and insightful")
    assert jane.thread(post["id"])["post"]["reactions"]["like"]["count"] == 0


def test_malformed_json_and_wrong_content_types_are_refused(jane: Person) -> None:
    before = jane.feed_ids(PLATFORM)
    key = str(uuid.uuid4())
    json_headers = {"Content-Type": "application/json"}
    refused(jane.post(PLATFORM, data=b'{"body": ', key=key, headers=json_headers), 400, "malformed-json", "not valid")
    refused(jane.post(PLATFORM, data=b'["x"]', key=key, headers=json_headers), 400, "malformed-json", "a JSON object")
    for media in ("text/plain", "application/xml", "multipart/form-data; boundary=x"):
        answer = jane.post(PLATFORM, data=b"body=x", key=key, headers={"Content-Type": media})
        refused(answer, 415, "unsupported-media-type", "application/json")
    refused(jane.post(PLATFORM, {"body": "x", "title": "y"}, key=key), 400, "invalid-input", "Unknown field(s): title")
    assert jane.feed_ids(PLATFORM) == before


def test_a_body_over_64_kb_is_413_before_parsing(jane: Person) -> None:
    before = jane.feed_ids(PLATFORM)
    huge = json.dumps({"body": "z" * (65 * 1024)}).encode()
    answer = jane.post(PLATFORM, data=huge, key=str(uuid.uuid4()), headers={"Content-Type": "application/json"})
    refused(answer, 413, "too-large", "64 KB")
    broken = b'{"body": "' + b"z" * (65 * 1024)  # not even JSON: refused for its size first
    answer = jane.post(PLATFORM, data=broken, key=str(uuid.uuid4()), headers={"Content-Type": "application/json"})
    refused(answer, 413, "too-large", "64 KB")
    assert jane.feed_ids(PLATFORM) == before


def test_a_tampered_or_foreign_cursor_is_400(jane: Person) -> None:
    for i in range(3):
        jane.create("platform", text(f"cursor {i}"))
    cursor = jane.get(PLATFORM, limit="1").json()["next"]
    assert cursor
    head, payload, signature = cursor.rsplit(".", 2)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    refused(jane.get(PLATFORM, cursor=f"{head}.{payload}.{flipped}"), 400, "bad-cursor", "changed")
    refused(jane.get(PLATFORM, cursor="garbage"), 400, "bad-cursor", "changed")
    refused(jane.get("/api/feed", cursor=cursor), 400, "bad-cursor", "another feed")
    refused(jane.get("/api/spaces/design/posts", cursor=cursor), 400, "bad-cursor", "another feed")


def test_editing_or_deleting_someone_elses_post_is_403(jane: Person, lee: Person) -> None:
    post = jane.create("platform", text("Mine"))
    refused(lee.post(f"/api/posts/{post['id']}/edit", {"body": "yours", "version": 1}), 403, "not-your-post", "author")
    refused(lee.post(f"/api/posts/{post['id']}/delete", {}), 403, "not-your-post", "author")
    kept = lee.thread(post["id"])["post"]
    assert kept["body"] == post["body"] and kept["version"] == 1 and kept["deleted"] is False


def test_hiding_in_a_space_you_do_not_steward_is_403(jane: Person, lee: Person) -> None:
    post = jane.create("platform", text("Not yours to hide"))
    refused(lee.post(f"/api/posts/{post['id']}/hide", {"reason": "no"}), 403, "not-steward", "stewards")
    refused(lee.post(f"/api/posts/{post['id']}/restore", {}), 403, "not-steward", "stewards")
    assert lee.thread(post["id"])["post"]["hidden"] is None
    refused(jane.post(f"/api/posts/{post['id']}/hide", {"reason": " "}), 400, "invalid-input", "Say why")
    long = jane.post(f"/api/posts/{post['id']}/hide", {"reason": "r" * 501})
    refused(long, 400, "invalid-input", "at most 500 characters")
    assert jane.thread(post["id"])["post"]["hidden"] is None


def test_marking_an_outcome_needs_the_author_or_a_steward(jane: Person, lee: Person) -> None:
    post = jane.create("design", text("Not lee's"))
    before = jane.get("/api/spaces/design/outcomes").json()["total"]
    refused(jane.post(f"/api/posts/{post['id']}/outcome", {"state": "maybe"}), 400, "invalid-input", '"on" or "off"')
    lee_is_steward = lee.post(f"/api/posts/{post['id']}/outcome", {"state": "on", "space": "design"})
    assert lee_is_steward.status_code == 200
    other = Person(jane.stack, "omar.haddad").create("platform", text("Omar's"))
    refused(
        lee.post(f"/api/posts/{other['id']}/outcome", {"state": "on", "space": "platform"}),
        403,
        "outcome-not-allowed",
        "author or the stewards",
    )
    assert jane.get("/api/spaces/design/outcomes").json()["total"] == before + 1
    assert jane.thread(other["id"])["post"]["outcome"] is None


def test_a_stale_version_is_409_and_keeps_the_newer_text(jane: Person) -> None:
    post = jane.create("platform", text("v1"))
    assert jane.post(f"/api/posts/{post['id']}/edit", {"body": "v2", "version": 1}).status_code == 200
    refused(jane.post(f"/api/posts/{post['id']}/edit", {"body": "old", "version": 1}), 409, "stale-version", "Reload")
    refused(
        jane.post(f"/api/posts/{post['id']}/edit", {"body": "x", "version": "one"}), 400, "invalid-input", "version"
    )
    assert jane.thread(post["id"])["post"]["body"] == "v2"


@pytest.mark.parametrize("origin", [None, "https://evil.example", "null"], ids=["missing", "foreign", "null"])
def test_a_write_without_our_origin_is_403_and_changes_nothing(jane: Person, origin: str | None) -> None:
    post = jane.create("platform", text("Origin"))
    before = jane.feed_ids(PLATFORM)
    refused(
        jane.post(PLATFORM, {"body": "csrf"}, key=str(uuid.uuid4()), origin=origin), 403, "cross-origin", "this hub"
    )
    like = jane.post(f"/api/posts/{post['id']}/reactions/like", {"state": "on"}, origin=origin)
    refused(like, 403, "cross-origin", "this hub")
    assert jane.feed_ids(PLATFORM) == before
    assert jane.thread(post["id"])["post"]["reactions"]["like"]["count"] == 0


def test_a_replay_with_the_same_idempotency_key_creates_nothing_twice(jane: Person, lee: Person) -> None:
    key = str(uuid.uuid4())
    body = text("Once")
    first = jane.post(PLATFORM, {"body": body}, key=key)
    second = jane.post(PLATFORM, {"body": body}, key=key)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    assert first.json()["post"]["id"] == second.json()["post"]["id"]
    ours = [p for p in jane.get(PLATFORM, limit="50").json()["posts"] if p["body"] == body]
    assert len(ours) == 1
    reused = jane.post(PLATFORM, {"body": "something else"}, key=key)
    refused(reused, 409, "idempotency-key-reused", "different request")
    # Keys belong to their person: the same key from someone else is a new post.
    assert lee.post(PLATFORM, {"body": body}, key=key).json()["post"]["id"] != first.json()["post"]["id"]
    refused(jane.post(PLATFORM, {"body": "no key"}), 400, "invalid-input", "idempotency key")
    refused(jane.post(PLATFORM, {"body": "bad key"}, key="short"), 400, "invalid-input", "8 to 128")
    parent = first.json()["post"]
    reply_key = str(uuid.uuid4())
    replies = [jane.post(f"/api/posts/{parent['id']}/replies", {"body": "re"}, key=reply_key) for _ in range(3)]
    assert len({r.json()["post"]["id"] for r in replies}) == 1
    assert jane.thread(parent["id"])["post"]["reply_count"] == 1


def test_without_a_session_the_api_is_401_json(hub: Stack) -> None:
    answer = requests.get(hub.url(PLATFORM), timeout=10)
    refused(answer, 401, "not-signed-in", "sign in")
    assert answer.json()["sign_in"].startswith("/auth/login?next=")
    write = requests.post(hub.url(PLATFORM), json={"body": "x"}, headers={"Origin": hub.origin}, timeout=10)
    refused(write, 401, "not-signed-in", "sign in")


def test_staff_not_in_the_directory_read_but_do_not_write(hub: Stack, jane: Person) -> None:
    post = jane.create("platform", text("For newcomers"))
    newcomer = Person(hub, None)
    assert post["id"] in newcomer.feed_ids(PLATFORM)
    assert newcomer.get(PLATFORM).json()["space"]["can_post"] is False
    refused(newcomer.post(PLATFORM, {"body": "hi"}, key=str(uuid.uuid4())), 403, "not-in-directory", "directory")
    like = newcomer.post(f"/api/posts/{post['id']}/reactions/like", {"state": "on"})
    refused(like, 403, "not-in-directory", "directory")


def test_posting_faster_than_the_limit_is_429(hub: Stack) -> None:
    from dataclasses import replace

    hub.install(posts=replace(hub.settings.posts, post_rate_per_minute=3))
    omar = Person(hub, "omar.haddad")
    made = [omar.post(PLATFORM, {"body": text("burst")}, key=str(uuid.uuid4())) for _ in range(5)]
    statuses = [answer.status_code for answer in made]
    assert statuses.count(201) <= 3 and 429 in statuses, statuses
    limited = next(answer for answer in made if answer.status_code == 429)
    refused(limited, 429, "rate-limited", "Wait a minute")
    assert limited.headers["Retry-After"] == "60"


def test_writes_past_the_per_container_limit_are_429(hub: Stack) -> None:
    from dataclasses import replace

    hub.install(posts=replace(hub.settings.posts, write_rate_per_minute=4))
    lee = Person(hub, "lee.park")
    post = Person(hub, "jane.doe").create("platform", text("Toggle me"))
    states = ["on", "off", "on", "off", "on"]
    answers = [lee.post(f"/api/posts/{post['id']}/reactions/like", {"state": s}) for s in states]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert lee.thread(post["id"])["post"]["reactions"]["like"]["count"] == 0


# --- forms without JavaScript ------------------------------------------------------------------


def test_a_refused_form_gets_a_short_page_with_a_link_back(jane: Person) -> None:
    before = jane.feed_ids(PLATFORM)
    back = "/api/html/spaces/platform"
    answer = jane.post(PLATFORM, data={"body": "", "idempotency_key": uuid.uuid4().hex, "return_to": back})
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "cannot be empty" in answer.text and f'href="{back}"' in answer.text and "Go back" in answer.text
    assert len(answer.text) < 2500
    unsafe = jane.post(PLATFORM, data={"body": "x", "idempotency_key": uuid.uuid4().hex, "return_to": "//evil.example"})
    assert unsafe.status_code == 400 and "outside this hub" in unsafe.text and "evil.example" not in unsafe.text
    foreign = jane.post(
        PLATFORM,
        data={"body": "x", "idempotency_key": uuid.uuid4().hex, "return_to": back},
        origin="https://evil.example",
    )
    assert foreign.status_code == 403 and "another site" in foreign.text and f'href="{back}"' in foreign.text
    assert jane.feed_ids(PLATFORM) == before


def test_the_html_pages_escape_everything_and_carry_fresh_keys(jane: Person, lee: Person) -> None:
    post = jane.create("platform", text('<img src=x onerror=alert(1)> "quoted" & <b>bold</b>'))
    lee.reply(post, text("A reply"))
    page = lee.get("/api/html/spaces/platform")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp and "unsafe-inline" not in csp
    assert "onerror" not in page.text and "<img" not in page.text
    assert f'id="post-{post["id"]}"' in page.text
    keys = re.findall(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert len(keys) >= 2 and len(set(keys)) == len(keys)
    assert 'name="return_to" value="/api/html/spaces/platform"' in page.text
    thread = lee.get(f"/api/html/posts/{post['id']}")
    assert thread.status_code == 200 and "A reply" in thread.text
    assert lee.get("/api/html/feed").status_code == 200
    assert f'id="post-{post["id"]}"' in lee.get("/api/html/people/jane.doe").text
    missing = lee.get("/api/html/spaces/nowhere")
    assert missing.status_code == 404 and "No such space" in missing.text and "Go back" in missing.text


def test_openapi_is_served(hub: Stack) -> None:
    document = requests.get(hub.url("/api/openapi.json"), timeout=10).json()
    assert document["openapi"] == "3.1.0" and "/api/spaces/{slug}/posts" in document["paths"]
