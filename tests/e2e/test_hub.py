"""The hub in Chromium: find a person, read their profile, follow them to their team."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from hub.content import load_org
from tests.conftest import REPO


def test_find_a_person_and_their_team(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    org = load_org(REPO / "site")
    person = org.people["aisha.khan"]
    team = org.spaces[person.team or ""]
    assert person.title and team.purpose and team.outcome, "the sample organisation states them"

    page.goto(hub_url + "/")
    expect(page.locator("h1")).to_contain_text("Example Co. Commons")
    expect(page.locator(".commons-counts")).to_contain_text(f"{len(org.people)} people")

    # Search from the header, as staff would.
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially(person.name)
    result = page.locator(".commons-people-hits a", has_text=person.name).first
    expect(result).to_be_visible(timeout=10_000)
    result.click()

    expect(page).to_have_url(re.compile(re.escape(f"{hub_url}/people/{person.handle}/") + r"(\?h=.*)?$"))
    expect(page.locator("h1")).to_contain_text(person.name)
    expect(page.locator(".commons-profile")).to_contain_text(person.title)
    edit = page.locator("a[rel=edit]")
    expect(edit).to_have_attribute("href", f"{_edit_base()}people/{person.handle}.yml")
    expect(edit).to_have_attribute("title", "Edit this page")

    page.locator(".commons-profile a", has_text=team.name).click()
    expect(page).to_have_url(f"{hub_url}/teams/{team.slug}/")
    expect(page.locator(".commons-purpose__purpose")).to_have_text(team.purpose)
    expect(page.locator(".commons-purpose__outcome")).to_have_text(team.outcome)
    stewards = page.locator(".commons-facts tr", has_text="Stewards")
    for handle in team.stewards:
        expect(stewards).to_contain_text(org.people[handle].name)
    # The space's posts, and the form to write one, load from /api on the same origin.
    expect(page.locator("#posts").get_by_label(f"Write a post in {team.name}")).to_be_visible()

    origin = urlsplit(hub_url).netloc
    foreign = [url for url in requested if urlsplit(url).netloc not in (origin, "")]
    assert foreign == []


def test_directory_filters_as_you_type(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    org = load_org(REPO / "site")
    page.goto(hub_url + "/people/")
    rows = page.locator("#commons-people tbody tr:visible")
    expect(rows).to_have_count(len(org.people))
    page.locator("#commons-filter").fill("platform engineer")
    expected = [
        p
        for p in org.people.values()
        if p.team == "platform" and "engineer" in f"{p.name} {p.title} {' · '.join(p.skills)}".lower()
    ]
    assert expected, "the sample organisation has platform engineers"
    expect(rows).to_have_count(len(expected))
    expect(page.locator("#commons-filter-count")).to_have_text(f"{len(expected)} people")


def _edit_base() -> str:
    return "https://git.example.com/example-co/commons/edit/main/site/"


def test_enter_in_the_search_opens_the_person_named_or_else_the_best_page(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    page.goto(hub_url + "/teams/")
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("Emma Johansson")
    expect(page.locator(".commons-people-hits a").first).to_contain_text("Emma Johansson")
    search.press("Enter")
    expect(page).to_have_url(f"{hub_url}/people/emma.johansson/")
    # A word that is no one's name opens the best page, as Material does on its own.
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("platform")
    expect(page.locator(".commons-people-hits a").first).to_be_visible()
    expect(page.locator(".md-search-result__list [href]").first).to_be_visible()
    search.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(f"{hub_url}/teams/platform/")))
    # Arrow keys reach the people too, as they do Material's own results.
    search = page.locator("input.md-search__input")
    search.click()
    search.press_sequentially("python")
    expect(page.locator(".commons-people-hits a").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('.commons-people-hits') !== null")
