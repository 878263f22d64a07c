"""A hub imported from a Backstage catalog, in Chromium on the dev stack: people's pictures show under
the hub's Content-Security-Policy, draft spaces say what they need and take posts (but no outcome marks), and the health
page is the onboarding checklist."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from hub.importers import backstage
from tests.conftest import REPO
from tests.e2e.conftest import devstack, sign_in
from tests.e2e.test_security_headers import RECORD_VIOLATIONS
from tests.unit.test_build import REPO_URL, mkdocs_build

EXAMPLE = REPO / "tests" / "fixtures" / "backstage" / "org.yaml"
PICTURES = "https://pictures.example.com/"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><circle cx="32" cy="32" r="30"/></svg>'


@pytest.fixture(scope="module")
def riverbend_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example organisation imported into an empty content folder, built, and served."""
    content = tmp_path_factory.mktemp("riverbend") / "riverbend"
    content.mkdir()
    (content / "index.md").write_text("# Riverbend\n\nRiverbend makes maps for walkers.\n", encoding="utf-8")
    assert backstage.main([str(EXAMPLE), "--content", str(content)]) == 0
    out = tmp_path_factory.mktemp("riverbend-hub")
    built = mkdocs_build(content, out)
    assert built.returncode == 0, built.stderr
    with devstack(out, tmp_path_factory.mktemp("riverbend-devstack")) as url:
        yield url


@pytest.fixture()
def pictures() -> list[str]:
    """The picture URLs the browser fetched."""
    return []


@pytest.fixture()
def visitor(browser: Browser, riverbend_url: str, pictures: list[str]) -> Iterator[Page]:
    """Signed in as someone the catalog imported, with the picture host answered locally: the
    test has no internet, and a picture the CSP refused would never reach this route."""
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)

    def picture(route: Route) -> None:
        pictures.append(route.request.url)
        route.fulfill(status=200, content_type="image/svg+xml", body=SVG)

    page.route(PICTURES + "**", picture)
    sign_in(page, riverbend_url, "osric.pennywhistle", "/people/osric.pennywhistle/")
    yield page
    context.close()


def test_a_persons_picture_shows_on_their_page_and_in_the_directory(
    visitor: Page, riverbend_url: str, pictures: list[str]
) -> None:
    page = visitor
    portrait = page.locator("img.commons-portrait")
    expect(portrait).to_have_attribute("src", PICTURES + "staff/osric.svg")
    # Loaded and decoded: the test's picture is 64 pixels wide. (wait_for_function would need eval,
    # which the hub's CSP refuses.)
    expect(portrait).to_have_js_property("naturalWidth", 64)
    assert PICTURES + "staff/osric.svg" in pictures
    # No title in the catalog, so none on the page.
    expect(page.locator(".commons-profile th", has_text="Title")).to_have_count(0)

    page.goto(riverbend_url + "/people/")
    avatar = page.locator("#commons-people img.commons-avatar").first
    avatar.scroll_into_view_if_needed()
    expect(avatar).to_have_js_property("naturalWidth", 64)
    assert page.evaluate("window.__violations") == []


def test_a_draft_says_what_it_needs_and_takes_posts(visitor: Page, riverbend_url: str) -> None:
    page = visitor
    page.goto(riverbend_url + "/teams/team-kestrel/")
    notice = page.locator(".commons-draft")
    expect(notice).to_contain_text("This space is a draft")
    expect(notice.locator("li")).to_have_text(
        [
            "a purpose: one sentence on why the space exists",
            "the outcome that counts: what counts as the purpose achieved",
            "two stewards: the handles of two people in the directory who look after the space",
        ]
    )
    edit = notice.get_by_role("link", name="Edit this page")
    expect(edit).to_have_attribute("href", f"{REPO_URL}/edit/main/site/teams/team-kestrel.md")
    expect(page.locator(".commons-purpose__purpose")).to_have_text("Not written yet")
    # Its team can talk there already, but there is no outcome to mark a post as achieving.
    box = page.locator("#posts").get_by_label("Write a post in team-kestrel")
    box.fill("Hello from the new team.")
    page.locator("#posts").get_by_role("button", name="Post", exact=True).click()
    post = page.locator("article.commons-post", has_text="Hello from the new team.")
    expect(post.get_by_role("button", name="Like 0")).to_be_visible()
    expect(post.get_by_role("button", name="Achieved the outcome")).to_have_count(0)
    assert page.evaluate("window.__violations") == []

    # The plain page for browsers without JavaScript says it is a draft too.
    page.goto(riverbend_url + "/api/html/spaces/team-kestrel")
    expect(page.locator("body")).to_contain_text("A draft: its team has not finished this space.")
    expect(page.locator("body")).to_contain_text("Hello from the new team.")


def test_the_health_page_is_the_onboarding_checklist(visitor: Page, riverbend_url: str) -> None:
    page = visitor
    page.goto(riverbend_url + "/health/")
    expect(page.locator("h2#drafts")).to_have_text("Draft spaces (9)")
    drafts = page.locator("li[data-draft]")
    expect(drafts).to_have_count(9)
    kestrel = page.locator('li[data-draft="team-kestrel"]')
    expect(kestrel).to_contain_text("needs a purpose, the outcome that counts and two stewards")
    kestrel.get_by_role("link", name="team-kestrel").click()
    expect(page).to_have_url(riverbend_url + "/teams/team-kestrel/")
