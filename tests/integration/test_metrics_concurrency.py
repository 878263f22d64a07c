"""Many writers at once, each with a store of its own (as separate Lambda containers have, each
with its own picture of the posts), against moto's server over HTTP: afterwards the metrics equal a
recount of what is stored, counter by counter, and the sketch of people holds exactly the elements
of everyone who did something."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from chalicelib.directory import Directory
from chalicelib.errors import NotAllowedError, NotFoundError
from chalicelib.metrics import rules
from chalicelib.posts import authoring, editing, moderation, outcomes, reactions
from chalicelib.posts.actors import Actor
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.persistence import _dynamodb_models as posts_models
from chalicelib.posts.persistence.base import KINDS, Post
from chalicelib.posts.persistence.dynamodb import DynamoDBPostsStore, _post
from chalicelib.runtime import services
from tests.integration.conftest import Stack

WRITERS = 10
ACTIONS_EACH = 14
STEWARDS = frozenset({"platform", "design"})


@pytest.fixture()
def table_settings(hub: Stack) -> Iterator[PostsSettings]:
    settings = replace(hub.settings.posts, table=f"storm-{uuid.uuid4().hex[:10]}")
    DynamoDBPostsStore(settings).create_storage()
    yield settings


def stored(settings: PostsSettings) -> list[Post]:
    """Everything stored, read the way only a test may: a Scan."""
    DynamoDBPostsStore(settings).models()  # bound to this table
    return [_post(item) for item in posts_models.PostItem.scan(posts_models.PostItem.sk == "POST")]


def test_concurrent_writers_leave_metrics_equal_to_a_recount(table_settings: PostsSettings) -> None:
    directory: Directory = services().directory
    now = time.time()
    clock = lambda: now  # noqa: E731 (one moment: every count lands in one week and quarter)
    seed_store = DynamoDBPostsStore(table_settings, clock=clock)
    authors = ["jane.doe", "lee.park", "omar.haddad"]
    roots = [
        authoring.create_post(
            seed_store,
            directory,
            Actor(authors[i % 3], authors[i % 3], frozenset()),
            ("platform", "design")[i % 2],
            f"Question {i}",
            uuid.uuid4().hex,
            rate_limit=1000,
            clock=clock,
        ).post
        for i in range(6)
    ]
    replies: list[Post] = []
    lock = threading.Lock()

    def writer(index: int) -> set[str]:
        handle = authors[index] if index < 3 else f"person.{index:02d}"
        actor = Actor(handle, handle, STEWARDS if index % 4 == 0 else frozenset())
        store = DynamoDBPostsStore(table_settings, clock=clock)  # a container of its own
        chooser = random.Random(index)  # noqa: S311 (a repeatable load, not a secret)
        acted: set[str] = set()
        for _ in range(ACTIONS_EACH):
            roll, root = chooser.random(), chooser.choice(roots)
            try:
                if roll < 0.35:
                    made = authoring.create_reply(
                        store,
                        directory,
                        actor,
                        root.id,
                        "A reply",
                        uuid.uuid4().hex,
                        rate_limit=1000,
                        space_hint=root.space,
                        clock=clock,
                    ).post
                    with lock:
                        replies.append(made)
                    acted.add(handle)
                elif roll < 0.7:
                    with lock:
                        target = chooser.choice([root, *[r for r in replies if r.parent == root.id]])
                    reactions.toggle(store, actor, target.id, chooser.choice(KINDS), chooser.random() < 0.7)
                    acted.add(handle)
                elif roll < 0.82 and actor.stewards(root.space):
                    outcomes.mark(store, directory, actor, root.id, chooser.random() < 0.6, clock=clock)
                    acted.add(handle)
                elif roll < 0.9 and actor.stewards(root.space):
                    if chooser.random() < 0.5:
                        moderation.hide(store, actor, root.id, "Checking", clock=clock)
                    else:
                        moderation.restore(store, actor, root.id)
                else:
                    with lock:
                        mine = [r for r in replies if r.author == handle]
                    if mine:
                        editing.delete(store, actor, chooser.choice(mine).id, clock=clock)
            except (NotAllowedError, NotFoundError):
                pass  # refusals (a closed or hidden post) are part of the storm; storage errors are not
        return acted

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        active = set().union(*pool.map(writer, range(WRITERS)))
    active |= {root.author for root in roots}

    everything = stored(table_settings)
    assert len(everything) == len(roots) + len(replies)
    recount = rules.Tally()
    for post in everything:
        recount.merge(rules.presence(post.presence()))
    week, quarter = rules.iso_week(now), rules.quarter(now)
    metrics = seed_store.metrics()
    for scope, space in (("ORG", None), ("SPACE#platform", "platform"), ("SPACE#design", "design")):
        (counted,) = metrics.weeks(scope, [week])
        expected = dict(recount.counts.get(rules.week_item(scope, week), {}))
        in_scope = [p for p in everything if space is None or p.space == space]
        reactions_net = sum(p.reaction_count(kind) for p in in_scope for kind in KINDS)
        if reactions_net:
            expected["reactions"] = reactions_net
        assert dict(counted.counts) == expected, scope
    # Each answered post's answer is a reply by someone else; a post with none has no answer.
    for root in (p for p in everything if p.parent is None):
        others = [r for r in everything if r.parent == root.id and r.author != root.author]
        assert (root.first_answer_at is not None) == bool(others), root.id
        if root.first_answer_at is not None:
            assert root.first_answer_at in {r.created_at for r in others}
    # People: the very sketch of everyone who posted, replied, reacted or marked.
    elements = {rules.person_element(handle)[1] for handle in active}
    assert metrics.weeks("ORG", [week])[0].people == rules.estimate(elements)
    assert metrics.weeks("ORG", [week])[0].people == len(active)  # small numbers: exact here
    spaces = metrics.quarter(quarter)
    for slug in ("platform", "design"):
        counted_q = spaces[slug]
        expected_q = recount.counts.get(rules.quarter_item(slug, quarter), {})
        # `sketch_adds` counts every addition to the quarter's sketch (a toggle leaves no trace to
        # recount): at least one for each post and reply written in the space.
        adds = counted_q.count(rules.SKETCH_ADDS)
        assert adds >= sum(1 for p in everything if p.space == slug), slug
        assert {k: v for k, v in counted_q.counts.items() if k != rules.SKETCH_ADDS} == expected_q, slug
        waiting = recount.members.get((rules.quarter_part(slug, quarter, rules.UNANSWERED), rules.UNANSWERED), {})
        assert counted_q.unanswered == {post_id for post_id, n in waiting.items() if n > 0}, slug
