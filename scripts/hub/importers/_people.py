"""What the importers share: the people folder, handles, team slugs, YAML output and the run report.

Files are rewritten in their own style (`hub.importers._yaml_edit`), and after a run that wrote
anything CODEOWNERS is generated again, as `make validate` compares it with the stewards.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import json
import math
import os
import re
import shlex
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import fastjsonschema
import jsonschema
import yaml

from hub.codeowners import codeowners_path, render_codeowners
from hub.content import display_root, load_org
from hub.importers._yaml_edit import Style, render, rewrite

# The order fields are written in; fields the schema does not know keep their place after these.
PERSON_FIELDS = (
    "handle",
    "name",
    "email",
    "email_aliases",
    "title",
    "team",
    "manager",
    "location",
    "timezone",
    "skills",
    "links",
    "picture",
    "github",
)
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "person.schema.json"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")  # the schema's pattern, checked early for a clearer message
MAX_ID = 63  # the schema's limit for handles and team slugs
BOM = "\ufeff"

Record = dict[str, Any]
#: libyaml's safe loader: reading 10,000 people files with the Python one takes most of an import.
FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """`yaml.safe_load`, with libyaml when it is there. Text that does not parse is read again by
    the Python loader, so that its error is worded as it always was."""
    for loader_class in (FAST_LOADER, yaml.SafeLoader):
        loader = loader_class(text)
        try:
            return loader.get_single_data()
        except yaml.YAMLError:
            if loader_class is yaml.SafeLoader:
                raise
        finally:
            loader.dispose()
    raise AssertionError("unreachable: the Python loader returns or raises")


class ImporterError(Exception):
    """Something an importer reports to the user as `path:line: message`."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    @property
    def where(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class SourceError(ImporterError):
    """The export or catalog file cannot be used at all, so the import stops."""


class ContentError(ImporterError):
    """The content folder cannot be read or written, so the import stops."""


class EntryError(ImporterError):
    """One row or entity is unusable: it is reported and skipped, the rest is still imported."""


def email_key(email: str) -> str:
    return email.strip().lower()


def is_email(text: str) -> bool:
    return EMAIL.match(text) is not None


def handle_from(text: str) -> str:
    """A handle from an email local part or a catalog name, before de-duplication."""
    handle = re.sub(r"[^a-z0-9._-]", "-", text.strip().lower())
    # The schema wants an alphanumeric first character.
    handle = handle.lstrip("._-")[:MAX_ID]
    return handle or "person"


def unique_handle(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... whichever is free first."""
    candidate, number = base, 2
    while candidate in taken:
        suffix = f"-{number}"
        candidate = base[: MAX_ID - len(suffix)] + suffix
        number += 1
    return candidate


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:MAX_ID].rstrip("-")


def team_exists(content: Path, slug: str) -> bool:
    return bool(slug) and (content / "teams" / f"{slug}.md").is_file()


def yaml_error_line(error: yaml.YAMLError) -> tuple[int | None, str]:
    """The 1-based line and the short problem of a YAML error, for `path:line: YAML error: problem`."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "cannot parse"
        return (mark.line + 1 if mark else None), problem
    return None, str(error)


def decode(data: bytes, shown: str) -> str:
    """UTF-8 text with an optional byte-order mark, or a SourceError at the first bad line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(shown, line, "not UTF-8 text") from None


@dataclass(frozen=True)
class Person:
    """One existing people/<handle>.yml as it was read."""

    handle: str
    data: Record
    text: str = ""  # the file as it was, so that a rewrite keeps its layout

    @property
    def addresses(self) -> list[str]:
        """The email and then the aliases: every address that identifies this person."""
        aliases = self.data.get("email_aliases")
        found = [self.email] if self.email else []
        if isinstance(aliases, list):
            found += [alias for alias in aliases if isinstance(alias, str) and alias.strip()]
        return found

    @property
    def shown(self) -> str:
        return f"people/{self.handle}.yml"

    @property
    def email(self) -> str | None:
        email = self.data.get("email")
        return email if isinstance(email, str) and email.strip() else None


@dataclass
class People:
    """The people folder: existing people by handle, and by each of their addresses lower-cased.

    An alias finds its person too: a source that gives someone's alias as their email means that
    person, not a new one.
    """

    folder: Path
    by_handle: dict[str, Person] = field(default_factory=dict)
    by_email: dict[str, Person] = field(default_factory=dict)

    @classmethod
    def load(cls, content: Path) -> People:
        if not content.is_dir():
            raise ContentError(str(content), None, "no such content folder")
        people = cls(content / "people")
        for path in sorted(people.folder.glob("*.yml")):
            shown = f"people/{path.name}"
            try:
                raw = path.read_bytes()
                text = decode(raw, shown)
                data = load_yaml(text)
            except OSError as error:
                raise ContentError(shown, None, f"cannot read: {error.strerror}") from None
            except yaml.YAMLError as error:
                line, problem = yaml_error_line(error)
                raise ContentError(shown, line, f"YAML error: {problem}") from None
            except SourceError as error:
                raise ContentError(error.path, error.line, error.message) from None
            if not isinstance(data, dict):
                raise ContentError(shown, None, "not a person: expected a mapping of fields")
            person = Person(path.stem, data, BOM + text if raw.startswith(codecs.BOM_UTF8) else text)
            people.by_handle[person.handle] = person
        # Matching by address must be unambiguous, so one address in two files stops the import.
        # Emails are claimed before aliases, so that the message names the file whose email it is.
        for person in people.by_handle.values():
            if person.email:
                people._claim(person.email, person, "email")
        for person in people.by_handle.values():
            for alias in person.addresses[1:]:
                people._claim(alias, person, "email alias")
        return people

    def _claim(self, address: str, person: Person, what: str) -> None:
        other = self.by_email.setdefault(email_key(address), person)
        if other is not person:
            raise ContentError(
                person.shown, None, f'{what} "{address}" is also {other.shown}\'s: fix the people folder first'
            )


def merge(existing: Person | None, handle: str, owned: Mapping[str, Any]) -> Record:
    """The existing fields with the ones the source owns replaced; None or "" removes a field."""
    record: Record = dict(existing.data) if existing else {}
    record["handle"] = handle
    for name, value in owned.items():
        if value is None or value == "":
            record.pop(name, None)
        else:
            record[name] = value
    if existing is not None and existing.email:
        _swap_alias(record, existing.email)
    known = {name: record[name] for name in PERSON_FIELDS if name in record}
    return known | {name: value for name, value in record.items() if name not in known}


def _swap_alias(record: Record, old_email: str) -> None:
    """A source whose email is one of the person's aliases makes it their email; the old email then
    takes the alias's place, so every address still finds the person and none is listed twice."""
    aliases, email = record.get("email_aliases"), record.get("email")
    if not isinstance(aliases, list) or not isinstance(email, str) or email_key(email) == email_key(old_email):
        return
    keys = [email_key(alias) if isinstance(alias, str) else None for alias in aliases]
    if email_key(email) in keys and email_key(old_email) not in keys:
        swapped = [old_email if key == email_key(email) else alias for alias, key in zip(aliases, keys, strict=True)]
        record["email_aliases"] = swapped


@functools.cache
def _schema() -> Any:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator() -> Any:
    return jsonschema.Draft202012Validator(_schema())


@functools.cache
def _fast_check() -> Callable[[Any], Any]:
    return fastjsonschema.compile(_schema())


def field_errors(record: Record, owned: Iterable[str]) -> dict[str, str]:
    """Schema errors in the fields the source owns; other fields are left to hub.validate.

    The compiled check passes nearly every record at a fraction of jsonschema's cost (half of a
    10,000-person import was spent here); jsonschema then explains the few that fail."""
    try:
        _fast_check()(record)
        return {}
    except fastjsonschema.JsonSchemaException:
        pass
    owned = set(owned)
    errors: dict[str, str] = {}
    for error in _validator().iter_errors(record):
        if error.absolute_path and error.absolute_path[0] in owned:
            errors.setdefault(str(error.absolute_path[0]), str(error.message))
    return errors


def write_atomic(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes it private; content files are ordinary repository files
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


class Run:
    """One import: applies changes to the people folder and keeps the tally and the problems."""

    def __init__(self, tool: str, content: Path, *, dry_run: bool, out: TextIO, err: TextIO) -> None:
        self.tool = tool
        self.content = content
        self.folder = content / "people"
        self.dry_run = dry_run
        self.out = out
        self.err = err
        self.problems: list[ImporterError] = []
        self.sources: list[str] = []  # source files in command-line order, to list their problems in that order
        self.counts = dict.fromkeys(("unchanged", "updated", "added", "removed", "missing", "drafts"), 0)
        self._new_file_style: Style | None = None

    def problem(self, path: str, line: int | None, message: str) -> None:
        self.problems.append(ImporterError(path, line, message))

    def report(self, error: ImporterError) -> None:
        self.problems.append(error)

    def _announce(self, person: str, done: str, planned: str) -> None:
        print(f"{person}: {planned if self.dry_run else done}", file=self.out)

    def _write(self, shown: str, text: str) -> None:
        """Write `shown` (a path in the content folder) unless this is a dry run."""
        if self.dry_run:
            return
        try:
            write_atomic(self.content / shown, text)
        except OSError as error:
            raise ContentError(shown, None, f"cannot write: {error.strerror}") from None

    def new_file_style(self) -> Style:
        """The folder's own style, from the first file that shows it, for files it does not have yet."""
        if self._new_file_style is None:
            style = Style()
            for path in sorted(self.folder.glob("*.yml"))[:100]:
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    text = path.read_text(encoding="utf-8-sig")
                    if Style.shows_lists(text):
                        style = Style.of(text)
                        break
            self._new_file_style = style
        return self._new_file_style

    def save(self, record: Record, existing: Person | None) -> None:
        """Write the record if it differs from what the file holds; equal data is left byte for byte,
        and a changed file keeps its layout, comments and quotes around what changed."""
        handle = str(record["handle"])
        if existing is not None and existing.data == record:
            self.counts["unchanged"] += 1
            return
        if existing is not None and existing.text:
            text = rewrite(existing.text, record, PERSON_FIELDS)
        else:
            text = render(record, self.new_file_style())
        self._write(f"people/{handle}.yml", text)
        kind = "added" if existing is None else "updated"
        self.counts[kind] += 1
        self._announce(f"people/{handle}.yml", kind, f"would be {kind}")

    def remove(self, person: Person) -> None:
        if not self.dry_run:
            try:
                (self.folder / f"{person.handle}.yml").unlink()
            except OSError as error:
                raise ContentError(person.shown, None, f"cannot delete: {error.strerror}") from None
        self.counts["removed"] += 1
        self._announce(person.shown, "removed", "would be removed")

    def add_draft(self, shown: str, text: str, note: str) -> None:
        """A page the source knows about but only its team can finish, such as a draft team."""
        self._write(shown, text)
        self.counts["drafts"] += 1
        self._announce(shown, f"added as a draft {note}", f"would be added as a draft {note}")

    def missing(self, person: Person, note: str) -> None:
        """A person the source does not list: shown, but not a problem."""
        self.counts["missing"] += 1
        print(f"{person.shown}: {note}", file=self.out)

    def summary(self) -> str:
        counts = self.counts
        problems = len(self.problems)
        text = (
            f"{self.tool}: {counts['unchanged']} unchanged, {counts['updated']} updated, "
            f"{counts['added']} added, {counts['removed']} removed, "
            f"{problems} problem{'' if problems == 1 else 's'}"
        )
        if counts["drafts"]:
            text += f", {counts['drafts']} draft{'' if counts['drafts'] == 1 else 's'} added"
        if counts["missing"]:
            text += f", {counts['missing']} not in the export"
        if self.dry_run:
            text += " (dry run: nothing written)"
        return text

    def refresh_codeowners(self) -> None:
        """Generate CODEOWNERS again after files changed (or for the first time: an import into an
        empty folder then validates at once): `make validate` fails while it differs from what the
        stewards and people say."""
        if self.dry_run or not any(self.counts[kind] for kind in ("updated", "added", "removed", "drafts")):
            return
        path = codeowners_path(self.content)
        shown = display_root(path)
        command = "make codeowners"
        if self.content != Path("site"):
            command += f" CONTENT={shlex.quote(str(self.content))}"
        try:
            expected = render_codeowners(load_org(self.content))
            if path.is_file() and path.read_text(encoding="utf-8") == expected:
                return
            write_atomic(path, expected)
        except (OSError, UnicodeDecodeError) as error:
            why = error.strerror if isinstance(error, OSError) else "not UTF-8"
            self.problem(shown, None, f"cannot regenerate ({why}): run `{command}`")
            return
        print(f"{shown}: regenerated from the stewards", file=self.out)

    def finish(self) -> int:
        """Regenerate CODEOWNERS if needed, then print the problems in source order and the summary;
        exit status 1 if anything was reported."""
        self.refresh_codeowners()
        first_seen = {path: index for index, path in enumerate(self.sources)}
        for error in self.problems:
            first_seen.setdefault(error.path, len(first_seen))
        for error in sorted(self.problems, key=lambda e: (first_seen[e.path], math.inf if e.line is None else e.line)):
            print(error, file=self.err)
        print(self.summary(), file=self.err)
        return 1 if self.problems else 0
