"""The stack's response headers policy, as the dev server sends it, in Chromium: every page kind
runs under the Content-Security-Policy without one violation, while its scripts work."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from deploy.template import security_headers
from hub.content import load_org
from tests.conftest import REPO

# Chromium reports each refusal as a securitypolicyviolation event; keep them on the window.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def _page_kinds() -> list[str]:
    org = load_org(REPO / "site")
    space = sorted(org.spaces)[0]
    person = sorted(org.people)[0]
    return ["/", "/teams/", f"/teams/{space}/", "/people/", f"/people/{person}/", "/org-chart/", "/skills/", "/health/"]


def test_every_page_kind_runs_under_the_policy_without_a_violation(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    page.add_init_script(RECORD_VIOLATIONS)
    expected = {rule.name.lower(): rule.value for rule in security_headers()}
    assert "script-src 'self' 'sha256-" in expected["content-security-policy"]
    for path in _page_kinds():
        response = page.goto(hub_url + path)
        assert response is not None and response.status == 200, path
        headers = response.headers
        for name, value in expected.items():
            assert headers.get(name) == value, (path, name)
        # Material's own script ran: the search box works, under the same policy.
        search = page.locator("input.md-search__input")
        search.click()
        search.press_sequentially("a")
        expect(page.locator(".md-search-result")).to_be_visible(timeout=10_000)
        page.keyboard.press("Escape")
        violations = page.evaluate("window.__violations")
        assert violations == [], (path, violations)


def test_the_posts_script_works_under_the_policy(signed_in_page: Page, hub_url: str) -> None:
    """The space page's feed and form come from commons-posts.js, which fetches /api."""
    page = signed_in_page
    page.add_init_script(RECORD_VIOLATIONS)
    org = load_org(REPO / "site")
    space = org.spaces[sorted(org.spaces)[0]]
    page.goto(f"{hub_url}/teams/{space.slug}/")
    form = page.locator("#posts").get_by_label(f"Write a post in {space.name}")
    expect(form).to_be_visible()
    assert page.evaluate("window.__violations") == []
