"""The paged listings, built from a synthetic organisation large enough to page every one of them.

1,200 people and 600 spaces: three directory pages, two of the teams index, and an org chart five
levels deep, so that the managers on its fourth level get pages (and JSON) of their own. Followed
as plain links, as a browser without JavaScript would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from hub import listings
from hub.content import load_org
from hub.synthetic import generate
from tests.unit.test_build import mkdocs_build

PEOPLE, SPACES = 1_200, 600
HREF = re.compile(r'href="([^"#]*)(?:#[^"]*)?"')


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the synthetic content folder, its built hub)."""
    work = tmp_path_factory.mktemp("listings")
    site = generate(work / "org", people=PEOPLE, spaces=SPACES)
    out = work / "hub"
    result = mkdocs_build(site, out)
    assert result.returncode == 0, result.stderr
    return site, out


def _links(out: Path, url: str) -> set[str]:
    """The hub-relative URLs a page links to."""
    html = (out / url / "index.html").read_text(encoding="utf-8")
    base = "http://hub/" + url
    found = set()
    for href in HREF.findall(html):
        absolute = urljoin(base, href)
        if absolute.startswith("http://hub/"):
            found.add(absolute.removeprefix("http://hub/"))
    return found


def _crawl(out: Path, start: str, within: str) -> set[str]:
    """Every page under `within` reachable by links from `start`, and everything they link to."""
    seen, todo, reached = {start}, [start], set()
    while todo:
        url = todo.pop()
        for link in _links(out, url):
            reached.add(link)
            if link.startswith(within) and link not in seen and (out / link / "index.html").is_file():
                seen.add(link)
                todo.append(link)
    return reached | seen


def test_the_directory_is_paged_and_every_person_is_on_one_page(big: tuple[Path, Path]) -> None:
    site, out = big
    org = load_org(site)
    pages = ["people/"] + [f"people/_{n}/" for n in range(2, 4)]
    assert not (out / "people" / "_4").exists()
    on_pages: list[str] = []
    for url in pages:
        html = (out / url / "index.html").read_text(encoding="utf-8")
        on_pages += re.findall(r'<tr><td><a href="(?:\.\./)+people/([^/"]+)/"', html)
        assert html.count("<tr><td>") <= listings.PAGE_SIZE
        assert 'id="commons-filter"' in html
    assert sorted(on_pages) == sorted(org.people)
    # Page 1 links every other page, and each page its neighbours.
    assert {"people/_2/", "people/_3/"} <= _links(out, "people/")
    page2 = (out / "people/_2/index.html").read_text(encoding="utf-8")
    assert 'rel="prev" href="../../people/"' in page2
    assert 'rel="next" href="../../people/_3/"' in page2
    assert '<a aria-current="page" href="../../people/_2/">2</a>' in page2


def test_the_teams_index_is_paged_with_each_kind_headed_once(big: tuple[Path, Path]) -> None:
    site, out = big
    org = load_org(site)
    pages = ["teams/", "teams/_2/"]
    html = "".join((out / url / "index.html").read_text(encoding="utf-8") for url in pages)
    listed = re.findall(r'<tr><td[^>]*><a href="(?:\.\./)+teams/([^/"]+)/"', html)
    assert sorted(listed) == sorted(org.spaces)
    assert html.count('id="teams"') == 1 and html.count('id="communities"') == 1
    teams = sum(1 for s in org.spaces.values() if s.is_team)
    assert f"Teams ({teams})" in html and "Teams, continued" in html
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="teams/_2/#communities"' in home
    assert 'id="communities"' in (out / "teams/_2/index.html").read_text(encoding="utf-8")


def test_each_skill_has_a_page_listing_everyone_who_has_it(big: tuple[Path, Path]) -> None:
    site, out = big
    org = load_org(site)
    skill = org.people["p00042"].skills[0]
    holders = sorted(h for h, p in org.people.items() if skill in p.skills)
    index = _links(out, "skills/")
    assert f"skills/{skill}/" in index
    page = (out / "skills" / skill / "index.html").read_text(encoding="utf-8")
    assert sorted(re.findall(r'<li><a href="\.\./\.\./people/([^/"]+)/"', page)) == holders
    person = (out / "people" / "p00042" / "index.html").read_text(encoding="utf-8")
    assert f'href="../../skills/{skill}/"' in person


def test_every_person_is_reachable_in_the_org_chart_without_javascript(big: tuple[Path, Path]) -> None:
    site, out = big
    org = load_org(site)
    reached = _crawl(out, "org-chart/", "org-chart/")
    people = {link.split("/")[1] for link in reached if link.startswith("people/") and link.count("/") == 2}
    assert people == set(org.people)
    # The managers on the first page's last level have pages of their own, as do those on the
    # last level of those pages; no one else does.
    cut = listings.CHART_LEVELS - 1
    parts = {h for h in org.people if _depth(org, h) in (cut, cut + listings.PART_LEVELS - 1) and org.reports()[h]}
    assert parts
    made = {p.name for p in (out / "org-chart").iterdir() if p.is_dir() and p.name != "reports"}
    assert made == parts


def test_the_org_chart_has_no_interactive_element_inside_another(big: tuple[Path, Path]) -> None:
    _site, out = big
    for url in ("org-chart/", f"org-chart/{_a_subchart(out)}/"):
        html = (out / url / "index.html").read_text(encoding="utf-8")
        chart = html[html.index('<div class="commons-orgchart"') :]
        assert "<details" not in chart and "<summary" not in chart
        for button in re.findall(r"<button\b.*?</button>", chart):
            assert "<a " not in button
        for link in re.findall(r"<a\b.*?</a>", chart):
            assert "<button" not in link
        assert 'aria-expanded="true"' in chart
        if url == "org-chart/":  # open near the top, closed (and fetched when opened) further down
            assert 'aria-expanded="false"' in chart and "data-handle=" in chart


def test_each_manager_has_a_json_list_of_reports(big: tuple[Path, Path]) -> None:
    site, out = big
    org = load_org(site)
    reports = org.reports()
    managers = [h for h, r in reports.items() if r]
    assert sorted(p.stem for p in (out / "org-chart" / "reports").glob("*.json")) == sorted(managers)
    rows = json.loads((out / "org-chart" / "reports" / "p00001.json").read_text(encoding="utf-8"))
    assert [row[0] for row in rows] == [p.handle for p in reports["p00001"]]
    first = org.people[rows[0][0]]
    assert rows[0][1:4] == [first.name, first.title, len(reports[first.handle])]


def _depth(org: object, handle: str) -> int:
    people = org.people  # type: ignore[attr-defined]
    depth, person = 0, people[handle]
    while person.manager in people:
        depth, person = depth + 1, people[person.manager]
    return depth


def _a_subchart(out: Path) -> str:
    return sorted(p.name for p in (out / "org-chart").iterdir() if p.is_dir() and p.name != "reports")[0]


def test_the_build_on_two_processes_writes_what_one_process_writes(big: tuple[Path, Path], tmp_path: Path) -> None:
    """600 spaces and 1,200 people: the forked workers read people, render space pages and write
    person pages; one process alone must give the same hub, byte for byte."""
    site, out = big
    alone = tmp_path / "alone"
    result = mkdocs_build(site, alone, COMMONS_BUILD_PROCESSES="1")
    assert result.returncode == 0, result.stderr
    ours = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(alone) for p in alone.rglob("*") if p.is_file())
    assert ours == theirs
    different = [str(p) for p in ours if (out / p).read_bytes() != (alone / p).read_bytes()]
    assert different == []
