"""Reading the organisation's content: people YAML and space Markdown, checked against the schemas.

Everything the validator and the build know about the content comes through `load_org`. It never
raises for bad content: each problem becomes a `Problem` that names the file and line. The YAML
itself, with the line of every field, is read by `hub.lined_yaml`.
"""

from __future__ import annotations

import json
import os
import re
import reprlib
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from hub import lined_yaml
from hub.lined_yaml import Source
from hub.problems import Problem

SCHEMAS = Path(__file__).resolve().parent / "schemas"

#: Slugs that the build uses for its own pages under teams/.
RESERVED_SLUGS = frozenset({"index"})
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
#: Values quoted in messages are cut short: a problem line should not repeat a huge field.
_QUOTE = reprlib.Repr()
_QUOTE.maxstring = _QUOTE.maxother = 80
_QUOTE.maxlist = _QUOTE.maxdict = 5
_QUOTE.maxlevel = 2
MAX_MESSAGE = 300


@dataclass
class Link:
    label: str
    url: str


@dataclass
class Person:
    handle: str
    name: str
    email: str
    source: Source
    #: Optional: a Backstage catalog, for one, has no job titles.
    title: str | None = None
    #: Other addresses the person sends mail from; each is unique in the directory, ignoring case.
    email_aliases: list[str] = field(default_factory=list)
    team: str | None = None
    manager: str | None = None
    location: str | None = None
    timezone: str | None = None
    skills: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    github: str | None = None
    #: An https URL of the person's photo.
    picture: str | None = None


@dataclass
class Space:
    """A team or community page's front matter.

    A draft (`draft: true`) is a space its team has not finished, usually one an importer created:
    its purpose, outcome and stewards may be missing, and `hub.drafts` says which it still needs.
    """

    slug: str
    name: str
    kind: str
    source: Source
    purpose: str | None = None
    outcome: str | None = None
    stewards: list[str] = field(default_factory=list)
    draft: bool = False
    parent: str | None = None
    members: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)

    @property
    def is_team(self) -> bool:
        return self.kind == "team"


@dataclass
class Org:
    """The whole content folder. Records with schema errors are left out, and their problems kept."""

    root: Path
    people: dict[str, Person] = field(default_factory=dict)
    spaces: dict[str, Space] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Files that exist but could not be read: references to them are not reported again.
    unreadable_people: set[str] = field(default_factory=set)
    unreadable_spaces: set[str] = field(default_factory=set)

    def knows_person(self, handle: str) -> bool:
        return handle in self.people or handle in self.unreadable_people

    def knows_space(self, slug: str) -> bool:
        return slug in self.spaces or slug in self.unreadable_spaces

    def team_members(self) -> dict[str, list[Person]]:
        """Each space's members: for a team, people whose `team` is it; for a community, its list."""
        members: dict[str, list[Person]] = {slug: [] for slug in self.spaces}
        for person in self.people.values():
            if person.team in members and self.spaces[person.team].is_team:
                members[person.team].append(person)
        for slug, space in self.spaces.items():
            if not space.is_team:
                members[slug] = [self.people[h] for h in space.members if h in self.people]
        for group in members.values():
            group.sort(key=lambda p: p.name.casefold())
        return members

    def reports(self) -> dict[str, list[Person]]:
        """Direct reports of each person, by name."""
        reports: dict[str, list[Person]] = {handle: [] for handle in self.people}
        for person in self.people.values():
            if person.manager in reports:
                reports[person.manager].append(person)
        for group in reports.values():
            group.sort(key=lambda p: p.name.casefold())
        return reports


@cache
def _schema(kind: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    return schema


@cache
def _validator(kind: str) -> Draft202012Validator:
    Draft202012Validator.check_schema(_schema(kind))
    return Draft202012Validator(_schema(kind))


@cache
def _fast_check(kind: str) -> Callable[[Any], Any]:
    # Compiled to Python: about fifteen times faster than jsonschema on the valid files that
    # are nearly all of them. jsonschema then explains the few that fail, every error at once.
    return fastjsonschema.compile(_schema(kind))


def _passes(kind: str, data: Any) -> bool:
    """Whether a record read the fast way is valid as it stands; any other goes the careful way,
    which explains each problem at its line."""
    if data is lined_yaml.NOT_PLAIN or not isinstance(data, dict):
        return False
    try:
        _fast_check(kind)(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _schema_problems(kind: str, data: Any, source: Source) -> list[Problem]:
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type(data).__name__}"
        return [Problem(source.path, source.first_line, f"expected a mapping of fields, found {what}")]
    try:
        _fast_check(kind)(data)
        return []
    except fastjsonschema.JsonSchemaException as exc:
        fast_error = exc
    problems: list[Problem] = []
    for error in _validator(kind).iter_errors(data):
        problems.extend(_explain(error, data, source))
    if not problems:
        # The two disagree where Python's `$` also matches before a final line break, which
        # jsonschema allows and fastjsonschema (like the schema's ECMA-262 dialect) does not.
        problems.append(_explain_fast(fast_error, source))
    return problems


def _explain_fast(error: fastjsonschema.JsonSchemaException, source: Source) -> Problem:
    path = list(getattr(error, "path", None) or [])[1:]  # the first element is "data"
    key = str(path[0]) if path else None
    index = path[1] if len(path) > 1 and isinstance(path[1], int) else None
    where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
    value = getattr(error, "value", None)
    message = f"{_QUOTE.repr(value)} is not valid here"
    if isinstance(value, str) and value != value.strip():
        message += " (it starts or ends with a line break or space)"
    return Problem(source.path, source.line(key, index), f"{where}: {message}" if where else message)


def _explain(error: ValidationError, data: dict[str, Any], source: Source) -> Iterator[Problem]:
    """Turn a jsonschema error into plain words at the line of the field it is about."""
    path = list(error.absolute_path)
    key = str(path[0]) if path else None
    index = path[1] if len(path) > 1 and isinstance(path[1], int) else None
    line = source.line(key, index)
    where = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
    if error.validator == "additionalProperties" and not path:
        allowed = error.schema.get("properties", {})
        for extra in sorted(k for k in data if k not in allowed):
            known = ", ".join(allowed)
            yield Problem(source.path, source.line(str(extra)), f"unknown field '{extra}' (known: {known})")
        return
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        message = f"missing required field '{missing}'"
        if "else" in error.absolute_schema_path:
            # Only a finished space needs it: say how to publish the page before it is written.
            message += " (or mark the page 'draft: true' until the team writes it)"
        yield Problem(source.path, source.first_line, message)
        return
    if error.validator == "pattern":
        description = error.schema.get("description") or f"pattern {error.validator_value}"
        message = f"{_QUOTE.repr(error.instance)} is not valid here ({description})"
    elif error.validator == "uniqueItems" and len(path) == 1 and (repeat := _first_repeat(error.instance)):
        # At the repeat's own line, not the list's: in a long list the list's line says little.
        index, first = repeat
        line = source.line(key, index)
        message = f"{_QUOTE.repr(error.instance[index])} is listed twice (first on line {source.line(key, first)})"
        where = f"{key}[{index}]"
    elif error.validator == "enum":
        choices = ", ".join(repr(c) for c in error.validator_value)
        message = f"{_QUOTE.repr(error.instance)} is not one of {choices}"
    elif error.validator == "type":
        found = _QUOTE.repr(error.instance)
        message = f"expected {error.validator_value}, found {type(error.instance).__name__} {found}"
    else:
        message = error.message if len(error.message) <= MAX_MESSAGE else error.message[:MAX_MESSAGE] + "…"
    yield Problem(source.path, line, f"{where}: {message}" if where else message)


def _first_repeat(items: list[Any]) -> tuple[int, int] | None:
    """The index of the first item equal to an earlier one, and of that earlier one."""
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        # As JSON, so that 1 and true stay apart as they do for the schema.
        text = json.dumps(item, sort_keys=True, default=str)
        if text in seen:
            return index, seen[text]
        seen[text] = index
    return None


def split_front_matter(text: str) -> tuple[str | None, int, str, int]:
    """Split `---` front matter from Markdown: (front matter, its first line, body, body's first line)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, 1, text, 1
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() in ("---", "..."):
            return "".join(lines[1 : number - 1]), 2, "".join(lines[number:]), number + 1
    return None, 1, text, 1


#: Below this many people files one process reads them all: a second would cost more than it saves.
PARALLEL_FROM = 1_000


def _read_plain(path: str) -> tuple[str, dict[str, Any]] | None:
    """The file's text and data when the fast reader vouches for it and the schema passes."""
    try:
        text = _read_text(path)
    except (OSError, UnicodeDecodeError):
        return None
    data = lined_yaml.load_plain(text)
    return (text, data) if _passes("person", data) else None


def _read_text(path: str) -> str:
    """`Path(path).read_text(encoding="utf-8-sig")`, with its line ends made `\\n` as text mode
    does, in fewer steps: at 100,000 files the text file object is a fifth of reading them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(fd)
    text = b"".join(chunks).decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def two_processes() -> bool:
    """Whether the build may fork a second process: there are two cores, and
    `COMMONS_BUILD_PROCESSES` (default 2) does not say 1."""
    wanted = os.environ.get("COMMONS_BUILD_PROCESSES", "2").strip()
    return wanted != "1" and (os.cpu_count() or 1) >= 2


#: A person, or None and why not.
Read = tuple[Person | None, list[Problem]]
#: The share of many people files the build's own process reads (`load_org`); the second process
#: reads the rest, while this one also reads the spaces and makes its people.
OWN_SHARE = 0.45


def _read_plain_data(paths: list[str]) -> list[dict[str, Any] | None]:
    """`_read_plain` of each path, without the texts: the second process sends back less."""
    return [plain[1] if (plain := _read_plain(path)) is not None else None for path in paths]


def read_person(path: str, display: str, data: dict[str, Any] | None = None) -> Read:
    """One person file: read the fast way when `lined_yaml.load_plain` can vouch for it and the
    schema passes, otherwise again the careful way, with every problem at its line. `data` is
    what `_read_plain_data` made of the file, when it could vouch for it."""
    if data is not None:
        source = lined_yaml.lazy_file_source(path, display)
        return _person(data, source), []
    plain = _read_plain(path)
    if plain is not None:
        text, data = plain
        source = lined_yaml.lazy_source(text, display, 0)
    else:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            return None, [Problem(display, 1, f"cannot be read: {exc}")]
        data, node, problems = lined_yaml.parse(text, display, 0)
        if node is None:
            return None, problems or [Problem(display, 1, "the file is empty")]
        source, duplicates = lined_yaml.source_of(node, display, 0)
        problems = duplicates + _schema_problems("person", data, source)
        if problems:
            return None, problems
    return _person(data, source), []


def _person(data: dict[str, Any], source: Source) -> Person:
    links = [Link(str(item["label"]), str(item["url"])) for item in data.get("links", [])]
    return Person(
        handle=data["handle"],
        name=data["name"],
        email=data["email"],
        title=data.get("title"),
        source=source,
        email_aliases=list(data.get("email_aliases", [])),
        team=data.get("team"),
        manager=data.get("manager"),
        location=data.get("location"),
        timezone=data.get("timezone"),
        skills=list(data.get("skills", [])),
        links=links,
        github=data.get("github"),
        picture=data.get("picture"),
    )


def read_space(path: Path, display: str) -> tuple[Space | None, str, list[Problem]]:
    """A space page: its front matter as a `Space`, and its Markdown body."""
    try:
        # mkdocs reads pages with utf-8-sig too: a byte-order mark before the front matter is fine.
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, "", [Problem(display, 1, f"cannot be read: {exc}")]
    front, front_line, body, _ = split_front_matter(text)
    if front is None and [line.strip() for line in text.splitlines()[:1]] == ["---"]:
        return None, body, [Problem(display, 1, "the front matter has no closing '---' line")]
    if front is None:
        return None, body, [Problem(display, 1, "missing front matter: start the file with a '---' block")]
    offset = front_line - 1
    data = lined_yaml.load_plain(front)
    if _passes("space", data):
        source = lined_yaml.lazy_source(front, display, offset, first_line=1)
    else:
        data, node, problems = lined_yaml.parse(front, display, offset)
        if node is None:
            return None, body, problems or [Problem(display, 1, "the front matter is empty")]
        source, duplicates = lined_yaml.source_of(node, display, offset)
        source.first_line = 1
        problems = duplicates + _schema_problems("space", data, source)
        if problems:
            return None, body, problems
    space = Space(
        slug=path.stem,
        name=data["name"],
        kind=data["kind"],
        purpose=data.get("purpose"),
        outcome=data.get("outcome"),
        stewards=list(data.get("stewards", [])),
        draft=data.get("draft") is True,
        source=source,
        parent=data.get("parent"),
        members=list(data.get("members", [])),
        links=dict(data.get("links", {})),
    )
    return space, body, []


def _read_spaces(teams_dir: Path, name: str) -> list[tuple[str | None, Space | None, list[Problem]]]:
    """Each space page under `teams_dir`: its slug (None when the file name cannot be one), the
    space or None, and the problems."""
    read: list[tuple[str | None, Space | None, list[Problem]]] = []
    for path in sorted(teams_dir.glob("*.md")) if teams_dir.is_dir() else []:
        display = f"{name}/teams/{path.name}"
        if path.stem in RESERVED_SLUGS or not SLUG.fullmatch(path.stem):
            why = "is used by the hub itself" if path.stem in RESERVED_SLUGS else "must be lower-case a-z, 0-9 and -"
            read.append((None, None, [Problem(display, 1, f"the file name '{path.stem}' {why}; rename the file")]))
            continue
        space, _body, problems = read_space(path, display)
        read.append((path.stem, space, problems))
    return read


def display_root(root: Path) -> str:
    """How to name the content folder in messages: relative to the working directory when inside it."""
    try:
        return str(root.relative_to(Path.cwd()))
    except ValueError:
        return str(root)


def load_org(root: Path) -> Org:
    """Read every person and space under `root` (a folder laid out like `site/`)."""
    root = root.resolve()
    org = Org(root)
    name = display_root(root)
    people_dir, teams_dir = root / "people", root / "teams"
    if not people_dir.is_dir():
        org.problems.append(Problem(f"{name}/people", 0, "folder missing: people live in people/<handle>.yml"))
    if not teams_dir.is_dir():
        org.problems.append(Problem(f"{name}/teams", 0, "folder missing: spaces live in teams/<slug>.md"))
    # Names sorted as text, and one scandir: globbing and comparing Path objects cost a tenth of
    # reading 100,000 files. Every entry whose name ends in .yml, as glob("*.yml") gives. Paths
    # stay text: making 100,000 Path objects costs a second.
    names = sorted(e.name for e in os.scandir(people_dir) if e.name.endswith(".yml")) if people_dir.is_dir() else []
    folder = str(people_dir)
    files = [(os.path.join(folder, file), f"{name}/people/{file}") for file in names]
    with ExitStack() as stack:
        own, theirs, later = files, [], None
        if len(files) >= PARALLEL_FROM and two_processes():
            # YAML is read in Python, so one process is bound to one core: a forked second one
            # reads part of the files and sends back what it made of each it could vouch for.
            cut = int(len(files) * OWN_SHARE)
            own, theirs = files[:cut], files[cut:]
            pool = stack.enter_context(ProcessPoolExecutor(1, mp_context=get_context("fork")))
            later = pool.submit(_read_plain_data, [path for path, _ in theirs])
        people = [read_person(path, display) for path, display in own]
        spaces = _read_spaces(teams_dir, name)
        if later is not None:
            people += [read_person(p, d, data) for (p, d), data in zip(theirs, later.result(), strict=True)]
    for file, (_path, display), (person, problems) in zip(names, files, people, strict=True):
        stem = file[: -len(".yml")]
        org.problems.extend(problems)
        if person is None:
            org.unreadable_people.add(stem)
            continue
        if person.handle != stem:
            line = person.source.line("handle")
            org.problems.append(Problem(display, line, f"handle '{person.handle}' must match the file name '{stem}'"))
            continue
        org.people[person.handle] = person
    for path in sorted(people_dir.glob("*.yaml")) if people_dir.is_dir() else []:
        org.problems.append(Problem(f"{name}/people/{path.name}", 1, "people files end in .yml; rename it"))
    for slug, space, problems in spaces:
        org.problems.extend(problems)
        if space is not None:
            org.spaces[space.slug] = space
        elif slug is not None:
            org.unreadable_spaces.add(slug)
    return org


@dataclass
class HomePurpose:
    """The organisation's own purpose and outcome, as its home page (index.md) states them.

    The purpose is the first paragraph after the page's heading; the outcome that counts is the
    paragraph right after it, when there is one before the next heading, list or marker."""

    purpose: str
    outcome: str | None = None


_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
#: A heading, HTML or a marker, a quote, a table, code, or a list: not a paragraph of prose.
_NOT_PROSE = re.compile(r"(#|<|>|\||```|~~~|([-*+]|\d+[.)])\s)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def _plain(paragraph: str) -> str:
    """A Markdown paragraph as text: links keep their words, emphasis and code marks go."""
    text = " ".join(line.strip() for line in paragraph.splitlines())
    text = _MARKDOWN_LINK.sub(r"\1", text)
    return _EMPHASIS.sub(r"\2", text)


def read_home_purpose(root: Path) -> HomePurpose | None:
    """The purpose from `root/index.md`, or None when the home page states none."""
    try:
        text = (root / "index.md").read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    _front, _line, body, _ = split_front_matter(text)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    while paragraphs and paragraphs[0].startswith("#"):
        paragraphs.pop(0)
    prose = []
    for paragraph in paragraphs[:2]:
        if _NOT_PROSE.match(paragraph):
            break
        prose.append(_plain(paragraph))
    if not prose:
        return None
    return HomePurpose(prose[0], prose[1] if len(prose) > 1 else None)
