"""Import people from Backstage catalog files into <content>/people/.

Reads `kind: User` entities (and `kind: Group` ones, to know which groups are teams) of
`apiVersion: backstage.io/v1alpha1`; other entities are ignored. The catalog owns name, email and title,
and also github, team and manager when it states them: a catalog usually leaves those out, and then
what the file already holds (perhaps from the HR import) is kept, as are all other fields.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hub.importers._people import (
    EntryError,
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
    yaml_error_line,
)

TOOL = "backstage"
API_VERSION = "backstage.io/v1alpha1"
Keys = tuple[str, ...]
NAME: Keys = ("metadata", "name")
DISPLAY_NAME: Keys = ("spec", "profile", "displayName")
EMAIL: Keys = ("spec", "profile", "email")
TITLES: tuple[Keys, ...] = (("metadata", "title"), ("metadata", "annotations", "example.com/title"))
MEMBER_OF: Keys = ("spec", "memberOf")
GITHUB: Keys = ("metadata", "annotations", "github.com/user-login")
MANAGER: Keys = ("metadata", "annotations", "commons/manager")


def dotted(keys: Keys) -> str:
    """`metadata.annotations["github.com/user-login"]`: annotation keys have dots of their own."""
    text = ""
    for key in keys:
        text += f'["{key}"]' if "." in key or "/" in key else f".{key}" if text else key
    return text


@dataclass
class Entity:
    """One catalog document, with its YAML node so problems can name a line."""

    shown: str
    node: yaml.Node
    data: dict[str, Any]

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    def line_of(self, keys: Keys) -> int:
        """The line of the key at `keys`, or of the deepest part of that path that exists."""
        node, line = self.node, self.line
        for key in keys:
            if not isinstance(node, yaml.MappingNode):
                break
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                    node, line = value_node, key_node.start_mark.line + 1
                    break
            else:
                break
        return line

    def error(self, keys: Keys, message: str) -> EntryError:
        return EntryError(self.shown, self.line_of(keys), message)

    def get(self, keys: Keys, label: str) -> Any:
        """The value at `keys`, or None if it is absent."""
        value: Any = self.data
        for depth, key in enumerate(keys):
            if not isinstance(value, dict):
                raise self.error(keys[:depth], f"{label}: {dotted(keys[:depth])} must be a mapping")
            value = value.get(key)
            if value is None:
                return None
        return value

    def text(self, keys: Keys, label: str) -> str | None:
        value = self.get(keys, label)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(keys, f"{label}: {dotted(keys)} must be a non-empty string")
        return value.strip()


@dataclass
class User:
    entity: Entity
    name: str  # metadata.name, which other entities refer to
    display_name: str
    email: str
    title: str
    title_keys: Keys
    groups: list[str]
    github: str | None
    manager: str | None  # a user ref
    handle: str = ""
    existing: Person | None = None

    @property
    def label(self) -> str:
        return f'user "{self.name}"'


@dataclass
class Catalog:
    users: list[User] = field(default_factory=list)
    group_types: dict[str, str] = field(default_factory=dict)  # lower-cased group name -> spec.type


def ref_name(ref: str, kind: str) -> str | None:
    """The name in `kind:namespace/name`, `namespace/name` or `name`; None if it names another kind."""
    prefix, colon, rest = ref.strip().partition(":")
    if colon:
        if prefix.strip().lower() != kind:
            return None
        ref = rest
    return ref.rpartition("/")[2].strip() or None


def read_catalog(path: Path, shown: str, run: Run) -> list[Entity]:
    """The file's entities; a file that does not parse is reported and contributes nothing."""
    try:
        text = decode(path.read_bytes(), shown)
    except OSError as error:
        run.problem(shown, None, f"cannot read: {error.strerror}")
        return []
    except SourceError as error:
        run.report(error)
        return []
    entities: list[Entity] = []
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            data = loader.construct_document(node) if node is not None else None
            if node is None or data is None:
                continue
            if not isinstance(data, dict):
                run.problem(shown, node.start_mark.line + 1, "not a catalog entity: expected a mapping")
                continue
            entities.append(Entity(shown, node, data))
    except yaml.YAMLError as error:
        line, problem = yaml_error_line(error)
        run.problem(shown, line, f"YAML error: {problem}")
        # Half a file would import some people and quietly leave out the rest.
        return []
    finally:
        loader.dispose()
    return entities


def read_user(entity: Entity) -> User:
    name = entity.get(NAME, "user")
    if not isinstance(name, str) or not name.strip():
        raise entity.error(NAME, "user has no metadata.name")
    name = name.strip()
    label = f'user "{name}"'
    display_name = entity.text(DISPLAY_NAME, label)
    if display_name is None:
        raise entity.error(DISPLAY_NAME, f"{label} has no spec.profile.displayName")
    email = entity.text(EMAIL, label)
    if email is None:
        raise entity.error(EMAIL, f"{label} has no spec.profile.email")
    if not is_email(email):
        raise entity.error(EMAIL, f'{label}: malformed email "{email}"')
    for title_keys in TITLES:
        title = entity.text(title_keys, label)
        if title:
            break
    else:
        raise EntryError(entity.shown, entity.line, f"{label} has no title")
    groups = entity.get(MEMBER_OF, label) or []
    if not isinstance(groups, list) or not all(isinstance(group, str) for group in groups):
        raise entity.error(MEMBER_OF, f"{label}: spec.memberOf must be a list of group references")
    manager = entity.text(MANAGER, label)
    if manager is not None and (ref_name(manager, "user") or "").lower() == name.lower():
        raise entity.error(MANAGER, f"{label} is listed as their own manager")
    return User(entity, name, display_name, email, title, title_keys, groups, entity.text(GITHUB, label), manager)


def check_unique(first: dict[str, Entity], key: str, entity: Entity, keys: Keys, message: str) -> None:
    other = first.setdefault(key, entity)
    if other is not entity:
        raise entity.error(keys, f"{message} (first at {other.shown}:{other.line})")


def read_entities(entities: list[Entity], run: Run) -> Catalog:
    catalog = Catalog()
    first_names: dict[str, Entity] = {}
    first_emails: dict[str, Entity] = {}
    for entity in entities:
        kind = entity.data.get("kind")
        if entity.data.get("apiVersion") != API_VERSION or not isinstance(kind, str):
            continue
        try:
            if kind.lower() == "group":
                name = entity.get(NAME, "group")
                if not isinstance(name, str) or not name.strip():
                    raise entity.error(NAME, "group has no metadata.name")
                group_type = entity.get(("spec", "type"), f'group "{name}"')
                catalog.group_types[name.strip().lower()] = group_type if isinstance(group_type, str) else ""
            elif kind.lower() == "user":
                user = read_user(entity)
                check_unique(first_names, user.name.lower(), entity, NAME, f"duplicate {user.label}")
                check_unique(first_emails, email_key(user.email), entity, EMAIL, f"{user.label}: duplicate email")
                catalog.users.append(user)
        except EntryError as error:
            run.report(error)
    return catalog


def assign_handles(users: list[User], people: People) -> None:
    """Match by email first, then by handle; new people get the sanitised catalog name, made unique."""
    claimed: set[str] = set()
    for user in users:
        user.existing = people.by_email.get(email_key(user.email))
        if user.existing:
            claimed.add(user.existing.handle)
    taken = set(people.by_handle)
    for user in users:
        if user.existing is None:
            base = handle_from(user.name)
            match = people.by_handle.get(base)
            if match and match.handle not in claimed:
                user.existing = match
                claimed.add(match.handle)
            else:
                user.handle = unique_handle(base, taken)
                taken.add(user.handle)
        if user.existing:
            user.handle = user.existing.handle


def choose_team(user: User, catalog: Catalog, content: Path, run: Run) -> str | None:
    """The first group that is a team with a team page, else the first group with a team page."""
    names = [name for name in (ref_name(ref, "group") for ref in user.groups) if name]
    slugs = [slugify(name) for name in names]
    teams = [
        slug
        for name, slug in zip(names, slugs, strict=True)
        if catalog.group_types.get(name.lower()) == "team" and team_exists(content, slug)
    ]
    existing = [slug for slug in slugs if team_exists(content, slug)]
    if teams or existing:
        return (teams or existing)[0]
    pages = ", ".join(f"teams/{slug}.md" for slug in slugs) or "none"
    run.problem(
        user.entity.shown,
        user.entity.line_of(MEMBER_OF),
        f"{user.label}: no team page for its groups ({pages})",
    )
    team = user.existing.data.get("team") if user.existing else None
    return team if isinstance(team, str) else None


def choose_manager(user: User, catalog: Catalog, people: People, run: Run) -> str | None:
    name = ref_name(user.manager or "", "user")
    if name:
        handles = {other.name.lower(): other.handle for other in catalog.users}
        handle = handles.get(name.lower())
        if handle is None and handle_from(name) in people.by_handle:
            handle = handle_from(name)
        if handle is not None:
            return handle
    run.problem(user.entity.shown, user.entity.line_of(MANAGER), f'{user.label}: unknown manager "{user.manager}"')
    return None


def import_catalogs(args: argparse.Namespace, run: Run) -> None:
    content = Path(args.content)
    people = People.load(content)
    entities = [entity for shown in args.catalogs for entity in read_catalog(Path(shown), shown, run)]
    catalog = read_entities(entities, run)
    assign_handles(catalog.users, people)
    for user in catalog.users:
        owned: dict[str, Any] = {"name": user.display_name, "email": user.email, "title": user.title}
        sources: dict[str, Keys] = {"name": DISPLAY_NAME, "email": EMAIL, "title": user.title_keys}
        if user.groups:
            owned["team"], sources["team"] = choose_team(user, catalog, content, run), MEMBER_OF
        if user.github:
            owned["github"], sources["github"] = user.github, GITHUB
        if user.manager:
            owned["manager"], sources["manager"] = choose_manager(user, catalog, people, run), MANAGER
        record = merge(user.existing, user.handle, owned)
        errors = field_errors(record, owned)
        for name, message in errors.items():
            run.report(user.entity.error(sources[name], f"{user.label}: invalid {name}: {message}"))
        if not errors:
            run.save(record, user.existing)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m hub.importers.backstage",
        description="Create and update people/<handle>.yml from Backstage catalog files (User and Group).",
    )
    parser.add_argument("catalogs", metavar="CATALOG.yaml", nargs="+", help="multi-document catalog file")
    parser.add_argument("--content", default="site", help="content folder (default: site)")
    parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    run = Run(TOOL, Path(args.content), dry_run=args.dry_run, out=sys.stdout, err=sys.stderr)
    run.sources = list(args.catalogs)
    try:
        import_catalogs(args, run)
    except ImporterError as error:
        run.report(error)
    return run.finish()


if __name__ == "__main__":
    sys.exit(main())
