"""`make validate`: check the content of a pull request, one `path:line: message` per problem.

    python -m hub.validate [CONTENT] [--write-codeowners] [--strict-drafts] [--format {text,github}]

Checks the schema, that handles and email addresses (emails and aliases) are unique, that every
reference exists, that manager chains and team parents have no cycles, and the steward rules; and
that the committed CODEOWNERS matches the stewards. Exits 1 when anything is wrong.

Draft spaces (`draft: true`) may lack a purpose, an outcome and stewards (`hub.drafts`); with
`--strict-drafts`, for CI once a company is set up, every draft is a problem.

With `--format github` each problem is a GitHub Actions workflow command instead, so that a pull
request shows it on the file and line it names; paths are then relative to the repository root.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

from hub.codeowners import codeowners_path, render_codeowners
from hub.content import Org, Person, display_root, load_org
from hub.drafts import drafts, strict_problems
from hub.problems import Problem


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_structure(org: Org) -> list[Problem]:
    """Problems that would make the hub wrong: the build refuses content that has any."""
    problems = list(org.problems)
    problems += _unique_emails(org)
    problems += _person_references(org)
    problems += _space_references(org)
    problems += _cycles(
        org,
        {h: p.manager for h, p in org.people.items() if p.manager in org.people and p.manager != h},
        lambda h: (org.people[h].source.path, org.people[h].source.line("manager")),
        "manager chain",
    )
    problems += _cycles(
        org,
        {s: sp.parent for s, sp in org.spaces.items() if sp.parent in org.spaces},
        lambda s: (org.spaces[s].source.path, org.spaces[s].source.line("parent")),
        "parent chain",
    )
    return problems


def check_stewards(org: Org) -> list[Problem]:
    """Every space that is not a draft has at least two stewards, and every steward is a current person.

    A pull request must pass these, but the hub still builds without them: when someone leaves,
    the health page shows whose space needs a new steward. A draft's missing stewards are on the
    health page's list of drafts instead.
    """
    problems = []
    for space in org.spaces.values():
        src = space.source
        if len(space.stewards) < 2 and not space.draft:
            count = len(space.stewards)
            problems.append(Problem(src.path, src.line("stewards"), f"needs at least two stewards, has {count}"))
        for index, handle in enumerate(space.stewards):
            if not org.knows_person(handle):
                line = src.line("stewards", index)
                problems.append(Problem(src.path, line, f"steward '{handle}' is not in the directory"))
    return problems


def check(org: Org, *, strict_drafts: bool = False) -> list[Problem]:
    problems = check_structure(org) + check_stewards(org)
    if strict_drafts:
        problems += strict_problems(org)
    return sorted(problems)


def _unique_emails(org: Org) -> Iterable[Problem]:
    """Every address, each person's email and each of their aliases, belongs to one person only.

    Mail is matched to people by address, ignoring case, so one address for two people (or twice
    for one) is ambiguous. Emails are claimed first, so a clash with an alias is the alias's problem.
    Lines are looked up only for a clash: a file read the fast way finds its lines on first use.
    """
    seen: dict[str, tuple[Person, str, int | None]] = {}  # casefolded address → who first gives it, where

    def first(address: str) -> tuple[str, int]:
        person, key, index = seen[address]
        return person.source.path, person.source.line(key, index)

    for person in org.people.values():
        src = person.source
        email = person.email.casefold()
        if email in seen:
            path, line = first(email)
            yield Problem(src.path, src.line("email"), f"email '{person.email}' is also used by {path}:{line}")
        else:
            seen[email] = (person, "email", None)
    for person in org.people.values():
        src = person.source
        for index, alias in enumerate(person.email_aliases):
            address = alias.casefold()
            if address not in seen:
                seen[address] = (person, "email_aliases", index)
                continue
            path, line = first(address)
            here = src.line("email_aliases", index)
            if address == person.email.casefold():
                message = f"email alias '{alias}' is this person's own email (line {src.line('email')}); remove it"
            elif path == src.path:
                message = f"email alias '{alias}' is listed twice (first on line {line})"
            else:
                message = f"email alias '{alias}' is also used by {path}:{line}"
            yield Problem(src.path, here, message)


def _person_references(org: Org) -> Iterable[Problem]:
    zones = _timezones()
    for person in org.people.values():
        src = person.source
        if person.team is not None and person.team not in org.unreadable_spaces:
            space = org.spaces.get(person.team)
            if space is None:
                yield Problem(
                    src.path,
                    src.line("team"),
                    f"team '{person.team}' does not exist (no teams/{person.team}.md)",
                )
            elif not space.is_team:
                yield Problem(
                    src.path,
                    src.line("team"),
                    f"'{person.team}' is a community, not a team; list community members in teams/{person.team}.md",
                )
        if person.manager is not None:
            if person.manager == person.handle:
                yield Problem(src.path, src.line("manager"), "a person cannot be their own manager")
            elif not org.knows_person(person.manager):
                yield Problem(src.path, src.line("manager"), f"manager '{person.manager}' is not in the directory")
        if person.timezone is not None and person.timezone not in zones:
            yield Problem(src.path, src.line("timezone"), f"unknown time zone '{person.timezone}' (use an IANA name)")


def _space_references(org: Org) -> Iterable[Problem]:
    for space in org.spaces.values():
        src = space.source
        if space.parent is not None and not org.knows_space(space.parent):
            yield Problem(
                src.path,
                src.line("parent"),
                f"parent '{space.parent}' does not exist (no teams/{space.parent}.md)",
            )
        if space.is_team and space.members:
            yield Problem(
                src.path,
                src.line("members"),
                "a team's members come from the people files (their 'team' field); only communities list members",
            )
        for index, handle in enumerate(space.members):
            if not org.knows_person(handle):
                yield Problem(src.path, src.line("members", index), f"member '{handle}' is not in the directory")


def _cycles(
    org: Org, up: dict[str, str | None], where: Callable[[str], tuple[str, int]], what: str
) -> Iterable[Problem]:
    """Report each loop in a child → parent mapping once, at the link of its first member."""
    done: set[str] = set()
    for start in sorted(up):
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = up.get(node)
        if node is not None and node in on_path:
            loop = path[path.index(node) :]
            first = min(loop)
            ordered = loop[loop.index(first) :] + loop[: loop.index(first)]
            path_, line = where(first)
            yield Problem(path_, line, f"{what} loops: {' → '.join([*ordered, first])}")
        done.update(path)


ANNOTATION_TITLE = "Content problem"


def github_annotation(problem: Problem, repo: Path) -> str:
    """`problem` as a GitHub Actions `::error` command, its path relative to the repository `repo`.

    GitHub's escaping: `%`, CR and LF in the message; also `:` and `,` in property values. A
    problem with no line (0, as for a missing folder) is put on the file alone.
    """
    properties = [f"file={_escape_property(_repo_path(problem.path, repo))}"]
    if problem.line > 0:
        properties.append(f"line={problem.line}")
    properties.append(f"title={_escape_property(ANNOTATION_TITLE)}")
    return f"::error {','.join(properties)}::{_escape_data(problem.message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _repo_path(path: str, repo: Path) -> str:
    """A problem's path (relative to the working directory, or absolute) relative to `repo`."""
    try:
        return (Path.cwd() / path).resolve().relative_to(repo).as_posix()
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="validate", description="Check the hub's content.")
    parser.add_argument("content", nargs="?", default="site", type=Path, help="content folder (default: site)")
    parser.add_argument("--write-codeowners", action="store_true", help="regenerate CODEOWNERS from the stewards")
    parser.add_argument(
        "--strict-drafts",
        action="store_true",
        help="refuse draft spaces, once every team has written its purpose, outcome and stewards",
    )
    parser.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="text: one 'path:line: message' per problem (default); github: GitHub Actions error annotations",
    )
    args = parser.parse_args(argv)
    content: Path = args.content
    if not content.is_dir():
        print(f"{content}: not a folder", file=sys.stderr)
        return 2
    org = load_org(content)
    problems = check(org, strict_drafts=args.strict_drafts)
    owners_file = codeowners_path(content)
    expected = render_codeowners(org)
    if args.write_codeowners:
        owners_file.parent.mkdir(parents=True, exist_ok=True)
        owners_file.write_text(expected, encoding="utf-8")
        print(f"wrote {owners_file}", file=sys.stderr)
    else:
        problems += _codeowners_problems(owners_file, expected)
    # The repository is the folder that holds the content folder, as for CODEOWNERS.
    repo = content.resolve().parent
    for problem in problems:
        print(github_annotation(problem, repo) if args.format == "github" else problem)
    summary = f"{len(org.people)} people and {len(org.spaces)} spaces"
    if drafting := len(drafts(org)):
        summary += f" ({drafting} draft{'' if drafting == 1 else 's'}, listed on the health page)"
    if problems:
        print(f"validate: {len(problems)} problem(s) in {summary}", file=sys.stderr)
        return 1
    print(f"validate: {summary}, all good", file=sys.stderr)
    return 0


def _codeowners_problems(owners_file: Path, expected: str) -> list[Problem]:
    display = display_root(owners_file)
    if not owners_file.is_file():
        return [Problem(display, 1, "missing; run 'make codeowners' and commit it")]
    actual = owners_file.read_text(encoding="utf-8")
    if actual == expected:
        return []
    old, new = actual.splitlines(), expected.splitlines()
    line = next(
        (i for i, (a, b) in enumerate(zip(old, new, strict=False), start=1) if a != b),
        min(len(old), len(new)) + 1,
    )
    return [Problem(display, line, "out of date with the stewards; run 'make codeowners' and commit it")]


if __name__ == "__main__":
    sys.exit(main())
