"""The Backstage importer on a whole organisation: groups become spaces (drafts until their teams
finish them), users become people, and one `make import-backstage` gives a hub that validates and
builds. The example is tests/fixtures/backstage, shaped like the acme catalog Backstage ships."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from hub import validate
from hub.content import SCHEMAS, load_org, split_front_matter
from hub.importers import backstage
from tests.conftest import REPO
from tests.unit.test_build import REPO_URL, mkdocs_build
from tests.unit.test_importers import Outcome

EXAMPLE = REPO / "tests" / "fixtures" / "backstage"
HOME = "# Riverbend\n\nRiverbend makes maps for walkers.\n"
NEEDS_ALL = "needs a purpose, the outcome that counts and two stewards"


def run(capsys: pytest.CaptureFixture[str], content: Path, *catalogs: Path, dry_run: bool = False) -> Outcome:
    code = backstage.main([*map(str, catalogs), "--content", str(content), *(["--dry-run"] if dry_run else [])])
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def catalog_users() -> list[dict[str, Any]]:
    documents = [d for path in sorted(EXAMPLE.glob("*.yaml")) for d in yaml.safe_load_all(path.read_text())]
    return [d for d in documents if d and d["kind"] == "User"]


def front(page: Path) -> dict[str, object]:
    text, _, _, _ = split_front_matter(page.read_text(encoding="utf-8"))
    assert text is not None
    data: dict[str, object] = yaml.safe_load(text)
    return data


def body(page: Path) -> str:
    return split_front_matter(page.read_text(encoding="utf-8"))[2]


@pytest.fixture()
def empty(tmp_path: Path) -> Path:
    """A content folder with nothing but its home page, as a company starts."""
    content = tmp_path / "riverbend"
    content.mkdir()
    (content / "index.md").write_text(HOME, encoding="utf-8")
    return content


@pytest.fixture()
def imported(empty: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    outcome = run(capsys, empty, EXAMPLE / "org.yaml")
    assert outcome.code == 0, outcome.err
    return empty


# The whole example, as an adopter runs it


def test_the_example_imports_validates_and_builds_with_every_user_and_group(empty: Path, tmp_path: Path) -> None:
    imported = subprocess.run(
        ["make", "--no-print-directory", "-s", "import-backstage", f"FILE={EXAMPLE / 'org.yaml'}", f"CONTENT={empty}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr.splitlines() == ["backstage: 0 unchanged, 0 updated, 25 added, 0 removed, 0 problems"]
    validated = subprocess.run(
        [sys.executable, "-m", "hub.validate", str(empty)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "16 people and 9 spaces (9 drafts, listed on the health page), all good" in validated.stderr
    out = tmp_path / "hub"
    built = mkdocs_build(empty, out)
    assert built.returncode == 0, built.stderr

    # Every user is a person: the visitor of the second namespace is the default one's email, so one person.
    org = load_org(empty)
    users = catalog_users()
    assert len(users) == 17
    emails = {str(u["spec"]["profile"]["email"]) for u in users}
    assert {p.email for p in org.people.values()} == emails and len(org.people) == 16
    assert 'user "sandbox/visitor" has the email of user "visitor"' in imported.stdout
    assert all(p.title is None for p in org.people.values())
    # Every group is a space, a draft, in the catalog's tree.
    assert sorted(org.spaces) == [
        "engineering",
        "platform",
        "riverbend",
        "storefront",
        "team-heron",
        "team-kestrel",
        "team-lynx",
        "team-otter",
        "team-wren",
    ]
    assert all(space.draft for space in org.spaces.values())
    assert {s: org.spaces[s].parent for s in ("team-kestrel", "platform", "engineering", "riverbend")} == {
        "team-kestrel": "platform",
        "platform": "engineering",
        "engineering": "riverbend",
        "riverbend": None,
    }
    assert org.spaces["team-kestrel"].is_team and not org.spaces["engineering"].is_team
    for handle in org.people:
        assert (out / "people" / handle / "index.html").is_file(), handle
    for slug in org.spaces:
        assert (out / "teams" / slug / "index.html").is_file(), slug

    # The health page is the onboarding checklist: every draft, what it needs, where to edit it.
    health = (out / "health" / "index.html").read_text(encoding="utf-8")
    assert "Draft spaces (9)" in health
    for slug in org.spaces:
        item = re.search(rf'<li data-draft="{slug}">(.*?)</li>', health)
        assert item is not None, slug
        assert NEEDS_ALL in item.group(1)
        assert f'href="{REPO_URL}/edit/main/site/teams/{slug}.md">edit</a>' in item.group(1)

    # A draft's page says what it still needs, with the edit link, and shows what the catalog knows.
    kestrel = (out / "teams" / "team-kestrel" / "index.html").read_text(encoding="utf-8")
    notice = re.search(r'<div class="admonition warning commons-draft"[^>]*>(.*?)</div>', kestrel)
    assert notice is not None
    assert "This space is a draft" in notice.group(1)
    for need in ("a purpose", "the outcome that counts", "two stewards"):
        assert f"<strong>{need}</strong>" in notice.group(1)
    assert f'<a href="{REPO_URL}/edit/main/site/teams/team-kestrel.md">Edit this page</a>' in notice.group(1)
    assert kestrel.count("Not written yet") == 2
    assert "Members (4)" in kestrel and 'href="../../people/osric.pennywhistle/"' in kestrel
    assert 'href="mailto:team-kestrel@riverbend.example"' in kestrel
    assert "<p>Team Kestrel</p>" in kestrel  # metadata.description is the page's text
    assert 'Team in <a href="../../teams/riverbend/">riverbend</a>' in kestrel

    # A user without a displayName is named by metadata.name; pictures show on the page and in the directory.
    maeve = (out / "people" / "maeve.thornbury" / "index.html").read_text(encoding="utf-8")
    assert '<h1 id="person">maeve.thornbury' in maeve
    assert '<img class="commons-portrait" src="https://pictures.example.com/staff/maeve.svg"' in maeve
    assert "<th>Title</th>" not in maeve
    directory = (out / "people" / "index.html").read_text(encoding="utf-8")
    assert '<img class="commons-avatar" src="https://pictures.example.com/staff/osric.svg"' in directory
    # The visitor has no picture, so no image at all.
    visitor = (out / "people" / "visitor" / "index.html").read_text(encoding="utf-8")
    assert "commons-portrait" not in visitor

    # The functions' snapshot holds the drafts as such.
    snapshot = json.loads((out / "directory.json").read_text(encoding="utf-8"))
    schema = json.loads((SCHEMAS / "directory.schema.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(snapshot)) == []
    assert snapshot["spaces"]["team-kestrel"] == {
        "name": "team-kestrel",
        "kind": "team",
        "draft": True,
        "purpose": None,
        "outcome": None,
        "stewards": [],
        "members": ["ines.valcourt", "maeve.thornbury", "osric.pennywhistle", "visitor"],
        "parent": "platform",
        "url": "teams/team-kestrel/",
    }
    assert snapshot["people"]["osric.pennywhistle"]["title"] is None


def test_strict_drafts_refuses_every_imported_draft_at_its_line(imported: Path) -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "validate", f"CONTENT={imported}", "STRICT_DRAFTS=1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    still_needs = "a draft: still needs a purpose, the outcome that counts and two stewards; write them, then remove"
    assert result.stdout.splitlines() == [
        f"{imported}/teams/{slug}.md:2: {still_needs} 'draft: true'" for slug in sorted(load_org(imported).spaces)
    ]
    assert "validate: 9 problem(s) in 16 people and 9 spaces" in result.stderr


def test_the_example_page_and_person_files_are_as_written(imported: Path) -> None:
    assert (imported / "teams" / "team-kestrel.md").read_text(encoding="utf-8") == (
        "---\n"
        "draft: true\n"
        "name: team-kestrel\n"
        "kind: team\n"
        "parent: platform\n"
        "links:\n"
        "  mailing_list: team-kestrel@riverbend.example\n"
        "---\n"
        "\n"
        "<!-- from Backstage, metadata.description (80d003456050): imports replace this text until you edit it,"
        " then keep yours -->\n"
        "\n"
        "Team Kestrel\n"
    )
    # The department is a community; no user is a member of it, so it lists none.
    assert front(imported / "teams" / "engineering.md") == {
        "draft": True,
        "name": "engineering",
        "kind": "community",
        "parent": "riverbend",
    }
    assert (imported / "people" / "osric.pennywhistle.yml").read_text(encoding="utf-8") == (
        "handle: osric.pennywhistle\n"
        "name: Osric Pennywhistle\n"
        "email: osric-pennywhistle@riverbend.example\n"
        "team: team-kestrel\n"
        "picture: https://pictures.example.com/staff/osric.svg\n"
    )
    owners = (imported.parent / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
    assert "# /riverbend/teams/team-kestrel.md: a draft, with no stewards yet\n" in owners


# Re-running


def test_a_rerun_changes_nothing_and_writes_nothing(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(p for p in imported.rglob("*") if p.is_file())
    before = {p: (p.read_bytes(), p.stat().st_ino) for p in files}

    outcome = run(capsys, imported, EXAMPLE / "org.yaml")

    assert outcome.summary == "backstage: 25 unchanged, 0 updated, 0 added, 0 removed, 0 problems"
    assert {p: (p.read_bytes(), p.stat().st_ino) for p in files} == before
    assert "regenerated" not in outcome.out


def test_a_rerun_updates_what_the_catalog_owns_and_keeps_what_the_team_wrote(
    imported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The team finishes its page and writes its own text; a person adds skills and a proper name.
    kestrel = imported / "teams" / "team-kestrel.md"
    written = (
        kestrel.read_text(encoding="utf-8")
        .replace("draft: true\n", "")
        .replace("kind: team\n", "kind: team\npurpose: Keeps every build under ten minutes.\n")
        .replace("parent: platform\n", "parent: platform\noutcome: A build that took under ten minutes.\n")
        .replace("links:\n", "stewards: [osric.pennywhistle, ines.valcourt]\nlinks:\n  chat: https://chat.example/k\n")
        .replace("Team Kestrel\n", "Ask us about builds.\n")
    )
    kestrel.write_text(written, encoding="utf-8")
    maeve = imported / "people" / "maeve.thornbury.yml"
    maeve.write_text(
        maeve.read_text(encoding="utf-8").replace("name: maeve.thornbury", "name: Maeve Thornbury")
        + "skills:\n- bazel\n",
        encoding="utf-8",
    )
    # Meanwhile the catalog renames, moves and redescribes things.
    changed = tmp_path / "changed"
    shutil.copytree(EXAMPLE, changed)
    edit(
        changed / "team-kestrel-group.yaml",
        "    # No displayName, as in Backstage's own example.\n",
        "    displayName: Kestrel\n",
    )
    edit(changed / "team-kestrel-group.yaml", "description: Team Kestrel", "description: Builds, faster")
    edit(changed / "team-kestrel-group.yaml", "email: team-kestrel@", "email: kestrel@")
    edit(changed / "team-heron-group.yaml", "description: Team Heron", "description: Team Heron, now on storage")
    edit(changed / "team-heron-group.yaml", "parent: platform", "parent: storefront")

    outcome = run(capsys, imported, changed / "org.yaml")

    assert outcome.code == 0, outcome.err
    assert outcome.summary == "backstage: 23 unchanged, 2 updated, 0 added, 0 removed, 0 problems"
    # The catalog's name and mailing list; the team's purpose, outcome, stewards, chat and text.
    assert front(kestrel) == {
        "name": "Kestrel",
        "kind": "team",
        "purpose": "Keeps every build under ten minutes.",
        "outcome": "A build that took under ten minutes.",
        "stewards": ["osric.pennywhistle", "ines.valcourt"],
        "parent": "platform",
        "links": {"chat": "https://chat.example/k", "mailing_list": "kestrel@riverbend.example"},
    }
    assert body(kestrel).endswith("\nAsk us about builds.\n") and "Builds, faster" not in body(kestrel)
    # Heron's text was never edited, so it follows the catalog; so does its parent.
    heron = imported / "teams" / "team-heron.md"
    assert front(heron)["parent"] == "storefront" and front(heron)["draft"] is True
    assert body(heron).endswith("\n\nTeam Heron, now on storage\n")
    # Without a displayName, the name the person wrote stays; what the catalog states is updated.
    assert maeve.read_text(encoding="utf-8") == (
        "handle: maeve.thornbury\n"
        "name: Maeve Thornbury\n"
        "email: maeve-thornbury@riverbend.example\n"
        "team: team-kestrel\n"
        "picture: https://pictures.example.com/staff/maeve.svg\n"
        "skills:\n"
        "- bazel\n"
    )
    # The finished page is no longer a draft, and CODEOWNERS followed its new stewards: all valid.
    assert not load_org(imported).spaces["team-kestrel"].draft
    owners = (imported.parent / ".github" / "CODEOWNERS").read_text(encoding="utf-8")
    assert "# /riverbend/teams/team-kestrel.md: no steward has a code-host username\n" in owners
    assert validate.main([str(imported)]) == 0


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_community_members_follow_the_catalog_and_keep_those_added_by_hand(
    empty: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        GROUP.format(name="guild", type="guild", extra="  members: [ann]\n")
        + USER.format(name="ann", email="ann@example.com", extra="")
        + USER.format(name="bo", email="bo@example.com", extra="  memberOf: [guild]\n")
        + USER.format(name="cy", email="cy@example.com", extra=""),
        encoding="utf-8",
    )
    assert run(capsys, empty, catalog).code == 0
    assert front(empty / "teams" / "guild.md")["members"] == ["ann", "bo"]
    # Someone adds a colleague the catalog does not know; the catalog then moves ann out.
    page = empty / "teams" / "guild.md"
    edit(page, "- ann\n", "- ann\n- dee\n")
    (empty / "people" / "dee.yml").write_text("handle: dee\nname: Dee\nemail: dee@example.com\n", encoding="utf-8")
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("members: [ann]", "members: [cy]"), encoding="utf-8")

    assert run(capsys, empty, catalog).code == 0

    assert front(page)["members"] == ["bo", "cy", "dee"]


GROUP = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: {name}
spec:
  type: {type}
{extra}---
"""
USER = """\
apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: {name}
spec:
  profile:
    email: {email}
{extra}---
"""


def test_a_second_namespace_keeps_its_name_in_handles_and_slugs(
    empty: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox = "  namespace: sandbox\n"
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        GROUP.format(name="red", type="team", extra="")
        + GROUP.format(name="red", type="team", extra="").replace("  name: red\n", "  name: red\n" + sandbox)
        + USER.format(name="ann", email="ann@example.com", extra="  memberOf: [red]\n")
        # A reference without a namespace is in the entity's own; one with it reaches across.
        + USER.format(name="ann", email="ann@sandbox.example.com", extra="  memberOf: [red]\n").replace(
            "  name: ann\n", "  name: ann\n" + sandbox
        )
        + USER.format(name="bo", email="bo@sandbox.example.com", extra="  memberOf: [default/red]\n").replace(
            "  name: bo\n", "  name: bo\n" + sandbox
        ),
        encoding="utf-8",
    )

    outcome = run(capsys, empty, catalog)

    assert outcome.code == 0, outcome.err
    org = load_org(empty)
    assert sorted(org.spaces) == ["red", "sandbox-red"]
    assert {h: p.team for h, p in org.people.items()} == {
        "ann": "red",
        "sandbox-ann": "sandbox-red",
        "sandbox-bo": "red",
    }
    assert org.people["sandbox-ann"].name == "ann"


def test_a_dry_run_writes_nothing_not_even_codeowners(empty: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outcome = run(capsys, empty, EXAMPLE / "org.yaml", dry_run=True)

    assert outcome.code == 0
    assert sorted(p.name for p in empty.iterdir()) == ["index.md"]
    assert not (empty.parent / ".github").exists()
    assert "teams/team-kestrel.md: would be added" in outcome.out.splitlines()
    assert outcome.summary.endswith("25 added, 0 removed, 0 problems (dry run: nothing written)")


# Bad catalog input: one `file:line: message` each, and the rest still imported


BAD_GROUPS = [
    ("spec:\n  type: [team]\n", "  type: [team]", 'group "bad": spec.type must be a non-empty string'),
    ("spec:\n  type: team\n  parent: [platform]\n", "  parent: [platform]", 'group "bad": spec.parent must be'),
    ("spec:\n  type: team\n  children: blue\n", "  children: blue", "spec.children must be a list of group references"),
    ("spec:\n  type: team\n  members: [3]\n", "  members: [3]", "spec.members must be a list of user references"),
    ("spec:\n  type: team\n  profile:\n    email: bad@\n", "    email: bad@", 'group "bad": malformed email "bad@"'),
    ("spec:\n  type: team\n  parent: nowhere\n", "  parent: nowhere", 'parent "nowhere" is not a group in the catalog'),
    ("spec:\n  type: guild\n  members: [nobody]\n", "  members: [nobody]", 'member "nobody" is not a user in the'),
    ("  namespace: [x]\nspec:\n  type: team\n", "  namespace: [x]", "metadata.namespace must be a non-empty string"),
]


@pytest.mark.parametrize(("spec", "offending", "message"), BAD_GROUPS, ids=[m for _, _, m in BAD_GROUPS])
def test_a_bad_group_is_reported_at_its_line(
    empty: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, offending: str, message: str
) -> None:
    catalog = tmp_path / "catalog.yaml"
    text = (
        GROUP.format(name="platform", type="team", extra="")
        + USER.format(name="ann", email="ann@example.com", extra="  memberOf: [platform]\n")
        + "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: bad\n"
        + spec
    )
    catalog.write_text(text, encoding="utf-8")
    line = text.splitlines().index(offending) + 1

    outcome = run(capsys, empty, catalog)

    assert outcome.code == 1
    [problem] = outcome.problems
    assert problem.startswith(f"{catalog}:{line}: ") and message in problem, problem
    assert front(empty / "teams" / "platform.md")["kind"] == "team"
    assert "team: platform\n" in (empty / "people" / "ann.yml").read_text(encoding="utf-8")


BAD_USERS = [
    (
        "  profile:\n    email: ann@example.com\n    picture: http://pictures.example.com/ann.png\n",
        "    picture: http://pictures.example.com/ann.png",
        'user "ann": spec.profile.picture must be an https URL, not "http://pictures.example.com/ann.png"',
    ),
    (
        "  profile:\n    email: ann@example.com\n  memberOf: [nowhere]\n",
        "  memberOf: [nowhere]",
        'user "ann": group "nowhere" is not in the catalog (no teams/nowhere.md)',
    ),
    (
        "  profile:\n    email: ann@example.com\n    displayName: ''\n",
        "    displayName: ''",
        'user "ann": spec.profile.displayName must be a non-empty string',
    ),
]


@pytest.mark.parametrize(("spec", "offending", "message"), BAD_USERS, ids=[m for _, _, m in BAD_USERS])
def test_a_bad_user_is_reported_at_its_line(
    empty: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, offending: str, message: str
) -> None:
    catalog = tmp_path / "catalog.yaml"
    text = (
        USER.format(name="bo", email="bo@example.com", extra="")
        + "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata:\n  name: ann\nspec:\n"
        + spec
    )
    catalog.write_text(text, encoding="utf-8")
    line = text.splitlines().index(offending) + 1

    outcome = run(capsys, empty, catalog)

    assert outcome.code == 1
    assert outcome.problems == [f"{catalog}:{line}: {message}"]
    assert (empty / "people" / "bo.yml").is_file()
    # A group the catalog lacks only costs the team; any other bad field leaves the user out.
    assert (empty / "people" / "ann.yml").is_file() == ("is not in the catalog" in message)


def test_a_duplicate_group_and_bad_location_targets_are_reported(
    empty: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "catalog.yaml"
    text = (
        GROUP.format(name="red", type="team", extra="")
        + GROUP.format(name="Red", type="team", extra="")
        + "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n"
        + "  targets:\n    - ./missing.yaml\n    - https://example.com/catalog.yaml\n"
    )
    catalog.write_text(text, encoding="utf-8")
    lines = text.splitlines()

    outcome = run(capsys, empty, catalog)

    assert outcome.code == 1
    assert outcome.problems == [
        f'{catalog}:{lines.index("  name: Red") + 1}: duplicate group "Red" (first at {catalog}:1)',
        f'{catalog}:{lines.index("  targets:") + 1}: location target "https://example.com/catalog.yaml" is a URL:'
        " download it and pass the file",
        f"{tmp_path / 'missing.yaml'}: cannot read: No such file or directory",
    ]
    assert sorted(p.name for p in (empty / "teams").iterdir()) == ["red.md"]


def test_an_unreadable_page_stops_the_import_before_anything_is_written(
    empty: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (empty / "teams").mkdir()
    (empty / "teams" / "team-kestrel.md").write_text("---\nname: [Kestrel\n---\n", encoding="utf-8")

    outcome = run(capsys, empty, EXAMPLE / "org.yaml")

    assert outcome.code == 1
    assert outcome.problems == ["teams/team-kestrel.md:3: YAML error: expected ',' or ']', but got '<stream end>'"]
    assert sorted(p.name for p in (empty / "teams").iterdir()) == ["team-kestrel.md"]
    assert not (empty / "people").exists()


# The guide and the README, run as written


def example(document: Path, name: str) -> str:
    found = re.search(rf"<!-- example: {re.escape(name)} -->\n```\w+\n(.*?)```", document.read_text(), re.S)
    assert found is not None, f"{document.name} has no example {name!r}"
    return found.group(1)


GUIDE = REPO / "docs" / "backstage.md"


def test_the_guide_runs_as_written(tmp_path: Path) -> None:
    commands = example(GUIDE, "shell").replace("/tmp/riverbend", str(tmp_path / "riverbend")).splitlines()
    assert [c.split()[:2] for c in commands] == [
        ["mkdir", "-p"],
        ["make", "import-backstage"],
        ["make", "validate"],
        ["make", "build"],
    ]
    results = []
    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command + (" --no-print-directory -s" if command.startswith("make ") else "")],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, (command, result.stderr)
        results.append(result)
    _, imported, validated, _ = results
    assert imported.stderr.splitlines()[-1] == example(GUIDE, "import summary").strip()
    assert validated.stderr.splitlines()[-1] == example(GUIDE, "validate summary").strip()
    content = tmp_path / "riverbend"
    page = (content / "teams" / "team-kestrel.md").read_text(encoding="utf-8")
    assert page == example(GUIDE, "teams/team-kestrel.md")
    assert (tmp_path / "riverbend-hub" / "health" / "index.html").is_file()
    # The namespace note, as the guide shows it.
    note = re.search(r"imports them once and says so:\n\n```text\n(.*?)\n```", GUIDE.read_text(), re.S)
    assert note is not None and note.group(1) in imported.stdout.splitlines()


def test_the_guides_problem_messages_are_the_importers(
    empty: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The guide's problems, made by a catalog that has them (their line numbers are the guide's own)."""
    shown = re.search(r"For example:\n\n```text\n(.*?)```", GUIDE.read_text(), re.S)
    assert shown is not None
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        USER.format(name="ann", email="ann@example.com", extra="").replace(
            "ann@example.com\n", "ann@example.com\n    picture: http://pictures.example.com/ann.png\n"
        )
        + GROUP.format(name="red", type="team", extra="  parent: nowhere\n")
        + USER.format(name="bo", email="bo@example.com", extra="  memberOf: [blue]\n"),
        encoding="utf-8",
    )

    outcome = run(capsys, empty, catalog)

    def message(line: str) -> str:
        return line.split(": ", 1)[1]

    assert sorted(map(message, outcome.problems)) == sorted(map(message, shown.group(1).splitlines()))


def test_the_readme_backstage_command_runs(empty: Path) -> None:
    block = re.search(r"#### From Backstage\n.*?```sh\n(.*?)\n```", (REPO / "README.md").read_text(), re.S)
    assert block is not None
    command = block.group(1).replace("catalog/org.yaml", str(EXAMPLE / "org.yaml")).replace("=site", f"={empty}")
    result = subprocess.run(
        ["bash", "-c", command + " --no-print-directory -s"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "backstage: 0 unchanged, 0 updated, 25 added, 0 removed, 0 problems"
