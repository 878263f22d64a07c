"""The HR import on what real exports and real content folders look like (issue 11).

Each problem is shown with the person's file as it was before the import and as it is after.
"""

from __future__ import annotations

import csv
import difflib
import io
import shutil
from pathlib import Path

import pytest
import yaml

from hub import validate
from hub.codeowners import codeowners_path, render_codeowners
from hub.content import load_org
from hub.importers import hr_csv
from tests.conftest import REPO
from tests.unit.test_importers import ALIASED, FIXTURES, HEADER, JDOE, SAM_LEE, Outcome

COLUMNS = ["name", "email", "title", "department", "manager email", "location"]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A content folder with two teams and two people, in a repository with no CODEOWNERS yet."""
    site = tmp_path / "repo" / "site"
    (site / "teams").mkdir(parents=True)
    (site / "people").mkdir()
    for slug, name in (("platform", "Platform"), ("design", "Design")):
        (site / "teams" / f"{slug}.md").write_text(f"---\nname: {name}\n---\n\nWhat {name} does.\n")
    (site / "people" / "jdoe.yml").write_text(JDOE, encoding="utf-8")
    (site / "people" / "sam.lee.yml").write_text(SAM_LEE, encoding="utf-8")
    return site


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the repository's own sample organisation with its CODEOWNERS, as an adopter has it."""
    repo = tmp_path / "sample"
    shutil.copytree(REPO / "site", repo / "site", ignore=shutil.ignore_patterns("overrides"))
    (repo / ".github").mkdir()
    shutil.copy(REPO / ".github" / "CODEOWNERS", repo / ".github" / "CODEOWNERS")
    return repo / "site"


def run(capsys: pytest.CaptureFixture[str], export: Path, content: Path, *options: str) -> Outcome:
    code = hr_csv.main([str(export), "--content", str(content), *options])
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def write_export(tmp_path: Path, rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "export.csv"
    path.write_text(header + rows, encoding="utf-8")
    return path


def text(content: Path, handle: str) -> str:
    return (content / "people" / f"{handle}.yml").read_text(encoding="utf-8")


def changed_lines(before: str, after: str) -> list[str]:
    """The diff's removed and added lines, without its headers and context."""
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")]


# Delimiters and encodings

JDOE_AFTER_EXPORTS = (
    "handle: jdoe\n"
    "name: Jane Doe\n"
    "email: Jane.Doe@example.com\n"
    "title: Staff Engineer\n"
    "team: design\n"
    "manager: juergen.weiss\n"
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


@pytest.mark.parametrize(
    ("fixture", "note"),
    [
        ("excel_csv_utf8_semicolon.csv", None),  # Excel "CSV UTF-8", European locale: ; and a BOM, CRLF
        ("excel_csv_windows1252_semicolon.csv", "not UTF-8, read as Windows-1252 (--encoding chooses another)"),
        ("excel_unicode_text.txt", None),  # Excel "Unicode Text": tabs, UTF-16 with a BOM
        ("sheets_tab_separated.tsv", None),  # Google Sheets: tabs, nothing quoted
    ],
)
def test_real_world_exports_import_alike(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path, fixture: str, note: str | None
) -> None:
    export = Path(shutil.copy(FIXTURES / fixture, tmp_path / fixture))
    assert JDOE != JDOE_AFTER_EXPORTS  # before

    outcome = run(capsys, export, site)

    assert outcome.problems == []
    assert outcome.code == 0
    assert outcome.summary == "hr_csv: 0 unchanged, 1 updated, 2 added, 0 removed, 0 problems, 1 not in the export"
    assert (f"{export}: {note}" in outcome.out.splitlines()) == (note is not None)
    assert text(site, "juergen.weiss") == (
        "handle: juergen.weiss\n"
        "name: Jürgen Weiß\n"
        "email: juergen.weiss@example.com\n"
        "title: Head of Platform; Site Reliability\n"
        "team: platform\n"
        "location: München, Deutschland\n"
    )
    assert text(site, "zoe.lefevre") == (
        "handle: zoe.lefevre\n"
        "name: Zoë Lefèvre\n"
        "email: zoe.lefevre@example.com\n"
        "title: Ingénieure plateforme\n"
        "team: platform\n"
        "manager: juergen.weiss\n"
        "location: Lyon, France\n"
    )
    assert text(site, "jdoe") == JDOE_AFTER_EXPORTS  # after


def test_a_sep_line_states_the_delimiter_and_counts_as_a_line(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path
) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "sep=;\nName;Email;Title;Department;Manager Email;Location\n"
        "Kim Park;kim.park@example.com;Designer;Design;;Oslo, Norway\n"
        "No Title;no.title@example.com;;Design;;\n",
        encoding="utf-8",
    )

    outcome = run(capsys, export, site)

    assert outcome.problems == [f"{export}:4: missing title"]
    assert "location: Oslo, Norway\n" in text(site, "kim.park")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "Full name|Mail|Job|Dept|Boss|City\n",
            'cannot tell how the cells are separated: expected a header row with "name", "email", "title", '
            '"department", "manager email", "location", separated by commas, semicolons or tabs',
        ),
        (
            "Full name;Mail;Title;Department;Manager Email;Location\n",
            'missing columns "name", "email" (the header, split at each semicolon, has "full name", "mail", '
            '"title", "department", "manager email", "location")',
        ),
        (
            "Name\tEmail\tTitle\tDepartment\tLocation\n",
            'missing column "manager email" (the header, split at each tab, has "name", "email", "title", '
            '"department", "location")',
        ),
        ("sep=|\nName|Email\n", "unsupported delimiter '|': use a comma, a semicolon or a tab"),
    ],
)
def test_a_header_that_cannot_be_read_stops_at_line_1_and_names_the_file(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path, header: str, message: str
) -> None:
    export = write_export(tmp_path, "Kim Park|kim.park@example.com|Designer|Design||Oslo\n", header)
    before = sorted((site / "people").iterdir())

    outcome = run(capsys, export, site)

    assert outcome.problems == [f"{export}:1: {message}"]
    assert outcome.code == 1
    assert sorted((site / "people").iterdir()) == before


def test_a_header_in_another_language_is_read_with_the_sniffed_delimiter_to_say_what_it_has(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path
) -> None:
    # No expected column at all, so the header cannot decide: csv.Sniffer finds the semicolons.
    export = write_export(
        tmp_path,
        "Kim Park;kim.park@example.com;Designer;Design;;Paris, France\n"
        "Lou Ray;lou.ray@example.com;Designer;Design;;Lyon, France\n",
        "Nom;Courriel;Poste;Service;Responsable;Ville\n",
    )

    outcome = run(capsys, export, site)

    assert outcome.problems == [
        f'{export}:1: missing columns "name", "email", "title", "department", "manager email", "location" '
        '(the header, split at each semicolon, has "nom", "courriel", "poste", "service", "responsable", "ville")'
    ]


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        # 0x81 is the one byte Windows-1252 leaves undefined, so this is neither encoding.
        (HEADER.encode() + b"Kim Park,kim@example.com,Designer,Design,,\nBad\x81,x@example.com,T,,,\n", (), ":3: "),
        ("name,email".encode("utf-16-le"), (), ":1: looks like UTF-16 without a byte-order mark: save it as CSV UTF-8"),
        ((HEADER + "Zoë,zoe@example.com,Designer,Design,,\n").encode("cp1252"), ("--encoding", "utf-8"), ":2: "),
    ],
)
def test_text_that_does_not_decode_is_refused_at_its_line(
    capsys: pytest.CaptureFixture[str],
    site: Path,
    tmp_path: Path,
    data: bytes,
    options: tuple[str, ...],
    message: str,
) -> None:
    export = tmp_path / "export.csv"
    export.write_bytes(data)

    outcome = run(capsys, export, site, *options)

    assert len(outcome.problems) == 1
    assert outcome.problems[0].startswith(f"{export}{message}")
    assert outcome.code == 1
    assert not (site / "people" / "kim.park.yml").exists()


def test_an_unknown_encoding_or_team_slug_is_refused_by_the_command_line(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path
) -> None:
    export = write_export(tmp_path, "")
    for options, message in (
        (("--encoding", "klingon"), "argument --encoding: unknown encoding 'klingon'"),
        (("--team-map", "Sales=Sales Team"), "'sales team' cannot be a team slug"),
        (("--team-map", "Sales=index"), "'index' cannot be a team slug"),
    ):
        with pytest.raises(SystemExit) as stopped:
            hr_csv.main([str(export), "--content", str(site), *options])
        assert stopped.value.code == 2
        assert message in capsys.readouterr().err


# Never erase a field because of a bad reference


@pytest.mark.parametrize(
    ("manager_email", "problem"),
    [
        ("nobody@example.com", 'unknown manager email "nobody@example.com": not in the export or the people folder'),
        ("sam.lee@example", 'malformed manager email "sam.lee@example"'),
        ("JANE.DOE@example.com", 'manager email "JANE.DOE@example.com" is the person\'s own'),
    ],
)
def test_a_bad_manager_reference_keeps_the_manager_on_file(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path, manager_email: str, problem: str
) -> None:
    assert "manager: sam.lee\n" in JDOE  # before
    export = write_export(tmp_path, f"Jane Doe,jane.doe@example.com,Staff Engineer,Design,{manager_email},\n")

    outcome = run(capsys, export, site)

    assert outcome.problems == [f'{export}:2: {problem}; kept manager "sam.lee"']
    assert outcome.code == 1
    # After: what HR got right is imported, what it got wrong is left as it was.
    assert text(site, "jdoe") == JDOE.replace("name: Jane D.", "name: Jane Doe").replace(
        "title: Engineer", "title: Staff Engineer"
    ).replace("email: Jane.Doe@example.com", "email: jane.doe@example.com")


def test_a_manager_given_by_an_alias_is_that_person(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path
) -> None:
    sam = SAM_LEE + "email_aliases:\n- sam@example.org\n"
    (site / "people" / "sam.lee.yml").write_text(sam, encoding="utf-8")
    export = write_export(tmp_path, "Kim Park,kim.park@example.com,Designer,Design,SAM@example.org,\n")

    outcome = run(capsys, export, site)

    assert outcome.problems == []
    assert "manager: sam.lee\n" in text(site, "kim.park")


def test_a_person_whose_email_is_now_their_alias_is_the_same_person(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path
) -> None:
    before = ALIASED
    (site / "people" / "jdoe.yml").write_text(before, encoding="utf-8")
    export = write_export(tmp_path, "Jane Doe,jd@example.org,Engineer,Design,sam.lee@example.com,\n")

    outcome = run(capsys, export, site)

    assert outcome.problems == []
    assert sorted(path.name for path in (site / "people").iterdir()) == ["jdoe.yml", "sam.lee.yml"]
    # The new email and the old one trade places, so mail from either still finds Jane.
    assert changed_lines(before, text(site, "jdoe")) == [
        "-name: Jane D.",
        "-email: Jane.Doe@example.com",
        "+name: Jane Doe",
        "+email: jd@example.org",
        "-- jd@example.org",
        "+- Jane.Doe@example.com",
    ]
    assert "people/jdoe.yml: not in the HR export" not in outcome.out
    org = load_org(site)
    assert [p for p in validate.check_structure(org) if "email" in p.message] == []


def test_two_rows_with_two_addresses_of_one_person_import_the_first(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path
) -> None:
    aliased = ALIASED
    (site / "people" / "jdoe.yml").write_text(aliased, encoding="utf-8")
    export = write_export(
        tmp_path,
        "Jane Doe,jane.doe@example.com,Staff Engineer,Design,,\nJ. Doe,jd@example.org,Intern,Design,,\n",
    )

    outcome = run(capsys, export, site)

    assert outcome.problems == [
        f'{export}:3: email "jd@example.org" is another address of people/jdoe.yml, already imported from line 2'
    ]
    assert "title: Staff Engineer\n" in text(site, "jdoe")


# Departments


def test_an_unknown_department_is_reported_and_the_team_on_file_kept(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path
) -> None:
    export = write_export(tmp_path, "Jane Doe,jane.doe@example.com,Engineer,Growth & Sales,sam.lee@example.com,\n")

    outcome = run(capsys, export, site)

    assert outcome.problems == [
        f'{export}:2: unknown department "Growth & Sales": no teams/growth-sales.md '
        '(--create-teams adds it as a draft); kept team "design"'
    ]
    assert "team: design\n" in text(site, "jdoe")
    assert not (site / "teams" / "growth-sales.md").exists()


DRAFT = "---\ndraft: true\nname: Growth & Sales\nkind: team\n---\n"


def test_create_teams_adds_each_unknown_department_once_as_a_draft_team(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path
) -> None:
    export = write_export(
        tmp_path,
        "Jane Doe,jane.doe@example.com,Engineer,Growth & Sales,,\n"
        "Kim Park,kim.park@example.com,Marketer,growth & sales,,\n"
        "Lou Ray,lou.ray@example.com,Designer,Design,,\n",
    )
    teams_before = sorted(path.name for path in (site / "teams").iterdir())

    outcome = run(capsys, export, site, "--create-teams")

    assert outcome.problems == []
    assert outcome.code == 0
    assert sorted(path.name for path in (site / "teams").iterdir()) == sorted([*teams_before, "growth-sales.md"])
    assert (site / "teams" / "growth-sales.md").read_text(encoding="utf-8") == DRAFT
    assert (
        'teams/growth-sales.md: added as a draft team for department "Growth & Sales"; '
        "its team writes the purpose, outcome and stewards"
    ) in outcome.out.splitlines()
    assert outcome.summary == (
        "hr_csv: 0 unchanged, 1 updated, 2 added, 0 removed, 0 problems, 1 draft added, 1 not in the export"
    )
    assert "team: growth-sales\n" in text(site, "jdoe")
    assert "team: growth-sales\n" in text(site, "kim.park")
    assert "team: design\n" in text(site, "lou.ray")

    again = run(capsys, export, site, "--create-teams")

    assert again.summary == "hr_csv: 3 unchanged, 0 updated, 0 added, 0 removed, 0 problems, 1 not in the export"


def test_create_teams_in_a_dry_run_writes_nothing_and_says_what_it_would_add(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path
) -> None:
    export = write_export(tmp_path, "Kim Park,kim.park@example.com,Marketer,Growth & Sales,,\n")

    outcome = run(capsys, export, site, "--create-teams", "--dry-run")

    assert outcome.problems == []
    assert outcome.out.splitlines()[:2] == [
        'teams/growth-sales.md: would be added as a draft team for department "Growth & Sales"; '
        "its team writes the purpose, outcome and stewards",
        "people/kim.park.yml: would be added",
    ]
    assert not (site / "teams" / "growth-sales.md").exists()
    assert not (site / "people" / "kim.park.yml").exists()


def test_create_teams_uses_the_team_map_slug(capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path) -> None:
    export = write_export(tmp_path, "Kim Park,kim.park@example.com,Marketer,Growth & Sales,,\n")

    run(capsys, export, site, "--create-teams", "--team-map", "Growth & Sales=growth")

    assert (site / "teams" / "growth.md").read_text(encoding="utf-8") == DRAFT
    assert "team: growth\n" in text(site, "kim.park")


@pytest.mark.parametrize(
    ("department", "problem"),
    [
        ("???", 'department "???" has no letters or digits to name a team'),
        ("Index", 'department "Index" would be teams/index.md, which the hub uses itself (see --team-map)'),
        ("x" * 121, "department name longer than 120 characters, the most a team's name may have"),
        (
            "Python Guild",
            'department "Python Guild" is teams/python-guild.md, a community, not a team (see --team-map)',
        ),
    ],
)
def test_a_department_that_cannot_be_a_team_page_is_reported_even_with_create_teams(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path, department: str, problem: str
) -> None:
    (site / "teams" / "python-guild.md").write_text("---\nname: Python guild\nkind: community\n---\n")
    export = write_export(tmp_path, f"Jane Doe,jane.doe@example.com,Engineer,{department},,\n")
    teams = sorted((site / "teams").iterdir())

    outcome = run(capsys, export, site, "--create-teams")

    assert outcome.problems == [f'{export}:2: {problem}; kept team "design"']
    assert sorted((site / "teams").iterdir()) == teams


# CODEOWNERS


def sample_export(content: Path, tmp_path: Path, changes: dict[str, dict[str, str]], extra: str = "") -> Path:
    """An export of every person in `content` as their files say, with `changes` by handle."""
    emails = {}
    records = []
    for path in sorted((content / "people").glob("*.yml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        emails[record["handle"]] = record["email"]
        records.append(record)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records:
        row = {
            "name": record["name"],
            "email": record["email"],
            "title": record["title"],
            "department": record.get("team", ""),
            "manager email": emails.get(record.get("manager", ""), ""),
            "location": record.get("location", ""),
        } | changes.get(record["handle"], {})
        writer.writerow([row[column] for column in COLUMNS])
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue() + extra, encoding="utf-8")
    return path


def test_codeowners_is_regenerated_so_validation_passes_after_an_import(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    owners = codeowners_path(sample)
    before = owners.read_text(encoding="utf-8")
    assert validate.main([str(sample)]) == 0
    capsys.readouterr()
    # Ethan moves from Platform to Sales, and Lea joins Platform: both change who reviews their files.
    export = sample_export(
        sample,
        tmp_path,
        {"ethan.brooks": {"department": "sales"}},
        "Lea Fischer,lea.fischer@example.com,Site Reliability Engineer,Platform,ingrid.olsen@example.com,Berlin\r\n",
    )

    outcome = run(capsys, export, sample)

    assert outcome.problems == []
    assert outcome.summary == "hr_csv: 59 unchanged, 1 updated, 1 added, 0 removed, 0 problems"
    assert f"{owners}: regenerated from the stewards" in outcome.out.splitlines()
    after = owners.read_text(encoding="utf-8")
    assert after == render_codeowners(load_org(sample))
    changed = changed_lines(before, after)
    assert [line.split()[0] for line in changed] == [
        "-/site/people/ethan.brooks.yml",
        "+/site/people/ethan.brooks.yml",
        "+/site/people/lea.fischer.yml",
    ]
    assert validate.main([str(sample)]) == 0
    assert capsys.readouterr().err == "validate: 61 people and 8 spaces, all good\n"


def test_codeowners_is_left_alone_when_the_import_changes_nothing(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    owners = codeowners_path(sample)
    inode = owners.stat().st_ino

    outcome = run(capsys, sample_export(sample, tmp_path, {}), sample)

    assert outcome.summary == "hr_csv: 60 unchanged, 0 updated, 0 added, 0 removed, 0 problems"
    assert "CODEOWNERS" not in outcome.out
    assert owners.stat().st_ino == inode


def test_a_repository_without_codeowners_gets_one(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path
) -> None:
    export = write_export(tmp_path, "Kim Park,kim.park@example.com,Designer,Design,,\n")

    outcome = run(capsys, export, site)

    owners = codeowners_path(site)
    assert f"{owners}: regenerated from the stewards" in outcome.out.splitlines()
    assert owners.read_text(encoding="utf-8") == render_codeowners(load_org(site))


# Formatting: a re-import's diff shows only what changed

HAND_WRITTEN = """\
# Kept by hand: HR owns the first fields, Jane the rest.
handle: jdoe
name: 'Jane D.'
email: Jane.Doe@example.com
title: "Engineer"
team: design
manager: sam.lee
timezone: Europe/Lisbon
skills:
{dash}python
{dash}kubernetes  # since 2019
links:
{dash}label: Blog
{more}url: https://jane.example.com
github: janedoe
"""


@pytest.mark.parametrize("indent", ["  ", ""], ids=["indented lists", "flush lists"])
def test_a_reimport_changes_only_the_lines_whose_values_changed(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path, indent: str
) -> None:
    before = HAND_WRITTEN.format(dash=indent + "- ", more=indent + "  ")
    (site / "people" / "jdoe.yml").write_text(before, encoding="utf-8")
    export = write_export(
        tmp_path, 'Jane Doe,Jane.Doe@example.com,Staff Engineer,Design,sam.lee@example.com,"Lisbon, Portugal"\n'
    )

    run(capsys, export, site)
    after = text(site, "jdoe")

    # The quotes stay, the new field goes where the schema's order puts it, the rest is byte for byte.
    assert changed_lines(before, after) == [
        "-name: 'Jane D.'",
        "+name: 'Jane Doe'",
        '-title: "Engineer"',
        '+title: "Staff Engineer"',
        "+location: Lisbon, Portugal",
    ]
    assert after.index("location:") == after.index("timezone:") - len("location: Lisbon, Portugal\n")

    # Then HR drops the location and changes the title again: two lines, nothing else.
    write_export(tmp_path, "Jane Doe,Jane.Doe@example.com,Principal Engineer,Design,sam.lee@example.com,\n")
    run(capsys, export, site)

    assert changed_lines(after, text(site, "jdoe")) == [
        '-title: "Staff Engineer"',
        '+title: "Principal Engineer"',
        "-location: Lisbon, Portugal",
    ]


def test_a_reimport_of_the_sample_organisation_changes_one_line_for_one_change(
    capsys: pytest.CaptureFixture[str], sample: Path, tmp_path: Path
) -> None:
    before = {path.name: path.read_bytes() for path in (sample / "people").iterdir()}
    export = sample_export(sample, tmp_path, {"aisha.khan": {"title": "Senior Engineering Program Manager"}})

    outcome = run(capsys, export, sample)

    assert outcome.summary == "hr_csv: 59 unchanged, 1 updated, 0 added, 0 removed, 0 problems"
    after = {path.name: path.read_bytes() for path in (sample / "people").iterdir()}
    assert [name for name in before if before[name] != after[name]] == ["aisha.khan.yml"]
    # The sample's lists are indented under their key; PyYAML alone would have moved all three items.
    assert changed_lines(before["aisha.khan.yml"].decode(), after["aisha.khan.yml"].decode()) == [
        "-title: Engineering Program Manager",
        "+title: Senior Engineering Program Manager",
    ]


def test_a_byte_order_mark_and_windows_line_breaks_survive_a_rewrite(
    capsys: pytest.CaptureFixture[str], site: Path, tmp_path: Path
) -> None:
    before = ("\ufeff" + SAM_LEE).replace("\n", "\r\n").encode("utf-8")
    (site / "people" / "sam.lee.yml").write_bytes(before)
    export = write_export(tmp_path, "Sam Lee,sam.lee@example.com,VP Engineering,Platform,,Oslo\n")

    run(capsys, export, site)

    assert (site / "people" / "sam.lee.yml").read_bytes() == before.replace(
        b"Director of Engineering", b"VP Engineering"
    ) + b"location: Oslo\r\n"
