"""Import people from the HR system's CSV export into <content>/people/.

HR owns name, email, title, team (from the department), manager and location; every other field of an
existing person (email aliases, skills, links, github, timezone, ...) is kept as it is.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hub.importers._people import (
    ImporterError,
    People,
    Person,
    Run,
    SourceError,
    decode,
    email_key,
    field_errors,
    handle_from,
    is_email,
    merge,
    slugify,
    team_exists,
    unique_handle,
)

TOOL = "hr_csv"
COLUMNS = ("name", "email", "title", "department", "manager email", "location")
OWNED = ("name", "email", "title", "team", "manager", "location")


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


@dataclass
class Export:
    shown: str  # the path as the user typed it, for messages
    employees: list[Employee] = field(default_factory=list)
    # First line of every well-formed email, usable row or not: those people are present in the export.
    first_lines: dict[str, int] = field(default_factory=dict)
    unidentified: int = 0  # rows whose person cannot be told, which makes removals unsafe


def column_name(cell: str) -> str:
    return " ".join(cell.split()).lower()


def read_header(cells: list[str] | None, shown: str) -> dict[str, int]:
    """Column positions by name; anything wrong here stops the import, as no row can be read safely."""
    if cells is None:
        raise SourceError(shown, 1, "empty file: expected a header row")
    columns = [column_name(cell) for cell in cells]
    missing = [name for name in COLUMNS if name not in columns]
    if missing:
        listed = ", ".join(f'"{name}"' for name in missing)
        raise SourceError(shown, 1, f"missing column{'s' if len(missing) > 1 else ''} {listed}")
    for name in COLUMNS:
        if columns.count(name) > 1:
            raise SourceError(shown, 1, f'column "{name}" appears more than once')
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
        key = email_key(employee.email)
        first = export.first_lines.setdefault(key, line)
        if first != line:
            problems.append(f'duplicate email "{employee.email}" (first on line {first})')
        if email_key(employee.manager_email) == key:
            problems.append(f'manager email "{employee.manager_email}" is the person\'s own email')
    else:
        export.unidentified += 1
    for message in problems:
        run.problem(export.shown, line, message)
    if not problems:
        export.employees.append(employee)


def read_export(path: Path, shown: str, run: Run) -> Export:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(shown, None, f"cannot read: {error.strerror}") from None
    # newline="" hands line breaks to the csv module, so line_num also counts the lines inside quotes.
    reader = csv.reader(io.StringIO(decode(data, shown), newline=""), strict=True)
    export = Export(shown)
    end = 0  # line_num after the previous record: the next record starts on end + 1
    try:
        header = next(reader, None)
        columns = read_header(header, shown)
        width = len(header or ())
        end = reader.line_num
        for cells in reader:
            line, end = end + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                read_row(cells, line, width, columns, export, run)
    except csv.Error as error:
        # A broken quote swallows the rows after it, so nothing from this export is trusted.
        raise SourceError(shown, end + 1, f"CSV error: {error}") from None
    return export


def assign_handles(export: Export, people: People) -> None:
    """Existing people keep their handle; new ones get one from their email, unique in the folder."""
    taken = set(people.by_handle)
    for employee in export.employees:
        employee.existing = people.by_email.get(email_key(employee.email))
        if employee.existing:
            employee.handle = employee.existing.handle
        else:
            employee.handle = unique_handle(handle_from(employee.email.rpartition("@")[0]), taken)
            taken.add(employee.handle)


def choose_team(employee: Employee, content: Path, team_map: dict[str, str], export: Export, run: Run) -> str | None:
    if not employee.department:
        return None
    slug = team_map.get(column_name(employee.department)) or slugify(employee.department)
    if team_exists(content, slug):
        return slug
    run.problem(export.shown, employee.line, f'unknown department "{employee.department}": no teams/{slug}.md')
    # Better a team that was right once than none: only HR can say which one is right now.
    team = employee.existing.data.get("team") if employee.existing else None
    return team if isinstance(team, str) else None


def choose_manager(employee: Employee, managers: dict[str, str], export: Export, run: Run) -> str | None:
    if not employee.manager_email:
        return None
    if not is_email(employee.manager_email):
        run.problem(export.shown, employee.line, f'malformed manager email "{employee.manager_email}"')
        return None
    manager = managers.get(email_key(employee.manager_email))
    if manager is None:
        run.problem(
            export.shown,
            employee.line,
            f'unknown manager email "{employee.manager_email}": not in the export or the people folder',
        )
    return manager


def import_export(args: argparse.Namespace, run: Run) -> None:
    content = Path(args.content)
    people = People.load(content)
    export = read_export(Path(args.export), args.export, run)
    assign_handles(export, people)

    missing = [
        person
        for person in people.by_handle.values()
        if person.email is None or email_key(person.email) not in export.first_lines
    ]
    removing = args.remove_missing and not export.unidentified
    if args.remove_missing and export.unidentified:
        run.problem(
            export.shown,
            None,
            f"--remove-missing not applied: {export.unidentified} row(s) without a usable email could be anyone",
        )
    # Managers resolve against the export first, then against people who stay in the folder.
    leaving = {person.handle for person in missing} if removing else set()
    managers = {
        email_key(person.email): person.handle
        for person in people.by_handle.values()
        if person.email and person.handle not in leaving
    }
    managers.update({email_key(employee.email): employee.handle for employee in export.employees})

    team_map = dict(args.team_map)
    for employee in export.employees:
        owned = {
            "name": employee.name,
            "email": employee.email,
            "title": employee.title,
            "team": choose_team(employee, content, team_map, export, run),
            "manager": choose_manager(employee, managers, export, run),
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
    if not department.strip() or not slug.strip():
        raise argparse.ArgumentTypeError(f"expected DEPARTMENT=TEAM-SLUG, got {text!r}")
    return column_name(department), slug.strip().lower()


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m hub.importers.hr_csv",
        description="Create and update people/<handle>.yml from the HR system's CSV export.",
    )
    parser.add_argument("export", metavar="EXPORT.csv", help="columns: " + ", ".join(COLUMNS))
    parser.add_argument("--content", default="site", help="content folder (default: site)")
    parser.add_argument(
        "--team-map",
        metavar="DEPT=SLUG",
        type=team_mapping,
        action="append",
        default=[],
        help="put a department in teams/SLUG.md instead of its slugified name (repeatable)",
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
