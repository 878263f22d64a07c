"""Import people and spaces from Backstage catalog files into <content>/people/ and <content>/teams/.

`kind: User` entities become people and `kind: Group` entities become spaces, so one run turns a
catalog such as Backstage's own example organisation into a hub that validates and builds:

- A group is a team when its `spec.type` is `team`, and a community otherwise. Its name is
  `spec.profile.displayName`, `metadata.title` or `metadata.name`; `spec.parent` (or the group
  that lists it in `spec.children`) is its parent, `spec.profile.email` its mailing list and
  `metadata.description` its page's text. A community's members are its `spec.members` and the
  users whose `spec.memberOf` names it.
- A catalog says nothing of a space's purpose, outcome or stewards, so a new space is a draft
  (`hub.drafts`) until its team writes them.
- A user's team is the first of their groups that is a team. Their name falls back to
  `metadata.name`; `spec.profile.picture` is their `picture`.
- Entities outside the `default` namespace keep their namespace in the handle or slug
  (`development-guest`). A user with the email of a user in another namespace is the same person,
  imported once: Commons knows people by email.

The catalog owns what it states: a person's name, email, title, team, github, manager and picture,
and a space's name, kind, parent, mailing list, members, and its text until the team edits it.
What it leaves out, and everything the team writes (purpose, outcome, stewards, skills, ...), is
kept as the files hold it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.content import RESERVED_SLUGS
from hub.importers._catalog import NAME, Entity, Keys, Ref, parse_ref, read_catalogs
from hub.importers._people import (
    EntryError,
    ImporterError,
    People,
    Person,
    Run,
    email_key,
    field_errors,
    handle_from,
    is_email,
    merge,
    slugify,
    unique_handle,
)
from hub.importers._spaces import Page, Pages, body_is_imported, imported_body, merge_page, save_page

TOOL = "backstage"
DISPLAY_NAME: Keys = ("spec", "profile", "displayName")
EMAIL: Keys = ("spec", "profile", "email")
PICTURE: Keys = ("spec", "profile", "picture")
TITLES: tuple[Keys, ...] = (("metadata", "title"), ("metadata", "annotations", "example.com/title"))
MEMBER_OF: Keys = ("spec", "memberOf")
GITHUB: Keys = ("metadata", "annotations", "github.com/user-login")
MANAGER: Keys = ("metadata", "annotations", "commons/manager")
GROUP_TYPE: Keys = ("spec", "type")
GROUP_TITLE: Keys = ("metadata", "title")
PARENT: Keys = ("spec", "parent")
CHILDREN: Keys = ("spec", "children")
MEMBERS: Keys = ("spec", "members")
DESCRIPTION: Keys = ("metadata", "description")
BODY_SOURCE = "from Backstage, metadata.description"


@dataclass(eq=False)  # each entity is itself: compared and hashed by identity
class User:
    entity: Entity
    ref: Ref
    display_name: str | None
    email: str
    title: str | None
    title_keys: Keys
    groups: list[str]  # spec.memberOf, as written
    github: str | None
    manager: str | None  # a user reference
    picture: str | None
    handle: str = ""
    existing: Person | None = None

    @property
    def label(self) -> str:
        return f'user "{self.ref}"'


@dataclass(eq=False)
class Group:
    entity: Entity
    ref: Ref
    name: str | None  # as the catalog states it; None: only metadata.name
    kind: str | None  # "team" or "community"; None: no spec.type
    parent: str | None  # a group reference
    children: list[str]
    members: list[str]  # user references
    email: str | None
    description: str | None
    slug: str = ""

    @property
    def label(self) -> str:
        return f'group "{self.ref}"'


@dataclass
class Catalog:
    users: list[User] = field(default_factory=list)
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)
    #: The group whose `spec.children` lists a group first, for groups that name no `spec.parent`.
    listed_under: dict[tuple[str, str], Group] = field(default_factory=dict)

    def group(self, text: str, namespace: str) -> Group | None:
        ref = parse_ref(text, "group", namespace)
        return self.groups.get(ref.key) if ref else None


def read_user(entity: Entity) -> User:
    ref = entity.ref("user")
    label = f'user "{ref}"'
    email = entity.text(EMAIL, label)
    if email is None:
        raise entity.error(EMAIL, f"{label} has no spec.profile.email, which Commons knows people by")
    if not is_email(email):
        raise entity.error(EMAIL, f'{label}: malformed email "{email}"')
    title, title_keys = None, TITLES[0]
    for keys in TITLES:
        title = entity.text(keys, label)
        if title:
            title_keys = keys
            break
    picture = entity.text(PICTURE, label)
    if picture is not None and not picture.startswith("https://"):
        raise entity.error(PICTURE, f'{label}: spec.profile.picture must be an https URL, not "{picture[:80]}"')
    manager = entity.text(MANAGER, label)
    if manager is not None and (boss := parse_ref(manager, "user", ref.namespace)) and boss.key == ref.key:
        raise entity.error(MANAGER, f"{label} is listed as their own manager")
    return User(
        entity,
        ref,
        entity.text(DISPLAY_NAME, label),
        email,
        title,
        title_keys,
        entity.texts(MEMBER_OF, label, "group references"),
        entity.text(GITHUB, label),
        manager,
        picture,
    )


def read_group(entity: Entity) -> Group:
    ref = entity.ref("group")
    label = f'group "{ref}"'
    group_type = entity.text(GROUP_TYPE, label)
    email = entity.text(EMAIL, label)
    if email is not None and not is_email(email):
        raise entity.error(EMAIL, f'{label}: malformed email "{email}"')
    return Group(
        entity,
        ref,
        entity.text(DISPLAY_NAME, label) or entity.text(GROUP_TITLE, label),
        None if group_type is None else "team" if group_type.lower() == "team" else "community",
        entity.text(PARENT, label),
        entity.texts(CHILDREN, label, "group references"),
        entity.texts(MEMBERS, label, "user references"),
        email,
        entity.text(DESCRIPTION, label),
    )


def read_entities(entities: list[Entity], run: Run) -> Catalog:
    """Users and groups; a bad entity is reported at its line and left out, the rest still read."""
    catalog = Catalog()
    first: dict[tuple[str, str, str], Entity] = {}
    emails: dict[str, User] = {}
    for entity in entities:
        if entity.kind not in ("user", "group"):
            continue
        try:
            ref = entity.ref(entity.kind)
            other = first.setdefault((entity.kind, *ref.key), entity)
            if other is not entity:
                raise entity.error(NAME, f'duplicate {entity.kind} "{ref}" (first at {other.shown}:{other.line})')
            if entity.kind == "group":
                group = read_group(entity)
                catalog.groups[group.ref.key] = group
                continue
            user = read_user(entity)
            twin = emails.setdefault(email_key(user.email), user)
            if twin is user:
                catalog.users.append(user)
            elif twin.ref.namespace.lower() != user.ref.namespace.lower():
                where = f"{twin.entity.shown}:{twin.entity.line}"
                print(
                    f"{entity.shown}:{entity.line}: {user.label} has the email of {twin.label} ({where}):"
                    " the same person, imported once",
                    file=run.out,
                )
            else:
                where = f"{twin.entity.shown}:{twin.entity.line}"
                raise entity.error(EMAIL, f"{user.label}: duplicate email (first at {where})")
        except EntryError as error:
            run.report(error)
    for group in catalog.groups.values():
        for text in group.children:
            child = catalog.group(text, group.ref.namespace)
            if child is not None:
                catalog.listed_under.setdefault(child.ref.key, group)
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
            base = handle_from(_qualified(user.ref))
            match = people.by_handle.get(base)
            if match and match.handle not in claimed:
                user.existing = match
                claimed.add(match.handle)
            else:
                user.handle = unique_handle(base, taken)
                taken.add(user.handle)
        if user.existing:
            user.handle = user.existing.handle


def assign_slugs(groups: list[Group]) -> None:
    """Each group's page: its sanitised name, with the namespace outside `default`, made unique."""
    taken = set(RESERVED_SLUGS)
    for group in groups:
        group.slug = unique_handle(slugify(_qualified(group.ref)) or "group", taken)
        taken.add(group.slug)


def _qualified(ref: Ref) -> str:
    return ref.name if ref.in_default else f"{ref.namespace}-{ref.name}"


@dataclass
class Memberships:
    """Who is in which group: a user's `spec.memberOf` and the groups whose `spec.members` name them."""

    of_user: dict[User, list[Group]] = field(default_factory=dict)  # memberOf first
    unknown: dict[User, list[str]] = field(default_factory=dict)  # memberOf references not in the catalog
    of_group: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # group -> member handles


def memberships(catalog: Catalog, people: People, run: Run) -> Memberships:
    found = Memberships()
    users = {user.ref.key: user for user in catalog.users}
    for user in catalog.users:
        groups, unknown = found.of_user.setdefault(user, []), found.unknown.setdefault(user, [])
        for text in user.groups:
            group = catalog.group(text, user.ref.namespace)
            if group is None:
                unknown.append(text)
            elif group not in groups:
                groups.append(group)
    for group in catalog.groups.values():
        for text in group.members:
            ref = parse_ref(text, "user", group.ref.namespace)
            member = users.get(ref.key) if ref else None
            if member is not None:
                if group not in found.of_user[member]:
                    found.of_user[member].append(group)
            elif ref and ref.in_default and handle_from(ref.name) in people.by_handle:
                found.of_group.setdefault(group.ref.key, []).append(handle_from(ref.name))
            else:
                line = group.entity.line_of(MEMBERS)
                run.problem(group.entity.shown, line, f'{group.label}: member "{text}" is not a user in the catalog')
    for user in catalog.users:
        for group in found.of_user[user]:
            handles = found.of_group.setdefault(group.ref.key, [])
            if user.handle not in handles:
                handles.append(user.handle)
    return found


def parent_slug(group: Group, catalog: Catalog, pages: Pages, run: Run) -> str | None:
    """The slug of the group's parent; None when the catalog names none or names one it lacks."""
    if group.parent is None:
        listing = catalog.listed_under.get(group.ref.key)
        return listing.slug if listing else None
    parent = catalog.group(group.parent, group.ref.namespace)
    if parent is not None:
        return parent.slug
    ref = parse_ref(group.parent, "group", group.ref.namespace)
    if ref is not None and ref.in_default and slugify(ref.name) in pages.by_slug:
        return slugify(ref.name)
    where = group.entity.line_of(PARENT)
    run.problem(group.entity.shown, where, f'{group.label}: parent "{group.parent}" is not a group in the catalog')
    return None


def import_group(
    group: Group, catalog: Catalog, pages: Pages, members: Memberships, content: Path, run: Run, users: set[str]
) -> None:
    existing: Page | None = pages.by_slug.get(group.slug)
    owned: dict[str, Any] = {}
    if group.name or existing is None:
        owned["name"] = group.name or group.ref.name
    kind = group.kind or (None if existing else "community")
    if kind:
        owned["kind"] = kind
    final_kind = kind or (existing.front.get("kind") if existing else None)
    parent = parent_slug(group, catalog, pages, run)
    if parent is not None:
        owned["parent"] = parent
    if final_kind == "team":
        owned["members"] = None  # a team's members come from the people files
    else:
        # The catalog owns the membership of the people it knows; others listed by hand stay.
        listed = members.of_group.get(group.ref.key, [])
        kept = existing.front.get("members") if existing else None
        by_hand = [h for h in kept if isinstance(h, str) and h not in users] if isinstance(kept, list) else []
        owned["members"] = listed + [handle for handle in by_hand if handle not in listed]
    links = {"mailing_list": group.email} if group.email else {}
    front = merge_page(existing, owned, links)
    body = (
        existing.body
        if existing and not body_is_imported(existing.body)
        else imported_body(BODY_SOURCE, group.description)
    )
    save_page(run, content, group.slug, front, body, existing)


def choose_team(user: User, members: Memberships, pages: Pages, run: Run) -> str | None:
    """The first of the user's groups that is a team; else a team page of that name outside the
    catalog. None leaves the person's team as their file has it."""
    teams = [group for group in members.of_user[user] if (group.kind or pages.kind(group.slug)) == "team"]
    if teams:
        return teams[0].slug
    for text in members.unknown[user]:
        ref = parse_ref(text, "group", user.ref.namespace)
        slug = slugify(ref.name) if ref else ""
        if not slug or slug not in pages.by_slug:
            line = user.entity.line_of(MEMBER_OF)
            run.problem(
                user.entity.shown, line, f'{user.label}: group "{text}" is not in the catalog (no teams/{slug}.md)'
            )
        elif pages.kind(slug) == "team":
            return slug
    return None


def choose_manager(user: User, catalog: Catalog, people: People, run: Run) -> str | None:
    ref = parse_ref(user.manager or "", "user", user.ref.namespace)
    if ref is not None:
        handles = {other.ref.key: other.handle for other in catalog.users}
        handle = handles.get(ref.key)
        if handle is None and ref.in_default and handle_from(ref.name) in people.by_handle:
            handle = handle_from(ref.name)
        if handle is not None:
            return handle
    run.problem(user.entity.shown, user.entity.line_of(MANAGER), f'{user.label}: unknown manager "{user.manager}"')
    return None


def import_user(user: User, catalog: Catalog, people: People, pages: Pages, members: Memberships, run: Run) -> None:
    owned: dict[str, Any] = {"email": user.email}
    sources: dict[str, Keys] = {"email": EMAIL, "name": DISPLAY_NAME}
    if user.display_name or user.existing is None:
        # Without a displayName, a name the file already has is better than the catalog's id.
        owned["name"] = user.display_name or user.ref.name
    if user.title:
        owned["title"], sources["title"] = user.title, user.title_keys
    team = choose_team(user, members, pages, run)
    if team:
        owned["team"], sources["team"] = team, MEMBER_OF
    if user.github:
        owned["github"], sources["github"] = user.github, GITHUB
    if user.manager:
        owned["manager"], sources["manager"] = choose_manager(user, catalog, people, run), MANAGER
    if user.picture:
        owned["picture"], sources["picture"] = user.picture, PICTURE
    record = merge(user.existing, user.handle, owned)
    errors = field_errors(record, owned)
    for name, message in errors.items():
        run.report(user.entity.error(sources[name], f"{user.label}: invalid {name}: {message}"))
    if not errors:
        run.save(record, user.existing)


def import_catalogs(args: argparse.Namespace, run: Run) -> None:
    content = Path(args.content)
    people = People.load(content)
    pages = Pages.load(content)
    entities = read_catalogs(list(args.catalogs), run)
    catalog = read_entities(entities, run)
    groups = list(catalog.groups.values())
    assign_handles(catalog.users, people)
    assign_slugs(groups)
    members = memberships(catalog, people, run)
    handles = {user.handle for user in catalog.users}
    for group in groups:
        import_group(group, catalog, pages, members, content, run, handles)
    for user in catalog.users:
        import_user(user, catalog, people, pages, members, run)
    if not run.dry_run:
        # An empty content folder gets both, so that it validates even with no groups or no users.
        (content / "people").mkdir(exist_ok=True)
        (content / "teams").mkdir(exist_ok=True)
    # Run.finish() then writes CODEOWNERS from the stewards, so the folder validates at once.


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m hub.importers.backstage",
        description="Create and update people/<handle>.yml and teams/<slug>.md from Backstage catalog files"
        " (User and Group entities).",
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
