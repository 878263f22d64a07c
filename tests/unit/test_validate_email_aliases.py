"""`email_aliases`: extra addresses a person sends mail from, each unique in the organisation
(with every email), ignoring case, and reported at the alias's own line when it is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.content import load_org
from tests.unit.test_validate import content, edit, problems

__all__ = ["content"]  # the fixture, used by name

ADA = "site/people/ada.lovelace.yml"


def give_aliases(site: Path, handle: str, *aliases: str) -> None:
    """Add `email_aliases` right after the email line (line 3), one alias a line from line 5."""
    path = site / "people" / f"{handle}.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    block = ["email_aliases:\n", *(f"  - {alias}\n" for alias in aliases)]
    path.write_text("".join(lines[:3] + block + lines[3:]), encoding="utf-8")


def test_aliases_are_read_and_valid(content: Path) -> None:
    give_aliases(content, "ada.lovelace", "countess@example.org", "A.Lovelace@example.net")
    assert problems(content) == []
    ada = load_org(content).people["ada.lovelace"]
    assert ada.email_aliases == ["countess@example.org", "A.Lovelace@example.net"]
    assert load_org(content).people["grace.hopper"].email_aliases == []


def test_an_alias_that_is_someone_elses_email(content: Path) -> None:
    give_aliases(content, "ada.lovelace", "countess@example.org", "Grace@Example.com")
    assert problems(content) == [
        f"{ADA}:6: email alias 'Grace@Example.com' is also used by site/people/grace.hopper.yml:3"
    ]


def test_an_alias_that_is_the_email_of_someone_read_later_is_still_the_alias_s_problem(content: Path) -> None:
    """Files are read by name, but an email always wins over an alias: the alias is what to change."""
    give_aliases(content, "grace.hopper", "ALAN@example.com")
    assert problems(content) == [
        "site/people/grace.hopper.yml:5: email alias 'ALAN@example.com' is also used by site/people/alan.turing.yml:3"
    ]


def test_an_alias_that_is_ones_own_email(content: Path) -> None:
    give_aliases(content, "ada.lovelace", "ADA@example.com")
    assert problems(content) == [
        f"{ADA}:5: email alias 'ADA@example.com' is this person's own email (line 3); remove it"
    ]


def test_an_alias_listed_twice_in_another_case(content: Path) -> None:
    give_aliases(content, "ada.lovelace", "countess@example.org", "babbage.fan@example.org", "Countess@Example.org")
    assert problems(content) == [f"{ADA}:7: email alias 'Countess@Example.org' is listed twice (first on line 5)"]


def test_an_alias_listed_twice_exactly_is_reported_at_the_repeat(content: Path) -> None:
    give_aliases(content, "ada.lovelace", "countess@example.org", "babbage.fan@example.org", "countess@example.org")
    assert problems(content) == [f"{ADA}:7: email_aliases[2]: 'countess@example.org' is listed twice (first on line 5)"]


def test_two_people_with_one_alias(content: Path) -> None:
    give_aliases(content, "ada.lovelace", "engines@example.org")
    give_aliases(content, "charles.babbage", "Engines@example.org")
    assert problems(content) == [
        "site/people/charles.babbage.yml:5: email alias 'Engines@example.org' is also used by "
        "site/people/ada.lovelace.yml:5"
    ]


def test_a_duplicate_email_is_still_reported_as_before(content: Path) -> None:
    give_aliases(content, "ada.lovelace", "countess@example.org")
    edit(content / "people" / "grace.hopper.yml", "email: grace@example.com", "email: ADA@example.com")
    assert problems(content) == [
        "site/people/grace.hopper.yml:3: email 'ADA@example.com' is also used by site/people/ada.lovelace.yml:3"
    ]


@pytest.mark.parametrize(
    ("aliases", "expected"),
    [
        (["countess at example.org"], f"{ADA}:5: email_aliases[0]: 'countess at example.org' is not valid here"),
        ([f"a{n}@example.org" for n in range(11)], f"{ADA}:4: email_aliases: "),
    ],
    ids=["not an address", "more than ten"],
)
def test_the_schema_checks_each_alias_and_their_number(content: Path, aliases: list[str], expected: str) -> None:
    give_aliases(content, "ada.lovelace", *aliases)
    [problem] = problems(content)
    assert problem.startswith(expected)


def test_an_empty_list_is_fine_and_a_single_address_is_not_a_list(content: Path) -> None:
    edit(content / "people" / "ada.lovelace.yml", "title: ", "email_aliases: []\ntitle: ")
    assert problems(content) == []
    edit(content / "people" / "ada.lovelace.yml", "email_aliases: []", "email_aliases: countess@example.org")
    [problem] = problems(content)
    assert problem.startswith(f"{ADA}:4: email_aliases: expected array, found str")
