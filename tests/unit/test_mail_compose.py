"""The messages Commons sends: every header that makes mail thread, stay quiet and unsubscribe in
one click, and bodies in text and HTML that escape what people wrote. Read back with the standard
library's parser, from the bytes SES is handed."""

from __future__ import annotations

import base64
import email
import json
from email.message import EmailMessage
from email.policy import SMTP, default
from pathlib import Path

import pytest

from chalicelib.config import SessionKey
from chalicelib.directory import Directory, Person
from chalicelib.mail import addresses
from chalicelib.mail.compose import Composer, _when, answer, recipient_key, thread_index
from chalicelib.mail.config import MailSettings
from chalicelib.mail.digest import Care, Digest, Item, Section
from chalicelib.mail.message import MailMessage
from chalicelib.mail.tokens import ReplyTokens
from chalicelib.mail.unsubscribe import Unsubscribe, UnsubscribeTokens
from chalicelib.metrics import rules
from chalicelib.posts.persistence.base import Post
from chalicelib.posts.titles import excerpt_of, title_of

KEYS = (SessionKey("k1", b"k" * 32),)
NOW = 1_795_000_000.0
ORIGIN = "https://hub.example.com"
SETTINGS = MailSettings(domain="mail.example.com")
PEOPLE = {
    "zoe.unal": {"name": "Zoë Ünal", "email": "zoe.unal@example.com", "team": "platform"},
    "jane.doe": {"name": "Jane <b>Doe</b>", "email": "jane.doe@example.com", "team": "platform"},
    "lee.park": {"name": "Lee Park", "email": "lee.park@example.com", "team": "platform"},
}
SPACES = {"platform": {"name": "Platform & Ops", "stewards": ["jane.doe"], "url": "teams/platform/"}}


@pytest.fixture()
def composer(tmp_path: Path) -> Composer:
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": PEOPLE, "spaces": SPACES}))
    directory = Directory(str(path))
    return Composer(SETTINGS, ORIGIN, directory, ReplyTokens(KEYS, 90), UnsubscribeTokens(KEYS))


def person(handle: str) -> Person:
    entry = PEOPLE[handle]
    return Person(handle, entry["name"], entry["email"], "", entry["team"], f"people/{handle}/")


def post(post_id: str, body: str, author: str = "zoe.unal", parent: str | None = None, **more: object) -> Post:
    return Post(
        id=post_id,
        space="platform",
        parent=parent,
        thread=parent or post_id,
        author=author,
        created_at="2026-11-20T10:00:00.000Z" if parent is None else "2026-11-20T12:30:00.000Z",
        body=body,
        html=f"<p>{body}</p>" if "<" not in body else "<p>sanitised</p>",
        **more,  # type: ignore[arg-type]
    )


ROOT = "01JD0000000000000000000001"
REPLY = "01JD0000000000000000000002"


def sent(message: EmailMessage) -> EmailMessage:
    """The message as SES gets it (SesSender's policy), parsed again."""
    raw = message.as_bytes(policy=SMTP)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n")), "a line over SMTP's limit"
    raw.decode("ascii")  # seven-bit: quoted-printable bodies, encoded words in headers
    parsed = email.message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_a_notification_comes_from_the_author_via_commons_at_the_spaces_address(composer: Composer) -> None:
    composed = composer.notification(
        post(ROOT, "Hello @lee.park"), post(ROOT, "Hello"), person("lee.park"), "mention", NOW
    )
    assert "From: =?utf-8?q?Zo=C3=AB_=C3=9Cnal?= via Commons <platform@mail.example.com>" in composed.as_string(
        policy=SMTP
    ), "a name that is not ASCII is an encoded word, the address left as it is"
    message = sent(composed)
    sender = message["From"].addresses[0]
    assert sender.display_name == "Zoë Ünal via Commons"
    assert sender.addr_spec == "platform@mail.example.com"
    assert message["To"].addresses[0].addr_spec == "lee.park@example.com"
    assert message["Subject"] == "[Platform & Ops] Hello"


def test_its_reply_to_is_a_reply_address_that_verifies_for_the_recipient_only(composer: Composer) -> None:
    message = sent(composer.notification(post(ROOT, "Hi"), post(ROOT, "Hi"), person("lee.park"), "post", NOW))
    address = message["Reply-To"].addresses[0].addr_spec
    local, _, domain = address.partition("@")
    assert domain == "mail.example.com" and local.startswith("reply+")
    tokens = ReplyTokens(KEYS, 90)
    assert tokens.open(local.removeprefix("reply+"), "lee.park", NOW).post_id == ROOT
    with pytest.raises(ValueError):
        tokens.open(local.removeprefix("reply+"), "jane.doe", NOW)


def test_it_threads_under_the_post_in_gmail_and_outlook(composer: Composer) -> None:
    root, reply = post(ROOT, "The plan"), post(REPLY, "Agreed", author="jane.doe", parent=ROOT)
    first = sent(composer.notification(root, root, person("lee.park"), "post", NOW))
    second = sent(composer.notification(reply, root, person("lee.park"), "thread", NOW))
    thread = f"<{addresses.thread_message_id(ROOT, 'mail.example.com')}>"
    for message in (first, second):
        assert message["In-Reply-To"] == thread
        assert message["References"] == thread
        assert message["Thread-Topic"] == "[Platform & Ops] The plan"
    assert first["Message-ID"] == f"<post.{ROOT}.{recipient_key('lee.park')}@mail.example.com>"
    assert second["Message-ID"] == f"<post.{REPLY}.{recipient_key('lee.park')}@mail.example.com>"
    assert first["Message-ID"] != sent(composer.notification(root, root, person("jane.doe"), "post", NOW))["Message-ID"]
    assert second["Subject"] == "Re: [Platform & Ops] The plan"
    # Outlook: the reply's Thread-Index is the post's, plus one five-byte child block.
    head, child = base64.b64decode(first["Thread-Index"]), base64.b64decode(second["Thread-Index"])
    assert len(head) == 22 and len(child) == 27 and child[:22] == head
    assert head[0] == 0x01  # FILETIME's top byte, for any date between 1829 and 2057
    assert thread_index(root, root) == first["Thread-Index"]


def test_it_asks_exchange_for_no_auto_replies_and_offers_one_click_unsubscribe(composer: Composer) -> None:
    composed = composer.notification(post(ROOT, "Hi"), post(ROOT, "Hi"), person("lee.park"), "mention", NOW)
    message = sent(composed)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["List-Id"] == "<platform.mail.example.com>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"]
    assert link.startswith(f"<{ORIGIN}/api/mail/unsubscribe?t=") and link.endswith(">") and "," not in link
    raw = composed.as_bytes(policy=SMTP).decode()
    assert f"List-Unsubscribe: {link}\r\n" in raw, "the link is written whole, never folded or encoded"
    token = link[1:-1].split("?t=", 1)[1]
    assert UnsubscribeTokens(KEYS).open(token) == Unsubscribe("lee.park", "mentions")


@pytest.mark.parametrize(
    ("reason", "stop"),
    [("mention", "mentions"), ("reply", "replies"), ("thread", "replies"), ("post", "space")],
)
def test_its_unsubscribe_link_stops_what_that_mail_is(composer: Composer, reason: str, stop: str) -> None:
    message = composer.notification(post(ROOT, "Hi"), post(ROOT, "Hi"), person("lee.park"), reason, NOW)  # type: ignore[arg-type]
    token = str(message["List-Unsubscribe"])[1:-1].split("?t=", 1)[1]
    opened = UnsubscribeTokens(KEYS).open(token)
    assert (opened.handle, opened.stop) == ("lee.park", stop)
    assert opened.space == ("platform" if stop == "space" else None)


def test_it_is_text_and_simple_html_with_what_people_wrote_escaped(composer: Composer) -> None:
    reply = post(REPLY, "Thanks", author="jane.doe", parent=ROOT)
    reply = Post(**{**reply.__dict__, "html": '<p>See <a href="/people/lee.park/">@lee.park</a></p>'})
    message = sent(composer.notification(reply, post(ROOT, "Plan"), person("lee.park"), "reply", NOW))
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert "Jane <b>Doe</b> replied to your post in Platform & Ops" in text
    assert "Thanks" in text and f"{ORIGIN}/teams/platform/#post-{ROOT}" in text
    assert "Jane &lt;b&gt;Doe&lt;/b&gt;" in html and "<b>Doe</b>" not in html
    assert "Platform &amp; Ops" in html
    assert f'<a href="{ORIGIN}/people/lee.park/">@lee.park</a>' in html, "paths on the hub made absolute"
    assert "<table" in html and 'style="' in html and "<style" not in html and "class=" not in html
    assert "<script" not in html
    assert f"{ORIGIN}/api/html/mail/preferences" in text and f"{ORIGIN}/api/html/mail/preferences" in html


def test_a_digest_lists_each_space_s_posts_with_reply_counts_and_links(composer: Composer) -> None:
    items = (
        Item("01JD0000000000000000000010", "platform", "jane.doe", "Ship <it>", "Ship <it> today", 2, True),
        Item("01JD0000000000000000000011", "platform", "zoe.unal", "Plan", "Plan", 1, False),
    )
    mention = Item("01JD0000000000000000000012", "design", "jane.doe", "Ask @lee.park", "Ask @lee.park", 0, False)
    digest = Digest("weekly", "2026-W47", "16 to 22 November 2026", (Section("platform", items, 3, 1),), (mention,), 4)
    message = sent(composer.digest(digest, person("lee.park"), NOW))
    assert message["Subject"] == "Your weekly Commons digest: 5 new posts, 1 mentioning you"
    assert message["From"].addresses[0].addr_spec == "digest.noreply@mail.example.com"
    assert message["Message-ID"] == f"<digest.weekly.2026-W47.{recipient_key('lee.park')}@mail.example.com>"
    assert message["Auto-Submitted"] == "auto-generated" and message["X-Auto-Response-Suppress"] == "All"
    assert message["List-Id"] == "<digest.mail.example.com>"
    token = str(message["List-Unsubscribe"])[1:-1].split("?t=", 1)[1]
    assert UnsubscribeTokens(KEYS).open(token) == Unsubscribe("lee.park", "digest")
    text, html = parts(message)
    assert "Platform & Ops: 5 new posts, 1 outcome achieved this week" in text
    assert "Ship <it> (Jane <b>Doe</b>, 2 replies, achieved the outcome)" in text
    assert "Plan (Zoë Ünal, 1 reply)" in text
    assert f"{ORIGIN}/teams/platform/#post-01JD0000000000000000000010" in text
    assert f"...and 3 more: {ORIGIN}/teams/platform/" in text
    assert "Posts that mention you" in text and "Ask @lee.park" in text
    assert f"{ORIGIN}/api/html/posts/01JD0000000000000000000012" in text, "a space the directory lost: its plain page"
    assert "This week across Commons: 4 outcomes achieved." in text
    assert "Ship &lt;it&gt;" in html and "<it>" not in html
    assert f'href="{ORIGIN}/teams/platform/#post-01JD0000000000000000000011"' in html
    assert "Needs care" not in text and "Needs care" not in html, "nothing needs care: no section"


def test_an_answer_is_short_plain_and_threaded_under_what_it_answers() -> None:
    original = MailMessage(
        sender=None,
        recipients=(),
        subject="hello",
        message_id="abc@client.example",
        in_reply_to=(),
        references=("root@client.example",),
    )
    message = sent(answer("jane.doe@example.com", "No such space", "There is no space 'x'.", SETTINGS, original))
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["In-Reply-To"] == "<abc@client.example>"
    assert message["References"] == "<root@client.example> <abc@client.example>"
    assert message["From"].addresses[0].addr_spec == "answers.noreply@mail.example.com"
    assert message["Message-ID"].endswith("@mail.example.com>")
    assert message.get_content_type() == "text/plain"
    assert message.get_content().strip() == "There is no space 'x'."
    bare = sent(answer("jane.doe@example.com", "Hi", "Text", SETTINGS))
    assert bare["In-Reply-To"] is None


def test_titles_and_excerpts_drop_markdown_and_stay_short() -> None:
    assert title_of("## **Release** notes\n\nbody") == "Release notes"
    assert title_of("\n\n> quoted `code`") == "quoted code"
    assert title_of("") == "A post"
    assert len(title_of("x" * 500)) == 80 and title_of("x" * 500).endswith("\u2026")
    assert excerpt_of("one\n\ntwo   three") == "one two three"


WAITING = tuple(f"01JD00000000000000000001{n:02d}" for n in range(5))


def test_a_steward_s_digest_says_what_needs_care_in_text_and_html(composer: Composer) -> None:
    care = Care("platform", True, "2026-10-19T10:00:00.000Z", WAITING, 3, True)
    lost = Care("gone", never_marked=True)  # a space the directory lost: its slug, its plain page
    digest = Digest("weekly", "2026-W47", "16 to 22 November 2026", (), (), 0, (care, lost), 2)
    message = sent(composer.digest(digest, person("jane.doe"), NOW))
    assert message["Subject"] == "Your weekly Commons digest: 0 new posts, 4 of your spaces need care"
    text, html = parts(message)
    text = text.replace("\r\n", "\n")  # quoted-printable lines end in CRLF
    section = text.split("Needs care in your spaces\n", 1)[1].split("\n\n", 1)[0]
    assert section.startswith(
        f"Platform & Ops: {ORIGIN}/teams/platform/\n"
        "  * Quiet: no post in 4 weeks, the last on 19 October 2026\n"
        "  * Its outcome was never marked achieved\n"
        "  * 8 posts unanswered after a working day:\n"
        f"    - Posted {_when(rules.created(WAITING[0]))}: {ORIGIN}/teams/platform/#post-{WAITING[0]}\n"
    )
    assert section.count(f"{ORIGIN}/teams/platform/#post-") == 5
    assert f"    ...and 3 more: {ORIGIN}/health/\n" in section
    assert f"gone: {ORIGIN}/api/html/spaces/gone\n  * Its outcome was never marked achieved" in section
    assert section.endswith(f"  ...and 2 more spaces: {ORIGIN}/health/")
    assert "Needs care in your spaces</h2>" in html and "Platform &amp; Ops</a>" in html
    assert all(f'href="{ORIGIN}/teams/platform/#post-{post_id}"' in html for post_id in WAITING)
    assert f'<a href="{ORIGIN}/health/" style="color:#3f51b5">And 3 more</a>' in html
    assert f'<a href="{ORIGIN}/health/">And 2 more spaces</a>' in html
    assert "<style" not in html and "class=" not in html


def test_a_care_section_escapes_a_hostile_space_name(tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script> & <b>Ops</b>'
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": PEOPLE, "spaces": {"ops": {"name": hostile, "stewards": ["jane.doe"]}}}))
    composer = Composer(SETTINGS, ORIGIN, Directory(str(path)), ReplyTokens(KEYS, 90), UnsubscribeTokens(KEYS))
    digest = Digest("daily", "2026-11-22", "Sunday 22 November 2026", (), (), 0, (Care("ops", quiet=True),))
    text, html = parts(sent(composer.digest(digest, person("jane.doe"), NOW)))
    text = text.replace("\r\n", "\n")
    assert f"{hostile}: {ORIGIN}/teams/ops/\n  * Quiet: no post in 4 weeks\n" in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Ops&lt;/b&gt;" in html
    assert "<script" not in html and "<b>Ops" not in html
