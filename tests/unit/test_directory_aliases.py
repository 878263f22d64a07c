"""The functions' `Directory` finds a sender by any of their addresses, signs in only by the email,
and never shows the aliases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.directory import Directory, Person


def person(email: str, *aliases: str) -> dict[str, Any]:
    name = email.split("@")[0].replace(".", " ").title()
    return {"name": name, "email": email, "email_aliases": list(aliases), "title": "Engineer", "team": None}


@pytest.fixture()
def directory(tmp_path: Path) -> Directory:
    people = {
        "jane.doe": person("Jane.Doe@example.com", "jane@Old.example.com", "jd@example.org"),
        "lee.park": person("lee.park@example.com"),
    }
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": people, "spaces": {}}), encoding="utf-8")
    return Directory(str(path))


@pytest.mark.parametrize(
    "address", ["jane.doe@example.com", "JANE@old.example.com", "jane@old.example.com", "jd@EXAMPLE.org"]
)
def test_a_sender_is_found_by_their_email_and_by_each_alias_ignoring_case(directory: Directory, address: str) -> None:
    found = directory.by_address(address)
    assert found is not None and found.handle == "jane.doe"


def test_sign_in_matches_only_the_email_never_an_alias(directory: Directory) -> None:
    """An alias is vouched for by its owner alone; only the identity provider's email signs in."""
    found = directory.by_email("JANE.DOE@example.com")
    assert found is not None and found.handle == "jane.doe"
    assert directory.by_email("jane@old.example.com") is None and directory.by_email("jd@example.org") is None


def test_the_aliases_are_kept_as_written(directory: Directory) -> None:
    jane, lee = directory.by_handle("jane.doe"), directory.by_handle("lee.park")
    assert jane is not None and jane.email_aliases == ("jane@Old.example.com", "jd@example.org")
    assert lee is not None and lee.email_aliases == ()


def test_an_unknown_address_finds_nobody(directory: Directory) -> None:
    assert directory.by_address("jane@example.org") is None
    assert directory.by_address("old.example.com") is None


def test_public_leaves_the_aliases_out(directory: Directory) -> None:
    jane = directory.by_handle("jane.doe")
    assert jane is not None
    shown = jane.public()
    assert set(shown) == {"handle", "name", "email", "title", "team", "url"}
    assert "old.example.com" not in json.dumps(shown) and "jd@" not in json.dumps(shown)


def test_a_snapshot_from_before_aliases_still_reads(tmp_path: Path) -> None:
    """A Lambda packaged before the build wrote aliases, or a hand-made snapshot, reads as no aliases."""
    entry = person("lee.park@example.com")
    del entry["email_aliases"]
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": {"lee.park": entry}, "spaces": {}}), encoding="utf-8")
    lee = Directory(str(path)).by_email("LEE.PARK@example.com")
    assert lee is not None and lee.email_aliases == ()


def test_an_email_wins_over_an_alias_it_shares(tmp_path: Path) -> None:
    """The validator refuses this; a snapshot that has it anyway never hides a person behind an alias."""
    people = {
        "jane.doe": person("jane.doe@example.com", "lee.park@example.com"),
        "lee.park": person("lee.park@example.com"),
    }
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": people, "spaces": {}}), encoding="utf-8")
    found = Directory(str(path)).by_address("lee.park@example.com")
    assert found is not None and found.handle == "lee.park"


def test_a_person_made_without_aliases_has_none() -> None:
    made = Person(handle="x", name="X", email="x@example.com", title="", team=None, url="people/x/")
    assert made.email_aliases == ()
