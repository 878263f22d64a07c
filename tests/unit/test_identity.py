"""Matching an ID token to the directory by the configured claim."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.auth.identity import identify
from chalicelib.directory import Directory, DirectoryError
from chalicelib.errors import EmailNotVerifiedError, IdentityError

PEOPLE = {
    "jane.doe": {"name": "Jane Doe", "email": "Jane.Doe@example.com", "title": "Engineer", "team": "platform"},
}


@pytest.fixture()
def directory(tmp_path: Path) -> Directory:
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": PEOPLE, "spaces": {}}))
    return Directory(str(path))


@pytest.mark.parametrize(
    ("claim", "claims"),
    [
        ("email", {"sub": "1", "email": "jane.doe@EXAMPLE.com", "email_verified": True}),
        ("email", {"sub": "1", "email": "jane.doe@example.com"}),  # Entra ID sends no email_verified
        ("preferred_username", {"sub": "1", "preferred_username": "jane.doe"}),
        ("preferred_username", {"sub": "1", "preferred_username": "jane.doe@example.com"}),
        ("upn", {"sub": "1", "upn": "JANE.DOE@example.com"}),
    ],
)
def test_people_are_found_by_the_configured_claim(directory: Directory, claim: str, claims: dict[str, object]) -> None:
    who = identify(claims, directory, claim=claim, allow_unknown_staff=False)
    assert who.person is not None and who.person.handle == "jane.doe"
    assert (who.name, who.email) == ("Jane Doe", "Jane.Doe@example.com")


def test_staff_not_in_the_directory_get_a_minimal_identity(directory: Directory) -> None:
    claims = {"sub": "9", "email": "new@example.com", "name": "New Person"}
    who = identify(claims, directory, claim="email", allow_unknown_staff=True)
    assert who.person is None and (who.name, who.email, who.subject) == ("New Person", "new@example.com", "9")


def test_the_switch_keeps_them_out(directory: Directory) -> None:
    with pytest.raises(IdentityError, match="is not in the directory"):
        identify({"sub": "9", "email": "new@example.com"}, directory, claim="email", allow_unknown_staff=False)


def test_an_unverified_email_is_not_matched(directory: Directory) -> None:
    claims = {"sub": "1", "email": "jane.doe@example.com", "email_verified": False}
    with pytest.raises(EmailNotVerifiedError):
        identify(claims, directory, claim="email", allow_unknown_staff=True)


def test_a_token_without_the_claim_is_refused(directory: Directory) -> None:
    with pytest.raises(IdentityError, match="has no upn claim"):
        identify({"sub": "1", "email": "jane.doe@example.com"}, directory, claim="upn", allow_unknown_staff=True)


def test_with_reload_the_directory_is_read_again_when_the_snapshot_changes(tmp_path: Path) -> None:
    """The dev server's directory: the hub rebuilt under it shows without a restart."""
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": {}, "spaces": {}}))
    directory = Directory(str(path), reload=True)
    assert directory.by_handle("jane.doe") is None
    path.write_text(json.dumps({"people": PEOPLE, "spaces": {}}))
    person = directory.by_handle("jane.doe")
    assert person is not None and person.public()["url"] == "/people/jane.doe/"


def test_without_reload_the_snapshot_is_read_once_and_never_looked_at_again(tmp_path: Path) -> None:
    """Lambda's directory: packaged with the function, so a feed of fifty posts costs no stat."""
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": PEOPLE, "spaces": {}}))
    directory = Directory(str(path))
    assert directory.by_handle("jane.doe") is not None
    path.unlink()  # from here a stat would fail, and the lookup with it
    for _ in range(50):
        assert directory.by_handle("jane.doe") is not None
        assert directory.by_email("jane.doe@example.com") is not None
        assert directory.stewarded_by("jane.doe") == frozenset()


def test_a_missing_or_broken_snapshot_is_an_operator_error(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match="missing"):
        Directory(str(tmp_path / "nope.json")).by_handle("x")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(DirectoryError, match="not readable"):
        Directory(str(tmp_path / "bad.json")).by_handle("x")
