"""Markdown to safe HTML, once, when a post is written; `@handle` mentions found on the way.

python-markdown renders (raw HTML in the source passes through it), then nh3 keeps only an
allowlist of tags and attributes, links only to http, https, mailto or a path on the hub, adds
rel="nofollow noopener noreferrer", and drops images, SVG, MathML, scripts, styles and every event
handler. The result is stored next to the source; readers get it as is.

Any body of up to `MAX_LENGTH` characters renders, in time linear in its length (the machinery is
in `markdown_limits`):

- lists and quotes nest at most `MAX_NESTING` deep; deeper markers stay text (python-markdown
  recurses once per level and runs out of stack near 500);
- a post makes at most `MAX_INLINE` pieces of inline Markdown (an emphasis, a link, a code span, a
  mention, an escape...); later markers stay text, as written (each piece costs python-markdown
  tens of microseconds, and 5,000 characters of `*_` would make 1,666);
- the scans python-markdown repeats from every `[`, `](`, backtick run and unclosed `<tag` to the
  end of the text (quadratic) are answered from one index of the text instead, with the same
  results (tests compare them with python-markdown's own on random text).
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.errors import InvalidInputError
from chalicelib.posts import markdown_limits

MAX_LENGTH = 5000
MAX_NESTING = 16
# Pieces of inline Markdown one post may make, at some 30 µs each. Above what writing needs: a dense
# changelog, with a bold word, a link and a code span on each of 120 lines, makes 360 (tests render
# it). Well below the 1,666 that 5,000 characters of `*_` make, or the 833 of `[a](b)`.
MAX_INLINE = 400
MENTION = r"(?<![\w@./-])@([a-z0-9][a-z0-9._-]{0,62}[a-z0-9]|[a-z0-9])"
MENTION_PATTERN = re.compile(MENTION)

TAGS = frozenset(
    {"p", "br", "hr", "strong", "em", "b", "i", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li"}
    | {"a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}
)
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
# Removed together with everything inside them.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "svg", "math", "iframe", "object", "embed", "template"})


@dataclass(frozen=True)
class Rendered:
    html: str
    mentions: tuple[str, ...]


# --- links ---------------------------------------------------------------------------------------

_C0_OR_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def browser_url(href: str) -> str:
    """`href` as a browser reads it before resolving it (WHATWG URL, basic URL parser): leading
    and trailing C0 controls and spaces stripped, every tab and newline removed, `\\` read as `/`
    (as for http and https, and for paths against the hub). Percent-escapes stay as they are."""
    return href.strip(_C0_OR_SPACE).translate(_TAB_OR_NEWLINE).replace("\\", "/")


def _safe_attribute(tag: str, name: str, value: str) -> str | None:
    if name != "href":
        return value
    # nh3 has already refused other schemes, parsing as browsers do; what it calls relative must
    # stay on the hub as the browser will read it: `/\t/evil`, `/\evil` and `\\evil` all mean
    # `//evil`, another host. Store what the browser will read.
    url = browser_url(value)
    scheme = _SCHEME.match(url)
    if scheme is not None:
        return value if scheme.group()[:-1].lower() in URL_SCHEMES else None
    return None if url.startswith("//") else url


_cleaner: Any = None
_lock = threading.Lock()


def _clean(html: str) -> str:
    global _cleaner
    if _cleaner is None:
        with _lock:
            if _cleaner is None:
                import nh3

                _cleaner = nh3.Cleaner(
                    tags=set(TAGS),
                    clean_content_tags=set(DROPPED_WITH_CONTENT),
                    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
                    attribute_filter=_safe_attribute,
                    url_schemes=set(URL_SCHEMES),
                    link_rel=LINK_REL,
                    strip_comments=True,
                )
    cleaned: str = _cleaner.clean(html)
    return cleaned


def render(source: str, is_person: Callable[[str], bool]) -> Rendered:
    """Sanitised HTML of `source`, with each `@handle` of a person in the directory linked to
    their page; handles nobody has stay plain text. Mentions inside code are not mentions. Past
    `MAX_INLINE` pieces of inline Markdown, the rest shows as written, handles unlinked."""
    import markdown

    found: list[str] = []
    limits = markdown_limits.extension(max_nesting=MAX_NESTING, max_inline=MAX_INLINE)
    converter = markdown.Markdown(
        extensions=["fenced_code", "sane_lists", "tables", _mentions()(is_person, found), limits],
        output_format="html",
    )
    try:
        html = converter.convert(source)
    except RecursionError as exc:
        # Not expected under the limits above (tests render every shape we know of); should a
        # smaller stack meet one, the writer hears what to change rather than seeing a 500.
        raise InvalidInputError(
            f"rendering recursed too deep for a body of {len(source)} characters",
            message="This post nests too deeply to show. Use fewer levels of lists or quotes.",
        ) from exc
    return Rendered(_clean(html), tuple(dict.fromkeys(found)))


# --- mentions ------------------------------------------------------------------------------------


@functools.cache
def _mentions() -> Callable[[Callable[[str], bool], list[str]], Any]:
    """The mention extension's factory; built once, lazily, so `markdown` is imported only to render."""
    import xml.etree.ElementTree as etree

    from markdown import inlinepatterns as inline
    from markdown.extensions import Extension

    class MentionProcessor(inline.InlineProcessor):
        def __init__(self, md: Any, is_person: Callable[[str], bool], found: list[str]) -> None:
            super().__init__(MENTION, md)
            self.is_person = is_person
            self.found = found

        # InlineProcessor's signature; the stubs give it Pattern's.
        def handleMatch(  # type: ignore[override]
            self, m: re.Match[str], data: str
        ) -> tuple[etree.Element | None, int | None, int | None]:
            handle = m.group(1)
            if not self.is_person(handle):
                return None, None, None
            self.found.append(handle)
            link = etree.Element("a")
            link.set("href", f"/people/{handle}/")
            link.text = f"@{handle}"
            return link, m.start(0), m.end(0)

    class MentionExtension(Extension):
        def __init__(self, is_person: Callable[[str], bool], found: list[str]) -> None:
            super().__init__()
            self.is_person = is_person
            self.found = found

        def extendMarkdown(self, md: Any) -> None:
            # After links (160) and before emphasis, so `[@x](url)` stays the author's link.
            md.inlinePatterns.register(MentionProcessor(md, self.is_person, self.found), "commons-mention", 155)

    return MentionExtension
