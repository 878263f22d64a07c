"""The Atom builder: documents valid under a RELAX NG schema of RFC 4287 (tests/fixtures/atom.rng)
plus the RFC's rules RELAX NG cannot say, whatever text goes in: markup, entities, CDATA ends,
controls and lone surrogates come out as the same text (or U+FFFD), never as markup."""

from __future__ import annotations

import functools

import pytest
from lxml import etree  # type: ignore[import-untyped]

from chalicelib.feeds import atom
from tests.conftest import REPO

NS = {"a": atom.NAMESPACE}
HOSTILE = [
    '<script>alert("x")</script>',
    "]]><evil/>",
    "&amp; &lt; &#0; &#x1F; &unknown;",
    "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;",
    "tab\tnew\nline\rreturn",
    "quote \" apostrophe ' less < greater >",
    "emoji \U0001f389 and RTL \u202e override",
]
ODD = {
    "nul\x00": "nul\ufffd",
    "bell\x07 escape\x1b": "bell\ufffd escape\ufffd",
    "lone \ud800 high": "lone \ufffd high",
    "lone \udfff low": "lone \ufffd low",
    "\ufffe\uffff": "\ufffd\ufffd",
    "pair \U0001f600 kept": "pair \U0001f600 kept",
    "vertical\x0btab\x0cfeed": "vertical\ufffdtab\ufffdfeed",
}


@functools.cache
def schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(REPO / "tests" / "fixtures" / "atom.rng")))


def valid_atom(document: str | bytes) -> etree._Element:
    """The parsed feed, asserted valid Atom 1.0: the RELAX NG schema, then the RFC's other rules."""
    raw = document.encode("utf-8") if isinstance(document, str) else document
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(raw, parser)
    assert schema().validate(root), schema().error_log
    feed_has_author = root.find("a:author", NS) is not None
    ids = [root.findtext("a:id", namespaces=NS)]
    for entry in root.findall("a:entry", NS):
        # RFC 4287 4.1.1 and 4.1.2: an author somewhere, and content or an alternate link.
        assert feed_has_author or entry.find("a:author", NS) is not None
        alternate = entry.find("a:link[@rel='alternate']", NS)
        assert entry.find("a:content", NS) is not None or alternate is not None
        ids.append(entry.findtext("a:id", namespaces=NS))
    assert len(ids) == len(set(ids)), "every id is unique"
    assert len(root.findall("a:link[@rel='self']", NS)) == 1
    return root


def entry(text: str = "Hello", html: str = "<p>Hello</p>", number: int = 1) -> atom.Entry:
    return atom.Entry(
        id=f"urn:uuid:00000000-0000-5000-8000-{number:012d}",
        title=text,
        link=f"https://commons.example.com/teams/platform/#post-{number}",
        published="2026-12-01T10:00:00Z",
        updated="2026-12-01T11:00:00Z",
        author=text,
        html=html,
        category=("platform", text),
    )


def feed(*entries: atom.Entry, title: str = "Platform · Commons") -> atom.Feed:
    return atom.Feed(
        id="urn:uuid:00000000-0000-5000-8000-000000000000",
        title=title,
        subtitle=title,
        self_link="https://commons.example.com/api/feeds/org.atom?t=f1.k.p.s&x=<1>",
        alternate="https://commons.example.com/",
        base="https://commons.example.com/",
        updated="2026-12-01T11:00:00Z",
        entries=list(entries),
    )


def test_a_feed_is_valid_atom_with_every_part_where_readers_look() -> None:
    root = valid_atom(atom.document(feed(entry("First"), entry("Second", number=2))))
    assert root.tag == f"{{{atom.NAMESPACE}}}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}base") == "https://commons.example.com/"
    assert root.find("a:link[@rel='self']", NS).get("href").endswith("t=f1.k.p.s&x=<1>")
    assert root.find("a:link[@rel='self']", NS).get("type") == "application/atom+xml"
    first, second = root.findall("a:entry", NS)
    assert first.findtext("a:title", namespaces=NS) == "First"
    assert first.find("a:title", NS).get("type") == "text"
    assert first.findtext("a:author/a:name", namespaces=NS) == "First"
    assert first.findtext("a:published", namespaces=NS) == "2026-12-01T10:00:00Z"
    assert first.find("a:content", NS).get("type") == "html"
    assert first.findtext("a:content", namespaces=NS) == "<p>Hello</p>"
    assert second.findtext("a:id", namespaces=NS) == "urn:uuid:00000000-0000-5000-8000-000000000002"


def test_the_validator_refuses_what_is_not_atom() -> None:
    good = atom.document(feed(entry()))
    broken = [
        good.replace("<updated>2026-12-01T11:00:00Z</updated>", "", 1),  # the feed's updated
        good.replace("2026-12-01T10:00:00Z", "1 December 2026", 1),
        good.replace('<content type="html">', '<content type="markdown">', 1),
        good.replace("<generator>", "<surprise/><generator>", 1),
        good.replace("<author><name>Hello</name></author>", "", 1),  # an entry with no author
        good.replace('rel="self"', 'rel="alternate"', 1),
        good.replace(atom.NAMESPACE, "http://purl.org/atom/ns#", 1),  # Atom 0.3
    ]
    for document in broken:
        assert document != good
        with pytest.raises(AssertionError):
            valid_atom(document)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_titles_and_bodies_stay_text(text: str) -> None:
    html = f"<p>{text}</p>"
    root = valid_atom(atom.document(feed(entry(text, html), title=text)))
    [item] = root.findall("a:entry", NS)
    assert item.findtext("a:title", namespaces=NS) == text.replace("\r", "\n")
    assert item.findtext("a:content", namespaces=NS) == html.replace("\r", "\n")
    assert item.find("a:category", NS).get("label") == text
    assert root.findtext("a:title", namespaces=NS) == text.replace("\r", "\n")
    # Nothing the text holds became an element, an entity or a processing instruction.
    assert [child.tag for child in item.find("a:content", NS)] == []
    assert root.find(".//evil") is None and root.find(".//script") is None


@pytest.mark.parametrize(("text", "shown"), ODD.items())
def test_text_xml_cannot_hold_becomes_a_replacement_character(text: str, shown: str) -> None:
    assert atom.xml_text(text) == shown
    document = atom.document(feed(entry(text, f"<p>{text}</p>"), title=text))
    root = valid_atom(document.encode("utf-8"))  # it encodes: no lone surrogate is left
    [item] = root.findall("a:entry", NS)
    assert item.findtext("a:title", namespaces=NS) == shown
    assert item.findtext("a:author/a:name", namespaces=NS) == shown
    assert item.findtext("a:content", namespaces=NS) == f"<p>{shown}</p>"
    assert root.findtext("a:subtitle", namespaces=NS) == shown


def test_times_are_rfc_3339_in_utc_to_the_second() -> None:
    assert atom.timestamp("2026-12-01T10:00:00.123Z") == "2026-12-01T10:00:00Z"
    assert atom.timestamp("2026-12-01T12:30:00+02:00") == "2026-12-01T10:30:00Z"
    assert atom.timestamp("2026-12-01T10:00:00") == "2026-12-01T10:00:00Z"
    assert atom.timestamp_of(1_796_119_200.5) == "2026-12-01T10:00:00Z"
