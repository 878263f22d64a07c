"""HTML mail to readable Markdown-ish text, with the standard library's `html.parser`.

Paragraphs and line breaks follow what a mail client shows: Gmail and Apple Mail write one `<div>` per
line, Outlook one `<p class=MsoNormal>` per line with `&nbsp;` paragraphs as blank lines. Lists become
`- ` and `1. `, links `[text](url)` (or the bare address when the text is the address), `<pre>` a
fenced block and `<code>` inline code, quotes `> `. Callers may name elements to skip (with what they
hold) and elements where the message stops: `quotes` uses these for the clients' quote markers.

Work is linear in the input: nesting deeper than a few hundred elements is flattened, not followed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser

Attrs = Mapping[str, str]
Marker = Callable[[str, Attrs], bool]

_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
_HIDDEN = frozenset({"head", "style", "script", "title", "template", "noscript", "xml", "svg", "object", "select"})
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "body", "center", "dd", "details", "dl", "dt", "fieldset", "figcaption",
        "figure", "footer", "form", "header", "html", "main", "nav", "section", "summary", "table", "tbody",
        "thead", "tfoot", "div", "caption",
    }
)  # fmt: skip
_EMPHASIS = {"b": "**", "strong": "**", "i": "*", "em": "*"}
_CODE = frozenset({"code", "tt", "kbd", "samp"})
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
# Start tags that close an open element of the same kind (HTML's implied end tags, in short).
_SELF_CLOSING = frozenset({"p", "li", "tr", "td", "th", "dt", "dd", "option"})
_MAX_DEPTH = 300
_MAX_CONTAINERS = 12  # quotes and list items inside each other; deeper ones are read as plain blocks
_MAX_HTML = 2_000_000  # characters of markup read; a reply is at the top, and this is far past it

_SPACES = re.compile(r"[ \t\n\r\f]+")
_INVISIBLE = re.compile("[\u200b\ufeff]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all", re.IGNORECASE)
_TIGHT_STYLE = re.compile(r"margin(?:-bottom)?\s*:\s*0(?:[a-z]{2})?\s*(?:;|$)", re.IGNORECASE)
_MSO_LEVEL = re.compile(r"mso-list\s*:\s*\S+\s+level(\d+)", re.IGNORECASE)
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]")
_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#-]+)")
_BACKTICKS = re.compile(r"`+")


class _Buffer:
    """Text being written, with the newlines the next text needs (blocks ask, they never add twice)."""

    __slots__ = ("parts", "pending", "rule", "tail")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pending = 0
        self.rule = False
        self.tail = 0  # newlines at the end of what is written

    def append(self, text: str) -> None:
        self.parts.append(text)
        kept = text.rstrip("\n")
        self.tail = (self.tail if not kept else 0) + len(text) - len(kept)

    def block(self, newlines: int) -> None:
        self.pending = max(self.pending, newlines)

    def _flush(self) -> None:
        if self.rule:
            self.rule = False
            self.block(2)
            self._newlines()
            self.append("---")
            self.block(2)
        self._newlines()

    def _newlines(self) -> None:
        if self.parts and self.pending > self.tail:
            self.append("\n" * (self.pending - self.tail))
        self.pending = 0

    def text(self, text: str) -> None:
        """Inline text, whitespace already collapsed: no space at a line's start or after a space."""
        if self.pending or not self.parts or self.tail or self.parts[-1].endswith(" "):
            text = text.lstrip(" ")
        if text:
            self._flush()
            self.append(text)

    def raw(self, text: str) -> None:
        if text:
            self._flush()
            self.append(text)

    def line_break(self) -> None:
        self._flush()
        self.append("\n")

    def value(self) -> str:
        return "".join(self.parts).strip("\n")


@dataclass
class _Open:
    """An open element and what its end tag does."""

    tag: str
    kind: str = ""  # "", skip, hidden, block, container, span, list, pre, ignore
    newlines: int = 0
    buffer: _Buffer | None = None  # the container's own text, or the buffer a span started in
    start: int = 0  # where a span started in its buffer
    detail: str = ""  # the emphasis marker, the link's address, or the container's kind
    indent: str = ""  # an Outlook list paragraph's indent and marker
    marker: str = ""


class _Converter(HTMLParser):
    def __init__(self, skip: Marker | None, stop: Marker | None) -> None:
        super().__init__(convert_charrefs=True)
        self._skip = skip
        self._stop = stop
        self._stack: list[_Open] = []
        self._buffers: list[_Buffer] = [_Buffer()]
        self._lists: list[list[int | str]] = []  # [kind, next number] of each open list
        self._muted = 0  # open skipped or hidden elements
        self._pre = 0
        self._stopped = False

    @property
    def _out(self) -> _Buffer:
        return self._buffers[-1]

    def result(self) -> str:
        while self._stack:
            self._close_top()
        return _tidy(self._buffers[0].value())

    # --- parser events ----------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._stopped:
            return
        found = {name.lower(): value or "" for name, value in attrs}
        if tag in _SELF_CLOSING and self._stack and self._stack[-1].tag == tag:
            self._close_top()
        if self._muted:
            if tag not in _VOID:
                self._push(_Open(tag, "inside"))
            return
        if self._stop is not None and self._stop(tag, found):
            self._stopped = True
            return
        hidden = tag in _HIDDEN or _HIDDEN_STYLE.search(found.get("style", ""))
        if hidden or (self._skip is not None and self._skip(tag, found)):
            if tag not in _VOID:
                self._push(_Open(tag, "mute"))
                self._muted += 1
            return
        if tag in _VOID:
            self._void(tag)
            return
        if len(self._stack) >= _MAX_DEPTH:
            return  # too deep to follow: its text still counts, its structure does not
        element = self._opening(tag, found)
        if element.kind == "container" and len(self._buffers) > _MAX_CONTAINERS and element.detail != "pre":
            element = _Open(tag, "block", 1)
            self._out.block(1)
        self._push(element)

    def handle_endtag(self, tag: str) -> None:
        if self._stopped:
            return
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth].tag == tag:
                while len(self._stack) > depth:
                    self._close_top()
                return
        if tag in ("p", "br") and not self._muted:  # </p> alone is an empty paragraph, </br> a break
            self._out.block(2) if tag == "p" else self._out.line_break()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self._stopped or self._muted:
            return
        data = _INVISIBLE.sub("", data)
        if self._pre:
            self._out.raw(data.replace("\r\n", "\n"))
        else:
            self._out.text(_SPACES.sub(" ", data))

    # --- elements ---------------------------------------------------------------------------------

    def _push(self, element: _Open) -> None:
        if element.kind == "container":
            self._buffers.append(_Buffer())
        self._stack.append(element)

    def _void(self, tag: str) -> None:
        if tag == "br":
            self._out.line_break()
        elif tag == "hr":
            self._out.rule = True  # written only if text follows, so a divider before a cut vanishes

    def _opening(self, tag: str, attrs: Attrs) -> _Open:
        out = self._out
        style = attrs.get("style", "")
        if tag == "p":
            level = _MSO_LEVEL.search(style)
            if level or "msolistparagraph" in attrs.get("class", "").lower():
                indent = "  " * min(int(level.group(1)) - 1 if level else 0, 8)
                return _Open(tag, "container", detail="mso", indent=indent)
            tight = attrs.get("class", "").startswith("Mso") or _TIGHT_STYLE.search(style)
            out.block(1 if tight else 2)
            return _Open(tag, "block", 1 if tight else 2)
        if tag == "span" and "mso-list:ignore" in style.replace(" ", "").lower():
            return _Open(tag, "container", detail="ignore")
        if tag in _BLOCKS:
            out.block(1)
            return _Open(tag, "block", 1)
        if tag == "tr":
            out.block(1)
            return _Open(tag, "block", 1)
        if tag in ("td", "th"):
            return _Open(tag, "cell")
        if tag in ("ul", "ol", "menu"):
            start = attrs.get("start", "1")
            self._lists.append(["ol" if tag == "ol" else "ul", int(start) if start.isdigit() else 1])
            out.block(1)
            return _Open(tag, "list", 1 if len(self._lists) > 1 else 2)
        if tag == "li":
            return _Open(tag, "container", detail="li")
        if tag == "blockquote":
            return _Open(tag, "container", detail="quote")
        if tag in _HEADINGS:
            return _Open(tag, "container", detail=tag)
        if tag == "pre":
            self._pre += 1
            return _Open(tag, "container", detail="pre")
        if tag in _CODE and self._pre:
            language = _LANGUAGE.search(attrs.get("class", ""))
            if language and self._stack and self._stack[-1].detail == "pre":
                self._stack[-1].detail = f"pre:{language.group(1)}"
            return _Open(tag)
        if tag in _EMPHASIS or tag in _CODE or tag == "a":
            detail = _EMPHASIS.get(tag, "`" if tag in _CODE else attrs.get("href", "").strip())
            return _Open(tag, "span", buffer=out, start=len(out.parts), detail=detail)
        return _Open(tag)

    def _close_top(self) -> None:
        element = self._stack.pop()
        if element.kind == "mute":
            self._muted -= 1
            return
        if element.kind == "block":
            self._out.block(element.newlines)
        elif element.kind == "cell":
            self._out.text(" ")
        elif element.kind == "list":
            self._lists.pop()
            self._out.block(element.newlines)
        elif element.kind == "span" and element.buffer is not None:
            _wrap(element.buffer, element.start, element.tag, element.detail)
        elif element.kind == "container":
            self._close_container(element)

    def _close_container(self, element: _Open) -> None:
        inner = self._buffers.pop().value() if len(self._buffers) > 1 else ""
        out = self._out
        kind = element.detail
        if kind == "pre" or kind.startswith("pre:"):
            self._pre -= 1
            out.block(2)
            fence = "`" * max(3, 1 + max((len(run) for run in _BACKTICKS.findall(inner)), default=0))
            out.raw(f"{fence}{kind[4:]}\n{inner}\n{fence}")
            out.block(2)
        elif kind == "quote":
            out.block(2)
            out.raw("\n".join(f"> {line}" if line.strip() else ">" for line in _tidy(inner).split("\n")))
            out.block(2)
        elif kind in _HEADINGS:
            heading = " ".join(inner.split())
            if heading:
                out.block(2)
                out.raw(f"{'#' * _HEADINGS[kind]} {heading}")
                out.block(2)
        elif kind == "ignore":
            for open_ in reversed(self._stack):
                if open_.detail == "mso":
                    number = _NUMBERED.match(inner)
                    open_.marker = f"{number.group(1)}. " if number else "- "
                    break
        elif kind in ("li", "mso"):
            indent, marker = element.indent, (self._list_marker() if kind == "li" else element.marker or "- ")
            out.block(1)
            lines = _tidy(inner).split("\n")
            pad = " " * len(marker)
            out.raw(indent + marker + "\n".join([lines[0], *(pad + line if line else "" for line in lines[1:])]))
            out.block(1)

    def _list_marker(self) -> str:
        if not self._lists or self._lists[-1][0] != "ol":
            return "- "
        number = int(self._lists[-1][1])
        self._lists[-1][1] = number + 1
        return f"{number}. "


def _wrap(buffer: _Buffer, start: int, tag: str, detail: str) -> None:
    """Put the marks of an inline element around what it holds, once it is known."""
    content = "".join(buffer.parts[start:])
    core = content.strip()
    lead, trail = content[: len(content) - len(content.lstrip())], content[len(content.rstrip()) :]
    if not core:
        return
    if tag == "a":
        href = detail
        if href.lower().startswith("mailto:"):
            shown = href[7:].split("?")[0]
            wrapped = core if core.lower() == shown.lower() else f"[{core}]({href})"
        elif not href.lower().startswith(("http://", "https://")):
            return
        elif core in (href, href.rstrip("/")) or core.rstrip("/") in (href.split("://", 1)[-1].rstrip("/"),):
            wrapped = href
        elif "\n" in core:
            return
        else:
            label, target = core.replace("]", "\\]"), href.replace(" ", "%20").replace(")", "%29")
            wrapped = f"[{label}]({target})"
    elif "\n" in core:
        return
    elif detail == "`":
        ticks = "`" * (1 + max((len(run) for run in _BACKTICKS.findall(core)), default=0))
        wrapped = f"{ticks} {core} {ticks}" if "`" in core else f"`{core}`"
    else:
        wrapped = f"{detail}{core}{detail}"
    del buffer.parts[start:]
    buffer.tail = 0
    buffer.append(lead + wrapped + trail)


def _tidy(text: str) -> str:
    lines = [line.replace("\xa0", " ").rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def html_to_text(html: str, *, skip: Marker | None = None, stop: Marker | None = None) -> str:
    """The text of `html`, without what `skip` names and without anything from where `stop` matches."""
    converter = _Converter(skip, stop)
    try:
        converter.feed(html[:_MAX_HTML])
        converter.close()
    except (AssertionError, ValueError):  # html.parser gives up on a few malformed declarations
        pass
    return converter.result()
