"""The two sides of directory.json agree: what the functions' `Directory` reads is what the hub
build's schema (`scripts/hub/schemas/directory.schema.json`) defines, so neither can drift alone."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chalicelib.directory import Directory, Person, Space
from hub.content import SCHEMAS

SCHEMA: dict[str, Any] = json.loads((SCHEMAS / "directory.schema.json").read_text(encoding="utf-8"))
# Read from the entry's key in `people` or `spaces`, not from a field of the entry.
FROM_THE_KEY = {Person: "handle", Space: "slug"}
MINIMAL = {
    "people": {
        "jo.bloggs": {
            "name": "Jo Bloggs",
            "email": "Jo.Bloggs@example.com",
            "email_aliases": [],
            "title": "Engineer",
            "team": None,
            "manager": None,
            "url": "people/jo.bloggs/",
        }
    },
    "spaces": {
        "data-guild": {
            "name": "Data guild",
            "kind": "community",
            "draft": False,
            "purpose": "Shares what we learn about data.",
            "outcome": "A question answered in a day.",
            "stewards": ["jo.bloggs"],
            "members": [],
            "parent": None,
            "url": "teams/data-guild/",
        }
    },
}


def defined(entry: str) -> dict[str, Any]:
    properties: dict[str, Any] = SCHEMA["$defs"][entry]["properties"]
    return properties


def assert_valid(document: Any) -> None:
    assert [error.message for error in Draft202012Validator(SCHEMA).iter_errors(document)] == []


def assert_read_as_written(directory: Directory, document: dict[str, Any]) -> None:
    """Each person and space reads back with every field the `Directory` keeps equal to the document's."""
    for handle, entry in document["people"].items():
        person = directory.by_handle(handle)
        assert person is not None and directory.by_email(entry["email"]) == person
        assert all(directory.by_address(alias) == person for alias in entry["email_aliases"])
        assert not any(directory.by_email(alias) for alias in entry["email_aliases"]), "aliases never sign in"
        assert person.handle == handle
        for name in (f.name for f in fields(Person) if f.name != FROM_THE_KEY[Person]):
            value = getattr(person, name)
            assert (list(value) if isinstance(value, tuple) else value) == entry[name], (handle, name)
    for slug, entry in document["spaces"].items():
        space = directory.space(slug)
        assert space is not None and space.slug == slug
        for name in (f.name for f in fields(Space) if f.name != FROM_THE_KEY[Space]):
            value = getattr(space, name)
            assert (list(value) if isinstance(value, tuple) else value) == entry[name], (slug, name)
        for steward in entry["stewards"]:
            assert slug in directory.stewarded_by(steward)


@pytest.mark.parametrize(("model", "entry"), [(Person, "person"), (Space, "space")])
def test_every_field_the_directory_reads_is_one_the_schema_defines(model: type, entry: str) -> None:
    read = {f.name for f in fields(model)} - {FROM_THE_KEY[model]}
    assert read <= set(defined(entry)), f"read but not in the schema: {sorted(read - set(defined(entry)))}"
    # The ones read are ones the build must write, so a snapshot that validates has them all.
    assert read <= set(SCHEMA["$defs"][entry]["required"])


def test_the_directory_reads_the_sample_organisations_build(built_hub: Path) -> None:
    path = built_hub / "directory.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    assert_valid(document)
    assert_read_as_written(Directory(str(path)), document)


def test_the_directory_reads_a_minimal_valid_snapshot(tmp_path: Path) -> None:
    assert_valid(MINIMAL)
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(MINIMAL), encoding="utf-8")
    directory = Directory(str(path))
    assert_read_as_written(directory, MINIMAL)
    person = directory.by_email("jo.bloggs@example.com")
    assert person is not None and person.team is None
    assert directory.stewarded_by("jo.bloggs") == frozenset({"data-guild"})


def test_a_snapshot_with_aliases_is_valid_and_each_alias_finds_its_person(tmp_path: Path) -> None:
    document = json.loads(json.dumps(MINIMAL))
    document["people"]["jo.bloggs"]["email_aliases"] = ["jo@old.example.com", "J.Bloggs@example.org"]
    assert_valid(document)
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    directory = Directory(str(path))
    assert_read_as_written(directory, document)
    person = directory.by_address("j.bloggs@EXAMPLE.org")
    assert person is not None and person.handle == "jo.bloggs"
    assert person.email_aliases == ("jo@old.example.com", "J.Bloggs@example.org")


def test_a_draft_and_a_person_without_a_title_read_back_as_written(tmp_path: Path) -> None:
    """What an import writes before the teams finish: no title, and a draft with no purpose yet."""
    document = json.loads(json.dumps(MINIMAL))
    document["people"]["jo.bloggs"]["title"] = None
    document["spaces"]["newcomers"] = {
        "name": "Newcomers",
        "kind": "team",
        "draft": True,
        "purpose": None,
        "outcome": None,
        "stewards": [],
        "members": ["jo.bloggs"],
        "parent": None,
        "url": "teams/newcomers/",
    }
    assert_valid(document)
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    directory = Directory(str(path))
    assert_read_as_written(directory, document)
    space = directory.space("newcomers")
    assert space is not None
    assert space.public() | {"url": None} == {
        "slug": "newcomers",
        "name": "Newcomers",
        "kind": "team",
        "draft": True,
        "purpose": None,
        "outcome": None,
        "url": None,
    }
    person = directory.by_handle("jo.bloggs")
    assert person is not None and person.public()["title"] is None


def test_an_empty_organisation_is_a_valid_snapshot_the_directory_reads(tmp_path: Path) -> None:
    empty: dict[str, Any] = {"people": {}, "spaces": {}}
    assert_valid(empty)
    path = tmp_path / "directory.json"
    path.write_text(json.dumps(empty), encoding="utf-8")
    directory = Directory(str(path))
    assert directory.by_handle("jo.bloggs") is None and directory.space_names() == {}
