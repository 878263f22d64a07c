"""Mail preferences in Chromium, against the whole dev stack: the form on your own person page (and
on nobody else's), saving with JavaScript and without it, what a failure says, stopped mail, and
the API's side of the contract the hub's script relies on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Request, Route, expect

from hub.content import load_org
from tests.conftest import REPO
from tests.e2e.conftest import sign_in

PREFERENCES = "/api/mail/preferences"
PLAIN_PAGE = "/api/html/mail/preferences"
WRITABLE = ("follows", "each_post", "digest", "mentions", "replies")
SHAPE = {*WRITABLE, "suppressed", "spaces"}


def preferences(context: BrowserContext, hub_url: str) -> dict[str, Any]:
    response = context.request.get(hub_url + PREFERENCES)
    assert response.status == 200, f"GET {PREFERENCES}: {response.status} {response.text()}"
    document: dict[str, Any] = response.json()
    return document


def save(context: BrowserContext, hub_url: str, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Origin": hub_url, "Content-Type": "application/json"}
    response = context.request.post(hub_url + PREFERENCES, data=json.dumps(body), headers=headers)
    assert response.status == 200, f"POST {PREFERENCES}: {response.status} {response.text()}"
    document: dict[str, Any] = response.json()
    return document


def writable(document: dict[str, Any]) -> dict[str, Any]:
    return {name: document[name] for name in WRITABLE}


def same_choices(document: dict[str, Any], expected: dict[str, Any]) -> bool:
    return writable(document) | {"follows": sorted(document["follows"])} == expected | {
        "follows": sorted(expected["follows"])
    }


@pytest.fixture()
def kept(signed_in_page: Page, hub_url: str) -> Iterator[dict[str, Any]]:
    """The signed-in person's preferences as they were; put back after the test, whatever it did."""
    before = preferences(signed_in_page.context, hub_url)
    yield before
    save(signed_in_page.context, hub_url, writable(before))


def other_person(sample_person: str) -> str:
    return next(handle for handle in sorted(load_org(REPO / "site").people) if handle != sample_person)


def mail_section(page: Page) -> Locator:
    return page.get_by_role("region", name="Mail preferences")


def changed(before: dict[str, Any]) -> dict[str, Any]:
    """Every writable choice different from `before`."""
    first = before["spaces"][0]["slug"]
    follows = [slug for slug in before["follows"] if slug != first]
    if first not in before["follows"]:
        follows.append(first)
    return {
        "follows": follows,
        "each_post": not before["each_post"],
        "digest": "daily" if before["digest"] != "daily" else "off",
        "mentions": not before["mentions"],
        "replies": not before["replies"],
    }


def expect_form_shows(section: Locator, document: dict[str, Any]) -> None:
    for space in document["spaces"]:
        box = section.get_by_role("checkbox", name=space["name"], exact=True)
        expect(box).to_be_checked(checked=space["slug"] in document["follows"])
    checks = {
        "Mail me each post as it comes": document["each_post"],
        "When someone mentions me": document["mentions"],
        "When someone replies to my posts": document["replies"],
    }
    for label, on in checks.items():
        expect(section.get_by_role("checkbox", name=label, exact=True)).to_be_checked(checked=on)
    for digest in ("Weekly", "Daily", "Off"):
        radio = section.get_by_role("radio", name=digest, exact=True)
        expect(radio).to_be_checked(checked=document["digest"] == digest.lower())


def set_form(section: Locator, document: dict[str, Any], wanted: dict[str, Any]) -> None:
    for space in document["spaces"]:
        section.get_by_role("checkbox", name=space["name"], exact=True).set_checked(space["slug"] in wanted["follows"])
    section.get_by_role("checkbox", name="Mail me each post as it comes", exact=True).set_checked(wanted["each_post"])
    section.get_by_role("checkbox", name="When someone mentions me", exact=True).set_checked(wanted["mentions"])
    section.get_by_role("checkbox", name="When someone replies to my posts", exact=True).set_checked(wanted["replies"])
    section.get_by_role("radio", name=wanted["digest"].capitalize(), exact=True).check()


# -- with JavaScript -----------------------------------------------------------------------------


def test_your_own_page_shows_your_preferences_and_saves_them(
    signed_in_page: Page, hub_url: str, sample_person: str, kept: dict[str, Any]
) -> None:
    page = signed_in_page
    page.goto(f"{hub_url}/people/{sample_person}/")
    section = mail_section(page)
    expect(section).to_be_visible()
    expect_form_shows(section, kept)

    wanted = changed(kept)
    set_form(section, kept, wanted)
    posts: list[Request] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" and r.url.endswith(PREFERENCES) else None)
    section.get_by_role("button", name="Save mail preferences").click()
    expect(section.get_by_role("status")).to_have_text("Saved")

    [sent] = posts
    assert sent.headers["content-type"].startswith("application/json")
    body = sent.post_data_json
    assert isinstance(body, dict)
    assert set(body) == set(WRITABLE) and sorted(body["follows"]) == sorted(wanted["follows"])
    assert same_choices(preferences(page.context, hub_url), wanted)

    # What was saved is what the page shows next time.
    page.reload()
    expect_form_shows(mail_section(page), {**kept, **wanted})


def test_nobody_elses_page_shows_the_form(signed_in_page: Page, hub_url: str, sample_person: str) -> None:
    page = signed_in_page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if PREFERENCES in r.url else None)
    with page.expect_response(lambda r: r.url == f"{hub_url}/api/me") as me:
        page.goto(f"{hub_url}/people/{other_person(sample_person)}/")
    assert me.value.ok
    page.wait_for_load_state("networkidle")
    expect(page.locator("section#mail")).to_be_hidden()
    expect(page.get_by_role("button", name="Save mail preferences")).to_have_count(0)
    assert asked == []


def test_a_refused_save_says_why_and_takes_the_focus_there(
    signed_in_page: Page, hub_url: str, sample_person: str, kept: dict[str, Any]
) -> None:
    page = signed_in_page
    message = "The digest must be off, daily or weekly."

    def refuse(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        body = json.dumps({"error": "bad_request", "message": message})
        route.fulfill(status=400, content_type="application/json", body=body)

    page.route(hub_url + PREFERENCES, refuse)
    page.goto(f"{hub_url}/people/{sample_person}/")
    section = mail_section(page)
    save_button = section.get_by_role("button", name="Save mail preferences")
    save_button.click()
    status = section.get_by_role("status")
    expect(status).to_have_text(message)
    expect(status).to_be_focused()
    expect(save_button).to_be_enabled()

    # Once the API takes it, the same form saves.
    page.unroute(hub_url + PREFERENCES)
    save_button.click()
    expect(status).to_have_text("Saved")


def test_a_save_after_the_session_ended_offers_to_sign_in_again(
    signed_in_page: Page, hub_url: str, sample_person: str, kept: dict[str, Any]
) -> None:
    page = signed_in_page
    page.goto(f"{hub_url}/people/{sample_person}/")
    section = mail_section(page)
    expect(section.get_by_role("button", name="Save mail preferences")).to_be_visible()

    def signed_out(route: Route) -> None:
        body = json.dumps({"error": "not_signed_in", "message": "Your session has ended."})
        route.fulfill(status=401, content_type="application/json", body=body)

    page.route(hub_url + PREFERENCES, signed_out)
    section.get_by_role("button", name="Save mail preferences").click()
    status = section.get_by_role("status")
    expect(status).to_contain_text("Your session has ended.")
    link = status.get_by_role("link", name="Sign in again")
    expect(link).to_have_attribute(
        "href", re.compile(r"^/auth/login\?next=" + re.escape(f"%2Fpeople%2F{sample_person}%2F"))
    )
    expect(status).to_be_focused()


def test_stopped_mail_is_explained(signed_in_page: Page, hub_url: str, sample_person: str) -> None:
    page = signed_in_page

    def stopped(route: Route) -> None:
        response = route.fetch()
        document = response.json()
        document["suppressed"] = {"reason": "bounce", "at": "2026-03-02T09:15:00Z"}
        route.fulfill(response=response, body=json.dumps(document))

    page.route(hub_url + PREFERENCES, stopped)
    page.goto(f"{hub_url}/people/{sample_person}/")
    section = mail_section(page)
    notice = section.locator(".commons-mail__stopped")
    expect(notice).to_contain_text(re.compile(r"Mail to you is stopped because mail to your address bounced on .*2026"))
    expect(notice).to_contain_text("Edit this page")
    # The form is still there: choices are kept for when mail starts again.
    expect(section.get_by_role("button", name="Save mail preferences")).to_be_visible()


def test_every_control_has_a_label(signed_in_page: Page, hub_url: str, sample_person: str) -> None:
    page = signed_in_page
    page.goto(f"{hub_url}/people/{sample_person}/")
    section = mail_section(page)
    expect(section.get_by_role("button", name="Save mail preferences")).to_be_visible()
    unlabelled = section.locator("input:not([type=hidden]), select, textarea").evaluate_all(
        "controls => controls.filter(c => !c.labels || c.labels.length === 0).map(c => c.name)"
    )
    assert unlabelled == []
    assert section.locator("fieldset > legend").count() >= 3


# -- without JavaScript --------------------------------------------------------------------------


@pytest.fixture()
def no_js_page(browser: Browser, hub_url: str, sample_person: str) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, hub_url, sample_person, f"/people/{sample_person}/")
    before = preferences(context, hub_url)
    yield page
    save(context, hub_url, writable(before))
    context.close()


def test_the_plain_page_sets_preferences_without_javascript(no_js_page: Page, hub_url: str) -> None:
    page = no_js_page
    before = preferences(page.context, hub_url)
    page.get_by_role("link", name="Mail preferences").click()
    expect(page).to_have_url(re.compile(re.escape(hub_url + PLAIN_PAGE) + r"(\?.*)?$"))

    form = page.locator(f'form[method="post" i][action$="{PREFERENCES}"]')
    expect(form).to_have_count(1)
    unlabelled = form.locator("input:not([type=hidden]), select, textarea").evaluate_all(
        "controls => controls.filter(c => !c.labels || c.labels.length === 0).map(c => c.name)"
    )
    assert unlabelled == []
    expect(form.locator('input[type=hidden][name="return_to"]')).to_have_count(1)
    expect(form.locator('input[type=checkbox][name="follows"]')).to_have_count(len(before["spaces"]))

    wanted = "daily" if before["digest"] != "daily" else "weekly"
    digest = form.locator('[name="digest"]')
    if digest.first.evaluate("e => e.tagName") == "SELECT":
        digest.select_option(wanted)
    else:
        form.locator(f'input[name="digest"][value="{wanted}"]').check()
    each_post = form.locator('input[name="each_post"]')
    each_post.set_checked(not before["each_post"])
    form.locator("button[type=submit], input[type=submit]").first.click()

    # Answered 303 back to the page it came from, which shows what was saved.
    expect(page).to_have_url(re.compile(re.escape(hub_url + PLAIN_PAGE) + r"(\?.*)?(#.*)?$"))
    after = preferences(page.context, hub_url)
    assert after["digest"] == wanted and after["each_post"] is (not before["each_post"])
    assert sorted(after["follows"]) == sorted(before["follows"])
    expect(page.locator('input[name="each_post"]')).to_be_checked(checked=after["each_post"])


# -- the API, as the hub's script and form use it ------------------------------------------------


def test_preferences_need_a_session(browser: Browser, hub_url: str) -> None:
    context = browser.new_context()
    try:
        assert context.request.get(hub_url + PREFERENCES).status == 401
    finally:
        context.close()


def test_the_answer_has_the_shape_the_script_reads(signed_in_page: Page, hub_url: str, sample_person: str) -> None:
    document = preferences(signed_in_page.context, hub_url)
    assert set(document) == SHAPE
    org = load_org(REPO / "site")
    names = [space["name"] for space in document["spaces"]]
    assert names == sorted(names, key=str.casefold) and set(document["spaces"][0]) == {"slug", "name"}
    assert {space["slug"] for space in document["spaces"]} <= set(org.spaces)
    assert set(document["follows"]) <= {space["slug"] for space in document["spaces"]}
    assert isinstance(document["each_post"], bool) and document["digest"] in ("off", "daily", "weekly")
    assert isinstance(document["mentions"], bool) and isinstance(document["replies"], bool)
    suppressed = document["suppressed"]
    assert suppressed is None or (suppressed["reason"] in ("bounce", "complaint") and isinstance(suppressed["at"], str))


def test_the_defaults_follow_your_team_and_what_you_steward(browser: Browser, hub_url: str, sample_person: str) -> None:
    """Someone who has never saved: their team's space and the spaces they steward, a weekly digest."""
    org = load_org(REPO / "site")
    handle = next(
        h
        for h in sorted(org.people, reverse=True)
        if h != sample_person and org.people[h].team and any(h in s.stewards for s in org.spaces.values())
    )
    expected = {org.people[handle].team} | {slug for slug, s in org.spaces.items() if handle in s.stewards}
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, hub_url, handle, f"/people/{handle}/")
        document = preferences(context, hub_url)
        assert set(document["follows"]) == expected
        assert (document["each_post"], document["digest"]) == (False, "weekly")
        assert (document["mentions"], document["replies"], document["suppressed"]) == (True, True, None)
        expect_form_shows(mail_section(page), document)
    finally:
        context.close()


def test_a_bad_field_or_another_origin_is_refused(signed_in_page: Page, hub_url: str, kept: dict[str, Any]) -> None:
    context = signed_in_page.context
    url = hub_url + PREFERENCES
    for bad in ({"digest": "hourly"}, {"each_post": "yes"}, {"follows": "platform"}):
        body = json.dumps(writable(kept) | bad)
        response = context.request.post(url, data=body, headers={"Origin": hub_url, "Content-Type": "application/json"})
        assert response.status == 400, (bad, response.status, response.text())
        error = response.json()
        assert isinstance(error["error"], str) and isinstance(error["message"], str) and error["message"]
    elsewhere = {"Origin": "https://elsewhere.example", "Content-Type": "application/json"}
    response = context.request.post(url, data=json.dumps(writable(kept)), headers=elsewhere)
    assert response.status == 403
    assert same_choices(preferences(context, hub_url), writable(kept))


def test_a_form_post_is_answered_303_back_to_the_page(
    signed_in_page: Page, hub_url: str, sample_person: str, kept: dict[str, Any]
) -> None:
    context = signed_in_page.context
    spaces = [space["slug"] for space in kept["spaces"][:2]]
    back = f"/people/{sample_person}/"
    fields = [("follows", slug) for slug in spaces] + [("digest", "off"), ("replies", "on"), ("return_to", back)]
    response = context.request.post(
        hub_url + PREFERENCES,
        data=urlencode(fields),
        headers={"Origin": hub_url, "Content-Type": "application/x-www-form-urlencoded"},
        max_redirects=0,
    )
    assert response.status == 303, response.text()
    assert response.headers["location"] in (back, hub_url + back)
    # Unticked boxes are not sent: they are off.
    expected = {"follows": spaces, "each_post": False, "digest": "off", "mentions": False, "replies": True}
    assert same_choices(preferences(context, hub_url), expected)
