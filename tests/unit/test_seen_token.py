"""The `seen` token: what the API hands out with a post comes back as the same picture of it, and
anything else is refused with a message, never a 500."""

from __future__ import annotations

import pytest

from chalicelib.errors import InvalidInputError
from chalicelib.posts import seen
from chalicelib.posts.persistence.base import Hidden, Post, Seen

POST = Post(
    id="01JD0000000000000000000001",
    space="platform",
    parent="01JD0000000000000000000000",
    thread="01JD0000000000000000000000",
    author="jane.doe",
    created_at="2026-12-01T09:00:00.000Z",
    reactions={"like": frozenset({"lee.park", "omar.haddad"}), "thanks": frozenset({"omar.haddad"})},
    counts={"like": 2, "thanks": 1},
    reaction_version=7,
    first_answer_at="2026-12-01T10:00:00.000Z",
)


def test_a_token_brings_back_the_post_as_its_viewer_saw_it() -> None:
    back = seen.parse(seen.of(POST, "lee.park"), POST.id)
    assert back == Seen.of(POST, "lee.park")
    assert back is not None and back.mine == {"like"} and back.answered and back.open and back.thread == POST.parent
    assert seen.parse(seen.of(POST, None), POST.id) == Seen.of(POST, None)


def test_a_closed_post_and_a_top_level_one_round_trip_too() -> None:
    from dataclasses import replace

    closed = replace(POST, parent=None, thread=POST.id, hidden=Hidden("jane.doe", "spam", "t"), first_answer_at=None)
    back = seen.parse(seen.of(closed, "omar.haddad"), closed.id)
    assert back is not None and not back.open and not back.answered and back.parent is None
    assert back.mine == {"like", "thanks"} and back.thread == closed.id


def test_toggling_moves_the_count_the_version_and_the_viewers_own() -> None:
    before = Seen.of(POST, "lee.park")
    after = before.toggled("thanks", True)
    assert after.reaction_count("thanks") == 2 and after.mine == {"like", "thanks"}
    assert after.reaction_version == 8 and after.toggled("thanks", False).counts == before.counts


def test_no_token_is_none() -> None:
    assert seen.parse(None, POST.id) is None and seen.parse("", POST.id) is None


@pytest.mark.parametrize(
    "token",
    ["%%%", "\udcff", "é", "a" * 600, "bnVsbA", "WzJd", 7, ["x"], seen.of(POST, "x")[:-4]],
)
def test_anything_else_is_refused_with_a_message(token: object) -> None:
    with pytest.raises(InvalidInputError) as refused:
        seen.parse(token, POST.id)
    assert "`seen`" in refused.value.message
