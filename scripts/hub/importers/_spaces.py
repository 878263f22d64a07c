"""Space pages an importer writes: <content>/teams/<slug>.md, created as drafts and updated in place.

An importer owns some fields of a page (the name, kind, parent, members and mailing list it knows)
and the team owns the rest: purpose, outcome, stewards, and the page's body once they edit it. A
page that lacks a purpose, an outcome or two stewards is written as a draft (`draft: true`, see
`hub.drafts`), so the hub builds it and lists it on the health page until the team finishes it.

The body an importer writes starts with a marker holding a digest of the text after it. While the
text still matches, the next import may replace it; once the team edits it, it is theirs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hub.content import split_front_matter
from hub.importers._people import (
    ContentError,
    Record,
    Run,
    SourceError,
    decode,
    load_yaml,
    write_atomic,
    yaml_error_line,
)
from hub.importers._yaml_edit import render

# The order fields are written in; fields the schema does not know keep their place after these.
SPACE_FIELDS = ("draft", "name", "kind", "parent", "purpose", "outcome", "stewards", "members", "links")
LINK_FIELDS = ("chat", "mailing_list", "repository")
_MARK = re.compile(r"\A\n?<!-- (?P<source>[^()\n]+?) \((?P<digest>[0-9a-f]{12})\): [^\n]*? -->\n\n(?P<text>.*)\Z", re.S)


@dataclass(frozen=True)
class Page:
    """One existing teams/<slug>.md as it was read."""

    slug: str
    front: Record
    body: str

    @property
    def shown(self) -> str:
        return f"teams/{self.slug}.md"


@dataclass
class Pages:
    """The teams folder: existing space pages by slug."""

    folder: Path
    by_slug: dict[str, Page] = field(default_factory=dict)

    @classmethod
    def load(cls, content: Path) -> Pages:
        """Every page; one that cannot be read stops the import, as rewriting it could lose what it holds."""
        pages = cls(content / "teams")
        for path in sorted(pages.folder.glob("*.md")):
            shown = f"teams/{path.name}"
            try:
                text = decode(path.read_bytes(), shown)
            except OSError as error:
                raise ContentError(shown, None, f"cannot read: {error.strerror}") from None
            except SourceError as error:
                raise ContentError(error.path, error.line, error.message) from None
            front, first_line, body, _ = split_front_matter(text)
            if front is None:
                raise ContentError(shown, 1, "no front matter: start the page with a '---' block")
            try:
                data = load_yaml(front)
            except yaml.YAMLError as error:
                line, problem = yaml_error_line(error)
                line = None if line is None else line + first_line - 1
                raise ContentError(shown, line, f"YAML error: {problem}") from None
            if not isinstance(data, dict):
                raise ContentError(shown, first_line, "the front matter is not a mapping of fields")
            pages.by_slug[path.stem] = Page(path.stem, data, body)
        return pages

    def kind(self, slug: str) -> str | None:
        """The `kind` an existing page states, or None when there is no such page."""
        page = self.by_slug.get(slug)
        kind = page.front.get("kind") if page else None
        return kind if isinstance(kind, str) else None


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def imported_body(source: str, text: str | None) -> str:
    """The body an importer writes: a marker naming where the text came from, then the text."""
    if not text or not text.strip():
        return ""
    text = text.strip() + "\n"
    note = "imports replace this text until you edit it, then keep yours"
    return f"\n<!-- {source} ({digest(text)}): {note} -->\n\n{text}"


def body_is_imported(body: str) -> bool:
    """Whether the body is empty, or still exactly what an import wrote; then an import may replace it."""
    if not body.strip():
        return True
    mark = _MARK.match(body)
    return mark is not None and digest(mark["text"]) == mark["digest"]


def is_finished(front: Mapping[str, Any]) -> bool:
    """Whether the page states what only its team can write; a page without all three is a draft."""
    stewards = front.get("stewards")
    return (
        bool(front.get("purpose")) and bool(front.get("outcome")) and isinstance(stewards, list) and len(stewards) > 1
    )


def merge_page(existing: Page | None, owned: Mapping[str, Any], links: Mapping[str, Any]) -> Record:
    """The existing front matter with what the source owns replaced (None removes a field), its
    links merged in, and `draft: true` while the team's part is missing."""
    front: Record = dict(existing.front) if existing else {}
    for name, value in owned.items():
        if value is None or value == [] or value == "":
            front.pop(name, None)
        else:
            front[name] = value
    current = front.get("links")
    merged: Record = dict(current) if isinstance(current, dict) else {}
    for name, value in links.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    if merged:
        front["links"] = {name: merged[name] for name in LINK_FIELDS if name in merged} | {
            name: value for name, value in merged.items() if name not in LINK_FIELDS
        }
    else:
        front.pop("links", None)
    if not is_finished(front):
        front["draft"] = True
    known = {name: front[name] for name in SPACE_FIELDS if name in front}
    return known | {name: value for name, value in front.items() if name not in known}


def render_page(front: Record, body: str) -> str:
    return f"---\n{render(front)}---\n{body}"


def save_page(run: Run, content: Path, slug: str, front: Record, body: str, existing: Page | None) -> None:
    """Write the page if it differs from what the file holds; an equal page is left byte for byte."""
    if existing is not None and existing.front == front and existing.body == body:
        run.counts["unchanged"] += 1
        return
    shown = f"teams/{slug}.md"
    if not run.dry_run:
        try:
            write_atomic(content / "teams" / f"{slug}.md", render_page(front, body))
        except OSError as error:
            raise ContentError(shown, None, f"cannot write: {error.strerror}") from None
    kind = "added" if existing is None else "updated"
    run.counts[kind] += 1
    print(f"{shown}: {f'would be {kind}' if run.dry_run else kind}", file=run.out)
