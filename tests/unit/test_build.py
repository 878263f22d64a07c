"""The hub build: the sample organisation builds with --strict into a complete, offline hub."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hub.content import load_org
from tests.conftest import REPO

REPO_URL = "https://git.example.com/example-co/commons"


def mkdocs_build(
    content: Path, out: Path, config: Path = REPO / "mkdocs.yml", **extra_env: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **extra_env,
        "COMMONS_CONTENT": str(content),
        "COMMONS_OUT": str(out),
        "NO_MKDOCS_2_WARNING": "1",
        "PYTHONPATH": f"{REPO / 'scripts'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hub")
    result = mkdocs_build(REPO / "site", out)
    assert result.returncode == 0, result.stderr
    return out


def test_every_person_and_space_has_a_page(hub: Path) -> None:
    org = load_org(REPO / "site")
    assert len(org.people) >= 50
    for handle in org.people:
        assert (hub / "people" / handle / "index.html").is_file(), handle
    for slug in org.spaces:
        assert (hub / "teams" / slug / "index.html").is_file(), slug
    for page in ("index.html", "teams/index.html", "people/index.html", "org-chart/index.html", "skills/index.html"):
        assert (hub / page).is_file(), page
    assert (hub / "health" / "index.html").is_file()
    # The shell the person pages are made from, and the raw YAML, are not published.
    assert not list(hub.glob("people/xxcommons*"))
    assert not list(hub.glob("people/*.yml"))


def test_person_page_shows_the_profile_and_edits_the_yaml(hub: Path) -> None:
    html = (hub / "people" / "aisha.khan" / "index.html").read_text(encoding="utf-8")
    assert "<title>Aisha Khan - Example Co. Commons</title>" in html
    assert f'href="{REPO_URL}/edit/main/site/people/aisha.khan.yml"' in html
    assert '<a href="../../people/jonas.lindqvist/">Jonas Lindqvist</a>' in html  # manager
    assert '<a href="../../teams/engineering/">Engineering</a>' in html
    assert 'href="../../skills/technical-writing/"' in html
    assert "xxcommons" not in html


def test_manager_page_lists_reports(hub: Path) -> None:
    org = load_org(REPO / "site")
    reports = org.reports()["amara.okafor"]
    html = (hub / "people" / "amara.okafor" / "index.html").read_text(encoding="utf-8")
    assert f"Reports ({len(reports)})" in html
    for person in reports:
        assert f'href="../../people/{person.handle}/"' in html


def test_space_page_shows_purpose_outcome_stewards_members_and_posts_place(hub: Path) -> None:
    org = load_org(REPO / "site")
    platform = org.spaces["platform"]
    html = (hub / "teams" / "platform" / "index.html").read_text(encoding="utf-8")
    assert f'<h1 id="platform">{platform.name}' in html
    assert platform.purpose and platform.purpose in html
    assert platform.outcome and platform.outcome in html
    assert "commons-draft" not in html and "Not written yet" not in html  # a finished space is no draft
    for handle in platform.stewards:
        assert f'href="../../people/{handle}/"' in html
    members = org.team_members()["platform"]
    assert f"Members ({len(members)})" in html
    assert 'Team in <a href="../../teams/engineering/">Engineering</a>' in html
    assert 'id="posts" data-space="platform"' in html
    assert f'href="{REPO_URL}/edit/main/site/teams/platform.md"' in html
    engineering = (hub / "teams" / "engineering" / "index.html").read_text(encoding="utf-8")
    assert "Sub-teams" in engineering and 'href="../../teams/platform/"' in engineering


def test_nav_lists_only_the_hub_pages(hub: Path) -> None:
    html = (hub / "people" / "aisha.khan" / "index.html").read_text(encoding="utf-8")
    tabs = re.findall(r'class="md-tabs__link[^"]*">\s*([^<]+?)\s*<', html)
    assert tabs == ["Home", "Teams", "People", "Org chart", "Skills", "Impact", "Health"]
    assert "teams/platform/" not in html.split('class="md-content"')[0]


def test_nothing_is_loaded_from_another_origin(hub: Path) -> None:
    loads = re.compile(r'<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)="(https?:)?//', re.I)
    pages = list(hub.rglob("*.html"))
    assert len(pages) > 60
    offenders = [str(p.relative_to(hub)) for p in pages if loads.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
    css = "".join(p.read_text(encoding="utf-8") for p in hub.rglob("*.css"))
    assert "@import url(http" not in css and "fonts.googleapis" not in css


def test_directory_snapshot_for_the_functions(hub: Path) -> None:
    snapshot = json.loads((hub / "directory.json").read_text(encoding="utf-8"))
    assert snapshot["people"]["aisha.khan"]["email"] == "aisha.khan@example.com"
    assert snapshot["spaces"]["platform"]["stewards"] == ["ingrid.olsen", "andrei.popescu"]
    assert "andrei.popescu" in snapshot["spaces"]["platform"]["members"]


def test_people_have_their_own_search_index(hub: Path) -> None:
    index = json.loads((hub / "search" / "people.json").read_text(encoding="utf-8"))
    assert index["fields"] == ["name", "title", "team", "location", "skills", "team_slug", "handle"]
    people = [line.split("\t") for line in index["people"].split("\n")]
    aisha = next(row for row in people if row[-1] == "aisha.khan")
    assert aisha == [
        "Aisha Khan",
        "Engineering Program Manager",
        "Engineering",
        "Manchester, United Kingdom",
        "project management technical writing incident response",
        "engineering",
        "aisha.khan",
    ]
    assert len(people) == len(load_org(REPO / "site").people)
    assert [row[0].casefold() for row in people] == sorted(row[0].casefold() for row in people)
    # Kept out of Material's lunr index, which the browser rebuilds on every page.
    index = json.loads((hub / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert not [d for d in index["docs"] if d["location"].startswith("people/")]
    assert any(d["location"] == "teams/platform/" for d in index["docs"])


def test_schemas_are_published(hub: Path) -> None:
    schema = json.loads((hub / "schema" / "person.schema.json").read_text(encoding="utf-8"))
    assert schema["title"] == "Commons person"


def test_health_and_home(hub: Path) -> None:
    health = (hub / "health" / "index.html").read_text(encoding="utf-8")
    assert "People with no team (1)" in health
    assert 'href="../people/nadia.haddad/"' in health
    home = (hub / "index.html").read_text(encoding="utf-8")
    org = load_org(REPO / "site")
    assert f"<strong>{len(org.people)}</strong> people" in home
    assert "commons:counts" not in home


def test_posts_have_a_place_on_space_person_and_home_pages(hub: Path) -> None:
    space = (hub / "teams" / "platform" / "index.html").read_text(encoding="utf-8")
    person = (hub / "people" / "aisha.khan" / "index.html").read_text(encoding="utf-8")
    home = (hub / "index.html").read_text(encoding="utf-8")
    places = [
        (space, 'data-space="platform"', "/api/html/spaces/platform", "../../"),
        (person, 'data-person="aisha.khan"', "/api/html/people/aisha.khan", "../../"),
        (home, 'data-feed="org"', "/api/html/feed", ""),
    ]
    for html, attribute, plain_page, root in places:
        section = re.search(
            r'<section class="commons-posts" id="posts" ([^>]*)>(.*?)</section>'
            r'<script src="([./]*)assets/commons-api.js"></script>(<script[^>]*>)',
            html,
        )
        assert section is not None, attribute
        assert section.group(1).startswith(attribute) and "data-search-exclude" in section.group(1)
        # Without JavaScript, a link to the page the functions render; with it, the script fills the
        # container and runs as soon as the container exists.
        assert f'<noscript><p class="commons-posts__plain"><a href="{plain_page}">' in section.group(2)
        assert section.group(3) == root and section.group(4) == f'<script src="{root}assets/commons-posts.js">'
        assert html.count('id="posts"') == 1
    assert (hub / "assets" / "commons-posts.js").is_file() and (hub / "assets" / "commons-api.js").is_file()
    assert "commons:feed" not in home
    assert home.index('class="commons-counts"') < home.index('data-feed="org"')
    # The containers' placeholders stay out of the search index.
    index = (hub / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "Loading posts" not in index and "plain page" not in index


def test_space_pages_fetch_their_feed_from_the_head(hub: Path) -> None:
    html = (hub / "teams" / "platform" / "index.html").read_text(encoding="utf-8")
    head = html[: html.index("</head>")]
    script = (REPO / "scripts" / "hub" / "assets" / "commons-posts.js").read_text(encoding="utf-8")
    size = re.search(r"var PAGE_SIZE = (\d+);", script)
    assert size is not None
    # The very request commons-posts.js makes, or the browser would fetch the feed twice.
    url = f"/api/spaces/platform/posts?limit={size.group(1)}"
    assert f'<link rel="preload" href="{url}" as="fetch" crossorigin="anonymous">' in head
    for other in ("index.html", "people/aisha.khan/index.html", "teams/index.html"):
        assert 'rel="preload" href="/api/' not in (hub / other).read_text(encoding="utf-8"), other


def test_space_names_for_the_mixed_feeds(hub: Path) -> None:
    names = json.loads((hub / "spaces.json").read_text(encoding="utf-8"))
    org = load_org(REPO / "site")
    assert names == {slug: space.name for slug, space in org.spaces.items()}


def test_every_page_has_a_sign_out_link(hub: Path) -> None:
    for page in ("index.html", "teams/platform/index.html", "people/aisha.khan/index.html", "health/index.html"):
        html = (hub / page).read_text(encoding="utf-8")
        header = html[html.index("<header") : html.index("</header>")]
        assert '<a href="/auth/logout" class="md-header__button md-icon commons-signout"' in header, page
        assert 'aria-label="Sign out"' in header


def test_home_without_the_feed_marker_gets_the_feed_at_the_end(copy_of_site: Path, tmp_path: Path) -> None:
    index = copy_of_site / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("<!-- commons:feed -->", ""), encoding="utf-8")
    out = tmp_path / "out"
    result = mkdocs_build(copy_of_site, out)
    assert result.returncode == 0, result.stderr
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'data-feed="org"' in home
    assert home.index("How to take part") < home.index('data-feed="org"')


@pytest.fixture()
def copy_of_site(tmp_path: Path) -> Path:
    content = tmp_path / "site"
    shutil.copytree(REPO / "site", content, ignore=shutil.ignore_patterns("overrides"))
    return content


def test_a_steward_who_left_shows_on_the_health_page(copy_of_site: Path, tmp_path: Path) -> None:
    (copy_of_site / "people" / "andrei.popescu.yml").unlink()
    result = mkdocs_build(copy_of_site, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    health = (tmp_path / "out" / "health" / "index.html").read_text(encoding="utf-8")
    assert "Stewards who are no longer in the directory (1)" in health
    assert "<code>andrei.popescu</code>" in health


def test_broken_content_fails_the_build_with_file_and_line(copy_of_site: Path, tmp_path: Path) -> None:
    person = copy_of_site / "people" / "aisha.khan.yml"
    person.write_text(person.read_text(encoding="utf-8").replace("team: engineering", "team: nowhere"))
    result = mkdocs_build(copy_of_site, tmp_path / "out")
    assert result.returncode == 1
    assert "people/aisha.khan.yml:5: team 'nowhere' does not exist (no teams/nowhere.md)" in result.stderr
    assert "Traceback" not in result.stderr


def test_names_with_markup_stay_text_in_every_part_of_the_page(copy_of_site: Path, tmp_path: Path) -> None:
    # Material writes the page title through `striptags`, which unescapes `&lt;` back into `<`.
    name = '</title><script>alert(1)</script> R&D "Ops" שלום 🎉'
    space = copy_of_site / "teams" / "platform.md"
    space.write_text(space.read_text(encoding="utf-8").replace("name: Platform", f"name: '{name}'"), encoding="utf-8")
    person = copy_of_site / "people" / "aisha.khan.yml"
    person.write_text(
        person.read_text(encoding="utf-8").replace("name: Aisha Khan", f"name: '{name}'"), encoding="utf-8"
    )
    out = tmp_path / "out"
    result = mkdocs_build(copy_of_site, out)
    assert result.returncode == 0, result.stderr
    for page in ("teams/platform/index.html", "people/aisha.khan/index.html", "teams/index.html", "people/index.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert "<script>alert(1)" not in html, page
        assert "&lt;script&gt;alert(1)" in html, page
    title = re.search(r"<title>(.*?)</title>", (out / "teams/platform/index.html").read_text(encoding="utf-8"))
    assert title is not None
    assert title.group(1).startswith("&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; R&amp;D")


def test_a_name_holding_the_shells_slot_text_stays_in_its_own_place(copy_of_site: Path, tmp_path: Path) -> None:
    person = copy_of_site / "people" / "aisha.khan.yml"
    text = person.read_text(encoding="utf-8")
    person.write_text(text.replace("name: Aisha Khan", "name: Ann xxcommonsbodyxx xxcommonstitlexx"), encoding="utf-8")
    out = tmp_path / "out"
    result = mkdocs_build(copy_of_site, out)
    assert result.returncode == 0, result.stderr
    html = (out / "people" / "aisha.khan" / "index.html").read_text(encoding="utf-8")
    assert "<title>Ann xxcommonsbodyxx xxcommonstitlexx - Example Co. Commons</title>" in html
    assert html.count('class="commons-facts commons-profile"') == 1
    assert '<h1 id="person">Ann xxcommonsbodyxx xxcommonstitlexx' in html


def test_a_space_name_holding_the_shells_slot_text_stays_in_its_own_place(copy_of_site: Path, tmp_path: Path) -> None:
    space = copy_of_site / "teams" / "platform.md"
    slots = "xxcommonsbodyxx xxcommonstitlexx xxcommonstocxx xxcommonsskipxx xxcommonsheadtitlexx"
    space.write_text(space.read_text(encoding="utf-8").replace("name: Platform", f"name: {slots}"), encoding="utf-8")
    out = tmp_path / "out"
    result = mkdocs_build(copy_of_site, out)
    assert result.returncode == 0, result.stderr
    html = (out / "teams" / "platform" / "index.html").read_text(encoding="utf-8")
    assert f"<title>{slots} - Example Co. Commons</title>" in html
    assert html.count('data-md-component="toc"') == 1
    assert html.count('<table class="commons-facts"') == 1
    assert not list(out.glob("teams/xxcommons*"))


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_build_over_an_earlier_one_writes_what_a_clean_build_writes(copy_of_site: Path, tmp_path: Path) -> None:
    """The build rewrites the previous build's folders in place; what it no longer makes is gone."""
    out = tmp_path / "out"
    assert mkdocs_build(copy_of_site, out).returncode == 0
    (out / "people" / "aisha.khan" / "stray.txt").write_text("from before", encoding="utf-8")
    (copy_of_site / "people" / "andrei.popescu.yml").unlink()
    (copy_of_site / "teams" / "sales.md").unlink()
    for person in (copy_of_site / "people").glob("*.yml"):
        text = person.read_text(encoding="utf-8")
        person.write_text(text.replace("team: sales", "team: engineering"), encoding="utf-8")
    result = mkdocs_build(copy_of_site, out)
    assert result.returncode == 0, result.stderr
    fresh = tmp_path / "fresh"
    assert mkdocs_build(copy_of_site, fresh).returncode == 0
    assert not (out / "people" / "andrei.popescu").exists()
    assert not (out / "teams" / "sales").exists()
    assert not list(out.glob(".commons*"))
    assert _tree(out) == _tree(fresh)
