"""Rewriting a YAML mapping in the file's own style, so that a re-import's diff shows only what changed.

Dumping the record again would write the whole file in PyYAML's one style: lists flush with their
key, its own choice of quotes, comments gone. Instead the file is composed to nodes, whose marks
give each value's place in the text, and only what changed is edited there:

- a changed scalar is replaced where it stands, in the quotes it had;
- a changed list of scalars of the same length has only its changed items replaced;
- any other changed value is written again as a whole entry, like the file's own lists;
- a new key goes after the nearest key that precedes it in `order`, a removed one loses its lines.

The result is parsed back and compared with the record. YAML this does not anticipate (a flow
mapping at the top, say) makes them differ, and then the whole record is rendered instead: the data
is always right, and the style is kept whenever it can be.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# A wide line keeps long titles on one line, so diffs stay readable.
WIDTH = 4096
BOM = "\ufeff"
_FIRST_BLOCK_LIST = re.compile(r"^[^\s#-][^\n]*:[ \t]*(?:#[^\n]*)?\r?\n(?:[ \t]*(?:#[^\n]*)?\r?\n)*( *)- ", re.M)


@dataclass(frozen=True)
class Style:
    """How a file lays out what a dump would decide: list indentation and line breaks."""

    indented_lists: bool = False  # `key:\n  - item` rather than `key:\n- item`
    newline: str = "\n"

    @classmethod
    def of(cls, text: str, default: Style | None = None) -> Style:
        """The style of `text`; what it does not show (a file without lists) comes from `default`."""
        default = default or cls()
        match = _FIRST_BLOCK_LIST.search(text)
        indented = bool(match[1]) if match else default.indented_lists
        newline = "\r\n" if "\r\n" in text else "\n" if "\n" in text else default.newline
        return cls(indented, newline)

    @staticmethod
    def shows_lists(text: str) -> bool:
        """Whether `text` has a block list, the one thing `Style.of` cannot default."""
        return _FIRST_BLOCK_LIST.search(text) is not None


class _FlushDumper(yaml.SafeDumper):
    """PyYAML's own layout: a list in a mapping starts at its key's column."""


class _IndentedDumper(yaml.SafeDumper):
    """A list in a mapping is indented under its key, as most hand-written YAML is."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def render(record: Mapping[str, Any], style: Style | None = None) -> str:
    """The whole record as YAML, in `style`, keys in the record's order."""
    style = style or Style()
    dumper = _IndentedDumper if style.indented_lists else _FlushDumper
    text = yaml.dump(
        dict(record), Dumper=dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=WIDTH
    )
    return text.replace("\n", style.newline)


def rewrite(text: str, record: Mapping[str, Any], order: Sequence[str]) -> str:
    """`text` (one YAML mapping) edited to hold `record`, changing only the lines that must change."""
    if text.startswith(BOM):
        return BOM + rewrite(text[1:], record, order)
    style = Style.of(text)
    edited = _edited(text, dict(record), order, style)
    if edited is not None and _same(edited, record):
        return edited
    return render(record, style)


def _same(text: str, record: Mapping[str, Any]) -> bool:
    try:
        return bool(_parse(text)[1] == dict(record))
    except yaml.YAMLError:
        return False


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree, for the marks, and the data built from it, in one pass of the C loader."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    text: str
    rank: int = 0  # among insertions at one place, the order they are written in


@dataclass(frozen=True)
class _Entry:
    key: yaml.ScalarNode
    value: yaml.Node
    start: int  # first character of the key's line
    end: int  # just after the line break of the value's last line


def _edited(text: str, record: dict[str, Any], order: Sequence[str], style: Style) -> str | None:
    """The text with the edits applied, or None where the file's shape is not one this edits."""
    try:
        root, old = _parse(text)
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.MappingNode) or root.flow_style or not isinstance(old, dict) or not root.value:
        return None
    entries: dict[str, _Entry] = {}
    for key, value in root.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag != "tag:yaml.org,2002:str" or key.start_mark.column:
            return None
        entries[key.value] = _Entry(key, value, _line_start(text, key.start_mark.index), _entry_end(text, key, value))
    if set(old) != set(entries):
        return None
    edits: list[_Edit] = []
    for name in old:
        if name not in record:
            edits.append(_Edit(entries[name].start, entries[name].end, ""))
    for name, value in record.items():
        if name not in entries:
            edits.append(_insertion(text, name, value, entries, order, style))
        elif old[name] != value:
            edits.extend(_changes(text, entries[name], old[name], value, style))
    result = text
    for edit in sorted(edits, key=lambda e: (e.start, e.end, e.rank), reverse=True):
        result = result[: edit.start] + edit.text + result[edit.end :]
    return result


def _changes(text: str, entry: _Entry, old: Any, new: Any, style: Style) -> list[_Edit]:
    """The smallest edits that turn the entry's value `old` into `new`."""
    if _is_scalar(old) and _is_scalar(new) and isinstance(entry.value, yaml.ScalarNode):
        edit = _scalar_edit(entry.value, new)
        if edit is not None:
            return [edit]
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new)
        and isinstance(entry.value, yaml.SequenceNode)
        and all(isinstance(node, yaml.ScalarNode) for node in entry.value.value)
        and all(_is_scalar(item) for item in old)
    ):
        items = [
            _scalar_edit(node, after) if _is_scalar(after) else None
            for node, before, after in zip(entry.value.value, old, new, strict=True)
            if before != after
        ]
        if all(item is not None for item in items):
            return [item for item in items if item is not None]
    return [_Edit(entry.start, entry.end, _entry_text(entry.key.value, new, style))]


def _scalar_edit(node: yaml.ScalarNode, value: Any) -> _Edit | None:
    """Replace one plain or quoted scalar in place, keeping its quotes; None if it cannot be."""
    style = node.style or ""
    if style not in ("", "'", '"') or node.end_mark.index <= node.start_mark.index:
        return None  # a block scalar, or an empty value with no text to replace
    dumped = yaml.dump([value], Dumper=yaml.SafeDumper, default_style=style or None, allow_unicode=True, width=WIDTH)
    if not dumped.startswith("- ") or dumped.count("\n") != 1:
        return None  # a value that needs lines of its own
    return _Edit(node.start_mark.index, node.end_mark.index, dumped[2:-1])


def _insertion(
    text: str, name: str, value: Any, entries: Mapping[str, _Entry], order: Sequence[str], style: Style
) -> _Edit:
    """A new entry after the file's entry that comes last among those `order` puts before it."""

    def rank(key: str) -> int:
        return order.index(key) if key in order else len(order)

    before = [entry for key, entry in entries.items() if rank(key) < rank(name)]
    if name not in order:
        at = max(entry.end for entry in entries.values())  # unknown keys go last
    elif before:
        at = max(before, key=lambda entry: (rank(entry.key.value), entry.end)).end
    else:
        at = min(entry.start for entry in entries.values())  # before every key in the file
    entry = _entry_text(name, value, style)
    if at == len(text) and text and not text.endswith("\n"):
        entry = style.newline + entry
    return _Edit(at, at, entry, rank(name))


def _entry_text(name: str, value: Any, style: Style) -> str:
    return render({name: value}, style)


def _is_scalar(value: Any) -> bool:
    return value is not None and not isinstance(value, (list, dict))


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _entry_end(text: str, key: yaml.Node, value: yaml.Node) -> int:
    """Just after the line break that ends the entry's last line with content (comments included)."""
    last = max([key.end_mark.index, *_content_ends(value)])
    newline = text.find("\n", max(last - 1, key.end_mark.index))
    return len(text) if newline < 0 else newline + 1


def _content_ends(node: yaml.Node) -> Iterator[int]:
    """Where each scalar or flow collection under `node` ends: a block collection's own end mark lies
    on the line of whatever follows it."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        yield node.end_mark.index
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _content_ends(item)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _content_ends(key)
            yield from _content_ends(value)
