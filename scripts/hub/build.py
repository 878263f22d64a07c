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
import secrets
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from html import escape
from multiprocessing import get_context
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from hub import impact, listings, pages
from hub.content import SCHEMAS, Org, Person, load_org, two_processes
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
HUB_PAGES: dict[str, tuple[str, Callable[[pages.Views], str]]] = {
    "teams/index.md": ("Teams and communities", lambda views: _listing("teams/index.md").first),
    "people/index.md": ("People", lambda views: _listing("people/index.md").first),
    "org-chart.md": ("Org chart", lambda views: _listing("org-chart.md").first),
    "skills.md": ("Skills", lambda views: _listing("skills.md").first),
    "impact.md": ("Impact", impact.dashboard),
    "health.md": ("Health", pages.health),
}
#: The paged listings: source path of the first page → what makes every page of it.
LISTINGS: dict[str, Callable[[pages.Views], listings.Listing]] = {
    "teams/index.md": listings.teams_index,
    "people/index.md": listings.directory,
    "org-chart.md": listings.org_chart,
    "skills.md": listings.skills,
}


@dataclass
class BuildState:
    org: Org
    views: pages.Views
    edit_base: str | None
    code_host: str
    shell_html: str | None = None
    #: Space pages' parts put in after search has read the page: source path → (facts, posts).
    deferred: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: Makes the markers for those parts unguessable, so no page's own Markdown holds one.
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))
    nav: Any = None
    #: What the worker rendering half of the space pages needs (config, files, env), and its result.
    space_context: tuple[Any, Any, Any] | None = None
    space_work: Future[int] | None = None
    space_pool: ProcessPoolExecutor | None = None
    spaces_by_src: dict[str, str] = field(default_factory=dict)
    made: dict[str, listings.Listing] = field(default_factory=dict)

    def marker(self, part: str) -> str:
        return f"<!-- commons:{part}:{self.nonce} -->"


_state: BuildState | None = None


def _require_state() -> BuildState:
    if _state is None:
        raise RuntimeError("the Commons hooks ran out of order: on_config did not run")
    return _state


def _listing(src: str) -> listings.Listing:
    """Every page of a listing, made once on first use (the first page when mkdocs renders it)."""
    state = _require_state()
    if src not in state.made:
        state.made[src] = LISTINGS[src](state.views)
    return state.made[src]


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


def on_nav(nav: Any, config: Any, files: Any) -> Any:
    _require_state().nav = nav
    return nav


#: From this many space pages, a forked worker renders half of them through the theme: each takes
#: Material's templates about 10 ms, the largest part of a build at 5,000 spaces.
PARALLEL_SPACES_FROM = 500
#: The template the main process renders the worker's pages with: nothing, so it writes nothing.
RENDERED_ELSEWHERE = "commons-rendered-elsewhere.html"


def on_env(env: Any, config: Any, files: Any) -> Any:
    """Hand half of the space pages to a forked worker, which renders and writes them.

    The pages are read and their Markdown converted already (and their search entries are made
    here, by the main process, as for any page); only the theme's rendering is shared out.
    """
    import jinja2

    state = _require_state()
    spaces = [f.page for f in files.documentation_pages() if f.src_uri in state.spaces_by_src and f.page]
    if len(spaces) < PARALLEL_SPACES_FROM or not two_processes():
        return env
    theirs = spaces[len(spaces) // 2 :]
    state.space_context = (config, files, env)
    # Forked here, before the pages below are changed: the worker renders them as they are.
    state.space_pool = ProcessPoolExecutor(1, mp_context=get_context("fork"))
    state.space_work = state.space_pool.submit(_render_spaces, [page.file.src_uri for page in theirs])
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({RENDERED_ELSEWHERE: ""}), env.loader])
    for page in theirs:
        page.meta["template"] = RENDERED_ELSEWHERE
    skipped = {f"Page skipped: '{page.file.src_uri}'. Generated empty output." for page in theirs}
    logging.getLogger("mkdocs.commands.build").addFilter(lambda record: record.getMessage() not in skipped)
    return env


def _render_spaces(sources: list[str]) -> int:
    """In the worker: render and write these space pages; the warnings it logged, counted."""
    from mkdocs.commands.build import _build_page
    from mkdocs.utils import CountHandler

    state = _require_state()
    assert state.space_context is not None
    config, files, env = state.space_context
    counters = [h for h in logging.getLogger("mkdocs").handlers if isinstance(h, CountHandler)]
    before = sum(n for counter in counters for _level, n in counter.get_counts())
    doc_files = files.documentation_pages()
    for src in sources:
        _build_page(files.get_file_from_path(src).page, config, doc_files, state.nav, env)
    return sum(n for counter in counters for _level, n in counter.get_counts()) - before


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
        header = pages.space_header(state.views, space)
        # What search leaves out anyway (the facts table, the posts' place) goes in after the
        # search plugin has read the page: at 5,000 spaces its HTML parsing is a tenth of the build.
        start = header.find('<table class="commons-facts"')
        end = header.find("</table>", start) + len("</table>")
        facts, posts = (header[start:end], pages.space_posts(space)) if start >= 0 else ("", pages.space_posts(space))
        if start >= 0:
            header = header[:start] + state.marker("facts") + header[end:]
        state.deferred[src] = (facts, posts)
        head, sep, rest = html.partition("</h1>")
        body = head + sep + header + rest if sep else html
        page.meta["commons_feed"] = pages.space_feed_url(space)
        return body + state.marker("posts")
    if src == "impact.md":
        page.meta["commons_feed"] = impact.ORG_WEEKS  # preloaded: the first thing the dashboard asks for
    if src in HUB_PAGES:
        return html + HUB_PAGES[src][1](state.views)
    if src == SHELL:
        page.edit_url = EDIT_SLOT
        return html
    if src == "index.md":
        html = html.replace(COUNTS_MARKER, pages.counts_block(state.views, listings.communities_url(state.views)))
        return html.replace(FEED_MARKER, pages.feed_block())
    return html


def on_post_page(output: str, page: Any, config: Any) -> str:
    state = _require_state()
    src = page.file.src_uri
    if src == SHELL:
        state.shell_html = output
    deferred = state.deferred.pop(src, None)
    if deferred is not None:
        facts, posts = deferred
        output = output.replace(state.marker("facts"), facts, 1)
        # The last one: the space's own Markdown comes before it.
        before, marker, after = output.rpartition(state.marker("posts"))
        output = before + posts + after if marker else output
    return output


def on_post_build(config: Any) -> None:
    from mkdocs.exceptions import Abort

    state = _require_state()
    if state.space_work is not None:
        try:
            warnings = state.space_work.result()
        except Exception as exc:
            raise Abort(f"rendering space pages failed: {exc}") from exc
        finally:
            if state.space_pool is not None:
                state.space_pool.shutdown()
        if warnings:
            log.warning("%d warning(s) while rendering space pages, above", warnings)
    site_dir = Path(config["site_dir"])
    shell_dir = site_dir / SHELL_URL
    for leftover in shell_dir.iterdir():
        leftover.unlink()
    shell_dir.rmdir()
    if state.shell_html is None:
        raise RuntimeError("the person page shell was not rendered")
    written = write_person_pages(state, site_dir, state.shell_html)
    write_listing_pages(state, site_dir, state.shell_html)
    write_directory(state.org, state.views.members, site_dir / "directory.json")
    write_people_index(state.org, site_dir / "search" / "people.json")
    write_space_names(state.org, site_dir / "spaces.json")
    log.info("Commons: %d person pages, %d spaces", written, len(state.org.spaces))


def _shell_pieces(shell: str, edit: bool) -> list[str]:
    """The shell cut at its slots: text, slot, text, slot, ..., text.

    Each page joins the pieces with its own values, so nothing a person writes (a name holding a
    slot's text, say) can land in another slot.
    """
    # The heading's anchor is made from the title: give it a fixed id, not the person's name.
    shell = shell.replace(f'"{TITLE_SLOT}"', '"person"').replace(f'"#{TITLE_SLOT}"', '"#person"')
    if not edit:
        shell = _drop_edit_button(shell)
    slots = "|".join(re.escape(slot) for slot in (TITLE_SLOT, BODY_SLOT, EDIT_SLOT, SHELL_URL))
    return re.split(f"({slots})", shell)


def _fill(pieces: list[str], values: dict[str, str]) -> str:
    return "".join(values[piece] if index % 2 else piece for index, piece in enumerate(pieces))


def _write(site_dir: Path, url: str, html: str) -> None:
    target = site_dir / url
    target.mkdir(parents=True, exist_ok=True)
    (target / "index.html").write_text(html, encoding="utf-8")


def write_person_pages(state: BuildState, site_dir: Path, shell: str) -> int:
    """Fill the shell for each person. The shell's URL sits at the same depth, so relative links hold.

    With many people, a forked second process writes half of them: filling and writing is Python
    work bound to one core, and each half needs nothing from the other.
    """
    pieces = _shell_pieces(shell, edit=bool(state.edit_base))
    handles = list(state.org.people)
    if len(handles) < PARALLEL_PAGES_FROM or not two_processes():
        _write_people(site_dir, pieces, handles)
        return len(handles)
    half = len(handles) // 2
    # The forked worker has the build's state already; only the handles cross over.
    with ProcessPoolExecutor(1, mp_context=get_context("fork")) as pool:
        second = pool.submit(_write_people, site_dir, pieces, handles[half:])
        _write_people(site_dir, pieces, handles[:half])
        second.result()
    return len(handles)


#: Below this many person pages one process writes them all.
PARALLEL_PAGES_FROM = 1_000


def _write_people(site_dir: Path, pieces: list[str], handles: list[str]) -> None:
    state = _require_state()
    for handle in handles:
        person = state.org.people[handle]
        values = {
            TITLE_SLOT: escape(person.name),
            BODY_SLOT: pages.person_body(state.views, person, state.code_host),
            EDIT_SLOT: escape(f"{state.edit_base}people/{handle}.yml"),
            SHELL_URL: f"people/{handle}/",
        }
        _write(site_dir, f"people/{handle}", _fill(pieces, values))


def write_listing_pages(state: BuildState, site_dir: Path, shell: str) -> None:
    """The listings' pages after their first, filled into the shell (without an edit button: no
    one file is their source), and their JSON files."""
    pieces = _shell_pieces(shell, edit=False)
    for src in LISTINGS:
        listing = _listing(src)
        for extra in listing.extras:
            values = {TITLE_SLOT: escape(extra.title), BODY_SLOT: extra.body, EDIT_SLOT: "", SHELL_URL: extra.url}
            _write(site_dir, extra.url, _fill(pieces, values))
        for path, text in listing.files.items():
            target = site_dir / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


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


#: The fields of each line of the people index, in order.
PEOPLE_FIELDS = ("name", "title", "team", "location", "skills", "team_slug", "handle")
_CONTROL = re.compile(r"[\t\n\r]+")


def write_people_index(org: Org, path: Path) -> None:
    """The index of people for the header search and the directory's filter, by name:
    `{"fields": PEOPLE_FIELDS, "people": "<one line per person, fields split by tabs>"}`.

    People are kept out of Material's lunr index, which the browser rebuilds at every page load
    and which takes over a second at 10,000 people. commons.js searches this instead, fetched
    only once the visitor types. One string, not a list of rows: at 100,000 people the browser
    parses it in a fraction of the time, and searches it line by line without building objects.
    """
    lines = []
    for handle, person in sorted(org.people.items(), key=lambda item: item[1].name.casefold()):
        team = org.spaces.get(person.team or "")
        team_name, slug = (team.name, team.slug) if team else ("", "")
        values = (
            person.name,
            person.title or "",
            team_name,
            person.location or "",
            " ".join(person.skills),
            slug,
            handle,
        )
        lines.append("\t".join(_CONTROL.sub(" ", value) for value in values))
    index = {"fields": list(PEOPLE_FIELDS), "people": "\n".join(lines)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


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
