"""The paged listings in Chromium on the dev stack, with JavaScript and without, on a synthetic
organisation large enough to page them (1,200 people, 600 spaces)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from hub.content import Org, load_org
from hub.synthetic import generate
from tests.e2e.conftest import devstack, sign_in
from tests.unit.test_build import mkdocs_build

PEOPLE, SPACES = 1_200, 600


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Org, Path]:
    work = tmp_path_factory.mktemp("synthetic")
    site = generate(work / "org", people=PEOPLE, spaces=SPACES)
    out = work / "hub"
    result = mkdocs_build(site, out)
    assert result.returncode == 0, result.stderr
    return load_org(site), out


@pytest.fixture(scope="module")
def big_url(synthetic: tuple[Org, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with devstack(synthetic[1], tmp_path_factory.mktemp("devstack-synthetic")) as url:
        yield url


@pytest.fixture()
def big_page(browser: Browser, big_url: str) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, big_url, "p00000")
    yield page
    context.close()


@pytest.fixture()
def plain_page(browser: Browser, big_url: str) -> Iterator[Page]:
    """Signed in, then without JavaScript: the session's cookies in a context that runs no script."""
    signing = browser.new_context()
    sign_in(signing.new_page(), big_url, "p00000")
    cookies = signing.cookies()
    signing.close()
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(cookies)  # type: ignore[arg-type]
    yield context.new_page()
    context.close()


def _requests(page: Page) -> list[str]:
    seen: list[str] = []

    def keep(request: Request) -> None:
        seen.append(request.url)

    page.on("request", keep)
    return seen


def test_the_directory_pages_and_its_filter_searches_everyone(
    big_page: Page, big_url: str, synthetic: tuple[Org, Path]
) -> None:
    org, _ = synthetic
    page = big_page
    requested = _requests(page)
    page.goto(big_url + "/people/")
    rows = page.locator("#commons-people tbody tr:visible")
    expect(rows).to_have_count(500)
    page.wait_for_load_state("load")
    assert not [url for url in requested if url.endswith("/search/people.json")]
    # Someone on the last page, found from the first.
    last = sorted(org.people.values(), key=lambda p: p.name.casefold())[-1]
    page.locator("#commons-filter").fill(last.name)
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link", name=last.name)).to_be_visible()
    expect(page.locator("#commons-filter-count")).to_have_text("1 person")
    assert [url for url in requested if url.endswith("/search/people.json")]
    page.locator("#commons-filter").fill("")
    expect(rows).to_have_count(500)
    page.locator(".commons-pager summary").click()
    page.locator(".commons-pager ol a", has_text=re.compile(r"^3$")).click()
    expect(page).to_have_url(big_url + "/people/_3/")
    expect(rows).to_have_count(PEOPLE - 1000)
    rows.get_by_role("link", name=last.name).click()
    expect(page).to_have_url(f"{big_url}/people/{last.handle}/")


def test_without_javascript_every_listing_is_pages_of_links(
    plain_page: Page, big_url: str, synthetic: tuple[Org, Path]
) -> None:
    org, _ = synthetic
    page = plain_page
    seen: set[str] = set()
    page.goto(big_url + "/people/")
    while True:
        links = page.locator("#commons-people tbody a[href*='/people/']")
        seen.update(
            re.sub(r".*/people/([^/]+)/$", r"\1", href or "") for href in links.evaluate_all("l => l.map(a => a.href)")
        )
        following = page.locator(".commons-pager a[rel=next]")
        if following.count() == 0:
            break
        page.goto(following.first.evaluate("a => a.href"))  # read the next page once it is there
    assert seen == set(org.people)

    page.goto(big_url + "/teams/")
    page.locator(".commons-pager a[rel=next]").first.click()
    expect(page).to_have_url(big_url + "/teams/_2/")
    expect(page.locator("#communities")).to_be_visible()

    page.goto(big_url + "/skills/")
    skill = org.people["p00042"].skills[0]
    page.get_by_role("link", name=skill, exact=True).click()
    expect(page).to_have_url(f"{big_url}/skills/{skill}/")
    expect(page.locator(".commons-skill-holders").get_by_role("link", name=org.people["p00042"].name)).to_be_visible()


def test_the_org_chart_opens_a_few_levels_and_fetches_the_rest(
    big_page: Page, big_url: str, synthetic: tuple[Org, Path]
) -> None:
    org, _ = synthetic
    reports = org.reports()
    page = big_page
    requested = _requests(page)
    page.goto(big_url + "/org-chart/")
    # The first level is open; its button closes and opens it again, from the page's own HTML.
    second = org.people["p00001"]  # a report of the top
    toggle = page.get_by_role("button", name=f"Reports of {second.name}", exact=True)
    expect(toggle).to_have_attribute("aria-expanded", "true")
    below = page.get_by_role("link", name=reports["p00001"][0].name, exact=True)
    expect(below).to_be_visible()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(below).to_be_hidden()
    page.keyboard.press("Enter")
    expect(below).to_be_visible()
    assert not [url for url in requested if "/org-chart/reports/" in url]
    # Below the page's levels, pressing fetches the reports, and again a level further down.
    manager = reports["p00001"][0]
    for person in (manager, reports[manager.handle][0]):
        button = page.get_by_role("button", name=f"Reports of {person.name}", exact=True)
        expect(button).to_have_attribute("aria-expanded", "false")
        button.click()
        expect(button).to_have_attribute("aria-expanded", "true")
        first = reports[person.handle][0]
        expect(page.get_by_role("link", name=first.name, exact=True)).to_be_visible()
        assert [url for url in requested if url.endswith(f"/org-chart/reports/{person.handle}.json")]
    button.click()
    expect(page.get_by_role("link", name=first.name, exact=True)).to_be_hidden()
    page.get_by_role("link", name=person.name, exact=True).click()
    expect(page).to_have_url(f"{big_url}/people/{person.handle}/")


def test_the_org_chart_without_javascript_links_each_managers_part(
    plain_page: Page, big_url: str, synthetic: tuple[Org, Path]
) -> None:
    org, _ = synthetic
    page = plain_page
    page.goto(big_url + "/org-chart/")
    expect(page.locator(".commons-orgchart__toggle").first).to_be_hidden()  # a button that would do nothing
    manager = org.reports()["p00001"][0]  # on the page's last level, with reports of their own
    row = page.locator(".commons-orgchart__row", has=page.get_by_role("link", name=manager.name, exact=True))
    row.get_by_role("link", name="their part of the chart").click()
    expect(page).to_have_url(f"{big_url}/org-chart/{manager.handle}/")
    for person in org.reports()[manager.handle]:
        expect(page.locator(".commons-orgchart").get_by_role("link", name=person.name, exact=True)).to_be_visible()


def test_search_finds_a_person_without_loading_the_index_up_front(
    big_page: Page, big_url: str, synthetic: tuple[Org, Path]
) -> None:
    org, _ = synthetic
    page = big_page
    requested = _requests(page)
    page.goto(big_url + "/")
    page.wait_for_load_state("load")
    search = page.locator("input.md-search__input")
    search.click()
    assert not [url for url in requested if url.endswith("/search/people.json")]
    person = org.people["p01111"]
    search.press_sequentially(person.name)
    expect(page.locator(".commons-people-hits a", has_text=person.name).first).to_be_visible()
    assert [url for url in requested if url.endswith("/search/people.json")]
