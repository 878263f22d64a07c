"""Feed links in Chromium, against the whole dev stack: shown on your own person page (and on
nobody else's), revoked in place with JavaScript and from the plain page without it, and the links
shown are the ones that open your feeds (no session needed)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from hub.content import load_org
from tests.conftest import REPO
from tests.e2e.conftest import sign_in
from tests.unit.test_feeds_atom import valid_atom

PLAIN_PAGE = "/api/html/feeds"


def feeds(context: BrowserContext, hub_url: str) -> dict[str, Any]:
    response = context.request.get(hub_url + "/api/me")
    assert response.status == 200, f"GET /api/me: {response.status} {response.text()}"
    document: dict[str, Any] = response.json()["feeds"]
    return document


def status_without_session(url: str) -> int:
    """What a feed reader gets: no cookie at all."""
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            valid_atom(answer.read())
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)


def feeds_section(page: Page) -> Locator:
    return page.get_by_role("region", name="Your feeds")


def shown_links(section: Locator) -> list[str]:
    hrefs: list[str] = section.locator("a.commons-feeds__link").evaluate_all("links => links.map(a => a.href)")
    return hrefs


def every_link(document: dict[str, Any]) -> list[str]:
    return [document["org"], *(document["spaces"][slug] for slug in sorted(document["spaces"]))]


def other_person(sample_person: str) -> str:
    return next(handle for handle in sorted(load_org(REPO / "site").people) if handle != sample_person)


def test_your_own_page_shows_your_feed_links_and_revokes_them(
    signed_in_page: Page, hub_url: str, sample_person: str
) -> None:
    page = signed_in_page
    before = feeds(page.context, hub_url)
    page.goto(f"{hub_url}/people/{sample_person}/")
    section = feeds_section(page)
    expect(section).to_be_visible()
    expect(section.locator("a.commons-feeds__link")).to_have_count(1 + len(before["spaces"]))
    assert shown_links(section) == every_link(before)
    expect(section.locator("code").first).to_have_text(before["org"])
    assert status_without_session(before["org"]) == 200

    section.get_by_role("button", name="Revoke all feed links").click()
    expect(section.get_by_role("status")).to_have_text("Your old feed links no longer work. These are the new ones.")
    after = feeds(page.context, hub_url)
    assert after != before
    assert shown_links(section) == every_link(after)
    assert status_without_session(before["org"]) == 404
    assert status_without_session(after["org"]) == 200
    # The page was not reloaded: the form was sent by the script, not posted.
    assert page.url == f"{hub_url}/people/{sample_person}/"


def test_nobody_elses_page_shows_feed_links(signed_in_page: Page, hub_url: str, sample_person: str) -> None:
    page = signed_in_page
    with page.expect_response(lambda r: r.url == f"{hub_url}/api/me") as me:
        page.goto(f"{hub_url}/people/{other_person(sample_person)}/")
    assert me.value.ok
    page.wait_for_load_state("networkidle")
    expect(page.locator("section#feeds")).to_be_hidden()
    expect(page.get_by_role("button", name="Revoke all feed links")).to_have_count(0)
    expect(page.locator("a.commons-feeds__link")).to_have_count(0)


@pytest.fixture()
def no_js_page(browser: Browser, hub_url: str, sample_person: str) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, hub_url, sample_person, f"/people/{sample_person}/")
    yield page
    context.close()


def test_the_plain_page_lists_and_revokes_feed_links_without_javascript(no_js_page: Page, hub_url: str) -> None:
    page = no_js_page
    before = feeds(page.context, hub_url)
    expect(page.locator("section#feeds")).to_be_hidden()
    page.get_by_role("link", name="Your feeds").click()
    expect(page).to_have_url(hub_url + PLAIN_PAGE)
    for url in every_link(before):
        expect(page.locator(f'a[href="{url}"]')).to_have_count(1)
    page.get_by_role("button", name="Revoke all feed links").click()
    expect(page).to_have_url(re.compile(re.escape(hub_url + PLAIN_PAGE) + r"\?revoked=1$"))
    expect(page.get_by_role("status")).to_contain_text("no longer work")
    after = feeds(page.context, hub_url)
    assert after != before
    expect(page.locator(f'a[href="{after["org"]}"]')).to_have_count(1)
    expect(page.locator(f'a[href="{before["org"]}"]')).to_have_count(0)
    assert status_without_session(before["org"]) == 404
