"""Reading Backstage catalog files: entities with the line of every field, and entity references.

A catalog file is a stream of YAML documents, as `backstage-cli` exports it and as Backstage's own
examples are written. Each document keeps its node tree, so every problem can name the line of the
field it is about. Backstage compares names and namespaces without case, and so does this.

A `kind: Location` entity's file targets are read too, as Backstage reads them, so the file at the
top of a catalog (Backstage's example organisation has `org.yaml`) brings in the rest of it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub.importers._people import EntryError, Run, SourceError, decode, yaml_error_line

#: libyaml's loader, about ten times faster, keeps every node's line as the Python one does.
FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
API_VERSION = "backstage.io/v1alpha1"
DEFAULT_NAMESPACE = "default"
Keys = tuple[str, ...]
NAME: Keys = ("metadata", "name")
NAMESPACE: Keys = ("metadata", "namespace")
TARGET: Keys = ("spec", "target")
TARGETS: Keys = ("spec", "targets")


def dotted(keys: Keys) -> str:
    """`metadata.annotations["github.com/user-login"]`: annotation keys have dots of their own."""
    text = ""
    for key in keys:
        text += f'["{key}"]' if "." in key or "/" in key else f".{key}" if text else key
    return text


@dataclass(frozen=True)
class Ref:
    """A `namespace/name` of one kind of entity, compared without case as Backstage does."""

    namespace: str
    name: str

    @property
    def key(self) -> tuple[str, str]:
        return self.namespace.lower(), self.name.lower()

    @property
    def in_default(self) -> bool:
        return self.namespace.lower() == DEFAULT_NAMESPACE

    def __str__(self) -> str:
        return self.name if self.in_default else f"{self.namespace}/{self.name}"


def parse_ref(text: str, kind: str, namespace: str) -> Ref | None:
    """`kind:namespace/name`, `namespace/name` or `name`, in the referring entity's namespace when it
    names none; None when it names another kind of entity, or nothing."""
    prefix, colon, rest = text.strip().partition(":")
    if colon:
        if prefix.strip().lower() != kind:
            return None
        text = rest
    space, slash, name = text.strip().rpartition("/")
    name = name.strip()
    if not name:
        return None
    return Ref(space.strip() if slash and space.strip() else namespace, name)


@dataclass
class Entity:
    """One catalog document, with its YAML node so problems can name a line."""

    shown: str
    node: yaml.Node
    data: dict[str, Any]

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    @property
    def kind(self) -> str:
        kind = self.data.get("kind")
        return kind.lower() if isinstance(kind, str) else ""

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

    def texts(self, keys: Keys, label: str, what: str) -> list[str]:
        """A list of strings, such as `spec.memberOf` (a list of `what`); absent is empty."""
        value = self.get(keys, label)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            raise self.error(keys, f"{label}: {dotted(keys)} must be a list of {what}")
        return [item.strip() for item in value]

    def ref(self, what: str) -> Ref:
        """The entity's own `namespace/name`; an entity without a name cannot be imported."""
        name = self.get(NAME, what)
        if not isinstance(name, str) or not name.strip():
            raise self.error(NAME, f"{what} has no metadata.name")
        namespace = self.text(NAMESPACE, f'{what} "{name.strip()}"') or DEFAULT_NAMESPACE
        return Ref(namespace, name.strip())


def read_catalogs(shown: list[str], run: Run) -> list[Entity]:
    """The entities of every file named, and of every file their Locations name, each file once."""
    entities: list[Entity] = []
    queue = deque((Path(name), name) for name in shown)
    seen: set[Path] = set()
    while queue:
        path, name = queue.popleft()
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        for entity in read_catalog(path, name, run):
            if entity.kind == "location":
                queue.extend(_targets(entity, path, run))
            else:
                entities.append(entity)
    return entities


def _targets(location: Entity, path: Path, run: Run) -> list[tuple[Path, str]]:
    """A Location's file targets, relative to its own file; a URL is reported, not fetched."""
    found: list[tuple[Path, str]] = []
    try:
        one = location.text(TARGET, "location")
        targets = [(one, TARGET)] if one else []
        targets += [(text, TARGETS) for text in location.texts(TARGETS, "location", "file paths")]
    except EntryError as error:
        run.report(error)
        return []
    for target, keys in targets:
        if "://" in target:
            line = location.line_of(keys)
            run.problem(location.shown, line, f'location target "{target}" is a URL: download it and pass the file')
            continue
        # Joining keeps an absolute target as it is; messages name it as the user named the location.
        found.append((path.parent / target, str(Path(location.shown).parent / target)))
    return found


def read_catalog(path: Path, shown: str, run: Run) -> list[Entity]:
    """The file's `backstage.io/v1alpha1` entities; a file that does not parse is reported and
    contributes nothing, since half a file would import some people and quietly leave out the rest."""
    try:
        text = decode(path.read_bytes(), shown)
    except OSError as error:
        run.problem(shown, None, f"cannot read: {error.strerror}")
        return []
    except SourceError as error:
        run.report(error)
        return []
    try:
        entities, problems = _parse(text, shown, FAST_LOADER)
    except yaml.YAMLError as fast_error:
        worded: yaml.YAMLError = fast_error
        try:
            # libyaml words its errors its own way: the Python loader finds the same one, worded as always.
            _parse(text, shown, yaml.SafeLoader)
        except yaml.YAMLError as python_error:
            worded = python_error
        line, problem = yaml_error_line(worded)
        run.problem(shown, line, f"YAML error: {problem}")
        return []
    for problem_found in problems:
        run.report(problem_found)
    return entities


def _parse(text: str, shown: str, loader_class: type[yaml.SafeLoader]) -> tuple[list[Entity], list[EntryError]]:
    """The catalog entities of a YAML stream, and the documents that are not entities at all."""
    entities: list[Entity] = []
    problems: list[EntryError] = []
    loader = loader_class(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            data = loader.construct_document(node) if node is not None else None
            if node is None or data is None:
                continue
            if not isinstance(data, dict):
                problems.append(EntryError(shown, node.start_mark.line + 1, "not a catalog entity: expected a mapping"))
                continue
            if data.get("apiVersion") == API_VERSION:
                entities.append(Entity(shown, node, data))
    finally:
        loader.dispose()
    return entities, problems
