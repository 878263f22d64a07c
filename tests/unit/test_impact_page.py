"""The places the build leaves for the benefit figures: /impact/ in the nav and built with the
organisation's purpose from the home page, the line beside each space's outcome, the health page's
live part, and the links that work without JavaScript. The figures are drawn in Chromium
(tests/e2e/test_impact.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urljoin

import pytest

from hub.content import HomePurpose, load_org, read_home_purpose
from tests.conftest import REPO
from tests.unit.test_build import mkdocs_build

ASSETS = REPO / "scripts" / "hub" / "assets"
SCRIPT = ASSETS / "commons-impact.js"
PLAIN_PAGE = "/api/html/impact"


def test_impact_is_in_the_nav_and_built(built_hub: Path) -> None:
    for page in ("index.html", "teams/platform/index.html", "health/index.html", "impact/index.html"):
        html = (built_hub / page).read_text(encoding="utf-8")
        tabs = re.findall(r'<a href="([^"]*)"\s+class="md-tabs__link[^"]*">\s*([^<]+?)\s*<', html)
        here = "https://hub.example/" + page.removesuffix("index.html")
        assert [urljoin(here, href) for href, name in tabs if name == "Impact"] == ["https://hub.example/impact/"], page
    html = (built_hub / "impact" / "index.html").read_text(encoding="utf-8")
    assert "<title>Impact - Example Co. Commons</title>" in html
    assert re.search(r'<h1 id="impact">Impact<a class="headerlink"', html)


def test_the_dashboard_states_the_purpose_from_the_home_page(built_hub: Path) -> None:
    home = read_home_purpose(REPO / "site")
    assert home is not None and home.outcome is not None
    index = (REPO / "site" / "index.md").read_text(encoding="utf-8")
    assert home.purpose in index and home.outcome in index
    html = (built_hub / "impact" / "index.html").read_text(encoding="utf-8")
    assert f'<p class="commons-impact__statement">{home.purpose}</p>' in html
    assert f'<p class="commons-impact__outcome">{home.outcome}</p>' in html


def test_the_dashboard_has_a_place_per_chart_and_links_for_no_javascript(built_hub: Path) -> None:
    html = (built_hub / "impact" / "index.html").read_text(encoding="utf-8")
    charts = re.findall(r'<section class="commons-chart" id="[^"]+" data-impact-chart="([a-z_]+)"', html)
    assert charts == ["outcomes", "active_people", "answered_within_a_day"]
    assert "data-impact-spaces" in html
    assert f'<noscript><p class="commons-impact__plain">See these figures as tables <a href="{PLAIN_PAGE}">' in html
    # The CSV link works without JavaScript, so it is not inside the <noscript>.
    assert '<a href="/api/metrics.csv" download>' in html.split("</noscript>", 1)[1]
    assert html.index("data-impact-spaces") < html.index('<script src="../assets/commons-impact.js"></script>')
    # The first answer the script asks for is fetched from the head.
    head = html[: html.index("</head>")]
    assert '<link rel="preload" href="/api/metrics" as="fetch" crossorigin="anonymous">' in head
    assert (built_hub / "assets" / "commons-impact.js").read_bytes() == SCRIPT.read_bytes()


def test_each_space_page_has_a_place_beside_its_outcome(built_hub: Path) -> None:
    for slug in load_org(REPO / "site").spaces:
        html = (built_hub / "teams" / slug / "index.html").read_text(encoding="utf-8")
        purpose = re.search(r'<dl class="commons-purpose">(.*?)</dl>(.*?)<table', html)
        assert purpose is not None, slug
        place = purpose.group(1).split('<dd class="commons-purpose__outcome">')[1].split("</dd>", 1)[1]
        assert place.startswith(f'<dd class="commons-purpose__achieved" data-impact-space="{slug}"'), slug
        assert re.search(r"\bhidden\b", place.split(">")[0]), slug
        after = purpose.group(2)
        assert f'<a href="{PLAIN_PAGE}">on a plain page</a>' in after, slug
        assert f'<a href="/api/metrics/spaces/{slug}.csv" download>' in after, slug
        assert after.endswith('<script src="../../assets/commons-impact.js"></script>'), slug


def test_the_health_page_keeps_its_checks_and_gains_a_live_part(built_hub: Path) -> None:
    html = (built_hub / "health" / "index.html").read_text(encoding="utf-8")
    for anchor in ("stewards", "departed", "teamless", "empty"):
        assert f'<h2 id="{anchor}">' in html, anchor
    live = html.index('<section class="commons-health-live" id="activity" data-impact-health')
    assert live > html.index('<h2 id="empty">')
    assert f'<a href="{PLAIN_PAGE}">on a plain page</a>' in html[live:]
    assert '<script src="../assets/commons-impact.js"></script>' in html[live:]


def test_the_placeholders_stay_out_of_the_search_index(built_hub: Path) -> None:
    index = (built_hub / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "Loading the figures" not in index and "as CSV" not in index


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        (
            "# Co\n\nWe help.\n\nWe know it works when **you** [ask](people/index.md).\n",
            HomePurpose("We help.", "We know it works when you ask."),
        ),
        (
            "---\ntitle: Home\n---\n# Co\n\nWe help\npeople.\n\n<!-- commons:counts -->\n\nLater.\n",
            HomePurpose("We help people."),
        ),
        ("# Co\n\n- a list\n", None),
        ("# Co\n\n<!-- commons:counts -->\n", None),
        ("Plain words first.\n\n## How\n", HomePurpose("Plain words first.")),
        ("# Co\n\nOur purpose.\n\n1. a numbered list\n", HomePurpose("Our purpose.")),
    ],
)
def test_the_purpose_is_the_home_pages_first_paragraph(
    tmp_path: Path, markdown: str, expected: HomePurpose | None
) -> None:
    (tmp_path / "index.md").write_text(markdown, encoding="utf-8")
    assert read_home_purpose(tmp_path) == expected


def test_a_home_page_with_no_purpose_builds_without_it(tmp_path: Path) -> None:
    content = tmp_path / "site"
    shutil.copytree(REPO / "site", content, ignore=shutil.ignore_patterns("overrides"))
    (content / "index.md").write_text("# Example Co. Commons\n\n<!-- commons:counts -->\n", encoding="utf-8")
    result = mkdocs_build(content, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "out" / "impact" / "index.html").read_text(encoding="utf-8")
    assert "commons-impact__purpose" not in html and 'data-impact-chart="outcomes"' in html


def test_the_script_keeps_to_the_csp_and_puts_no_api_text_in_as_markup() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    for banned in (".style", '"style"', "innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "new Function"):
        assert banned not in script, banned
    css = (ASSETS / "commons.css").read_text(encoding="utf-8")
    classes = set(re.findall(r"commons-[a-z-]+__[a-z]+(?:-[a-z]+)*\b(?!-)", script))
    classes |= {f"commons-impact__trend--{direction}" for direction in ("up", "down", "same")}
    assert "commons-chart__bar" in classes and "commons-sparkline__line" in classes
    assert sorted(name for name in classes if f".{name}" not in css) == []
