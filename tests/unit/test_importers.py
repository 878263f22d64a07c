"""The directory importers: HR CSV export and Backstage catalog into people/<handle>.yml."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.importers import backstage, hr_csv
from hub.importers._people import handle_from, slugify, unique_handle
from tests.conftest import REPO

FIXTURES = Path(__file__).parent / "fixtures" / "importers"

JDOE = """\
handle: jdoe
name: Jane D.
email: Jane.Doe@example.com
title: Engineer
team: design
manager: sam.lee
timezone: Europe/Lisbon
skills:
- python
- kubernetes
links:
- label: Blog
  url: https://jane.example.com
github: janedoe
"""

SAM_LEE = """\
handle: sam.lee
name: Sam Lee
email: sam.lee@example.com
title: Director of Engineering
team: platform
"""

HEADER = "name,email,title,department,manager email,location\n"


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def problems(self) -> list[str]:
        return self.err.splitlines()[:-1]

    @property
    def summary(self) -> str:
        return self.err.splitlines()[-1]


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A content folder with two teams and two people."""
    site = tmp_path / "site"
    (site / "teams").mkdir(parents=True)
    (site / "people").mkdir()
    for slug, name in (("platform", "Platform"), ("design", "Design")):
        (site / "teams" / f"{slug}.md").write_text(f"---\nname: {name}\nkind: team\n---\n\nWhat {name} does.\n")
    (site / "people" / "jdoe.yml").write_text(JDOE, encoding="utf-8")
    (site / "people" / "sam.lee.yml").write_text(SAM_LEE, encoding="utf-8")
    return site


def snapshot(content: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((content / "people").iterdir())}


def person(content: Path, handle: str) -> str:
    return (content / "people" / f"{handle}.yml").read_text(encoding="utf-8")


def run_hr(capsys: pytest.CaptureFixture[str], export: Path, content: Path, *options: str) -> Outcome:
    code = hr_csv.main([str(export), "--content", str(content), *options])
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def run_backstage(capsys: pytest.CaptureFixture[str], content: Path, *catalogs: Path) -> Outcome:
    code = backstage.main([*map(str, catalogs), "--content", str(content)])
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def export_file(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


@pytest.fixture
def hr_export(tmp_path: Path) -> Path:
    """The fixture export: BOM, CRLF, odd header case and spacing, a title across two lines, a blank line."""
    return Path(shutil.copy(FIXTURES / "hr_export.csv", tmp_path / "hr_export.csv"))


# Handles and slugs


@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("Jane.Doe", "jane.doe"),
        ("o'brien+hr", "o-brien-hr"),
        ("_ops", "ops"),
        ("José", "jos-"),
        ("", "person"),
    ],
)
def test_handle_from_keeps_what_the_schema_allows(text: str, handle: str) -> None:
    assert handle_from(text) == handle


def test_unique_handle_adds_the_first_free_number() -> None:
    assert unique_handle("ana", {"ana", "ana-2"}) == "ana-3"
    assert unique_handle("bo", {"ana"}) == "bo"


def test_slugify_collapses_everything_but_letters_and_digits() -> None:
    assert slugify("  Research & Development ") == "research-development"


# HR export


def test_hr_creates_people_with_exact_yaml(capsys: pytest.CaptureFixture[str], content: Path, hr_export: Path) -> None:
    outcome = run_hr(capsys, hr_export, content)

    assert person(content, "ola.berg") == (
        "handle: ola.berg\n"
        "name: Ola Berg\n"
        "email: ola.berg@example.com\n"
        "title: Head of Platform\n"
        "team: platform\n"
        "location: Oslo, Norway\n"
    )
    assert person(content, "ana.nunez") == (
        "handle: ana.nunez\n"
        "name: Ana Núñez\n"
        "email: Ana.Nunez@Example.com\n"
        "title: Product Designer\n"
        "team: design\n"
        "manager: ola.berg\n"
        "location: Madrid, Spain\n"
    )
    assert outcome.code == 0
    assert outcome.problems == []
    assert outcome.summary == "hr_csv: 0 unchanged, 1 updated, 2 added, 0 removed, 0 problems, 1 not in the export"
    assert "people/ana.nunez.yml: added" in outcome.out.splitlines()


def test_hr_update_keeps_the_fields_hr_does_not_own(
    capsys: pytest.CaptureFixture[str], content: Path, hr_export: Path
) -> None:
    run_hr(capsys, hr_export, content)

    # Matched by email in another case, so the handle stays jdoe; skills, links, github, timezone survive.
    assert person(content, "jdoe") == (
        "handle: jdoe\n"
        "name: Jane Doe\n"
        "email: jane.doe@example.com\n"
        "title: Staff Engineer\n"
        "team: platform\n"
        "manager: ola.berg\n"
        "location: Lisbon, Portugal\n"
        "timezone: Europe/Lisbon\n"
        "skills:\n"
        "- python\n"
        "- kubernetes\n"
        "links:\n"
        "- label: Blog\n"
        "  url: https://jane.example.com\n"
        "github: janedoe\n"
    )
    assert not (content / "people" / "jane.doe.yml").exists()


ALIASED = JDOE.replace(
    "email: Jane.Doe@example.com\n", "email: Jane.Doe@example.com\nemail_aliases:\n- jd@example.org\n"
)


@pytest.mark.parametrize("source", ["hr", "backstage"])
def test_email_aliases_are_kept_in_their_place_by_every_import(
    capsys: pytest.CaptureFixture[str], content: Path, hr_export: Path, catalog: Path, source: str
) -> None:
    """Aliases are the person's own: no source states them, so an import and its rerun keep them."""
    (content / "people" / "jdoe.yml").write_text(ALIASED, encoding="utf-8")

    def run() -> Outcome:
        return run_hr(capsys, hr_export, content) if source == "hr" else run_backstage(capsys, content, catalog)

    assert run().code == 0
    updated = person(content, "jdoe")
    assert updated != ALIASED  # the source's own fields did change
    # Right after the email, where PERSON_FIELDS puts them, whichever case the source gives the email.
    assert re.search(r"\nemail: jane\.doe@example\.com\nemail_aliases:\n- jd@example\.org\ntitle: ", updated, re.I)
    before = snapshot(content)
    assert ", 0 updated, 0 added" in run().summary
    assert snapshot(content) == before


def test_hr_rerun_changes_nothing(capsys: pytest.CaptureFixture[str], content: Path, hr_export: Path) -> None:
    run_hr(capsys, hr_export, content)
    before = snapshot(content)
    inodes = {path.name: path.stat().st_ino for path in (content / "people").iterdir()}

    outcome = run_hr(capsys, hr_export, content)

    assert snapshot(content) == before
    # An atomic write replaces the inode, so equal inodes prove nothing was rewritten.
    assert {path.name: path.stat().st_ino for path in (content / "people").iterdir()} == inodes
    assert outcome.summary == "hr_csv: 3 unchanged, 0 updated, 0 added, 0 removed, 0 problems, 1 not in the export"
    assert "added" not in outcome.out and "updated" not in outcome.out


def test_hr_leaves_hand_formatted_files_alone_when_the_data_is_equal(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path
) -> None:
    hand_written = "# Sam asked for this comment to stay.\n" + SAM_LEE
    (content / "people" / "sam.lee.yml").write_text(hand_written, encoding="utf-8")
    export = export_file(tmp_path, "Sam Lee,sam.lee@example.com,Director of Engineering,Platform,,\n")

    outcome = run_hr(capsys, export, content)

    assert person(content, "sam.lee") == hand_written
    assert outcome.summary.startswith("hr_csv: 1 unchanged, 0 updated, 0 added")


GOOD_ROWS = (
    "Jane Doe,jane.doe@example.com,Staff Engineer,Platform,,\n"  # line 2
    'Ola Berg,ola.berg@example.com,"Head of\nPlatform",Platform,,\n'  # lines 3-4
)
LAST_ROW = "Kim Park,kim.park@example.com,Designer,Design,ola.berg@example.com,\n"  # line 6


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (",nameless@example.com,Engineer,Platform,,", "missing name"),
        ("No Email,,Engineer,Platform,,", "missing email"),
        ('No Email,,"Staff\nEngineer",Platform,,', "missing email"),  # reported where the record starts
        ("Bad Email,bad.example.com,Engineer,Platform,,", 'malformed email "bad.example.com"'),
        ("No Title,no.title@example.com,,Platform,,", "missing title"),
        (
            "Jane Again,JANE.DOE@example.com,Engineer,Platform,,",
            'duplicate email "JANE.DOE@example.com" (first on line 2)',
        ),
        ("Short Row,short@example.com,Engineer", "has 3 fields, the header has 6"),
    ],
)
def test_hr_bad_row_is_reported_at_its_line_and_the_rest_imported(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path, bad_row: str, message: str
) -> None:
    export = export_file(tmp_path, GOOD_ROWS + bad_row + "\n" + LAST_ROW)

    outcome = run_hr(capsys, export, content)

    assert outcome.problems == [f"{export}:5: {message}"]
    assert outcome.code == 1
    assert outcome.summary == "hr_csv: 0 unchanged, 1 updated, 2 added, 0 removed, 1 problem, 1 not in the export"
    assert sorted(snapshot(content)) == ["jdoe.yml", "kim.park.yml", "ola.berg.yml", "sam.lee.yml"]
    assert "name: Jane Doe\n" in person(content, "jdoe")
    assert "manager: ola.berg\n" in person(content, "kim.park")


def test_hr_missing_columns_stop_at_line_1(capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text("Name,Email,Department,Manager Email\nKim Park,kim.park@example.com,Design,\n")
    before = snapshot(content)

    outcome = run_hr(capsys, export, content)

    assert outcome.problems == [
        f'{export}:1: missing columns "title", "location" '
        '(the header, split at each comma, has "name", "email", "department", "manager email")'
    ]
    assert outcome.code == 1
    assert outcome.summary == "hr_csv: 0 unchanged, 0 updated, 0 added, 0 removed, 1 problem"
    assert snapshot(content) == before


def test_hr_unclosed_quote_stops_the_import(capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path) -> None:
    export = export_file(tmp_path, GOOD_ROWS + 'Kim Park,kim.park@example.com,"Designer,Design,,\nLee,x@y.z,T,,,\n')
    before = snapshot(content)

    outcome = run_hr(capsys, export, content)

    assert outcome.problems == [f"{export}:5: CSV error: unexpected end of data"]
    assert outcome.code == 1
    assert snapshot(content) == before


def test_hr_unknown_department_leaves_new_people_without_a_team_and_keeps_an_existing_team(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path
) -> None:
    export = export_file(
        tmp_path,
        "Jane Doe,jane.doe@example.com,Engineer,Growth & Sales,,\nKim Park,kim.park@example.com,Marketer,Marketing,,\n",
    )

    outcome = run_hr(capsys, export, content)

    hint = "(--create-teams adds it as a draft)"
    assert outcome.problems == [
        f'{export}:2: unknown department "Growth & Sales": no teams/growth-sales.md {hint}; kept team "design"',
        f'{export}:3: unknown department "Marketing": no teams/marketing.md {hint}; left without a team',
    ]
    assert outcome.code == 1
    assert "team: design\n" in person(content, "jdoe")
    assert "team:" not in person(content, "kim.park")


def test_hr_team_map_puts_a_department_in_a_named_team(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path
) -> None:
    export = export_file(tmp_path, "Kim Park,kim.park@example.com,Marketer,Growth & Sales,,\n")

    outcome = run_hr(capsys, export, content, "--team-map", "growth  & SALES=platform")

    assert outcome.problems == []
    assert "team: platform\n" in person(content, "kim.park")


def test_hr_unknown_manager_of_a_new_person_is_reported_and_left_unset(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path
) -> None:
    export = export_file(tmp_path, "Kim Park,kim.park@example.com,Engineer,Platform,nobody@example.com,\n")

    outcome = run_hr(capsys, export, content)

    assert outcome.problems == [
        f'{export}:2: unknown manager email "nobody@example.com": not in the export or the people folder; '
        "left without a manager"
    ]
    assert outcome.code == 1
    assert "manager:" not in person(content, "kim.park")


def test_hr_manager_may_be_later_in_the_export_or_only_in_the_people_folder(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path
) -> None:
    export = export_file(
        tmp_path,
        "Jane Doe,jane.doe@example.com,Engineer,Platform,SAM.LEE@example.com,\n"
        "Kim Park,kim.park@example.com,Designer,Design,lou.ray@example.com,\n"
        "Lou Ray,lou.ray@example.com,Design Lead,Design,,\n",
    )

    outcome = run_hr(capsys, export, content)

    assert outcome.problems == []
    assert "manager: sam.lee\n" in person(content, "jdoe")
    assert "manager: lou.ray\n" in person(content, "kim.park")


def test_hr_remove_missing_does_not_keep_managers_who_are_being_removed(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path
) -> None:
    export = export_file(tmp_path, "Jane Doe,jane.doe@example.com,Engineer,Platform,sam.lee@example.com,\n")

    outcome = run_hr(capsys, export, content, "--remove-missing")

    # Keeping `manager: sam.lee` would point at the file this run deletes.
    assert outcome.problems == [
        f'{export}:2: manager email "sam.lee@example.com" is people/sam.lee.yml, which --remove-missing deletes; '
        "left without a manager"
    ]
    assert "manager:" not in person(content, "jdoe")
    assert not (content / "people" / "sam.lee.yml").exists()


def test_hr_lists_people_missing_from_the_export_and_removes_them_on_request(
    capsys: pytest.CaptureFixture[str], content: Path, hr_export: Path
) -> None:
    listed = run_hr(capsys, hr_export, content)

    assert "people/sam.lee.yml: not in the HR export (use --remove-missing to delete)" in listed.out
    assert listed.code == 0
    assert (content / "people" / "sam.lee.yml").exists()

    removed = run_hr(capsys, hr_export, content, "--remove-missing")

    assert "people/sam.lee.yml: removed" in removed.out.splitlines()
    assert removed.summary == "hr_csv: 3 unchanged, 0 updated, 0 added, 1 removed, 0 problems"
    assert removed.code == 0
    assert not (content / "people" / "sam.lee.yml").exists()


def test_hr_remove_missing_is_withheld_when_a_row_has_no_usable_email(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path
) -> None:
    # The malformed row could be Sam, so deleting Sam would be a guess.
    export = export_file(
        tmp_path,
        "Jane Doe,jane.doe@example.com,Engineer,Platform,,\nSam Lee,sam.lee@example,Director,Platform,,\n",
    )

    outcome = run_hr(capsys, export, content, "--remove-missing")

    assert outcome.problems == [
        f'{export}:3: malformed email "sam.lee@example"',
        f"{export}: --remove-missing not applied: 1 row(s) without a usable email could be anyone",
    ]
    assert (content / "people" / "sam.lee.yml").exists()


def test_hr_dry_run_writes_nothing_and_reports_the_same(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path
) -> None:
    export = export_file(
        tmp_path,
        "Jane Doe,jane.doe@example.com,Staff Engineer,Platform,,\nKim Park,kim.park@example.com,Marketer,Marketing,,\n",
    )
    before = snapshot(content)

    dry = run_hr(capsys, export, content, "--dry-run", "--remove-missing")

    assert snapshot(content) == before
    assert dry.out.splitlines() == [
        "people/jdoe.yml: would be updated",
        "people/kim.park.yml: would be added",
        "people/sam.lee.yml: would be removed",
    ]
    real = run_hr(capsys, export, content, "--remove-missing")
    assert (
        dry.problems
        == real.problems
        == [
            f'{export}:3: unknown department "Marketing": no teams/marketing.md (--create-teams adds it as a draft); '
            "left without a team"
        ]
    )
    assert dry.code == real.code == 1
    assert dry.summary == real.summary + " (dry run: nothing written)"
    assert snapshot(content) != before


def test_hr_new_handles_do_not_collide(capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path) -> None:
    export = export_file(
        tmp_path,
        "John Doe,jdoe@example.org,Engineer,Platform,,\n"
        "Jo Doe,JDoe@example.net,Engineer,Platform,,\n"
        "Pat O'Brien,o'brien+hr@example.com,Engineer,Platform,,\n",
    )

    run_hr(capsys, export, content)

    assert "email: jdoe@example.org\n" in person(content, "jdoe-2")
    assert "email: JDoe@example.net\n" in person(content, "jdoe-3")
    assert "name: Pat O'Brien\n" in person(content, "o-brien-hr")
    assert "name: Jane D.\n" in person(content, "jdoe")


def test_hr_invalid_field_for_the_schema_is_reported(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path
) -> None:
    export = export_file(tmp_path, f"Kim Park,kim.park@example.com,{'x' * 121},Design,,\n")

    outcome = run_hr(capsys, export, content)

    assert outcome.problems == [f"{export}:2: invalid title: '{'x' * 121}' is too long"]
    assert not (content / "people" / "kim.park.yml").exists()


def test_hr_broken_people_file_stops_before_anything_is_written(
    capsys: pytest.CaptureFixture[str], content: Path, hr_export: Path
) -> None:
    (content / "people" / "sam.lee.yml").write_text("handle: sam.lee\nname: [Sam\n", encoding="utf-8")
    before = snapshot(content)

    outcome = run_hr(capsys, hr_export, content)

    assert outcome.problems == ["people/sam.lee.yml:3: YAML error: expected ',' or ']', but got '<stream end>'"]
    assert outcome.code == 1
    assert snapshot(content) == before


# Backstage catalog


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    return Path(shutil.copy(FIXTURES / "catalog.yaml", tmp_path / "catalog.yaml"))


def test_backstage_users_and_groups_become_people_with_teams_and_github(
    capsys: pytest.CaptureFixture[str], content: Path, catalog: Path
) -> None:
    outcome = run_backstage(capsys, content, catalog)

    # Platform is a team-type group with a page; all-staff is a department without one.
    assert person(content, "ann.lee") == (
        "handle: ann.lee\n"
        "name: Ann Lee\n"
        "email: ann.lee@example.com\n"
        "title: Site Reliability Engineer\n"
        "team: platform\n"
        "manager: ola_berg\n"
        "github: annlee\n"
    )
    # No group of hers is a team, so the first one with a page wins.
    assert person(content, "ola_berg") == (
        "handle: ola_berg\nname: Ola Berg\nemail: ola.berg@example.com\ntitle: Design Lead\nteam: design\n"
    )
    # Matched by email; what the catalog does not state is kept.
    assert person(content, "jdoe") == JDOE.replace("title: Engineer", "title: Principal Engineer").replace(
        "name: Jane D.", "name: Jane Doe"
    ).replace("email: Jane.Doe@example.com", "email: JANE.DOE@example.com")
    assert outcome.code == 0
    # The two groups' pages too: platform's is updated (now a draft), all-staff's added.
    assert outcome.summary == "backstage: 0 unchanged, 2 updated, 3 added, 0 removed, 0 problems"


def test_backstage_rerun_changes_nothing(capsys: pytest.CaptureFixture[str], content: Path, catalog: Path) -> None:
    run_backstage(capsys, content, catalog)
    before = snapshot(content)

    outcome = run_backstage(capsys, content, catalog)

    assert snapshot(content) == before
    assert outcome.summary == "backstage: 5 unchanged, 0 updated, 0 added, 0 removed, 0 problems"


GOOD_USER = """\
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: kim.park
  title: Designer
spec:
  profile:
    displayName: Kim Park
    email: kim.park@example.com
---
"""


@pytest.mark.parametrize(
    ("user", "offending", "message"),
    [
        (
            "metadata:\n  name: lou\n  title: SRE\nspec:\n  profile:\n    displayName: Lou\n    email: lou@\n",
            "    email: lou@",
            'user "lou": malformed email "lou@"',
        ),
        (
            "metadata:\n  name: lou\n  title: SRE\n  annotations:\n    github.com/user-login: lou_r\n"
            "spec:\n  profile:\n    displayName: Lou\n    email: lou@example.com\n",
            "    github.com/user-login: lou_r",
            "user \"lou\": invalid github: 'lou_r' does not match '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$'",
        ),
        (
            "metadata:\n  name: lou\n  title: SRE\nspec:\n  profile:\n    displayName: Lou\n"
            "    email: lou@example.com\n  memberOf: platform\n",
            "  memberOf: platform",
            'user "lou": spec.memberOf must be a list of group references',
        ),
        (
            "metadata:\n  name: lou\nspec:\n  profile:\n    displayName: Lou\n",
            "  profile:",
            'user "lou" has no spec.profile.email, which Commons knows people by',
        ),
        (
            "metadata:\n  name: lou\n  annotations: [oops]\nspec:\n  profile:\n    displayName: Lou\n"
            "    email: lou@example.com\n",
            "  annotations: [oops]",
            'user "lou": metadata.annotations must be a mapping',
        ),
        (
            "metadata:\n  name: lou\n  title: SRE\n  annotations:\n    commons/manager: user:default/nobody\n"
            "spec:\n  profile:\n    displayName: Lou\n    email: lou@example.com\n",
            "    commons/manager: user:default/nobody",
            'user "lou": unknown manager "user:default/nobody"',
        ),
        (
            "metadata:\n  name: lou\n  title: SRE\nspec:\n  profile:\n    displayName: Lou\n"
            "    email: KIM.park@example.com\n",
            "    email: KIM.park@example.com",
            'user "lou": duplicate email (first at {catalog}:1)',
        ),
    ],
)
def test_backstage_bad_field_is_reported_at_its_line(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path, user: str, offending: str, message: str
) -> None:
    catalog = tmp_path / "catalog.yaml"
    text = GOOD_USER + "apiVersion: backstage.io/v1alpha1\nkind: User\n" + user
    catalog.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    line = len(lines) - lines[::-1].index(offending)  # the last occurrence: the second entity

    outcome = run_backstage(capsys, content, catalog)

    assert line > 10
    assert outcome.problems == [f"{catalog}:{line}: {message.replace('{catalog}', str(catalog))}"]
    assert outcome.code == 1
    assert "name: Kim Park\n" in person(content, "kim.park")
    # An unknown manager is left unset; every other bad field skips the user.
    assert (content / "people" / "lou.yml").exists() == ("unknown manager" in message)


def test_backstage_unparseable_yaml_reports_a_line_and_keeps_other_files(
    capsys: pytest.CaptureFixture[str], content: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(GOOD_USER + "kind: User\nmetadata:\n  name: [lou\nspec: {}\n", encoding="utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(GOOD_USER.replace("kim.park", "lou.ray").replace("Kim Park", "Lou Ray"), encoding="utf-8")

    outcome = run_backstage(capsys, content, broken, good)

    assert outcome.problems == [f"{broken}:14: YAML error: expected ',' or ']', but got ':'"]
    assert outcome.code == 1
    # Nothing from a file that does not parse, not even its good first document.
    assert not (content / "people" / "kim.park.yml").exists()
    assert (content / "people" / "lou.ray.yml").exists()


def test_backstage_command_shows_no_traceback(content: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: User\n\tmetadata: {}\n", encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(REPO / "scripts")}

    result = subprocess.run(
        [sys.executable, "-m", "hub.importers.backstage", str(broken), "--content", str(content)],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{broken}:2: YAML error: found character '\\t' that cannot start any token",
        "backstage: 0 unchanged, 0 updated, 0 added, 0 removed, 1 problem",
    ]


def test_backstage_dry_run_writes_nothing(capsys: pytest.CaptureFixture[str], content: Path, catalog: Path) -> None:
    before = snapshot(content)

    code = backstage.main([str(catalog), "--content", str(content), "--dry-run"])

    assert code == 0
    assert snapshot(content) == before
    assert "people/ann.lee.yml: would be added" in capsys.readouterr().out
