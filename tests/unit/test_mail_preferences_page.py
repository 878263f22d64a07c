"""Mail preferences on the person pages: the place the build leaves for them, and the parts of
commons-mail.js that need no page (run under Node). The form itself is tested in Chromium
(tests/e2e/test_mail_preferences.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hub.content import load_org
from tests.conftest import REPO
from tests.node import call_exports

ASSETS = REPO / "scripts" / "hub" / "assets"
SCRIPT = ASSETS / "commons-mail.js"
PLAIN_PAGE = "/api/html/mail/preferences"
SECTION = re.compile(r'<section class="commons-mail" id="mail" ([^>]*)>(.*?)</section>')
NOSCRIPT = (
    '<noscript><p class="commons-mail__plain">Is this you? Choose what Commons mails you on the '
    f'<a href="{PLAIN_PAGE}">Mail preferences</a> page (works without JavaScript).</p></noscript>'
)


def test_every_person_page_has_the_place_for_its_own_persons_preferences(built_hub: Path) -> None:
    people = load_org(REPO / "site").people
    for handle in people:
        html = (built_hub / "people" / handle / "index.html").read_text(encoding="utf-8")
        [(attributes, inside)] = SECTION.findall(html)
        # Which person the page is about; hidden until the script knows the visitor is that person.
        assert attributes.startswith(f'data-mail-person="{handle}" '), handle
        assert re.search(r"\bhidden\b", attributes) and "data-search-exclude" in attributes
        assert (
            'aria-labelledby="mail-heading"' in attributes and inside == '<h2 id="mail-heading">Mail preferences</h2>'
        )
        # Without JavaScript: the page the functions render, outside the hidden section so it shows.
        assert html.count(NOSCRIPT) == 1 and html.index(NOSCRIPT) < html.index('id="mail"'), handle
        assert '<script src="../../assets/commons-mail.js"></script>' in html, handle


def test_other_pages_load_the_script_but_have_no_place_for_preferences(built_hub: Path) -> None:
    for page, root in (("index.html", ""), ("teams/platform/index.html", "../../"), ("people/index.html", "../")):
        html = (built_hub / page).read_text(encoding="utf-8")
        assert "data-mail-person" not in html and PLAIN_PAGE not in html, page
        assert f'<script src="{root}assets/commons-mail.js"></script>' in html, page
    assert (built_hub / "assets" / "commons-mail.js").read_bytes() == SCRIPT.read_bytes()


def test_the_script_keeps_to_the_csp_and_puts_no_api_text_in_as_markup() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    # No inline style (the CSP allows none), no markup from strings, no script from strings.
    for banned in (".style", '"style"', "innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "new Function"):
        assert banned not in script, banned
    css = (ASSETS / "commons.css").read_text(encoding="utf-8")
    for name in sorted(set(re.findall(r"commons-mail__[a-z-]+", script))):
        assert f".{name}" in css, f"{name} is used by commons-mail.js but not styled in commons.css"


def test_the_form_is_a_real_form_for_the_preferences_route() -> None:
    """Posted without the script (it failed half-way, say), the form still does the right thing."""
    script = SCRIPT.read_text(encoding="utf-8")
    assert 'var ENDPOINT = "/api/mail/preferences";' in script
    assert 'form.method = "post";' in script and "form.action = ENDPOINT;" in script
    for field in ("follows", "each_post", "mentions", "replies", "digest", "return_to"):
        assert f'"{field}"' in script, field
    assert 'status.setAttribute("role", "status");' in script and "status.focus();" in script


# -- the helpers, under Node ----------------------------------------------------------------------

# stoppedNotice takes a date formatter, which JSON can't carry: a fixed one, by day.
STOPPED_NOTICE = (
    "overrides.stoppedNotice = (suppressed) => "
    "module_.stoppedNotice(suppressed, (date) => date.toISOString().slice(0, 10));"
)


def node(*calls: tuple[str, list[Any]]) -> list[Any]:
    return call_exports(SCRIPT, calls, STOPPED_NOTICE)


def test_the_json_body_is_the_fields_a_form_post_without_javascript_sends() -> None:
    entries = [
        ["follows", "platform"],
        ["follows", "data-guild"],
        ["follows", "platform"],
        ["each_post", "on"],
        ["digest", "daily"],
        ["replies", "on"],
        ["return_to", "/people/aisha.khan/"],
    ]
    [body, nothing] = node(("bodyFrom", [entries]), ("bodyFrom", [[["digest", "off"]]]))
    assert body == {
        "follows": ["platform", "data-guild"],
        "each_post": True,
        "digest": "daily",
        "mentions": False,
        "replies": True,
    }
    # An unticked checkbox sends nothing, so it is false; no follows is an empty list.
    assert nothing == {"follows": [], "each_post": False, "digest": "off", "mentions": False, "replies": False}


def test_the_form_shows_only_on_the_signed_in_persons_own_page() -> None:
    me = {"handle": "aisha.khan", "name": "Aisha Khan", "in_directory": True}
    assert node(
        ("isOwnPage", [me, "aisha.khan"]),
        ("isOwnPage", [me, "kenji.watanabe"]),
        ("isOwnPage", [{"handle": None, "in_directory": False}, "aisha.khan"]),
        ("isOwnPage", [None, "aisha.khan"]),
        ("isOwnPage", [me, ""]),
    ) == [True, False, False, False, False]


def test_stopped_mail_says_why_since_when_and_what_to_do() -> None:
    bounce, complaint, unknown, undated, none = node(
        ("stoppedNotice", [{"reason": "bounce", "at": "2026-03-02T09:15:00Z"}]),
        ("stoppedNotice", [{"reason": "complaint", "at": "2026-04-10T12:00:00+00:00"}]),
        ("stoppedNotice", [{"reason": "toString", "at": "2026-05-01T00:00:00Z"}]),
        ("stoppedNotice", [{"reason": "bounce", "at": "not a time"}]),
        ("stoppedNotice", [None]),
    )
    assert bounce["summary"] == "Mail to you is stopped because mail to your address bounced on 2026-03-02."
    assert "Edit this page" in bounce["advice"] and "start your mail again" in bounce["advice"]
    assert complaint["summary"] == (
        "Mail to you is stopped because a mail from Commons to you was marked as spam on 2026-04-10."
    )
    assert "mistake" in complaint["advice"] and "change your choices below" in complaint["advice"]
    assert unknown["summary"] == "Mail to you is stopped because mail to you could not be delivered on 2026-05-01."
    assert undated["summary"] == "Mail to you is stopped because mail to your address bounced."
    for notice in (bounce, complaint, unknown):
        assert "choices below are kept" in notice["advice"]
    assert none is None
