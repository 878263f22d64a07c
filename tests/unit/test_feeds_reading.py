"""What a feed shows its person, with the in-memory stores: the newest 50 posts they may see, read
a page at a time past what they may not (hidden, deleted), each entry as readers need it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from lxml import etree  # type: ignore[import-untyped]

from chalicelib.directory import Directory, Person
from chalicelib.errors import NotFoundError
from chalicelib.feeds import reading
from chalicelib.feeds.reading import FEED_SIZE, FeedReader
from chalicelib.posts import authoring, editing, moderation
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence.base import FeedKind, Position, Post
from chalicelib.posts.persistence.memory import MemoryPostsStore
from tests.unit.test_feeds_atom import NS, valid_atom

ORIGIN = "https://commons.example.com"
JANE = Actor("jane.doe", "Jane Doe", frozenset({"platform"}))  # steward of platform
LEE = Actor("lee.park", "Lee Park", frozenset())
NOW = 1_796_119_200.0


@pytest.fixture()
def directory(tmp_path: Path) -> Directory:
    people = {
        "jane.doe": {"name": "Jane Doe", "email": "jane@example.com"},
        "lee.park": {"name": "Lee <Park> & Co", "email": "lee@example.com"},
    }
    platform = {"name": "Platform", "purpose": "Runs the platform.", "stewards": ["jane.doe"], "url": "teams/platform/"}
    spaces = {"platform": platform, "design": {"name": "Design", "purpose": "Shares design.", "url": "teams/design/"}}
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": people, "spaces": spaces}))
    return Directory(str(path))


class Posting:
    def __init__(self, store: MemoryPostsStore, directory: Directory) -> None:
        self.store, self.directory, self.tick = store, directory, NOW

    def post(self, actor: Actor, space: str, body: str) -> Post:
        self.tick += 1
        created = authoring.create_post(
            self.store, self.directory, actor, space, body, uuid.uuid4().hex, rate_limit=10_000,
            clock=lambda: self.tick,
        )  # fmt: skip
        return created.post


def person(directory: Directory, handle: str) -> Person:
    found = directory.by_handle(handle)
    assert found is not None
    return found


def ids(document: str) -> list[str]:
    return [e.findtext("a:id", namespaces=NS) or "" for e in valid_atom(document).findall("a:entry", NS)]


def test_the_newest_fifty_visible_posts_past_hidden_and_deleted_ones(directory: Directory) -> None:
    store = MemoryPostsStore()
    posting = Posting(store, directory)
    visible = [posting.post(LEE, "platform", f"Post {n}") for n in range(FEED_SIZE + 5)]
    # Newer than all of those: a run of posts a reader may not see, longer than one page.
    hidden_away = []
    for n in range(FEED_SIZE + 10):
        post = posting.post(LEE, "platform", f"Hidden {n}")
        moderation.hide(store, JANE, post.id, "Off topic")
        hidden_away.append(post)
    deleted = posting.post(JANE, "platform", "Deleted")
    editing.delete(store, JANE, deleted.id)
    in_design = posting.post(JANE, "design", "Design post")
    reader = FeedReader(store, directory, ORIGIN, lambda: NOW)

    space = ids(reader.space(person(directory, "lee.park"), "platform", f"{ORIGIN}/self"))
    assert space == [reading.entry_id(p.id) for p in reversed(visible)][:FEED_SIZE]
    org = ids(reader.org(person(directory, "lee.park"), f"{ORIGIN}/self"))
    assert org == [reading.entry_id(p.id) for p in [in_design, *reversed(visible)]][:FEED_SIZE]
    # Hidden posts stay out of feeds even for the steward and the author, who may open them on the hub.
    for handle in ("jane.doe", "lee.park"):
        assert ids(reader.space(person(directory, handle), "platform", f"{ORIGIN}/self")) == space
    assert not {reading.entry_id(p.id) for p in [*hidden_away, deleted]} & set(org)


class CountingStore(MemoryPostsStore):
    def __init__(self) -> None:
        super().__init__()
        self.feed_requests = 0

    def feed(self, kind: FeedKind, key: str, start: Position | None, limit: int) -> tuple[list[Post], Position | None]:
        self.feed_requests += 1
        return super().feed(kind, key, start, limit)


def test_reading_stops_after_a_few_pages_however_much_is_hidden(directory: Directory) -> None:
    store = CountingStore()
    posting = Posting(store, directory)
    old = posting.post(LEE, "design", "Too far back")
    for n in range(FEED_SIZE * reading.MAX_PAGES):
        moderation.hide(store, JANE, posting.post(LEE, "platform", f"Hidden {n}").id, "Spam")
    store.feed_requests = 0
    reader = FeedReader(store, directory, ORIGIN, lambda: NOW)
    assert reader.newest(person(directory, "lee.park"), "org", "org") == []
    assert store.feed_requests == reading.MAX_PAGES
    assert old.id not in ids(reader.org(person(directory, "lee.park"), f"{ORIGIN}/self"))


def test_an_entry_has_what_a_reader_shows(directory: Directory) -> None:
    store = MemoryPostsStore()
    posting = Posting(store, directory)
    post = posting.post(LEE, "platform", "# Release **notes**\n\nSee [the docs](/teams/platform/) <b>now</b>")
    editing.edit(store, directory, LEE, post.id, "# Release **notes**\n\nSee [the docs](/teams/platform/) & more", 1)
    reader = FeedReader(store, directory, ORIGIN, lambda: NOW)
    self_link = f"{ORIGIN}/api/feeds/org.atom?t=abc"
    root = valid_atom(reader.org(person(directory, "jane.doe"), self_link))
    assert root.findtext("a:title", namespaces=NS) == "Commons: every space"
    assert root.find("a:link[@rel='self']", NS).get("href") == self_link
    assert root.find("a:link[@rel='alternate']", NS).get("href") == f"{ORIGIN}/"
    [item] = root.findall("a:entry", NS)
    assert item.findtext("a:id", namespaces=NS) == reading.entry_id(post.id)
    assert item.findtext("a:title", namespaces=NS) == "Release notes"
    assert item.findtext("a:author/a:name", namespaces=NS) == "Lee <Park> & Co"
    href = item.find("a:link[@rel='alternate']", NS).get("href")
    assert href == f"{ORIGIN}/teams/platform/#post-{post.id}"
    assert item.find("a:category", NS).get("term") == "platform"
    assert item.findtext("a:published", namespaces=NS) != item.findtext("a:updated", namespaces=NS)
    assert root.findtext("a:updated", namespaces=NS) == item.findtext("a:updated", namespaces=NS)
    content = item.findtext("a:content", namespaces=NS) or ""
    body = etree.fromstring(f"<div>{content}</div>")
    assert body.find(".//a").get("href") == f"{ORIGIN}/teams/platform/"
    assert "&amp; more" in content, "the sanitised HTML as it was stored, escaped once as XML text"
    assert reading.entry_id(post.id) == reading.entry_id(post.id) != reading.entry_id("another post")


def test_an_unknown_space_has_no_feed_and_an_empty_feed_is_still_valid(directory: Directory) -> None:
    reader = FeedReader(MemoryPostsStore(), directory, ORIGIN, lambda: NOW)
    with pytest.raises(NotFoundError):
        reader.space(person(directory, "jane.doe"), "nowhere", f"{ORIGIN}/self")
    root = valid_atom(reader.space(person(directory, "jane.doe"), "design", f"{ORIGIN}/self"))
    assert root.findall("a:entry", NS) == [] and root.findtext("a:updated", namespaces=NS) == "2026-12-01T10:00:00Z"
    assert root.findtext("a:title", namespaces=NS) == "Design · Commons"
    assert root.find("a:link[@rel='alternate']", NS).get("href") == f"{ORIGIN}/teams/design/"
