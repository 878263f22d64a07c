"""The hub build, as mkdocs hooks (wired in by scripts/mkdocs_hooks.py).

mkdocs renders the content pages (home, each space) and a handful of generated hub pages. Person
pages are not mkdocs pages: one "shell" page is rendered through the theme once, and every person
page is that shell with the person's title, body and edit link put in. That keeps a 10,000-person
build to seconds, and keeps generated pages out of the nav (Material repeats the nav on every page).
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from hub import impact, pages
from hub.content import SCHEMAS, Org, Person, load_org
from hub.validate import check_structure

log = logging.getLogger("mkdocs.plugins.commons")
ASSETS = Path(__file__).resolve().parent / "assets"
#: The hub's accessibility statement, linked from every page's footer (overrides/partials/copyright.html).
ACCESSIBILITY = Path(__file__).resolve().parent / "accessibility.md"
ACCESSIBILITY_SRC = "accessibility.md"

SHELL = "people/xxcommonsshellxx.md"
SHELL_URL = "people/xxcommonsshellxx/"
TITLE_SLOT = "xxcommonstitlexx"
BODY_SLOT = "xxcommonsbodyxx"
EDIT_SLOT = "https://xxcommonseditxx.invalid/"
COUNTS_MARKER = "<!-- commons:counts -->"
FEED_MARKER = "<!-- commons:feed -->"
NO_SEARCH = "---\nsearch:\n  exclude: true\n---\n"

#: Generated hub pages: source path → (title, renderer). They are excluded from search: the
#: people and spaces they list have pages of their own in the index.
HUB_PAGES = {
    "teams/index.md": ("Teams and communities", pages.teams_index),
    "people/index.md": ("People", pages.directory),
    "org-chart.md": ("Org chart", pages.org_chart),
    "skills.md": ("Skills", pages.skills),
    "impact.md": ("Impact", impact.dashboard),
    "health.md": ("Health", pages.health),
}


@dataclass
class BuildState:
    org: Org
    views: pages.Views
    edit_base: str | None
    code_host: str
    shell_html: str | None = None
    spaces_by_src: dict[str, str] = field(default_factory=dict)


_state: BuildState | None = None


def _require_state() -> BuildState:
    if _state is None:
        raise RuntimeError("the Commons hooks ran out of order: on_config did not run")
    return _state


def on_config(config: Any) -> Any:
    global _state
    org = load_org(Path(config["docs_dir"]))
    edit_base = None
    if config.get("repo_url") and config.get("edit_uri"):
        edit_base = urljoin(config["repo_url"].rstrip("/") + "/", config["edit_uri"].rstrip("/") + "/")
    commons = (config.get("extra") or {}).get("commons") or {}
    code_host = str(commons.get("code_host_url", "https://github.com/"))
    _state = BuildState(org, pages.Views.of(org, edit_base), edit_base, code_host)
    _state.spaces_by_src = {f"teams/{slug}.md": slug for slug in org.spaces}
    return config


def on_pre_build(config: Any) -> None:
    """Content that would make the hub wrong stops the build, whatever the log level."""
    from mkdocs.exceptions import Abort

    problems = check_structure(_require_state().org)
    for problem in problems:
        log.error("%s", problem)
    if problems:
        raise Abort(f"{len(problems)} problem(s) in the content; `make validate` lists them too")


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    # The raw people files are the source, not the product: their content is on the person pages.
    for file in list(files):
        if file.src_uri.startswith("people/") and file.src_uri.endswith(".yml"):
            files.remove(file)
    for src, (title, _render) in HUB_PAGES.items():
        files.append(File.generated(config, src, content=f"{NO_SEARCH}# {title}\n"))
    files.append(File.generated(config, SHELL, content=f"{NO_SEARCH}# {TITLE_SLOT}\n\n{BODY_SLOT}\n"))
    files.append(File.generated(config, ACCESSIBILITY_SRC, content=accessibility_statement(config.get("repo_url"))))
    for schema in sorted(SCHEMAS.glob("*.json")):
        files.append(File.generated(config, f"schema/{schema.name}", abs_src_path=str(schema)))
    for asset in sorted(ASSETS.iterdir()):
        files.append(File.generated(config, f"assets/{asset.name}", abs_src_path=str(asset)))
    return files


def accessibility_statement(repo_url: str | None) -> str:
    """The statement's Markdown. It is the product's, not the organisation's content, so it is not
    in site/; only where to report a problem depends on the hub (its repository, when it has one)."""
    text = ACCESSIBILITY.read_text(encoding="utf-8")
    if repo_url:
        return text.replace("COMMONS_REPO_URL", repo_url)
    return text.replace("Open an\nissue on [the hub's repository](COMMONS_REPO_URL), or write", "Write")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    state = _require_state()
    src = page.file.src_uri
    slug = state.spaces_by_src.get(src)
    if slug is not None:
        name = state.org.spaces[slug].name
        return f"# {_markdown_text(name)}\n\n{markdown}"
    if src == "index.md":
        for marker, what in ((COUNTS_MARKER, "counts are"), (FEED_MARKER, "the latest posts are")):
            if marker not in markdown:
                log.info("index.md has no %s marker; %s added at the end", marker, what)
                markdown += "\n\n" + marker + "\n"
    return markdown


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    state = _require_state()
    src = page.file.src_uri
    slug = state.spaces_by_src.get(src)
    if slug is not None:
        space = state.org.spaces[slug]
        head, sep, rest = html.partition("</h1>")
        body = head + sep + pages.space_header(state.views, space) + rest if sep else html
        page.meta["commons_feed"] = pages.space_feed_url(space)
        return body + pages.space_posts(space)
    if src == "impact.md":
        page.meta["commons_feed"] = impact.ORG_WEEKS  # preloaded: the first thing the dashboard asks for
    if src in HUB_PAGES:
        return html + HUB_PAGES[src][1](state.views)
    if src == SHELL:
        page.edit_url = EDIT_SLOT
        return html
    if src == "index.md":
        html = html.replace(COUNTS_MARKER, pages.counts_block(state.views))
        return html.replace(FEED_MARKER, pages.feed_block())
    return html


def on_post_page(output: str, page: Any, config: Any) -> str:
    if page.file.src_uri == SHELL:
        _require_state().shell_html = output
    return output


def on_post_build(config: Any) -> None:
    state = _require_state()
    site_dir = Path(config["site_dir"])
    shell_dir = site_dir / SHELL_URL
    for leftover in shell_dir.iterdir():
        leftover.unlink()
    shell_dir.rmdir()
    if state.shell_html is None:
        raise RuntimeError("the person page shell was not rendered")
    written = write_person_pages(state, site_dir, state.shell_html)
    write_directory(state.org, state.views.members, site_dir / "directory.json")
    write_people_index(state.org, site_dir / "search" / "people.json")
    write_space_names(state.org, site_dir / "spaces.json")
    log.info("Commons: %d person pages, %d spaces", written, len(state.org.spaces))


def write_person_pages(state: BuildState, site_dir: Path, shell: str) -> int:
    """Fill the shell for each person. The shell's URL sits at the same depth, so relative links hold.

    The shell is cut at its slots once; each page joins the pieces with that person's values, so
    nothing a person writes (a name holding a slot's text, say) can land in another slot.
    """
    # The heading's anchor is made from the title: give it a fixed id, not the person's name.
    shell = shell.replace(f'"{TITLE_SLOT}"', '"person"').replace(f'"#{TITLE_SLOT}"', '"#person"')
    if not state.edit_base:
        shell = _drop_edit_button(shell)
    slots = "|".join(re.escape(slot) for slot in (TITLE_SLOT, BODY_SLOT, EDIT_SLOT, SHELL_URL))
    pieces = re.split(f"({slots})", shell)  # text, slot, text, slot, ..., text
    for handle, person in state.org.people.items():
        values = {
            TITLE_SLOT: escape(person.name),
            BODY_SLOT: pages.person_body(state.views, person, state.code_host),
            EDIT_SLOT: escape(f"{state.edit_base}people/{handle}.yml"),
            SHELL_URL: f"people/{handle}/",
        }
        html = "".join(values[piece] if index % 2 else piece for index, piece in enumerate(pieces))
        target = site_dir / "people" / handle
        target.mkdir(parents=True, exist_ok=True)
        (target / "index.html").write_text(html, encoding="utf-8")
    return len(state.org.people)


def _drop_edit_button(html: str) -> str:
    start = html.find(f'<a href="{EDIT_SLOT}"')
    if start < 0:
        return html
    end = html.find("</a>", start)
    return html[:start] + html[end + 4 :]


def write_directory(org: Org, members: dict[str, list[Person]], path: Path) -> None:
    """The snapshot the functions read: who is who, and who stewards what (schemas/directory.schema.json)."""
    snapshot = {
        "people": {
            h: {
                "name": p.name,
                "email": p.email,
                "email_aliases": list(p.email_aliases),
                "title": p.title,
                "team": p.team,
                "manager": p.manager,
                "url": f"people/{h}/",
            }
            for h, p in sorted(org.people.items())
        },
        "spaces": {
            s: {
                "name": sp.name,
                "kind": sp.kind,
                "draft": sp.draft,
                "purpose": sp.purpose,
                "outcome": sp.outcome,
                "stewards": [h for h in sp.stewards if h in org.people],
                "members": [p.handle for p in members[s]],
                "parent": sp.parent,
                "url": f"teams/{s}/",
            }
            for s, sp in sorted(org.spaces.items())
        },
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def write_people_index(org: Org, path: Path) -> None:
    """The header search's index of people: [handle, name, title, team, location, skills] each.

    People are kept out of Material's lunr index, which the browser rebuilds at every page load
    and which takes over a second at 10,000 people. commons.js searches this list instead.
    """
    rows = []
    for handle, person in sorted(org.people.items(), key=lambda item: item[1].name.casefold()):
        team = org.spaces.get(person.team or "")
        team_name = team.name if team else ""
        rows.append(
            [handle, person.name, person.title or "", team_name, person.location or "", " ".join(person.skills)]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def write_space_names(org: Org, path: Path) -> None:
    """Each space's name, for the feeds that mix spaces (home, person pages): {slug: name}.

    Posts carry only their space's slug; this keeps the names out of 10,000 person pages."""
    names = {slug: space.name for slug, space in sorted(org.spaces.items())}
    path.write_text(json.dumps(names, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _markdown_text(text: str) -> str:
    """Escape what Markdown would read as markup in a plain name."""
    out = escape(text, quote=False)
    for char in "\\`*_{}[]#+!|":
        out = out.replace(char, "\\" + char)
    return out
