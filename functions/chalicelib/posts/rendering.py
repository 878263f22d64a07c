"""Markdown to safe HTML, once, when a post is written; `@handle` mentions found on the way.

python-markdown renders (raw HTML in the source passes through it), then nh3 keeps only an
allowlist of tags and attributes, links only to http, https, mailto or a path on the hub, adds
rel="nofollow noopener noreferrer", and drops images, SVG, MathML, scripts, styles and every event
handler. The result is stored next to the source; readers get it as is.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 5000
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


def _safe_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "href":
        # nh3 already refuses other schemes; also refuse `//host` and backslashes, which leave
        # the origin while looking like paths.
        text = value.strip()
        if text.startswith(("//", "/\\")) or "\\" in text:
            return None
    return value


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
    their page; handles nobody has stay plain text. Mentions inside code are not mentions."""
    import markdown

    found: list[str] = []
    converter = markdown.Markdown(
        extensions=["fenced_code", "sane_lists", "tables", _MentionExtension(is_person, found)],
        output_format="html",
    )
    html = converter.convert(source)
    return Rendered(_clean(html), tuple(dict.fromkeys(found)))


def _MentionExtension(is_person: Callable[[str], bool], found: list[str]) -> Any:
    """A python-markdown extension; built lazily so `markdown` is imported only when rendering."""
    import xml.etree.ElementTree as etree

    from markdown.extensions import Extension
    from markdown.inlinepatterns import InlineProcessor

    class MentionProcessor(InlineProcessor):
        # InlineProcessor's signature; the stubs give it Pattern's.
        def handleMatch(  # type: ignore[override]
            self, m: re.Match[str], data: str
        ) -> tuple[etree.Element | None, int | None, int | None]:
            handle = m.group(1)
            if not is_person(handle):
                return None, None, None
            found.append(handle)
            link = etree.Element("a")
            link.set("href", f"/people/{handle}/")
            link.text = f"@{handle}"
            return link, m.start(0), m.end(0)

    class MentionExtension(Extension):
        def extendMarkdown(self, md: Any) -> None:
            # After links (160) and before emphasis, so `[@x](url)` stays the author's link.
            md.inlinePatterns.register(MentionProcessor(MENTION, md), "commons-mention", 155)

    return MentionExtension()
