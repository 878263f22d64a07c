"""Reply by email, end to end in Chromium against the whole dev stack:

1. a person mentions another in a post on the hub;
2. the notification lands in the dev mailbox (sent through moto's SES), where the browser opens it
   and reads its Reply-To;
3. the person mentioned replies to that address from Outlook: by SMTP to the dev stack, quoted as
   Outlook quotes (the new text on top, a From/Sent/To/Subject block, then the original), text and
   HTML with `divRplyFwdMsg`;
4. the reply shows on the post's thread page and on the team page, as theirs, without the quote.
"""

from __future__ import annotations

import json
import re
import smtplib
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime, formataddr, make_msgid, parseaddr, parsedate_to_datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import sign_in

SPACE = "engineering"
MAIL_DOMAIN = "commons.localhost"
REPLY_TO = re.compile(rf"reply\+[a-z0-9]+@{re.escape(MAIL_DOMAIN)}")


def outlook_reply(sender: str, reply_to: str, notification: dict[str, str], new_text: str) -> bytes:
    """A reply as Outlook on the web sends it: multipart/alternative, text and HTML; the new text on
    top, then Outlook's header block (in the HTML, inside `divRplyFwdMsg`) and the original."""
    sent = parsedate_to_datetime(notification["Date"])
    block = [
        ("From", notification["From"]),
        ("Sent", f"{sent:%A, %B} {sent.day}, {sent.year} {sent:%I:%M %p}".replace(" 0", " ")),
        ("To", notification["To"]),
        ("Subject", notification["Subject"]),
    ]
    original = notification["text"].strip()
    text = (
        f"{new_text}\r\n\r\n________________________________\r\n"
        + "\r\n".join(f"{name}: {value}" for name, value in block)
        + f"\r\n\r\n{original}\r\n"
    )
    quoted = "".join(f"<div>{escape(line) or '<br>'}</div>" for line in original.splitlines())
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style></head>'
        '<body dir="ltr"><div class="elementToProof" style="font-family: Aptos, sans-serif; font-size: 12pt;">'
        f"{escape(new_text)}</div>"
        '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">'
        + "<br>".join(f"<b>{name}:</b> {escape(value)}" for name, value in block)
        + f'</font><div>&nbsp;</div></div><div style="direction: ltr;">{quoted}</div></body></html>'
    )
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = reply_to
    reply["Subject"] = f"RE: {notification['Subject']}"
    reply["Thread-Topic"] = notification["Subject"]
    reply["Date"] = format_datetime(sent)
    reply["Message-ID"] = make_msgid(domain="DB9PR07MB1234.eurprd07.prod.outlook.com")
    reply["In-Reply-To"] = notification["Message-ID"]
    reply["References"] = notification["Message-ID"]
    reply["Accept-Language"] = "en-GB, en-US"
    reply["Content-Language"] = "en-GB"
    reply["X-MS-Has-Attach"] = ""
    reply.set_content(text, cte="quoted-printable")
    reply.add_alternative(html, subtype="html", cte="quoted-printable")
    return reply.as_bytes(policy=SMTP)


def parts_of(raw: bytes) -> dict[str, str]:
    """The text and HTML parts of a message, decoded."""
    message = message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    found: dict[str, str] = {}
    for subtype in ("plain", "html"):
        part = message.get_body(preferencelist=(subtype,))
        assert part is not None and part.get_content_subtype() == subtype
        found[subtype] = str(part.get_content())
    return found


def header_cell(page: Page, name: str) -> Locator:
    """The value of one header in the message page's table of every header."""
    row = page.locator("table.headers tr").filter(has=page.locator("th", has_text=re.compile(rf"^{name}$")))
    expect(row).to_have_count(1)
    return row.locator("td")


@pytest.fixture()
def people(built_hub: Path, sample_person: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The author (the sample person) and the person they mention, as the directory has them."""
    directory = json.loads((built_hub / "directory.json").read_text())["people"]
    # The last handle: not the sample person, nor the one other tests look at.
    mentioned = next(handle for handle in sorted(directory, reverse=True) if handle != sample_person)
    return {"handle": sample_person, **directory[sample_person]}, {"handle": mentioned, **directory[mentioned]}


@pytest.fixture()
def author_page(browser: Browser, hub_url: str, sample_person: str) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, hub_url, sample_person, f"/teams/{SPACE}/")
    yield page
    context.close()


def test_a_reply_by_smtp_to_a_mention_shows_on_the_thread_without_the_quote(
    author_page: Page,
    hub_url: str,
    dev_smtp: tuple[str, int],
    people: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    page = author_page
    author, mentioned = people
    marker = uuid.uuid4().hex[:10]

    # 1. The author mentions the other person in a post on the team page.
    page.get_by_role("textbox", name=re.compile("^Write a post in")).fill(
        f"Could you check the release notes {marker} before Friday, @{mentioned['handle']}?"
    )
    page.get_by_role("button", name="Post", exact=True).click()
    post = page.locator("article.commons-post:not(.commons-post--reply)", has_text=marker)
    expect(post.get_by_role("link", name=f"@{mentioned['handle']}")).to_be_visible()

    # 2. The notification is in the dev mailbox: to the person mentioned, about this post.
    page.goto(f"{hub_url}/_dev/mail")
    row = page.locator("tbody tr", has_text=marker).filter(has_text=mentioned["email"])
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(re.escape(f"{hub_url}/_dev/mail/") + "[0-9a-f]{20}$"))
    notification = {
        name: header_cell(page, name).inner_text().strip()
        for name in ("From", "To", "Subject", "Date", "Message-ID", "Reply-To")
    }
    assert parseaddr(notification["To"])[1] == mentioned["email"]
    assert marker in notification["Subject"]
    reply_to = parseaddr(notification["Reply-To"])[1]
    assert REPLY_TO.fullmatch(reply_to), notification["Reply-To"]
    notification["text"] = page.locator("#text + pre").inner_text()
    assert f"{author['name']} mentioned you" in notification["text"]
    # The HTML part is shown too, under the mailbox's policy, in a sandboxed frame.
    expect(page.frame_locator("iframe[sandbox]").locator("body")).to_contain_text(marker)
    found = re.search(r"#post-([0-9A-Z]{26})", notification["text"])
    assert found, notification["text"]
    post_id = found.group(1)

    # 3. The reply, from the mentioned person's own address, by SMTP, quoted as Outlook quotes.
    new_text = f"Checked {uuid.uuid4().hex[:8]}: the notes look right to me."
    raw = outlook_reply(formataddr((mentioned["name"], mentioned["email"])), reply_to, notification, new_text)
    parts = parts_of(raw)
    for content in parts.values():  # each part: the new text first, the quoted original below
        assert new_text in content and content.index(new_text) < content.index(marker)
    assert '<div id="divRplyFwdMsg"' in parts["html"]
    with smtplib.SMTP(*dev_smtp, timeout=30) as client:
        client.ehlo("outlook.example.com")
        assert client.mail(mentioned["email"])[0] == 250
        assert client.rcpt(reply_to)[0] == 250
        code, answer = client.data(raw)
    assert code == 250, answer
    assert b"reply" in answer, answer

    # 4. On the thread page: the reply, by the person mentioned, without the quoted original.
    page.goto(f"{hub_url}/api/html/posts/{post_id}")
    reply = page.locator("article", has_text=new_text)
    expect(reply).to_have_count(1)
    byline = reply.locator(".meta a").first
    expect(byline).to_have_text(mentioned["name"])
    expect(byline).to_have_attribute("href", f"/people/{mentioned['handle']}/")
    for quoted in (marker, "mentioned you", "From:", "Sent:", "Subject:", "________", reply_to):
        expect(reply).not_to_contain_text(quoted)
    thread = page.context.request.get(f"{hub_url}/api/posts/{post_id}")
    assert thread.ok, thread.text()
    replies = [item for item in thread.json()["replies"] if new_text in item["body"]]
    assert len(replies) == 1, thread.json()
    assert replies[0]["body"] == new_text
    assert replies[0]["author"]["handle"] == mentioned["handle"]

    # And on the team page, with JavaScript, under the post.
    page.goto(f"{hub_url}/teams/{SPACE}/")
    shown = post.get_by_role("article", name=f"Reply by {mentioned['name']}")
    expect(shown).to_contain_text(new_text)
    expect(shown).not_to_contain_text(marker)
