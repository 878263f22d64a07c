"""Feed tokens and links: what a token names, and every way a link stops opening a feed (tampered,
signed with a retired key, revoked, of someone who left), all as one and the same refusal."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from chalicelib._encoding import b64url_encode
from chalicelib.config import SessionKey
from chalicelib.directory import Directory
from chalicelib.feeds.links import FeedLinks, FeedNotFoundError
from chalicelib.feeds.persistence.memory import MemoryFeedsStore
from chalicelib.feeds.tokens import FeedToken, FeedTokenError, FeedTokens
from chalicelib.signing import TokenSigner

OLD = SessionKey("k-old", b"o" * 32)
NEW = SessionKey("k-new", b"n" * 32)
ORIGIN = "https://commons.example.com"


@pytest.fixture()
def directory(tmp_path: Path) -> Directory:
    people = {h: {"name": h.title(), "email": f"{h}@example.com"} for h in ("jane.doe", "lee.park")}
    spaces = {"platform": {"name": "Platform"}, "design": {"name": "Design"}}
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": people, "spaces": spaces}))
    return Directory(str(path))


def test_a_token_names_its_person_and_generation() -> None:
    tokens = FeedTokens([OLD])
    sealed = tokens.seal(FeedToken("jane.doe", 7))
    assert sealed.startswith("f1.k-old.") and sealed.isascii()
    assert tokens.open(sealed) == FeedToken("jane.doe", 7)


def tampered(token: str) -> list[str]:
    version, key_id, payload, signature = token.split(".")
    other_payload = b64url_encode(json.dumps({"h": "lee.park", "g": 0}).encode())
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    return [
        f"{version}.{key_id}.{other_payload}.{signature}",  # someone else's payload, the same signature
        f"{version}.{key_id}.{payload}.{flipped}",
        f"u1.{key_id}.{payload}.{signature}",  # another kind of token's version
        f"{version}.k-unknown.{payload}.{signature}",
        token[:-1],
        token + "A",
        token.replace(".", "", 1),
        token + "é",
        "",
        "." * 3,
        "x" * 5000,
    ]


def test_a_tampered_token_is_refused() -> None:
    tokens = FeedTokens([OLD])
    for forged in tampered(tokens.seal(FeedToken("jane.doe", 0))):
        with pytest.raises(FeedTokenError):
            tokens.open(forged)


def test_only_the_feeds_key_opens_a_token_signed_for_another_purpose() -> None:
    # A genuine session cookie or cursor, signed with the same deployer key, is not a feed token.
    payload = json.dumps({"h": "jane.doe", "g": 0}).encode()
    other = TokenSigner([OLD], purpose="feed-cursor", version="f1", what="cursor").seal(payload)
    with pytest.raises(FeedTokenError, match="signature does not verify"):
        FeedTokens([OLD]).open(other)


@pytest.mark.parametrize(
    "fields", [{"h": "jane.doe"}, {"g": 0}, {"h": "", "g": 0}, {"h": "jane.doe", "g": True}, {"h": 1, "g": 0},
               {"h": "jane.doe", "g": -1}, {"h": "jane.doe", "g": 1.5}, ["jane.doe", 0], "jane.doe"]
)  # fmt: skip
def test_a_genuine_signature_over_the_wrong_fields_is_refused(fields: object) -> None:
    signer = TokenSigner([OLD], purpose="feeds", version="f1", what="feed token")
    with pytest.raises(FeedTokenError, match="wrong fields"):
        FeedTokens([OLD]).open(signer.seal(json.dumps(fields).encode()))
    with pytest.raises(FeedTokenError, match="not JSON"):
        FeedTokens([OLD]).open(signer.seal(base64.b64decode("//79")))


def test_tokens_outlive_a_key_rotation_until_the_old_key_is_retired() -> None:
    before = FeedTokens([OLD]).seal(FeedToken("jane.doe", 2))
    rotated = FeedTokens([NEW, OLD])
    assert rotated.open(before) == FeedToken("jane.doe", 2)
    after = rotated.seal(FeedToken("jane.doe", 2))
    assert after.startswith("f1.k-new.") and after != before
    retired = FeedTokens([NEW])
    assert retired.open(after) == FeedToken("jane.doe", 2)
    with pytest.raises(FeedTokenError, match="unknown or retired key"):
        retired.open(before)


def token_of(url: str) -> str:
    return url.split("?t=", 1)[1]


def test_links_are_absolute_and_revoking_stops_every_old_one(directory: Directory) -> None:
    links = FeedLinks(MemoryFeedsStore(), FeedTokens([OLD]), directory, ORIGIN + "/")
    jane = directory.by_handle("jane.doe")
    assert jane is not None
    first = links.of(jane)
    token = token_of(first["org"])
    assert first == {
        "org": f"{ORIGIN}/api/feeds/org.atom?t={token}",
        "spaces": {slug: f"{ORIGIN}/api/feeds/spaces/{slug}.atom?t={token}" for slug in ("design", "platform")},
    }
    assert links.of(jane) == first, "the links stay the same until they are revoked"
    assert links.reader(token) == jane
    fresh = links.revoke(jane)
    assert fresh != first and links.of(jane) == fresh
    assert links.reader(token_of(fresh["org"])) == jane
    with pytest.raises(FeedNotFoundError, match="revoked"):
        links.reader(token)
    # Revoking twice moves on twice: the first revoke's links stop as well.
    links.revoke(jane)
    with pytest.raises(FeedNotFoundError, match="revoked"):
        links.reader(token_of(fresh["org"]))


def test_every_refusal_is_the_same_not_found_without_the_token_in_its_reason(directory: Directory) -> None:
    store = MemoryFeedsStore()
    links = FeedLinks(store, FeedTokens([OLD]), directory, ORIGIN)
    genuine = FeedTokens([OLD]).seal(FeedToken("jane.doe", 0))
    revoked = FeedTokens([OLD]).seal(FeedToken("lee.park", 0))
    store.revoke("lee.park")
    gone = FeedTokens([OLD]).seal(FeedToken("someone.who.left", 0))
    for refused in [*tampered(genuine), revoked, gone, None]:
        with pytest.raises(FeedNotFoundError) as caught:
            links.reader(refused)
        error = caught.value
        assert (error.code, error.title, error.message) == ("not-found", "Not found", "There is nothing here.")
        signature = (refused or "").rsplit(".", 1)[-1]
        assert len(signature) < 8 or signature not in error.reason
