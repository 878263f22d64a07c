"""Concurrent reaction toggles never drift: after any mix of them, each count equals the reactions
stored, and both equal what the people's last toggles asked for. Against moto's server over HTTP,
which (like DynamoDB) applies each request atomically."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from chalicelib.posts import authoring, reactions
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence.base import KINDS
from chalicelib.runtime import services
from tests.integration.conftest import Stack
from tests.integration.posts_client import Person

PEOPLE = 24
TOGGLES_EACH = 10


@pytest.fixture(autouse=True)
def own_table(hub: Stack) -> Iterator[None]:
    """Each test on a small table of its own: moto copies every table a transaction touches, so on
    the suite's shared table each of these hundreds of transactions would cost what the whole
    suite wrote before it (DynamoDB's cost does not grow so). The hub fixture restores the table."""
    hub.install(posts=replace(hub.settings.posts, table=f"concurrency-{uuid.uuid4().hex[:8]}"))
    assert services().posts.store.create_storage()
    yield


def test_concurrent_toggles_end_with_counts_equal_to_the_stored_reactions(hub: Stack) -> None:
    current = services()
    author = Actor("jane.doe", "Jane Doe", frozenset())
    store = current.posts.store
    post = authoring.create_post(
        store, current.directory, author, "platform", "Toggle storm", str(uuid.uuid4()), rate_limit=1000
    ).post
    chooser = random.Random(4)  # noqa: S311 (a repeatable load, not a secret)
    plans = {f"person.{i:02d}": [chooser.choice((True, False)) for _ in range(TOGGLES_EACH)] for i in range(PEOPLE)}

    def run(handle: str) -> bool:
        actor = Actor(handle, handle, frozenset())
        for on in plans[handle]:
            kind = chooser.choice(KINDS[:2])
            reactions.toggle(store, actor, post.id, kind, on)
            reactions.toggle(store, actor, post.id, "thanks", on)
        return plans[handle][-1]

    with ThreadPoolExecutor(max_workers=16) as pool:
        finals = dict(zip(plans, pool.map(run, plans), strict=True))

    stored = store.get(post.id)
    for kind in KINDS:
        assert stored.reaction_count(kind) == len(stored.reactors(kind)), kind
    assert stored.reactors("thanks") == {handle for handle, on in finals.items() if on}
    assert stored.reaction_count("thanks") == sum(finals.values())


def test_concurrent_toggles_over_http_agree_with_the_stored_reactions(hub: Stack) -> None:
    people = [Person(hub, handle) for handle in ("jane.doe", "omar.haddad", "lee.park")]
    post = people[0].create("platform", f"HTTP storm {uuid.uuid4().hex[:8]}")
    url = f"/api/posts/{post['id']}/reactions/celebrate"

    def run(person: Person) -> str:
        state = "off"
        for i in range(10):
            state = "on" if i % 3 != 2 else "off"
            assert person.post(url, {"state": state}).status_code == 200
        return state

    with ThreadPoolExecutor(max_workers=3) as pool:
        finals = list(pool.map(run, people))
    who = people[0].get(f"/api/posts/{post['id']}/reactions").json()["reactions"]["celebrate"]
    count = people[0].thread(post["id"])["post"]["reactions"]["celebrate"]["count"]
    assert count == len(who) == finals.count("on")


def test_one_persons_opposite_toggles_at_once_never_get_a_false_refusal(hub: Stack) -> None:
    """On and off from one person at the same moment: whichever runs second finds the state it
    asked for already true or already changed back. Either way the post is open, and the answer is
    the post as it is, never "post closed"."""
    current = services()
    store = current.posts.store
    actor = Actor("lee.park", "Lee Park", frozenset())
    post = authoring.create_post(
        store, current.directory, actor, "platform", "Flip flop", str(uuid.uuid4()), rate_limit=1000
    ).post

    def flip(on: bool) -> bool:
        answer = reactions.toggle(store, actor, post.id, "like", on)
        return answer.reaction_count("like") == (1 if "like" in answer.mine else 0)

    with ThreadPoolExecutor(max_workers=8) as pool:
        agreed = list(pool.map(flip, [i % 2 == 0 for i in range(200)]))
    assert all(agreed)
    stored = store.get(post.id)
    assert stored.reaction_count("like") == len(stored.reactors("like")) <= 1
