"""The dev stack's mail, over real connections: its SMTP server (aiosmtpd) and its mailbox page,
wired as `python -m devstack` wires them (`devserver.start_smtp`, `mailbox.local_sender`), with
moto's server as DynamoDB and SES.

- SMTP: a directory person's message posts; a stranger's is taken (250) and posts nothing, and
  nobody is answered; garbage, bad bytes, lone surrogates and broken envelopes never stop the
  server; a message over 10 MiB is refused with 552; storage that is down is a 451, an intake that
  fails a 554, and the connection goes on;
- the mailbox: the mail sent (through moto's SES), newest first, as a page and as JSON; each
  message's text, HTML (in a sandboxed frame) and headers; everything escaped; a strict CSP; 404
  for a message it does not have; read only.
"""

from __future__ import annotations

import http.client
import json
import re
import smtplib
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

import pytest
import requests

from chalicelib.auth.sessions import COOKIE, Session, SessionSigner
from chalicelib.config import Settings
from chalicelib.errors import StorageUnavailableError
from chalicelib.mail.intake import Decision
from chalicelib.mail.message import MAX_MESSAGE_BYTES
from chalicelib.mail.sending import KeepingSender, MailUnavailableError
from chalicelib.runtime import Services, install
from chalicelib.web.http import is_text
from devstack import local_aws, mailbox, smtp
from devstack import server as devserver
from tests.conftest import free_port
from tests.integration.conftest import PEOPLE, SPACES

DOMAIN = "commons.localhost"  # the dev default
REPLY_TO = re.compile(rf"reply\+[a-z0-9]+@{re.escape(DOMAIN)}")


@dataclass
class DevMail:
    origin: str
    settings: Settings
    services: Services
    sender: KeepingSender
    smtp_host: str
    smtp_port: int

    def url(self, path: str) -> str:
        return self.origin + path

    def cookies(self, handle: str) -> dict[str, str]:
        person = PEOPLE[handle]
        now = int(time.time())
        session = Session(f"sub-{handle}", handle, str(person["name"]), str(person["email"]), now, now + 3600)
        return {COOKIE: SessionSigner(self.settings.session_keys).seal(session)}

    def feed(self, space: str, viewer: str = "lee.park") -> list[dict[str, Any]]:
        answer = requests.get(
            self.url(f"/api/spaces/{space}/posts"), params={"limit": "50"}, cookies=self.cookies(viewer), timeout=30
        )
        assert answer.status_code == 200, answer.text
        posts: list[dict[str, Any]] = answer.json()["posts"]
        return posts

    def mailbox(self) -> dict[str, Any]:
        answer = requests.get(self.url("/_dev/mail.json"), timeout=30)
        assert answer.status_code == 200, answer.text
        document: dict[str, Any] = answer.json()
        return document

    def connect(self) -> smtplib.SMTP:
        client = smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=60)
        client.ehlo("client.example.com")
        return client

    def send(
        self, raw: bytes, mail_from: str = "someone@example.com", to: str = f"platform@{DOMAIN}"
    ) -> tuple[int, bytes]:
        """One message by SMTP, without declaring its SIZE: the server's answer to its DATA."""
        with self.connect() as client:
            assert client.mail(mail_from)[0] == 250
            assert client.rcpt(to)[0] == 250
            return client.data(raw)

    def alive(self) -> bool:
        with self.connect() as client:
            return client.noop()[0] == 250


@pytest.fixture(scope="module")
def dev_mail(tmp_path_factory: pytest.TempPathFactory, local_dynamodb: str) -> Iterator[DevMail]:
    work = tmp_path_factory.mktemp("devmail")
    root = work / "hub"
    root.mkdir()
    (root / "index.html").write_text("<h1>Commons</h1>")
    people = {handle: {**person, "manager": None, "url": f"people/{handle}/"} for handle, person in PEOPLE.items()}
    (root / "directory.json").write_text(json.dumps({"people": people, "spaces": SPACES}))
    dev = devserver.dev_secrets(work / "state")
    port = free_port()
    settings = devserver.app_settings(
        origin=f"http://localhost:{port}",
        issuer="http://127.0.0.1:9/unused-issuer",
        client_id="commons",
        client_secret="unused",
        dev=dev,
        directory=root / "directory.json",
        overrides={
            "COMMONS_DYNAMODB_ENDPOINT": local_dynamodb,
            "COMMONS_TABLE": f"devmail-{uuid.uuid4().hex[:10]}",
            "COMMONS_POST_RATE_PER_MINUTE": "10000",
            "COMMONS_WRITE_RATE_PER_MINUTE": "10000",
        },
    )
    assert settings.mail.domain == DOMAIN
    sender = mailbox.local_sender(local_dynamodb, settings.mail.domain, settings.posts.region)
    services = Services.build(settings, mail_sender=sender)
    assert services.posts.store.create_storage()
    install(services)
    server = devserver.make_server(root, "127.0.0.1", port, {dev.cloudfront_key_pair_id: dev.cloudfront_public_key})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    mail_in = devserver.start_smtp(server, "127.0.0.1", 0)
    try:
        yield DevMail(f"http://localhost:{port}", settings, services, sender, "127.0.0.1", mail_in.port)
    finally:
        mail_in.stop()
        server.shutdown()
        server.server_close()
        install(None)


@pytest.fixture()
def dev(dev_mail: DevMail) -> DevMail:
    install(dev_mail.services)  # other modules install their own
    return dev_mail


def message(
    sender: str, to: str, subject: str, body: str, *, message_id: str | None = None, html: str | None = None
) -> EmailMessage:
    composed = EmailMessage()
    composed["From"] = sender
    composed["To"] = to
    composed["Subject"] = subject
    composed["Message-ID"] = message_id or make_msgid(domain="example.com")
    composed.set_content(body)
    if html is not None:
        composed.add_alternative(html, subtype="html")
    return composed


def marker() -> str:
    return uuid.uuid4().hex[:12]


# --- SMTP in ----------------------------------------------------------------------------------


def test_a_directory_persons_message_posts_and_mails_the_person_it_mentions(dev: DevMail) -> None:
    mark = marker()
    sent = message(
        formataddr(("Jane Doe", "Jane.Doe@Example.com")),  # the directory is matched ignoring case
        f"Platform <platform@{DOMAIN}>",
        f"Deploy notes {mark}",
        f"All green today, thanks @lee.park. {mark}\n",
    )
    code, answer = dev.send(sent.as_bytes(), mail_from="jane.doe@example.com")
    assert (code, answer) == (250, b"2.0.0 Taken: post (posted)")
    posted = [post for post in dev.feed("platform") if mark in post["body"]]
    assert len(posted) == 1
    assert posted[0]["author"]["handle"] == "jane.doe"
    assert posted[0]["body"] == f"**Deploy notes {mark}**\n\nAll green today, thanks @lee.park. {mark}"
    assert posted[0]["mentions"] == ["lee.park"]

    # The mention was mailed at once, through moto's SES, and the mailbox has it, newest first.
    latest = dev.mailbox()["messages"][0]
    assert mark in latest["subject"] and latest["to"] == "Lee Park <lee.park@example.com>"
    assert REPLY_TO.fullmatch(latest["reply_to"].rpartition("<")[2].rstrip(">")), latest
    assert latest["from"] == f"Jane Doe via Commons <platform@{DOMAIN}>"
    assert latest["provider_id"]  # SES took it


def test_a_strangers_message_is_taken_and_posts_nothing_and_answers_nobody(dev: DevMail) -> None:
    mark = marker()
    before = len(dev.sender.kept())
    sent = message("Mallory <mallory@example.net>", f"platform@{DOMAIN}", f"Hello {mark}", f"Buy now {mark}")
    assert dev.send(sent.as_bytes(), mail_from="mallory@example.net") == (250, b"2.0.0 Taken: drop (stranger)")
    assert not [post for post in dev.feed("platform") if mark in post["body"]]
    assert len(dev.sender.kept()) == before  # no answer: no backscatter


def test_a_directory_person_whose_message_cant_be_used_is_taken_and_answered_by_mail(dev: DevMail) -> None:
    mark = marker()
    sent = message("Lee Park <lee.park@example.com>", f"no-such-space@{DOMAIN}", f"Hi {mark}", "Where does this go?")
    assert dev.send(sent.as_bytes(), mail_from="lee.park@example.com") == (250, b"2.0.0 Taken: reject (unknown-space)")
    answer = dev.mailbox()["messages"][0]
    assert answer["to"] == "lee.park@example.com"
    detail = requests.get(dev.url(answer["url"] + ".json"), timeout=30).json()
    assert ["In-Reply-To", str(sent["Message-ID"])] in detail["headers"]  # the answer is threaded under it
    assert not [post for post in dev.feed("platform") if mark in post["body"]]


GARBAGE = [
    pytest.param(b"", id="empty"),
    pytest.param(b"\x00\x01\x02\xff\xfe garbage without headers \x80\x81\r\n", id="binary"),
    pytest.param(b"no colon here\r\n\r\nbody\r\n", id="no-headers"),
    pytest.param(
        b"From: \xff\xfe\xed\xa0\x80 <\xc0\xaf@\xff>\r\nTo: \xed\xb0\x80\r\n\r\n\xed\xa0\x80\r\n", id="bad-bytes"
    ),
    pytest.param(
        b"From: stranger@example.net\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" * 400,
        id="nested-mime",
    ),
    pytest.param(b"Subject: " + b"x" * 990 + b"\r\n x" * 5_000 + b"\r\n\r\nlong header\r\n", id="long-header"),
    pytest.param(b"From: =?utf-8?b?7aCA7aCA?= <a@b>\r\nSubject: =?x-unknown?q?=FF?=\r\n\r\nx\r\n", id="encoded-words"),
]


@pytest.mark.parametrize("raw", GARBAGE)
def test_garbage_is_taken_and_dropped_and_the_server_goes_on(dev: DevMail, raw: bytes) -> None:
    before = len(dev.sender.kept())
    code, answer = dev.send(raw)
    assert code == 250, answer
    assert answer.startswith(b"2.0.0 Taken: drop ("), answer
    assert len(dev.sender.kept()) == before
    assert dev.alive()


def test_a_message_with_lone_surrogates_and_bad_bytes_posts_valid_text(dev: DevMail) -> None:
    mark = marker()
    raw = (
        f"From: Jane Doe <jane.doe@example.com>\r\nTo: platform@{DOMAIN}\r\nSubject: caf\xe9 {mark}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode("latin-1") + f"Na\u00efve {mark} \ud800 and \udfff, then caf\u00e9.\r\n".encode("utf-8", "surrogatepass")
    assert b"\xed\xa0\x80" in raw  # a lone surrogate, as UTF-8 can't hold it
    assert dev.send(raw, mail_from="jane.doe@example.com") == (250, b"2.0.0 Taken: post (posted)")
    [posted] = [post for post in dev.feed("platform") if mark in post["body"]]
    assert is_text(posted["body"]) and is_text(posted["html"])
    assert f"Na\u00efve {mark}" in posted["body"] and "caf\u00e9." in posted["body"]
    assert "\ufffd" in posted["body"]  # what could not be read is marked, not dropped silently


def test_a_line_longer_than_smtp_allows_is_refused_and_the_server_goes_on(dev: DevMail) -> None:
    code, answer = dev.send(b"Subject: " + b"x" * 5_000 + b"\r\n\r\nbody\r\n")
    assert code == 500, answer  # RFC 5321: 1,000 octets a line, CRLF included
    assert dev.alive()


def test_broken_and_non_ascii_envelopes_never_stop_the_server(dev: DevMail) -> None:
    with dev.connect() as client:
        for command in (
            b"MAIL FROM:<\xff\xfe\xed\xa0\x80@example.com> SMTPUTF8",
            b"RCPT TO:<\xed\xb0\x80@" + DOMAIN.encode() + b">",
            b"RSET",
            b"MAIL FROM:<" + b"\xff" * 600 + b">",
            b"\x00\x01\x02\xff",
            b"X" * 3000,
            b"RSET",
            b"DATA",
        ):
            client.send(command + b"\r\n")
            code, _ = client.getreply()
            assert 200 <= code < 600
        assert code == 503  # DATA with no MAIL: the session is still in step
        assert client.noop()[0] == 250
    # A non-ASCII sender is fine with SMTPUTF8, and its message is taken.
    mark = marker()
    with dev.connect() as client:
        assert client.mail("jos\u00e9@example.com", ["SMTPUTF8"])[0] == 250
        assert client.rcpt(f"platform@{DOMAIN}")[0] == 250
        raw = message("Jos\u00e9 <jos\u00e9@example.com>", f"platform@{DOMAIN}", mark, "hola").as_bytes()
        assert client.data(raw) == (250, b"2.0.0 Taken: drop (stranger)")
    assert dev.alive()


def test_a_message_over_10_mib_is_refused_with_552_and_posts_nothing(dev: DevMail) -> None:
    mark = marker()
    head = f"From: jane.doe@example.com\r\nTo: platform@{DOMAIN}\r\nSubject: big {mark}\r\n\r\n".encode()
    line = b"x" * 998 + b"\r\n"
    raw = head + line * (MAX_MESSAGE_BYTES // len(line) + 2)
    assert len(raw) > MAX_MESSAGE_BYTES
    # Sent whole (no SIZE declared): refused once it has all come in.
    code, answer = dev.send(raw, mail_from="jane.doe@example.com")
    assert code == 552, answer
    # Declared with SIZE, as smtplib and mail clients do: refused before any of it is sent.
    with dev.connect() as client, pytest.raises(smtplib.SMTPSenderRefused) as refused:
        client.sendmail("jane.doe@example.com", [f"platform@{DOMAIN}"], raw)
    assert refused.value.smtp_code == 552
    assert not [post for post in dev.feed("platform") if mark in post["body"]]
    # Just under the limit is taken.
    small = head + b"fits\r\n"
    assert dev.send(small, mail_from="jane.doe@example.com")[0] == 250
    assert dev.alive()


def test_storage_that_is_down_is_451_and_an_intake_that_fails_is_554_and_the_session_goes_on() -> None:
    def receive(raw: bytes) -> Decision:
        if b"storage" in raw:
            raise StorageUnavailableError("the table is unreachable")
        if b"bug" in raw:
            raise RuntimeError("a bug in the intake")
        return Decision("drop", "stranger")

    server = smtp.start(receive, port=0)
    try:
        assert server.port != 0
        with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client:
            client.ehlo()
            for body, expected in ((b"storage", 451), (b"bug", 554), (b"fine", 250)):
                assert client.mail("a@example.com")[0] == 250
                assert client.rcpt(f"platform@{DOMAIN}")[0] == 250
                code, answer = client.data(b"Subject: x\r\n\r\n" + body + b"\r\n")
                assert code == expected, answer
                assert b"Traceback" not in answer and b"bug in the intake" not in answer
    finally:
        server.stop()


# --- the mailbox ------------------------------------------------------------------------------


def send_out(dev: DevMail, subject: str, text: str, html: str | None = None, **headers: str) -> EmailMessage:
    """A message sent the way Commons sends (through the installed sender, to moto's SES)."""
    sent = message(f"Commons <noreply@{DOMAIN}>", "Lee Park <lee.park@example.com>", subject, text, html=html)
    for name, value in headers.items():
        sent[name.replace("_", "-")] = value
    dev.services.mail.sender.send(sent)
    return sent


def test_the_mailbox_lists_mail_newest_first_and_shows_each_message(dev: DevMail) -> None:
    first, second = marker(), marker()
    send_out(dev, f"First {first}", f"Text of the first {first}\nhttp://localhost/x?a=1&b=2\n")
    send_out(dev, f"Second {second}", f"Text of the second {second}", html=f"<p><b>HTML</b> of the second {second}</p>")
    listed = dev.mailbox()
    assert listed["keeping"] is True
    assert listed["smtp"] == {"host": dev.smtp_host, "port": dev.smtp_port}
    subjects = [item["subject"] for item in listed["messages"]]
    assert subjects[:2] == [f"Second {second}", f"First {first}"]
    newest = listed["messages"][0]

    page = requests.get(dev.url("/_dev/mail"), timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.text.index(f"Second {second}") < page.text.index(f"First {first}")
    assert f'<a href="/_dev/mail/{newest["id"]}">Second {second}</a>' in page.text

    shown = requests.get(dev.url(newest["url"]), timeout=30)
    assert shown.status_code == 200
    assert f"<pre>Text of the second {second}\n</pre>" in shown.text
    assert f'srcdoc="&lt;p&gt;&lt;b&gt;HTML&lt;/b&gt; of the second {second}&lt;/p&gt;' in shown.text
    assert '<iframe sandbox=""' in shown.text
    assert f'<th scope="row">Subject</th><td class="value">Second {second}</td>' in shown.text
    detail = requests.get(dev.url(newest["url"] + ".json"), timeout=30).json()
    assert detail == requests.get(dev.url(newest["url"]), params={"format": "json"}, timeout=30).json()
    assert detail["text"].strip() == f"Text of the second {second}"
    assert detail["html"].strip() == f"<p><b>HTML</b> of the second {second}</p>"
    assert ["Subject", f"Second {second}"] in detail["headers"]
    assert detail["parts"] == ["multipart/alternative", "text/plain", "text/html"]

    # Links in the text part can be followed, escaped.
    older = requests.get(dev.url(listed["messages"][1]["url"]), timeout=30).text
    assert '<a href="http://localhost/x?a=1&amp;b=2">http://localhost/x?a=1&amp;b=2</a>' in older


def test_everything_the_mailbox_shows_is_escaped(dev: DevMail) -> None:
    mark = marker()
    subject = f'<script>alert("{mark}")</script> & "quotes"'
    send_out(
        dev,
        subject,
        f"<img src=x onerror=alert(1)> {mark}",
        html=f'<p onclick="alert(1)">Hi {mark}</p><script>alert(2)</script>"</iframe><script>alert(3)</script>',
        X_Test="<svg onload=alert(4)>",
    )
    listed = requests.get(dev.url("/_dev/mail"), timeout=30)
    assert "&lt;script&gt;alert(&quot;" + mark + "&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in listed.text
    entry = next(item for item in dev.mailbox()["messages"] if mark in item["subject"])
    assert entry["subject"] == subject  # the JSON has the text as it is
    shown = requests.get(dev.url(entry["url"]), timeout=30)
    for page in (listed.text, shown.text):
        assert "<script" not in page and "<img" not in page and "<svg" not in page and 'onclick="' not in page
    assert f"<h1>&lt;script&gt;alert(&quot;{mark}&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;</h1>" in shown.text
    assert "&lt;svg onload=alert(4)&gt;" in shown.text
    # The HTML part lives only inside the sandboxed frame's srcdoc, escaped once: a closing tag in
    # it can't end the attribute or the frame.
    frame = re.search(r'<iframe sandbox="" title="The HTML part" srcdoc="([^"]*)"></iframe>', shown.text)
    assert frame is not None
    assert "&lt;/iframe&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in frame.group(1)
    # A strict policy of the mailbox's own, which the stack's headers policy keeps.
    for answer in (listed, shown):
        assert answer.headers["Content-Security-Policy"] == mailbox.CSP
        assert "script-src 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    [
        "/_dev/mail/ffffffffffffffffffff",
        "/_dev/mail/ffffffffffffffffffff.json",
        "/_dev/mail/nope",
        "/_dev/mail/%3Cscript%3E",
        "/_dev/mail/../../etc/passwd",
        "/_dev/mail//",
        "/_dev/mail/ffffffffffffffffffff/extra",
    ],
)
def test_an_unknown_message_is_a_404(dev: DevMail, path: str) -> None:
    send_out(dev, "Something to have", "text")
    connection = http.client.HTTPConnection("127.0.0.1", int(dev.origin.rpartition(":")[2]), timeout=30)
    try:
        connection.request("GET", path)  # as written: no client normalises the path
        answer = connection.getresponse()
        body = answer.read().decode()
    finally:
        connection.close()
    assert answer.status == 404, body
    assert "<script" not in body
    if path.endswith(".json"):
        assert json.loads(body)["error"] == "no such message"
    else:
        assert "No such message" in body


def test_the_mailbox_is_read_only(dev: DevMail) -> None:
    for method in ("POST", "PUT", "DELETE"):
        answer = requests.request(method, dev.url("/_dev/mail"), data=b"x", timeout=30)
        assert answer.status_code == 405
        assert answer.headers["Allow"] == "GET, HEAD"


def test_with_a_sender_that_keeps_nothing_the_mailbox_says_so(dev: DevMail) -> None:
    class Discarding:
        def send(self, message: EmailMessage) -> str:
            return "discarded"

    install(Services.build(dev.settings, mail_sender=Discarding()))
    try:
        document = dev.mailbox()
        assert document["keeping"] is False and document["messages"] == []
        page = requests.get(dev.url("/_dev/mail"), timeout=30)
        assert page.status_code == 200 and "keeps no mail" in page.text
    finally:
        install(dev.services)


def test_the_dev_sender_verified_the_mail_domain_in_local_ses(dev: DevMail, local_dynamodb: str) -> None:
    ses = local_aws.client("sesv2", local_dynamodb)
    identities = [item["IdentityName"] for item in ses.list_email_identities()["EmailIdentities"]]
    assert DOMAIN in identities
    # Making it again (a dev server restarted against the same moto server) is fine.
    again = mailbox.local_sender(local_dynamodb, DOMAIN)
    assert again.kept() == []


def test_a_dev_sender_for_an_ses_that_is_not_there_warns_and_does_not_stop_the_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    with caplog.at_level("WARNING", logger="devserver.mailbox"):
        sender = mailbox.local_sender(nowhere, DOMAIN)
    assert "could not be reached" in caplog.text and "mail will not be sent" in caplog.text
    with pytest.raises(MailUnavailableError):
        sender.send(message(f"noreply@{DOMAIN}", "lee.park@example.com", "x", "y"))
    assert sender.kept() == []


def test_the_dev_servers_own_paths_go_to_the_hub_otherwise(dev: DevMail) -> None:
    # Only /_dev/mail and what is under it are the mailbox's; a look-alike is the hub's (private).
    answer = requests.get(dev.url("/_dev/mailbox"), timeout=30, allow_redirects=False)
    assert answer.status_code == 302  # the edge sends a visit without a session to sign in
    assert answer.headers["Location"].startswith("/auth/login?next=")
    assert "Dev mailbox" not in answer.text
