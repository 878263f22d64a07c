"""Import people from the HR system's CSV export into <content>/people/.

HR owns name, email, title, team (from the department), manager and location; every other field of an
existing person (email aliases, skills, links, github, timezone, ...) is kept as it is. A reference
HR gets wrong (a manager or a department the hub does not know) is reported at its row and never
erases what the file already says. With --create-teams an unknown department becomes a draft team.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from hub.content import RESERVED_SLUGS, SLUG, split_front_matter
from hub.importers._csv_export import cell_key, describe, read_export_text
from hub.importers._people import (
    ImporterError,
    People,
    Person,
    Run,
    SourceError,
    email_key,
    field_errors,
    handle_from,
    is_email,
    load_yaml,
    merge,
    slugify,
    unique_handle,
)
from hub.importers._yaml_edit import render

TOOL = "hr_csv"
COLUMNS = ("name", "email", "title", "department", "manager email", "location")
OWNED = ("name", "email", "title", "team", "manager", "location")
MAX_TEAM_NAME = 120  # the space schema's limit


@dataclass
class Employee:
    """One usable row of the export."""

    line: int
    name: str
    email: str
    title: str
    department: str
    manager_email: str
    location: str
    handle: str = ""
    existing: Person | None = None

    def kept(self, name: str, why: str, export: Export, run: Run, *, keep: bool = True) -> str | None:
        """Report `why` a value from HR is not used, and fall back to what the file says (unless
        `keep` is False): a value that was right once beats none, and only HR can say which is right now."""
        value = self.existing.data.get(name) if self.existing and keep else None
        if isinstance(value, str) and value:
            run.problem(export.shown, self.line, f'{why}; kept {name} "{value}"')
            return value
        run.problem(export.shown, self.line, f"{why}; left without a {name}")
        return None


@dataclass
class Export:
    shown: str  # the path as the user typed it, for messages
    employees: list[Employee] = field(default_factory=list)
    # First line of every well-formed email, usable row or not: those people are present in the export.
    first_lines: dict[str, int] = field(default_factory=dict)
    unidentified: int = 0  # rows whose person cannot be told, which makes removals unsafe


column_name = cell_key


def read_header(cells: list[str] | None, shown: str, line: int, delimiter: str) -> dict[str, int]:
    """Column positions by name; anything wrong here stops the import, as no row can be read safely."""
    if cells is None:
        raise SourceError(shown, line, "empty file: expected a header row")
    columns = [column_name(cell) for cell in cells]
    missing = [name for name in COLUMNS if name not in columns]
    if missing:
        listed = ", ".join(f'"{name}"' for name in missing)
        found = ", ".join(f'"{cell}"' for cell in columns if cell)
        raise SourceError(
            shown,
            line,
            f"missing column{'s' if len(missing) > 1 else ''} {listed}"
            f" (the header, split at each {describe(delimiter)}, has {found or 'no names'})",
        )
    for name in COLUMNS:
        if columns.count(name) > 1:
            raise SourceError(shown, line, f'column "{name}" appears more than once')
    return {name: columns.index(name) for name in COLUMNS}


def read_row(cells: list[str], line: int, width: int, columns: dict[str, int], export: Export, run: Run) -> None:
    if len(cells) != width:
        # A shifted row would put values in the wrong fields, so it is not guessed at.
        export.unidentified += 1
        run.problem(export.shown, line, f"has {len(cells)} fields, the header has {width}")
        return
    # Line breaks and runs of spaces inside a cell are spreadsheet accidents, not part of a name or title.
    values = {name: " ".join(cells[index].split()) for name, index in columns.items()}
    employee = Employee(
        line,
        values["name"],
        values["email"],
        values["title"],
        values["department"],
        values["manager email"],
        values["location"],
    )
    problems: list[str] = []
    if not employee.name:
        problems.append("missing name")
    if not employee.email:
        problems.append("missing email")
    elif not is_email(employee.email):
        problems.append(f'malformed email "{employee.email}"')
    if not employee.title:
        problems.append("missing title")
    if is_email(employee.email):
        first = export.first_lines.setdefault(email_key(employee.email), line)
        if first != line:
            problems.append(f'duplicate email "{employee.email}" (first on line {first})')
    else:
        export.unidentified += 1
    for message in problems:
        run.problem(export.shown, line, message)
    if not problems:
        export.employees.append(employee)


def read_export(path: Path, shown: str, run: Run, encoding: str | None = None) -> Export:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(shown, None, f"cannot read: {error.strerror}") from None
    source = read_export_text(data, shown, COLUMNS, encoding)
    if source.encoding == "cp1252":
        print(f"{shown}: not UTF-8, read as Windows-1252 (--encoding chooses another)", file=run.out)
    # newline="" hands line breaks to the csv module, so line_num also counts the lines inside quotes.
    reader = csv.reader(io.StringIO(source.text, newline=""), delimiter=source.delimiter, strict=True)
    export = Export(shown)
    offset = source.first_line - 1
    end = 0  # line_num after the previous record: the next record starts on end + 1
    try:
        header = next(reader, None)
        columns = read_header(header, shown, source.first_line, source.delimiter)
        width = len(header or ())
        end = reader.line_num
        for cells in reader:
            line, end = end + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                read_row(cells, line + offset, width, columns, export, run)
    except csv.Error as error:
        # A broken quote swallows the rows after it, so nothing from this export is trusted.
        raise SourceError(shown, end + 1 + offset, f"CSV error: {error}") from None
    return export


def assign_handles(export: Export, people: People, run: Run) -> None:
    """Existing people keep their handle; new ones get one from their email, unique in the folder.

    A person is found by their email or any alias, so two rows can find one person: the second is
    reported and skipped, as only one of them can be right."""
    taken = set(people.by_handle)
    matched: dict[str, int] = {}  # handle of an existing person → the line of the row that found them
    employees = []
    for employee in export.employees:
        employee.existing = people.by_email.get(email_key(employee.email))
        if employee.existing:
            employee.handle = employee.existing.handle
            first = matched.setdefault(employee.handle, employee.line)
            if first != employee.line:
                run.problem(
                    export.shown,
                    employee.line,
                    f'email "{employee.email}" is another address of {employee.existing.shown}, '
                    f"already imported from line {first}",
                )
                continue
        else:
            employee.handle = unique_handle(handle_from(employee.email.rpartition("@")[0]), taken)
            taken.add(employee.handle)
        employees.append(employee)
    export.employees = employees


@dataclass
class Departments:
    """Departments to team slugs: the --team-map first, then the slug of the department's name.

    A department with no team page is reported; with --create-teams it becomes a draft team page,
    which its team then finishes with a purpose, an outcome and stewards."""

    content: Path
    team_map: dict[str, str]
    create: bool = False
    drafts: set[str] = field(default_factory=set)  # slugs of the drafts this run added
    kinds: dict[str, str] = field(init=False)  # each page's kind, read once rather than for every row

    def __post_init__(self) -> None:
        self.kinds = {path.stem: page_kind(path) for path in (self.content / "teams").glob("*.md") if path.is_file()}

    def team_of(self, employee: Employee, export: Export, run: Run) -> str | None:
        department = employee.department
        if not department:
            return None
        slug = self.team_map.get(column_name(department)) or slugify(department)
        if slug in self.drafts or self.kinds.get(slug) == "team":
            return slug
        if slug in self.kinds:
            why = f'department "{department}" is teams/{slug}.md, a community, not a team (see --team-map)'
            return employee.kept("team", why, export, run)
        if not slug:
            why = f'department "{department}" has no letters or digits to name a team'
            return employee.kept("team", why, export, run)
        if slug in RESERVED_SLUGS:
            why = f'department "{department}" would be teams/{slug}.md, which the hub uses itself (see --team-map)'
            return employee.kept("team", why, export, run)
        if not self.create:
            why = f'unknown department "{department}": no teams/{slug}.md (--create-teams adds it as a draft)'
            return employee.kept("team", why, export, run)
        if len(department) > MAX_TEAM_NAME:
            why = f"department name longer than {MAX_TEAM_NAME} characters, the most a team's name may have"
            return employee.kept("team", why, export, run)
        self.drafts.add(slug)
        run.add_draft(
            f"teams/{slug}.md",
            draft_team_page(department),
            f'team for department "{department}"; its team writes the purpose, outcome and stewards',
        )
        return slug


def page_kind(path: Path) -> str:
    """A space page's `kind`; one that cannot be read counts as a team, and hub.validate says why."""
    try:
        front, *_ = split_front_matter(path.read_text(encoding="utf-8-sig"))
        data = load_yaml(front or "")
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "team"
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if kind == "community" else "team"


def draft_team_page(name: str) -> str:
    """A team page with only what HR knows: the validator accepts it as a draft, the hub lists what it needs."""
    return "---\n" + render({"draft": True, "name": name, "kind": "team"}) + "---\n"


@dataclass
class Managers:
    """Manager emails to handles: people in the export, then people who stay in the folder."""

    handles: dict[str, str]
    leaving: dict[str, Person]  # addresses of people --remove-missing deletes

    def manager_of(self, employee: Employee, export: Export, run: Run) -> str | None:
        email = employee.manager_email
        if not email:
            return None
        if not is_email(email):
            return employee.kept("manager", f'malformed manager email "{email}"', export, run)
        key = email_key(email)
        if key == email_key(employee.email) or self.handles.get(key) == employee.handle:
            return employee.kept("manager", f'manager email "{email}" is the person\'s own', export, run)
        if key in self.handles:
            return self.handles[key]
        if key in self.leaving:
            # Keeping the old manager would point at the file being deleted.
            why = f'manager email "{email}" is {self.leaving[key].shown}, which --remove-missing deletes'
            return employee.kept("manager", why, export, run, keep=False)
        why = f'unknown manager email "{email}": not in the export or the people folder'
        return employee.kept("manager", why, export, run)


def import_export(args: argparse.Namespace, run: Run) -> None:
    content = Path(args.content)
    people = People.load(content)
    export = read_export(Path(args.export), args.export, run, args.encoding)
    assign_handles(export, people, run)

    # Present if any of their addresses is on a row, usable or not.
    missing = [
        person
        for person in people.by_handle.values()
        if not any(email_key(address) in export.first_lines for address in person.addresses)
    ]
    removing = args.remove_missing and not export.unidentified
    if args.remove_missing and export.unidentified:
        run.problem(
            export.shown,
            None,
            f"--remove-missing not applied: {export.unidentified} row(s) without a usable email could be anyone",
        )
    leaving = {person.handle for person in missing} if removing else set()
    managers = Managers(
        {key: person.handle for key, person in people.by_email.items() if person.handle not in leaving},
        {key: person for key, person in people.by_email.items() if person.handle in leaving},
    )
    managers.handles.update({email_key(employee.email): employee.handle for employee in export.employees})
    departments = Departments(content, dict(args.team_map), create=args.create_teams)

    for employee in export.employees:
        owned = {
            "name": employee.name,
            "email": employee.email,
            "title": employee.title,
            "team": departments.team_of(employee, export, run),
            "manager": managers.manager_of(employee, export, run),
            "location": employee.location,
        }
        record = merge(employee.existing, employee.handle, owned)
        errors = field_errors(record, OWNED)
        for name, message in errors.items():
            run.problem(export.shown, employee.line, f"invalid {name}: {message}")
        if not errors:
            run.save(record, employee.existing)

    for person in missing:
        if removing:
            run.remove(person)
        else:
            run.missing(person, "not in the HR export (use --remove-missing to delete)")


def team_mapping(text: str) -> tuple[str, str]:
    department, _, slug = text.partition("=")
    slug = slug.strip().lower()
    if not department.strip() or not slug:
        raise argparse.ArgumentTypeError(f"expected DEPARTMENT=TEAM-SLUG, got {text!r}")
    if not SLUG.fullmatch(slug) or slug in RESERVED_SLUGS:
        raise argparse.ArgumentTypeError(f"{slug!r} cannot be a team slug: use a-z, 0-9 and -, as teams/SLUG.md")
    return column_name(department), slug


def encoding_name(text: str) -> str:
    try:
        return codecs.lookup(text).name
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding {text!r}") from None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m hub.importers.hr_csv",
        description="Create and update people/<handle>.yml from the HR system's CSV export.",
    )
    parser.add_argument(
        "export", metavar="EXPORT.csv", help="columns: " + ", ".join(COLUMNS) + "; separated by , ; or tab"
    )
    parser.add_argument("--content", default="site", help="content folder (default: site)")
    parser.add_argument(
        "--team-map",
        metavar="DEPT=SLUG",
        type=team_mapping,
        action="append",
        default=[],
        help="put a department in teams/SLUG.md instead of its slugified name (repeatable)",
    )
    parser.add_argument(
        "--create-teams", action="store_true", help="add a draft team page for each department that has none"
    )
    parser.add_argument(
        "--encoding",
        type=encoding_name,
        help="the export's encoding (default: UTF-8 or UTF-16 by their byte-order mark, else UTF-8, else cp1252)",
    )
    parser.add_argument("--remove-missing", action="store_true", help="delete people who are not in the export")
    parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    run = Run(TOOL, Path(args.content), dry_run=args.dry_run, out=sys.stdout, err=sys.stderr)
    try:
        import_export(args, run)
    except ImporterError as error:
        run.report(error)
    return run.finish()


if __name__ == "__main__":
    sys.exit(main())
