"""directory.json, as the hub build writes it, is what `directory.schema.json` describes."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from hub import pages
from hub.build import write_directory
from hub.content import SCHEMAS, load_org
from hub.synthetic import generate
from tests.conftest import REPO


def schema(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return loaded


def validator() -> Draft202012Validator:
    directory = schema("directory")
    Draft202012Validator.check_schema(directory)
    return Draft202012Validator(directory)


def errors(document: Any) -> list[str]:
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator().iter_errors(document)]


def written(site: Path, out: Path) -> dict[str, Any]:
    """What the build's `write_directory` writes for the content in `site`."""
    org = load_org(site)
    write_directory(org, pages.Views.of(org).members, out)
    loaded: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def sample(built_hub: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((built_hub / "directory.json").read_text(encoding="utf-8"))
    return loaded


def test_the_sample_organisations_built_directory_validates(sample: dict[str, Any]) -> None:
    assert errors(sample) == []
    assert len(sample["people"]) == len(load_org(REPO / "site").people)
    # Nulls and both kinds are in it, so the schema's choices are exercised, not only its common case.
    assert any(person["team"] is None for person in sample["people"].values())
    assert any(person["manager"] is None for person in sample["people"].values())
    # Aliases are always written: an empty list for most, some addresses for the few who list them.
    assert any(person["email_aliases"] == [] for person in sample["people"].values())
    assert any(person["email_aliases"] for person in sample["people"].values())
    assert {space["kind"] for space in sample["spaces"].values()} == {"team", "community"}
    assert any(space["parent"] is None for space in sample["spaces"].values())
    assert any(space["parent"] is not None for space in sample["spaces"].values())


def test_a_synthetic_organisations_directory_validates(tmp_path: Path) -> None:
    site = generate(tmp_path / "org", people=300, spaces=30)
    document = written(site, tmp_path / "directory.json")
    assert len(document["people"]) == 300
    assert errors(document) == []


def test_a_steward_who_left_is_left_out_and_the_directory_still_validates(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(REPO / "site", site, ignore=shutil.ignore_patterns("overrides"))
    (site / "people" / "andrei.popescu.yml").unlink()
    document = written(site, tmp_path / "directory.json")
    assert document["spaces"]["platform"]["stewards"] == ["ingrid.olsen"]
    assert errors(document) == []


def test_every_reference_in_the_sample_directory_is_to_an_entry_in_it(sample: dict[str, Any]) -> None:
    people, spaces = sample["people"], sample["spaces"]
    for handle, person in people.items():
        assert person["url"] == f"people/{handle}/"
        assert person["manager"] is None or person["manager"] in people
        assert person["team"] is None or person["team"] in spaces
    for slug, space in spaces.items():
        assert space["url"] == f"teams/{slug}/"
        assert set(space["stewards"]) <= set(people) and set(space["members"]) <= set(people)
        assert space["parent"] is None or space["parent"] in spaces


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["people"]["aisha.khan"].update(phone="+44 161 000 0000"), ["people", "aisha.khan"]),
        (lambda d: d["people"]["aisha.khan"].pop("manager"), ["people", "aisha.khan"]),
        (lambda d: d["people"]["aisha.khan"].update(team=7), ["people", "aisha.khan", "team"]),
        (lambda d: d["people"]["aisha.khan"].pop("email_aliases"), ["people", "aisha.khan"]),
        (lambda d: d["people"]["aisha.khan"].update(email_aliases=None), ["people", "aisha.khan", "email_aliases"]),
        (
            lambda d: d["people"]["aisha.khan"].update(email_aliases=["not an address"]),
            ["people", "aisha.khan", "email_aliases", 0],
        ),
        (lambda d: d["people"]["aisha.khan"].update(url="/people/aisha.khan/"), ["people", "aisha.khan", "url"]),
        (lambda d: d["people"].update({"Aisha": d["people"]["aisha.khan"]}), ["people"]),
        (lambda d: d["spaces"]["platform"].pop("url"), ["spaces", "platform"]),
        (lambda d: d["spaces"]["platform"].update(kind="guild"), ["spaces", "platform", "kind"]),
        (lambda d: d["spaces"]["platform"]["stewards"].append("ingrid.olsen"), ["spaces", "platform", "stewards"]),
        (lambda d: d["spaces"].update(index=d["spaces"]["platform"]), ["spaces"]),
        (lambda d: d.update(generated="today"), []),
    ],
    ids=[
        "unknown person field",
        "missing manager",
        "team not a string",
        "missing email_aliases",
        "email_aliases null",
        "alias not an address",
        "absolute url",
        "handle not lower-case",
        "missing space url",
        "unknown kind",
        "steward twice",
        "reserved slug",
        "unknown top-level field",
    ],
)
def test_the_schema_refuses_what_the_build_never_writes(
    sample: dict[str, Any], change: Any, where: list[str | int]
) -> None:
    document = copy.deepcopy(sample)
    change(document)
    found = list(validator().iter_errors(document))
    assert found, "the schema accepted a document the build never writes"
    assert [list(error.absolute_path) for error in found] == [where]


@pytest.mark.parametrize(
    ("entry", "source", "names", "optional"),
    [
        ("person", "person", ["name", "email", "email_aliases"], ["title"]),
        ("space", "space", ["name", "kind", "draft"], ["purpose", "outcome"]),
    ],
)
def test_fields_copied_from_the_content_keep_the_contents_rules(
    entry: str, source: str, names: list[str], optional: list[str]
) -> None:
    """A field the build copies as it is must be constrained as the content's own schema constrains it;
    one the content may leave out is null in the snapshot, and otherwise keeps the same rules."""

    def rules(definition: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in definition.items() if key != "description"}

    copied = schema("directory")["$defs"][entry]["properties"]
    original = schema(source)["properties"]
    for name in names:
        assert rules(copied[name]) == rules(original[name]), name
    for name in optional:
        assert rules(copied[name]) == {**rules(original[name]), "type": [original[name]["type"], "null"]}, name
    defs = schema("directory")["$defs"]
    assert defs["handle"]["pattern"] == schema("person")["properties"]["handle"]["pattern"]
    assert defs["slug"]["pattern"] == schema("space")["properties"]["parent"]["pattern"]
