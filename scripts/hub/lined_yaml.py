"""YAML read with the line of every field: the reader behind people files and space front matter.

Two readers. `load_plain` is the fast one, for the plain files that are nearly all of them: the C
loader straight to data, with no line numbers; it gives up (returns `NOT_PLAIN`) on anything it
cannot vouch for: anchors, a key given twice, deep nesting, a parse error. `parse` is the careful
one: the document is composed to its node tree first, so each field and list item keeps the line
it is on; a document that aliases would blow up, or that nests too deep, is refused before it is
built; and a key given twice is reported, where a plain load would silently keep the last one.
A record read the fast way gets a `lazy_source`: its lines are found by the careful reader only if
a problem needs one. At 100,000 files that keeps line tracking off the build's path.
Nothing here raises for bad YAML: each problem becomes a `Problem` that names the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

import yaml

from hub.problems import Problem

# The C loader is about ten times faster than the Python one; 10,000 files must load in seconds.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Far above any real person or space file. Aliases can make a few lines expand to billions of
#: values, and deep nesting exhausts Python's recursion, so such files are refused before use.
MAX_NODES = 100_000
MAX_DEPTH = 32


@dataclass
class Source:
    """Where a record came from, and the line of each field (and of each list item)."""

    path: str
    first_line: int = 1
    lines: dict[str, int] = field(default_factory=dict)
    item_lines: dict[tuple[str, int], int] = field(default_factory=dict)
    #: Finds the lines on first use, for a record read by `load_plain` (see `lazy_source`).
    pending: Callable[[], Source] | None = field(default=None, repr=False, compare=False)

    def line(self, key: str | None = None, index: int | None = None) -> int:
        if self.pending is not None:
            found, self.pending = self.pending(), None
            self.first_line, self.lines, self.item_lines = found.first_line, found.lines, found.item_lines
        if key is not None and index is not None and (key, index) in self.item_lines:
            return self.item_lines[(key, index)]
        if key is not None and key in self.lines:
            return self.lines[key]
        return self.first_line


def parse(text: str, display: str, line_offset: int) -> tuple[Any, yaml.Node | None, list[Problem]]:
    """Parse one YAML document, keeping its node tree for line numbers."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        shape = _shape_problem(node) if node is not None else None
        if node is not None and shape is not None:
            return None, None, [Problem(display, node.start_mark.line + 1 + line_offset, shape)]
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        problem = exc.problem or "could not be read"
        return None, None, [Problem(display, line, f"YAML does not parse: {problem}")]
    except yaml.YAMLError as exc:
        # One line per problem: a reader error's text goes on to say where, on lines of its own.
        first = str(exc).splitlines()[0] if str(exc) else "could not be read"
        return None, None, [Problem(display, 1 + line_offset, f"YAML does not parse: {first}")]
    finally:
        loader.dispose()
    return data, node, []


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _shape_problem(root: yaml.Node) -> str | None:
    """Why a document is refused before it is built: too many values once aliases are expanded,
    nesting too deep, or an alias inside itself. Without recursion, and each node visited once."""
    done: dict[int, tuple[int, int]] = {}  # node → (values once expanded, depth)
    open_nodes: set[int] = set()  # the nodes on the path from the root: meeting one again is a loop
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            kids = [done[id(kid)] for kid in _children(node)]
            size = 1 + sum(kid[0] for kid in kids)
            depth = 1 + max((kid[1] for kid in kids), default=0)
            if size > MAX_NODES:
                return f"too large: more than {MAX_NODES:,} values once its aliases are expanded"
            if depth > MAX_DEPTH:
                return f"nested more than {MAX_DEPTH} levels deep"
            done[key] = (size, depth)
            open_nodes.discard(key)
        elif key in open_nodes:
            return "an alias refers to a value that contains it"
        elif key not in done:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((kid, False) for kid in _children(node))
    return None


def _key_text(node: yaml.Node) -> str:
    """A mapping key as the loaded data has it (`~` is None, `true` is True), as text."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        return str(node.value)
    try:
        return str(yaml.constructor.SafeConstructor().construct_object(node, deep=True))
    except yaml.YAMLError:
        return str(node.value)


def source_of(node: yaml.Node, display: str, line_offset: int) -> tuple[Source, list[Problem]]:
    """The line of each key of a mapping and of each item of its lists, and the keys given twice."""
    source = Source(display, node.start_mark.line + 1 + line_offset)
    problems: list[Problem] = []
    if not isinstance(node, yaml.MappingNode):
        return source, problems
    for key_node, value_node in node.value:
        key = _key_text(key_node)
        line = key_node.start_mark.line + 1 + line_offset
        if key in source.lines:
            problems.append(Problem(display, line, f"'{key}' is given twice (first on line {source.lines[key]})"))
        source.lines[key] = line
        if isinstance(value_node, yaml.SequenceNode):
            for index, item in enumerate(value_node.value):
                source.item_lines[(key, index)] = item.start_mark.line + 1 + line_offset
    return source, problems


class _NotPlain(Exception):
    """The fast reader met something only the careful reader reports well."""


#: What `load_plain` returns for a file it leaves to `parse`.
NOT_PLAIN: Final = object()


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
#: Builds the scalars that are not strings (numbers, booleans, dates, null), as a plain load would.
_SCALARS = yaml.constructor.SafeConstructor()
_SCALAR_BUILDERS = {
    f"tag:yaml.org,2002:{name}": yaml.constructor.SafeConstructor.yaml_constructors[f"tag:yaml.org,2002:{name}"]
    for name in ("null", "bool", "int", "float", "timestamp")
}


def load_plain(text: str) -> Any:
    """The document's data, or `NOT_PLAIN` when only `parse` can say what is wrong or where.

    The C parser composes the nodes; `_plain` builds the data from them in one tight walk, where
    PyYAML's constructor, built for every case, costs more than the parsing. Without anchors a
    document has no more values than characters, so `MAX_NODES` cannot be passed by a shorter text.
    """
    if "&" in text or "*" in text or len(text) >= MAX_NODES:
        return NOT_PLAIN
    simple = _load_simple(text)
    if simple is not None:
        return simple
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _plain(node, 1)
    except (yaml.YAMLError, _NotPlain):
        return NOT_PLAIN
    finally:
        loader.dispose()


def _plain(node: yaml.Node, depth: int) -> Any:
    """The node's value; `_NotPlain` for a key given twice, a merge key, a tag of its own, or
    nesting deeper than `MAX_DEPTH` (which also bounds this recursion)."""
    if depth > MAX_DEPTH:
        raise _NotPlain
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if tag == _STR:
            return node.value
        build = _SCALAR_BUILDERS.get(tag)
        if build is None:
            raise _NotPlain
        return build(_SCALARS, node)
    if isinstance(node, yaml.SequenceNode) and tag == _SEQ:
        return [_plain(item, depth + 1) for item in node.value]
    if isinstance(node, yaml.MappingNode) and tag == _MAP:
        mapping = {}
        for key_node, value_node in node.value:
            key = _plain(key_node, depth + 1)
            if not isinstance(key, str | int | bool | float) or key in mapping:
                raise _NotPlain  # a key given twice (a plain load keeps the last), or a list as a key
            mapping[key] = _plain(value_node, depth + 1)
        return mapping
    raise _NotPlain


#: A plain scalar that reads as its text in block context: it starts with a letter, digit or `_`
#: (not an indicator such as `-`, `[`, `'`, a space), holds no colon before a space or at its end
#: (a mapping) and ends in no space. The characters YAML reads otherwise are refused first (`_ODD`).
_SCALAR = r"\w[^:\s]*(?:(?:[ ]+|:)[^:\s]+)*"
#: A line of a flat mapping as people files are written: `key: value`, `key:` (a list follows), or
#: a list item `- value` at the key's indent or two spaces in.
_SIMPLE_LINE = re.compile(rf"(?:(  )?- (?P<item>{_SCALAR})|(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?: (?P<value>{_SCALAR}))?)")
#: A comment, a tab or other control character, a line break YAML knows and Python does not, or
#: what YAML refuses: a file with any of them goes the general way.
_ODD = re.compile("[#\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ufeff\\ud800-\\udfff\\ufffe\\uffff]")
#: PyYAML's implicit types (numbers, booleans, null, dates...), by the first character they
#: need: one pattern for each character, the resolver's own patterns side by side.
_IMPLICIT: dict[str, re.Pattern[str]] = {
    first: re.compile("|".join(f"(?:{regexp.pattern})" for _tag, regexp in resolvers), resolvers[0][1].flags)
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    if first and len({regexp.flags for _tag, regexp in resolvers}) == 1
}
#: The general way is needed when a resolver applies to every scalar, or when one pattern for a
#: character could not be made.
_ANY_FIRST = None in yaml.resolver.Resolver.yaml_implicit_resolvers or {
    first for first in yaml.resolver.Resolver.yaml_implicit_resolvers if first
} != set(_IMPLICIT)
#: The keys known to be plain strings, such as "handle": checked once each.
_PLAIN_KEYS: set[str] = set()


def _typed(text: str) -> bool:
    """Whether PyYAML's resolver reads the plain scalar `text` as something other than a string."""
    pattern = _IMPLICIT.get(text[0])
    return pattern is not None and pattern.match(text) is not None


def _load_simple(text: str) -> dict[str, Any] | None:
    """A flat mapping of plain strings and lists of them, read line by line: the shape of nearly
    every people file. None for anything else, which the YAML parser then reads; whatever this
    returns is what the parser would make of the text."""
    if _ANY_FIRST or not text or _ODD.search(text):
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    mapping: dict[str, Any] = {}
    items: list[str] | None = None  # the list being read, under the last `key:`
    indent: str | None = None
    for line in lines:
        match = _SIMPLE_LINE.fullmatch(line)
        if match is None:
            return None
        key, value, item = match.group("key", "value", "item")
        if item is not None:
            if items is None or _typed(item) or (indent is not None and indent != (match[1] or "")):
                return None
            indent = match[1] or ""
            items.append(item)
            continue
        if (items is not None and not items) or key in mapping:
            return None  # `key:` with no items (a null), or a key given twice
        if key not in _PLAIN_KEYS:
            if _typed(key):
                return None
            if len(_PLAIN_KEYS) < 1_000:
                _PLAIN_KEYS.add(key)
        if value is None:
            items, indent = [], None
            mapping[key] = items
        elif _typed(value):
            return None
        else:
            items = None
            mapping[key] = value
    if not mapping or (items is not None and not items):
        return None
    return mapping


def lazy_source(text: str, display: str, line_offset: int, first_line: int | None = None) -> Source:
    """A `Source` for a record read by `load_plain`: the careful reader finds its lines when asked.

    `first_line` fixes the record's first line (a space's is the file's first, not its front
    matter's); otherwise it is the line the document's mapping starts on, as `source_of` gives.
    """
    return Source(display, first_line or 1, pending=partial(_find_lines, text, display, line_offset, first_line))


def lazy_file_source(path: str, display: str) -> Source:
    """`lazy_source` for a file read elsewhere (by another process): read again when asked."""
    return Source(display, pending=partial(_find_lines_in_file, path, display))


def _find_lines_in_file(path: str, display: str) -> Source:
    with open(path, encoding="utf-8-sig") as file:
        return _find_lines(file.read(), display, 0, None)


def _find_lines(text: str, display: str, line_offset: int, first_line: int | None) -> Source:
    _data, node, _problems = parse(text, display, line_offset)
    source = source_of(node, display, line_offset)[0] if node is not None else Source(display)
    if first_line is not None:
        source.first_line = first_line
    return source
