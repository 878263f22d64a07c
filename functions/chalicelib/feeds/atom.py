"""Atom 1.0 documents (RFC 4287), built with the standard library's ElementTree.

ElementTree escapes markup characters, but writes any character it is given, and XML 1.0 allows
fewer than Unicode has: C0 controls other than tab, newline and carriage return, lone surrogates,
U+FFFE and U+FFFF would make a document no reader parses (a lone surrogate, one that cannot even be
encoded). Every piece of text goes through `xml_text`, which puts U+FFFD in their place. Posts
cannot hold them anyway (requests with them are refused); this keeps the builder safe on its own.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

NAMESPACE = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def timestamp(iso: str) -> str:
    """An RFC 3339 date-time in UTC to the second (`2026-12-01T10:00:00Z`), from a stored ISO time."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def timestamp_of(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Entry:
    id: str  # a URI that never changes for this post
    title: str  # plain text
    link: str  # the post on the hub
    published: str  # RFC 3339
    updated: str  # RFC 3339
    author: str
    html: str  # sanitised HTML, carried as escaped text (type="html")
    category: tuple[str, str] | None = None  # (term, label): the post's space


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    self_link: str  # this document's own URL
    alternate: str  # the page on the hub it follows
    base: str  # what relative links in the entries' HTML resolve against (xml:base)
    updated: str  # RFC 3339
    entries: Sequence[Entry]


def document(feed: Feed) -> str:
    """The feed as an XML document (with its declaration), ready to be sent as UTF-8."""
    root = ET.Element("feed", {"xmlns": NAMESPACE, "xml:base": xml_text(feed.base)})
    _text(root, "id", feed.id)
    _text(root, "title", feed.title)
    _text(root, "subtitle", feed.subtitle)
    _text(root, "updated", feed.updated)
    _link(root, "self", feed.self_link, MEDIA_TYPE.split(";")[0])
    _link(root, "alternate", feed.alternate, "text/html")
    ET.SubElement(root, "generator").text = "Commons"
    for entry in feed.entries:
        item = ET.SubElement(root, "entry")
        _text(item, "id", entry.id)
        _text(item, "title", entry.title).set("type", "text")
        _text(item, "published", entry.published)
        _text(item, "updated", entry.updated)
        _text(ET.SubElement(item, "author"), "name", entry.author)
        _link(item, "alternate", entry.link, "text/html")
        if entry.category is not None:
            term, label = entry.category
            ET.SubElement(item, "category", {"term": xml_text(term), "label": xml_text(label)})
        _text(item, "content", entry.html).set("type", "html")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = xml_text(text)
    return element


def _link(parent: ET.Element, rel: str, href: str, media_type: str) -> None:
    ET.SubElement(parent, "link", {"rel": rel, "type": media_type, "href": xml_text(href)})
