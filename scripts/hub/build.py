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
import shutil
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
    #: The theme's space page, rendered once and cut at its slots (`space_shell`).
    space_shell: SpaceShell | None = None
    #: The person pages: the shell's pieces and the handles (`start_person_pages`), the next chunk
    #: of them to write (shared with the worker), and the worker writing chunks beside the build.
    people_plan: tuple[list[str], list[str]] | None = None
    people_next: Any = None
    people_work: Future[int] | None = None
    people_pool: ProcessPoolExecutor | None = None
    spaces_by_src: dict[str, str] = field(default_factory=dict)
    made: dict[str, listings.Listing] = field(default_factory=dict)
    #: The previous build's output, set aside in the site folder (see `set_aside`), or None.
    previous: Path | None = None

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
    _require_state().previous = set_aside(Path(config["site_dir"]))


#: Where the previous build's output waits in the site folder while this build writes. mkdocs'
#: clean, which comes next, leaves folders starting with a dot alone.
PREVIOUS = ".commons-previous"


def set_aside(site_dir: Path) -> Path | None:
    """Move the previous build's output aside, so that this build can write its pages into the
    same folders and files instead of mkdocs deleting them and this build making them again.

    At 100,000 pages that is most of a build: on this ext4 (without a journal) deleting 100,000
    folders takes over a minute, and making an inode just after skips every one freed in the last
    minutes, so each new folder and file costs far more than rewriting one. Whatever this build
    does not write again is deleted at its end (`drop_previous`), so the output is a clean build's.
    """
    if not site_dir.is_dir():
        return None
    previous = site_dir / PREVIOUS
    if previous.exists():
        shutil.rmtree(previous)  # left by a build that stopped: what it wrote is set aside instead
    entries = [entry for entry in os.listdir(site_dir) if not entry.startswith(".")]
    if not entries:
        return None
    previous.mkdir()
    for entry in entries:
        os.rename(site_dir / entry, previous / entry)
    return previous


def reuse_folder(state: BuildState, site_dir: Path, folder: str) -> None:
    """Move the previous build's `folder` (such as "people/jane/") back, when it held only its
    page: writing the page then rewrites a file. Otherwise the folder is made anew when written."""
    if state.previous is None:
        return
    old = state.previous / folder
    try:
        if os.listdir(old) != ["index.html"]:
            return
        os.rename(old, site_dir / folder)
    except OSError:
        return  # not there before, or something is in its place already


def drop_previous(state: BuildState) -> None:
    """Delete what is left of the previous build: the pages this build did not write again."""
    if state.previous is not None:
        shutil.rmtree(state.previous)
        state.previous = None


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    # The raw people files are the source, not the product: their content is on the person pages.
    for file in list(files):
        if file.src_uri.startswith("people/") and file.src_uri.endswith(".yml"):
            files.remove(file)
    for src, (title, _render) in HUB_PAGES.items():
        files.append(File.generated(config, src, content=f"{NO_SEARCH}# {title}\n"))
    files.append(File.generated(config, SHELL, content=f"{NO_SEARCH}# {TITLE_SLOT}\n\n{BODY_SLOT}\n"))
    files.append(File.generated(config, SPACE_SHELL, content=f"{NO_SEARCH}# {SPACE_TITLE_SLOT}\n"))
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
    """Render the person page shell and start writing the person pages (`start_person_pages`).

    A person page needs only the theme, the nav and the people, all known now: the worker writes
    them while mkdocs converts every other page's Markdown, which would leave a core idle.
    """
    state = _require_state()
    state.nav = nav
    state.shell_html = _person_shell(config.theme.get_env(), config, files, nav)
    start_person_pages(state, Path(config["site_dir"]))
    return nav


def _person_shell(env: Any, config: Any, files: Any, nav: Any) -> str:
    """The person page shell through the theme. mkdocs has not read any page yet: the shell page is
    read and converted here (as mkdocs will again), and the nav's pages all have titles in mkdocs.yml."""
    from mkdocs.structure.pages import Page

    file = files.get_file_from_path(SHELL)
    page = file.page or Page(None, file, config)
    page.read_source(config)
    page.render(config, files)
    page.edit_url = EDIT_SLOT
    return _render_alone(env, config, files, nav, page)


def on_build_error(error: Exception) -> None:
    """Stop the person page worker: nothing it writes now would be published."""
    state = _state
    if state is None or state.people_pool is None:
        return
    if state.people_next is not None:
        with state.people_next.get_lock():
            state.people_next.value = len(state.org.people)
    state.people_pool.shutdown(cancel_futures=True)


#: The template space pages are rendered with: nothing. `on_post_page` fills the space page shell
#: (`space_shell`) with the page's parts instead: Material's templates take about 10 ms a page,
#: the largest part of a build at 5,000 spaces.
SPACE_TEMPLATE = "commons-space.html"
SPACE_SHELL = "teams/xxcommonsspaceshellxx.md"
SPACE_TITLE_SLOT = "xxcommonsspacetitlexx"
#: The shell's slots besides those of the person shell: (where, what goes there) for each.
HEAD_TITLE_SLOT = "xxcommonsheadtitlexx"
SKIP_SLOT = "xxcommonsskipxx"
FEED_SLOT = "xxcommonsfeedxx"
TOC_SLOT = "xxcommonstocxx"


def on_env(env: Any, config: Any, files: Any) -> Any:
    """Move the previous build's page folders back (`reuse_folder`), make the space page shell, and
    check the person page shell.

    The space pages are read and their Markdown converted already; mkdocs still builds each one
    (the search plugin makes its entry then) but with an empty template: `on_post_page` puts the
    page's parts into the shell, which is the theme rendered once.
    """
    import jinja2

    state = _require_state()
    site_dir = Path(config["site_dir"])
    for file in files.documentation_pages():
        folder = os.path.dirname(file.dest_uri)
        if folder:
            (site_dir / folder).parent.mkdir(parents=True, exist_ok=True)
            reuse_folder(state, site_dir, folder + "/")
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({SPACE_TEMPLATE: ""}), env.loader])
    shell = files.get_file_from_path(SPACE_SHELL).page
    spaces = [f.page for f in files.documentation_pages() if f.src_uri in state.spaces_by_src and f.page]
    state.space_shell = space_shell(env, config, files, state.nav, shell, spaces)
    if state.space_shell is not None:
        for page in spaces:
            page.meta["template"] = SPACE_TEMPLATE
    shell.meta["template"] = SPACE_TEMPLATE  # the shell page itself is not written
    person_shell = files.get_file_from_path(SHELL).page
    # The person pages are being written from the shell `on_nav` rendered: it must be the theme's.
    if _render_alone(env, config, files, state.nav, person_shell) != state.shell_html:
        raise RuntimeError("the person page shell differs from the theme's own page: a plugin changed the theme")
    person_shell.meta["template"] = SPACE_TEMPLATE
    return env


def _render_alone(env: Any, config: Any, files: Any, nav: Any, page: Any) -> str:
    """The page through the theme, as mkdocs' own build of it renders it, before that build."""
    from mkdocs.commands.build import get_context

    page.active = True
    try:
        context = get_context(nav, files.documentation_pages(), config, page)
        context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
        html: str = env.get_template(page.meta.get("template", "main.html")).render(context)
        return html
    finally:
        page.active = False


@dataclass
class SpaceShell:
    """A space page as the theme renders it, cut at its slots (see `_shell_pieces`)."""

    pieces: list[str]
    #: Renders the table of contents of one page, as the theme's own partial does.
    toc: Any
    edit: bool
    #: The theme's filters, for the title as its templates write it.
    striptags: Callable[[str], str]
    escape: Callable[[str], str]


def space_shell(env: Any, config: Any, files: Any, nav: Any, shell: Any, spaces: list[Any]) -> SpaceShell | None:
    """The theme rendered once for the space shell page, with slots for what differs between
    space pages: the title (twice, escaped differently), the skip link, the feed's preload, the
    table of contents, the edit link and the content. None when there are no space pages."""
    from mkdocs.commands.build import get_context

    if not spaces:
        return None
    edit = bool(spaces[0].edit_url)
    # With an h1 in it, as a space page's content has: the theme adds one to a page without.
    content = f"<h1{BODY_SLOT}>"
    shell.content = content
    shell.edit_url = EDIT_SLOT if edit else None
    shell.meta["commons_feed"] = FEED_SLOT
    context = get_context(nav, files.documentation_pages(), config, shell)
    html = env.get_template("main.html").render(context)
    toc = env.from_string('{% import "partials/language.html" as lang with context %}{% include "partials/toc.html" %}')
    own_toc = toc.render(context)
    html = _slot(html, own_toc, TOC_SLOT)
    html = _slot(html, content, BODY_SLOT)
    html = _slot(html, f"<title>{SPACE_TITLE_SLOT} - ", f"<title>{HEAD_TITLE_SLOT} - ")
    html = _slot(html, f'href="#{SPACE_TITLE_SLOT}"', f'href="{SKIP_SLOT}"')
    html = _slot(html, SPACE_TITLE_SLOT, TITLE_SLOT)
    slots = (TITLE_SLOT, HEAD_TITLE_SLOT, SKIP_SLOT, FEED_SLOT, TOC_SLOT, BODY_SLOT) + ((EDIT_SLOT,) if edit else ())
    pieces = re.split("(" + "|".join(re.escape(slot) for slot in slots) + ")", html)
    if sorted(pieces[1::2]) != sorted(slots):
        raise RuntimeError(f"the space page shell has slots {pieces[1::2]}, not each of {slots} once")
    return SpaceShell(pieces, toc, edit, env.filters["striptags"], env.filters["e"])


def _slot(html: str, text: str, slot: str) -> str:
    """`html` with the one place `text` is at replaced by `slot`: anything else means the theme is
    not what the shell expects, and the pages it made would be wrong."""
    if html.count(text) != 1:
        raise RuntimeError(f"the space page shell has {html.count(text)} of {text[:60]!r}, not one")
    return html.replace(text, slot)


def _space_page(state: BuildState, page: Any, config: Any, content: str) -> str:
    """A space page: the shell with this page's parts, as the theme would render them."""
    from mkdocs.utils import normalize_url

    shell = state.space_shell
    assert shell is not None
    if bool(page.edit_url) != shell.edit or not page.toc:
        raise RuntimeError(f"{page.file.src_uri} does not fit the space page shell")
    title = str(page.title)
    values = {
        TITLE_SLOT: title,
        HEAD_TITLE_SLOT: str(shell.escape(shell.striptags(title))),
        SKIP_SLOT: normalize_url(str(page.toc.items[0].url), page=page),
        FEED_SLOT: str(page.meta["commons_feed"]),
        TOC_SLOT: shell.toc.render(page=page, config=config),
        BODY_SLOT: content,
        EDIT_SLOT: str(page.edit_url),
    }
    return _fill(shell.pieces, values)


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
    deferred = state.deferred.pop(src, None)
    if deferred is not None:
        facts, posts = deferred
        content = page.content.replace(state.marker("facts"), facts, 1)
        # The last one: the space's own Markdown comes before it.
        before, marker, after = content.rpartition(state.marker("posts"))
        content = before + posts + after if marker else content
        output = _space_page(state, page, config, content)
    return output


def on_post_build(config: Any) -> None:
    state = _require_state()
    site_dir = Path(config["site_dir"])
    if state.shell_html is None:
        raise RuntimeError("the person page shell was not rendered")
    written = finish_person_pages(state, site_dir)
    write_listing_pages(state, site_dir, state.shell_html)
    write_directory(state.org, state.views.members, site_dir / "directory.json")
    write_people_index(state.org, site_dir / "search" / "people.json")
    write_space_names(state.org, site_dir / "spaces.json")
    drop_previous(state)
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
    """Write the page at `url`, in the previous build's folder when there is one to reuse."""
    target = site_dir / url
    reuse_folder(_require_state(), site_dir, url)
    try:
        os.mkdir(target)
    except FileExistsError:
        pass
    except FileNotFoundError:
        target.mkdir(parents=True, exist_ok=True)
    write_bytes(target / "index.html", html.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Make the file at `path` hold `data`, rewriting a previous build's file in place.

    A file that already holds `data` is left alone, and one that does not is overwritten without
    being truncated first: freeing its blocks (with `discard` on this ext4) and writing them again
    costs a millisecond a file, where reading 20 KB back from the page cache costs microseconds.
    os.open, not open(): a file object costs several more system calls, 100,000 times.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        size = os.fstat(fd).st_size
        if size == len(data) and os.pread(fd, size, 0) == data:
            return
        view, offset = memoryview(data), 0
        while offset < len(data):
            offset += os.pwrite(fd, view[offset:], offset)
        if size > len(data):
            os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def start_person_pages(state: BuildState, site_dir: Path) -> None:
    """Start writing the person pages: with many people, a forked worker writes them while this
    process builds the rest of the hub, and this process joins in when it is done (`finish_person_pages`).

    Each page is the shell filled for a person; its URL sits at the shell's depth, so relative links
    hold. Filling and writing is Python work bound to one core, and no page needs another.
    """
    assert state.shell_html is not None
    pieces = _shell_pieces(state.shell_html, edit=bool(state.edit_base))
    handles = list(state.org.people)
    state.people_plan = (pieces, handles)
    (site_dir / "people").mkdir(parents=True, exist_ok=True)
    if len(handles) >= PARALLEL_PAGES_FROM and two_processes():
        fork = get_context("fork")
        state.people_next = fork.Value("i", 0)
        # The forked worker has the build's state already, the shared counter included.
        state.people_pool = ProcessPoolExecutor(1, mp_context=fork)
        state.people_work = state.people_pool.submit(_write_people_chunks, site_dir)


def finish_person_pages(state: BuildState, site_dir: Path) -> int:
    """Write the person pages the worker has not taken, wait for it; how many pages there are."""
    assert state.people_plan is not None
    pieces, handles = state.people_plan
    if state.people_work is None:
        _write_people(site_dir, pieces, handles)
        return len(handles)
    try:
        _write_people_chunks(site_dir)
        state.people_work.result()
    finally:
        if state.people_pool is not None:
            state.people_pool.shutdown()
    return len(handles)


#: Person pages a process takes at a time from the shared counter.
CHUNK = 500


def _write_people_chunks(site_dir: Path) -> int:
    """Take the next `CHUNK` of person pages until none are left; how many this process wrote."""
    state = _require_state()
    assert state.people_plan is not None
    pieces, handles = state.people_plan
    written = 0
    while True:
        with state.people_next.get_lock():
            start = state.people_next.value
            state.people_next.value = start + CHUNK
        if start >= len(handles):
            return written
        chunk = handles[start : start + CHUNK]
        _write_people(site_dir, pieces, chunk)
        written += len(chunk)


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
        write_files(state, site_dir, listing.files)


def write_files(state: BuildState, site_dir: Path, files: dict[str, str]) -> None:
    """Write plain files (such as the org chart's JSON), in the previous build's folders: each
    folder not made yet in this build is moved back whole, and what this build does not write in
    it is deleted."""
    folders: dict[str, set[str]] = {}
    for path in files:
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder, set()).add(name)
    for folder, names in folders.items():
        target = site_dir / folder
        target.parent.mkdir(parents=True, exist_ok=True)
        if state.previous is not None and not target.exists() and (state.previous / folder).is_dir():
            os.rename(state.previous / folder, target)
            for entry in os.scandir(target):  # only in a folder of the previous build's
                if entry.name not in names:
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path)
                    else:
                        os.unlink(entry.path)
        target.mkdir(exist_ok=True)
    for path, text in files.items():
        write_bytes(site_dir / path, text.encode("utf-8"))


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
