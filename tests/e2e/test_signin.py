"""Sign-in in Chromium against the dev stack: the private hub, the dev identity provider, no extra click."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect


def _a_team(built_hub: Path) -> tuple[str, str]:
    spaces = json.loads((built_hub / "directory.json").read_text())["spaces"]
    slug = sorted(slug for slug, space in spaces.items() if space["kind"] == "team")[0]
    return slug, spaces[slug]["name"]


def _navigations(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("framenavigated", lambda frame: seen.append(frame.url) if frame == page.main_frame else None)
    return seen


def test_sign_in_lands_on_the_page_asked_for_then_no_prompt_then_sign_out_closes_the_hub(
    page: Page, hub_url: str, built_hub: Path, sample_person: str
) -> None:
    slug, team_name = _a_team(built_hub)
    team_url = f"{hub_url}/teams/{slug}/"

    # No session: the hub sends the visitor to the identity provider's sign-in page.
    page.goto(team_url)
    assert urlsplit(page.url).netloc != urlsplit(hub_url).netloc
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.locator("input[name=login]").fill(sample_person)
    page.get_by_role("button", name="Sign in").click()

    # Back on the very page asked for.
    page.wait_for_url(team_url)
    expect(page.locator("h1").first).to_contain_text(team_name)
    me = page.request.get(f"{hub_url}/api/me")
    assert me.status == 200 and me.json()["handle"] == sample_person

    # Another page: no prompt, no detour.
    navigations = _navigations(page)
    page.goto(f"{hub_url}/people/")
    expect(page.locator("h1").first).to_be_visible()
    assert navigations == [f"{hub_url}/people/"]

    # The hub's cookies are gone (say, the session ended) but the provider remembers: no click either.
    page.context.clear_cookies(name="commons-session")
    for name in ("CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"):
        page.context.clear_cookies(name=name)
    navigations.clear()
    page.goto(f"{hub_url}/org-chart/")
    assert page.url == f"{hub_url}/org-chart/"
    assert not [url for url in navigations if "/interaction/" in url], navigations

    # Sign out: the hub is closed again, and the provider asks who you are.
    page.goto(f"{hub_url}/auth/logout")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{hub_url}/auth/signed-out")
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    assert page.request.get(f"{hub_url}/api/me").status == 401
    page.goto(team_url)
    expect(page.locator("input[name=login]")).to_be_visible()
    assert urlsplit(page.url).netloc != urlsplit(hub_url).netloc
