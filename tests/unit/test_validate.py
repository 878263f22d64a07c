"""The validator: one test per kind of problem, each pinned to its exact `path:line`."""

from __future__ import annotations

import signal
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.codeowners import codeowners_path, render_codeowners
from hub.content import load_org
from hub.problems import Problem
from hub.validate import check, github_annotation, main

PEOPLE = {
    "ada.lovelace": """\
        handle: ada.lovelace
        name: Ada Lovelace
        email: ada@example.com
        title: Chief Engineer
        team: engines
        location: London, United Kingdom
        timezone: Europe/London
        skills: [maths, python]
        github: ada
        """,
    "charles.babbage": """\
        handle: charles.babbage
        name: Charles Babbage
        email: charles@example.com
        title: Engineer
        team: engines
        manager: ada.lovelace
        github: cbabbage
        """,
    "grace.hopper": """\
        handle: grace.hopper
        name: Grace Hopper
        email: grace@example.com
        title: Compiler Lead
        team: compilers
        manager: ada.lovelace
        """,
    "alan.turing": """\
        handle: alan.turing
        name: Alan Turing
        email: alan@example.com
        title: Researcher
        team: compilers
        manager: grace.hopper
        github: aturing
        """,
}

SPACES = {
    "engines": """\
        ---
        name: Engines
        kind: team
        purpose: Builds the engines that compute the tables.
        outcome: A table computed without error.
        stewards:
          - ada.lovelace
          - charles.babbage
        ---

        We build engines.
        """,
    "compilers": """\
        ---
        name: Compilers
        kind: team
        purpose: Turns programs into instructions for the engines.
        outcome: A program compiled on the first try.
        stewards: [grace.hopper, alan.turing]
        parent: engines
        links:
          chat: https://chat.example.com/compilers
        ---

        We write compilers.
        """,
    "maths-circle": """\
        ---
        name: Maths circle
        kind: community
        purpose: Shares a love of mathematics across the company.
        outcome: A question about maths answered.
        stewards: [ada.lovelace, alan.turing]
        members: [ada.lovelace, alan.turing, grace.hopper]
        ---

        Puzzles on Fridays.
        """,
}


@pytest.fixture()
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A small valid organisation in tmp/site, with the working directory at tmp."""
    site = tmp_path / "site"
    (site / "people").mkdir(parents=True)
    (site / "teams").mkdir()
    for handle, text in PEOPLE.items():
        (site / "people" / f"{handle}.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    for slug, text in SPACES.items():
        (site / "teams" / f"{slug}.md").write_text(textwrap.dedent(text), encoding="utf-8")
    owners = codeowners_path(site)
    owners.parent.mkdir()
    owners.write_text(render_codeowners(load_org(site)), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    yield site


def write(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems(site: Path) -> list[str]:
    return [str(p) for p in check(load_org(site))]


def test_the_fixture_is_valid(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert problems(content) == []
    assert main([str(content)]) == 0
    assert "4 people and 3 spaces, all good" in capsys.readouterr().err


def test_yaml_that_does_not_parse_names_its_line(content: Path) -> None:
    write(content / "people" / "alan.turing.yml", "handle: alan.turing\nname: [Alan\ntitle: x\n")
    [problem] = problems(content)
    assert problem.startswith("site/people/alan.turing.yml:3: YAML does not parse")


def test_front_matter_that_does_not_parse_names_its_line_in_the_file(content: Path) -> None:
    edit(content / "teams" / "compilers.md", "outcome: A program", "outcome: : - [A program")
    found = problems(content)
    assert found[0].startswith("site/teams/compilers.md:5: YAML does not parse")


def test_missing_front_matter(content: Path) -> None:
    write(content / "teams" / "compilers.md", "Just some text.\n")
    assert "site/teams/compilers.md:1: missing front matter: start the file with a '---' block" in problems(content)


def test_missing_required_field(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "email: alan@example.com\n", "")
    assert problems(content) == ["site/people/alan.turing.yml:1: missing required field 'email'"]


def test_a_title_is_optional(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "title: Researcher\n", "")
    assert problems(content) == []
    assert load_org(content).people["alan.turing"].title is None


def test_unknown_field_is_reported_at_its_own_line(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "github: aturing\n", "github: aturing\nshoe_size: 11\n")
    [problem] = problems(content)
    assert problem.startswith("site/people/alan.turing.yml:8: unknown field 'shoe_size' (known: handle, name,")


def test_field_in_the_wrong_format(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "email: alan@example.com", "email: alan at example")
    [problem] = problems(content)
    assert problem.startswith("site/people/alan.turing.yml:3: email: 'alan at example' is not valid here")


def test_wrong_type_in_a_list_names_the_item_line(content: Path) -> None:
    edit(content / "teams" / "engines.md", "  - charles.babbage", "  - 42")
    [problem] = problems(content)
    assert problem == "site/teams/engines.md:8: stewards[1]: expected string, found int 42"


def test_kind_must_be_team_or_community(content: Path) -> None:
    edit(content / "teams" / "engines.md", "kind: team", "kind: squad")
    assert problems(content) == ["site/teams/engines.md:3: kind: 'squad' is not one of 'team', 'community'"]


def test_a_field_given_twice(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "title: Researcher\n", "title: Researcher\ntitle: Boss\n")
    assert problems(content) == ["site/people/alan.turing.yml:5: 'title' is given twice (first on line 4)"]


def test_handle_must_match_file_name(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "handle: alan.turing", "handle: alan")
    found = problems(content)
    assert "site/people/alan.turing.yml:1: handle 'alan' must match the file name 'alan.turing'" in found


def test_duplicate_email(content: Path) -> None:
    edit(content / "people" / "grace.hopper.yml", "email: grace@example.com", "email: ADA@example.com")
    assert problems(content) == [
        "site/people/grace.hopper.yml:3: email 'ADA@example.com' is also used by site/people/ada.lovelace.yml:3"
    ]


def test_unknown_team(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "team: compilers", "team: kernels")
    assert problems(content) == ["site/people/alan.turing.yml:5: team 'kernels' does not exist (no teams/kernels.md)"]


def test_a_person_cannot_be_in_a_community_as_their_team(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "team: compilers", "team: maths-circle")
    [problem] = problems(content)
    assert problem.startswith("site/people/alan.turing.yml:5: 'maths-circle' is a community, not a team")


def test_unknown_manager(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "manager: grace.hopper", "manager: john.doe")
    assert problems(content) == ["site/people/alan.turing.yml:6: manager 'john.doe' is not in the directory"]


def test_own_manager(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "manager: grace.hopper", "manager: alan.turing")
    assert problems(content) == ["site/people/alan.turing.yml:6: a person cannot be their own manager"]


def test_manager_cycle_is_reported_once(content: Path) -> None:
    edit(content / "people" / "ada.lovelace.yml", "team: engines\n", "team: engines\nmanager: alan.turing\n")
    assert problems(content) == [
        "site/people/ada.lovelace.yml:6: manager chain loops: ada.lovelace → alan.turing → grace.hopper → ada.lovelace"
    ]


def test_parent_cycle(content: Path) -> None:
    edit(content / "teams" / "engines.md", "kind: team\n", "kind: team\nparent: compilers\n")
    assert problems(content) == ["site/teams/compilers.md:7: parent chain loops: compilers → engines → compilers"]


def test_unknown_parent(content: Path) -> None:
    edit(content / "teams" / "compilers.md", "parent: engines", "parent: hardware")
    assert problems(content) == ["site/teams/compilers.md:7: parent 'hardware' does not exist (no teams/hardware.md)"]


def test_unknown_community_member(content: Path) -> None:
    edit(content / "teams" / "maths-circle.md", "grace.hopper]", "gauss]")
    assert problems(content) == ["site/teams/maths-circle.md:7: member 'gauss' is not in the directory"]


def test_teams_do_not_list_members(content: Path) -> None:
    edit(content / "teams" / "engines.md", "kind: team\n", "kind: team\nmembers: [ada.lovelace]\n")
    [problem] = problems(content)
    assert problem.startswith("site/teams/engines.md:4: a team's members come from the people files")


def test_unknown_time_zone(content: Path) -> None:
    edit(content / "people" / "ada.lovelace.yml", "Europe/London", "Europe/Londres")
    assert problems(content) == [
        "site/people/ada.lovelace.yml:7: unknown time zone 'Europe/Londres' (use an IANA name)"
    ]


def test_fewer_than_two_stewards(content: Path) -> None:
    edit(content / "teams" / "compilers.md", "stewards: [grace.hopper, alan.turing]", "stewards: [grace.hopper]")
    assert problems(content) == ["site/teams/compilers.md:6: needs at least two stewards, has 1"]


def test_steward_who_left(content: Path) -> None:
    (content / "people" / "charles.babbage.yml").unlink()
    assert problems(content) == ["site/teams/engines.md:8: steward 'charles.babbage' is not in the directory"]


def test_reserved_and_badly_named_space_files(content: Path) -> None:
    write(content / "teams" / "index.md", SPACES["engines"])
    write(content / "teams" / "Big Team.md", SPACES["engines"])
    found = problems(content)
    assert "site/teams/index.md:1: the file name 'index' is used by the hub itself; rename the file" in found
    assert (
        "site/teams/Big Team.md:1: the file name 'Big Team' must be lower-case a-z, 0-9 and -; rename the file"
    ) in found


def test_every_problem_is_reported_in_one_run(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(content / "people" / "alan.turing.yml", "team: compilers", "team: kernels")
    edit(content / "people" / "grace.hopper.yml", "manager: ada.lovelace", "manager: nobody")
    write(content / "people" / "broken.yml", "handle: [\n")
    assert main([str(content)]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines == [
        "site/people/alan.turing.yml:5: team 'kernels' does not exist (no teams/kernels.md)",
        "site/people/broken.yml:2: YAML does not parse: did not find expected node content",
        "site/people/grace.hopper.yml:6: manager 'nobody' is not in the directory",
    ]
    assert "Traceback" not in out + err
    assert "validate: 3 problem(s)" in err


def test_codeowners_out_of_date_names_the_first_differing_line(content: Path) -> None:
    edit(content / "teams" / "engines.md", "  - charles.babbage", "  - grace.hopper")
    assert problems(content) == []
    assert main([str(content)]) == 1
    owners = codeowners_path(content)
    text = owners.read_text(encoding="utf-8").splitlines()
    line = next(i for i, row in enumerate(text, start=1) if row.startswith("/site/teams/engines.md"))
    # The committed file still names @cbabbage for engines; regenerating fixes it.
    assert main([str(content), "--write-codeowners"]) == 0
    assert main([str(content)]) == 0
    new = owners.read_text(encoding="utf-8").splitlines()
    assert new[line - 1] == "/site/teams/engines.md @ada"


def test_codeowners_problem_line(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(content / "teams" / "engines.md", "  - charles.babbage", "  - grace.hopper")
    main([str(content)])
    out = capsys.readouterr().out
    assert ".github/CODEOWNERS:6: out of date with the stewards; run 'make codeowners' and commit it" in out


def test_missing_codeowners(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    codeowners_path(content).unlink()
    assert main([str(content)]) == 1
    assert "CODEOWNERS:1: missing; run 'make codeowners' and commit it" in capsys.readouterr().out


def test_codeowners_lists_stewards_and_people(content: Path) -> None:
    text = codeowners_path(content).read_text(encoding="utf-8")
    assert "/site/teams/engines.md @ada @cbabbage\n" in text
    # Grace has no code-host username; Alan has one.
    assert "/site/teams/compilers.md @aturing\n" in text
    assert "/site/people/alan.turing.yml @aturing\n" in text
    assert "/site/people/charles.babbage.yml @cbabbage @ada\n" in text


def test_a_content_folder_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nowhere")]) == 2
    assert "not a folder" in capsys.readouterr().err


# -- --format github: the same problems as GitHub Actions annotations on the pull request --------


def test_github_format_gives_one_annotation_per_problem(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(content / "people" / "alan.turing.yml", "team: compilers", "team: kernels")
    edit(content / "teams" / "engines.md", "  - charles.babbage", "  - grace.hopper")
    # A file name with every character GitHub wants escaped, in the path and in the message.
    write(content / "teams" / "Q3, 100%: done\r\nnow.md", SPACES["engines"])
    assert main([str(content), "--format=github"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "::error file=site/people/alan.turing.yml,line=5,title=Content problem::"
        "team 'kernels' does not exist (no teams/kernels.md)",
        "::error file=site/teams/Q3%2C 100%25%3A done%0D%0Anow.md,line=1,title=Content problem::"
        "the file name 'Q3, 100%25: done%0D%0Anow' must be lower-case a-z, 0-9 and -; rename the file",
        "::error file=.github/CODEOWNERS,line=6,title=Content problem::"
        "out of date with the stewards; run 'make codeowners' and commit it",
    ]
    assert "validate: 3 problem(s)" in err
    assert "::" not in err


def test_github_format_paths_are_relative_to_the_repository_from_any_folder(
    content: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(content / "people" / "alan.turing.yml", "team: compilers", "team: kernels")
    expected = "::error file=site/people/alan.turing.yml,line=5,title=Content problem::"
    monkeypatch.chdir(content / "teams")
    assert main(["..", "--format", "github"]) == 1
    assert capsys.readouterr().out.startswith(expected)
    monkeypatch.chdir("/")
    assert main([str(content), "--format", "github"]) == 1
    assert capsys.readouterr().out.startswith(expected)


def test_github_format_leaves_out_a_missing_line(tmp_path: Path) -> None:
    problem = Problem("site/teams", 0, "folder missing: spaces live in teams/<slug>.md")
    assert github_annotation(problem, tmp_path) == (
        "::error file=site/teams,title=Content problem::folder missing: spaces live in teams/<slug>.md"
    )


def test_github_format_prints_nothing_for_clean_content(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(content), "--format", "github"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "4 people and 3 spaces, all good" in err


def test_an_unknown_format_is_a_usage_error(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([str(content), "--format", "json"])
    assert exit_.value.code == 2
    assert "invalid choice: 'json'" in capsys.readouterr().err


# -- odd YAML: every problem has its own line, and nothing ends in a traceback or a hang ---------


def test_a_value_ending_in_a_line_break_is_refused(content: Path) -> None:
    # Python's `$` also matches before a final "\n"; jsonschema alone would let these through,
    # and a github name with a line break would split its CODEOWNERS line.
    edit(content / "people" / "alan.turing.yml", "github: aturing", 'github: "aturing\\n"')
    edit(content / "people" / "grace.hopper.yml", "email: grace@example.com", 'email: "grace@example.com\\n"')
    why = "is not valid here (it starts or ends with a line break or space)"
    assert problems(content) == [
        f"site/people/alan.turing.yml:7: github: 'aturing\\n' {why}",
        f"site/people/grace.hopper.yml:3: email: 'grace@example.com\\n' {why}",
    ]


@pytest.mark.parametrize(
    ("key", "shown"), [("~", "None"), ("true", "True"), ("0x10", "16"), ("2020-01-02", "2020-01-02")]
)
def test_a_key_that_is_not_a_string_is_reported_at_its_line(content: Path, key: str, shown: str) -> None:
    edit(content / "people" / "alan.turing.yml", "github: aturing\n", f"github: aturing\n{key}: 11\n")
    [problem] = problems(content)
    assert problem.startswith(f"site/people/alan.turing.yml:8: unknown field '{shown}' (known: handle,")


def test_a_byte_order_mark_before_the_front_matter_is_fine(content: Path) -> None:
    path = content / "teams" / "compilers.md"
    path.write_text("\ufeff" + path.read_text(encoding="utf-8"), encoding="utf-8")
    person = content / "people" / "alan.turing.yml"
    person.write_text("\ufeff" + person.read_text(encoding="utf-8"), encoding="utf-8")
    assert problems(content) == []
    assert set(load_org(content).spaces) == {"engines", "compilers", "maths-circle"}


def test_front_matter_that_is_never_closed(content: Path) -> None:
    write(content / "teams" / "compilers.md", "---\nname: Compilers\nkind: team\n\nWe write compilers.\n")
    assert problems(content) == ["site/teams/compilers.md:1: the front matter has no closing '---' line"]


def test_an_alias_bomb_is_refused_quickly(content: Path) -> None:
    lines = ['l0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    path = content / "people" / "alan.turing.yml"
    path.write_text(path.read_text(encoding="utf-8") + "\n".join(lines) + "\nskills: [*a8, *a8]\n", encoding="utf-8")

    def too_slow(signum: int, frame: object) -> None:
        raise TimeoutError("the validator took over 10 s on an alias bomb")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(10)
    try:
        found = problems(content)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert found == ["site/people/alan.turing.yml:1: too large: more than 100,000 values once its aliases are expanded"]


def test_an_alias_inside_itself_and_deep_nesting_are_refused(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "github: aturing\n", "github: aturing\nskills: &loop [*loop]\n")
    write(content / "people" / "grace.hopper.yml", "handle: grace.hopper\nname: " + "[" * 900 + "]" * 900 + "\n")
    assert problems(content) == [
        "site/people/alan.turing.yml:1: an alias refers to a value that contains it",
        "site/people/grace.hopper.yml:1: nested more than 32 levels deep",
    ]


def test_a_huge_value_is_not_repeated_in_full(content: Path) -> None:
    edit(content / "people" / "alan.turing.yml", "name: Alan Turing", "name: " + "A" * 100_000)
    edit(content / "people" / "grace.hopper.yml", "title: Compiler Lead", "title: [" + ", ".join(["x"] * 10_000) + "]")
    found = problems(content)
    assert [p.split(": ")[0] for p in found] == ["site/people/alan.turing.yml:2", "site/people/grace.hopper.yml:4"]
    assert all(len(p) < 400 for p in found), [len(p) for p in found]


def test_a_reader_error_is_one_line(content: Path) -> None:
    write(content / "people" / "alan.turing.yml", "handle: alan.turing\nname: A\x00\n")
    [problem] = problems(content)
    assert problem.startswith("site/people/alan.turing.yml:1: YAML does not parse: unacceptable character")
    assert "\n" not in problem


# Draft spaces: what an import creates before the team writes what the space is for.

DRAFT = """\
    ---
    draft: true
    name: Newcomers
    kind: team
    parent: engines
    ---
    """
STILL_NEEDS = "a draft: still needs a purpose, the outcome that counts and two stewards"


def add_draft(site: Path, text: str = DRAFT) -> None:
    write(site / "teams" / "newcomers.md", text)
    codeowners_path(site).write_text(render_codeowners(load_org(site)), encoding="utf-8")


def test_a_draft_needs_no_purpose_outcome_or_stewards_and_people_may_join_it(content: Path) -> None:
    add_draft(content)
    edit(content / "people" / "alan.turing.yml", "team: compilers", "team: newcomers")
    assert problems(content) == []
    space = load_org(content).spaces["newcomers"]
    assert space.draft and space.purpose is None and space.stewards == []


def test_the_summary_counts_the_drafts(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_draft(content)
    assert main([str(content)]) == 0
    assert "4 people and 4 spaces (1 draft, listed on the health page), all good" in capsys.readouterr().err


def test_a_draft_keeps_every_other_rule(content: Path) -> None:
    add_draft(content, DRAFT.replace("parent: engines", "parent: nowhere\n    stewards: [sam.lee]"))
    assert problems(content) == [
        "site/teams/newcomers.md:5: parent 'nowhere' does not exist (no teams/nowhere.md)",
        "site/teams/newcomers.md:6: steward 'sam.lee' is not in the directory",
    ]
    add_draft(content, DRAFT.replace("kind: team", "kind: team\n    purpose: Too short"))
    assert [p.split(": ")[1] for p in problems(content)] == ["purpose"]


def test_a_space_that_is_not_a_draft_still_needs_purpose_outcome_and_stewards(content: Path) -> None:
    hint = "(or mark the page 'draft: true' until the team writes it)"
    add_draft(content, DRAFT.replace("draft: true", "draft: false"))
    assert problems(content) == [
        f"site/teams/newcomers.md:1: missing required field '{field}' {hint}"
        for field in ("outcome", "purpose", "stewards")
    ]
    add_draft(content, DRAFT.replace("draft: true\n", "stewards: [ada.lovelace]\n"))
    assert [p.split(": ", 1)[1] for p in problems(content)][:1] == [f"missing required field 'outcome' {hint}"]


def test_strict_drafts_refuses_each_draft_at_its_draft_line(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    add_draft(content)
    # A draft that has everything still says so: only its team decides it is done.
    edit(content / "teams" / "engines.md", "name: Engines", "draft: true\nname: Engines")
    assert main([str(content), "--strict-drafts"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "site/teams/engines.md:2: a draft that has all it needs: remove 'draft: true'",
        f"site/teams/newcomers.md:2: {STILL_NEEDS}; write them, then remove 'draft: true'",
    ]
    assert "validate: 2 problem(s)" in captured.err
    assert main([str(content)]) == 0


def test_strict_drafts_counts_only_stewards_in_the_directory(content: Path) -> None:
    stated = "kind: team\n    purpose: Welcomes new engineers.\n    outcome: A first change shipped.\n"
    add_draft(content, DRAFT.replace("kind: team\n", stated + "    stewards: [ada.lovelace, charles.babbage]\n"))
    assert "site/teams/newcomers.md:2: a draft that has all it needs: remove 'draft: true'" in [
        str(p) for p in check(load_org(content), strict_drafts=True)
    ]
    (content / "people" / "charles.babbage.yml").unlink()
    assert "site/teams/newcomers.md:2: a draft: still needs two stewards; write them, then remove 'draft: true'" in [
        str(p) for p in check(load_org(content), strict_drafts=True)
    ]


def test_codeowners_says_a_draft_has_no_stewards_yet(content: Path) -> None:
    add_draft(content)
    owners = render_codeowners(load_org(content))
    assert "# /site/teams/newcomers.md: a draft, with no stewards yet\n" in owners
