"""Reading received mail: a corpus of real clients' messages, then each rule on its own.

The corpus (fixtures/mail) holds one message per client and case, written as each client writes
them; `expected.json` says what each must read as. The targeted tests below cover what a corpus
cannot enumerate: every charset and transfer encoding, every language's attribution line, and input
that is not mail at all.
"""

from __future__ import annotations

import base64
import json
import quopri
import random
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from chalicelib.errors import InvalidInputError
from chalicelib.mail.automatic import automatic
from chalicelib.mail.html_text import html_to_text
from chalicelib.mail.message import (
    MAX_MESSAGE_BYTES,
    MailMessage,
    MessageTooLargeError,
    UnreadableMessageError,
    read_message,
    unflow,
)
from chalicelib.mail.quotes import reply_text, strip_quotes

CORPUS = Path(__file__).parent / "fixtures" / "mail"
EXPECTED: dict[str, dict[str, object]] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
QUOTE = "\n\n> Jane Doe posted in Platform:\n>\n> Migrating the build to Bazel\n"


def mail(
    body: bytes | str,
    *headers: str,
    subject: str = "Test",
    charset: str = "utf-8",
    cte: str = "8bit",
    kind: str = "plain",
) -> bytes:
    """A one-part message: the body encoded in `charset`, then with `cte`."""
    data = body.encode(charset) if isinstance(body, str) else body
    if cte == "quoted-printable":
        data = quopri.encodestring(data)
    elif cte == "base64":
        data = base64.encodebytes(data)
    head = [
        "From: Jane Doe <jane@example.com>",
        f"Subject: {subject}",
        "Message-ID: <test@example.com>",
        *headers,
        f"Content-Type: text/{kind}; charset={charset}",
        f"Content-Transfer-Encoding: {cte}",
    ]
    return "\r\n".join(head).encode() + b"\r\n\r\n" + data


def is_unicode(message: MailMessage) -> bool:
    texts = [message.subject, message.text, message.message_id, *message.headers, *message.headers.values()]
    texts += [*message.left_out, *message.references, *message.in_reply_to, reply_text(message)]
    texts += [part for box in (message.sender, *message.recipients) if box for part in (box.name, box.address)]
    for text in texts:
        text.encode("utf-8")  # raises on a lone surrogate
    return True


# --- the corpus ----------------------------------------------------------------------------------


def test_the_corpus_covers_each_client_and_each_kind_of_automatic_mail() -> None:
    assert sorted(EXPECTED) == sorted(path.name for path in CORPUS.glob("*.eml"))
    for client in (
        "gmail_",
        "outlook_desktop_",
        "outlook_web_",
        "outlook_ios_",
        "apple_mail_",
        "ios_mail_",
        "thunderbird_",
    ):
        assert sum(name.startswith(client) for name in EXPECTED) >= 1, client
    assert "outlook_desktop_tnef.eml" in EXPECTED and "outlook_desktop_html_only.eml" in EXPECTED
    reasons = {entry["automatic"] for entry in EXPECTED.values()}
    assert {"auto-submitted", "out-of-office", "delivery-report", "mailer-daemon", None} <= reasons


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_message_reads_as_expected(name: str) -> None:
    expected = EXPECTED[name]
    message = read_message((CORPUS / name).read_bytes())
    sender = message.sender and {"name": message.sender.name, "address": message.sender.address}
    assert sender == expected["sender"]
    assert message.subject == expected["subject"]
    assert automatic(message) == expected["automatic"]
    assert reply_text(message) == expected["text"]
    assert list(message.left_out) == expected["left_out"]
    assert is_unicode(message)


def _html_alternative(raw: bytes) -> bytes | None:
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    if parsed.get_content_type() not in ("multipart/alternative", "multipart/mixed"):
        return None
    parts = [p for p in parsed.walk() if p.get_content_type() == "text/html" and p.get_filename() is None]
    if not parts:
        return None
    html_only = EmailMessage()
    html_only["From"] = str(parsed["From"])
    html_only.set_content("\n".join(str(part.get_content()) for part in parts), subtype="html", cte="base64")
    return html_only.as_bytes()


ALTERNATIVES = [name for name in sorted(EXPECTED) if _html_alternative((CORPUS / name).read_bytes())]


@pytest.mark.parametrize("name", ALTERNATIVES)
def test_the_html_alternative_of_each_message_gives_the_same_reply(name: str) -> None:
    raw = _html_alternative((CORPUS / name).read_bytes())
    assert raw is not None
    message = read_message(raw)
    assert message.html
    assert reply_text(message) == EXPECTED[name]["text"]


# --- charsets and transfer encodings -------------------------------------------------------------

SAMPLES = [
    ("utf-8", "Grüße – “quoted” € 👍"),
    ("iso-8859-1", "Grüße, ça va à l'été ß"),
    ("windows-1252", "Grüße – “quoted” €"),
    ("koi8-r", "Привет, коллеги"),
    ("iso-2022-jp", "こんにちは、田中です"),
    ("shift_jis", "こんにちは"),
    ("gb2312", "你好，我们下周开始"),
]


@pytest.mark.parametrize("cte", ["8bit", "quoted-printable", "base64"])
@pytest.mark.parametrize(("charset", "text"), SAMPLES)
def test_each_charset_reads_in_each_transfer_encoding(charset: str, text: str, cte: str) -> None:
    assert read_message(mail(text + "\n", charset=charset, cte=cte)).text == text
    html = read_message(mail(f"<p>{text}</p>", charset=charset, cte=cte, kind="html"))
    assert html.html and reply_text(html) == text


@pytest.mark.parametrize(
    ("body", "charset", "text"),
    [
        (b"\x93quoted\x94 costs \x80 5", "iso-8859-1", "“quoted” costs € 5"),  # Latin-1 label, Windows-1252 bytes
        (b"caf\xe9 \x96 ok", "utf-8", "café – ok"),  # a UTF-8 label on Windows-1252 bytes
        ("Grüße".encode(), "us-ascii", "Grüße"),  # 8-bit UTF-8 labelled ASCII
        ("Grüße".encode() + b" \xff", "utf-8", "Grüße \ufffd"),  # UTF-8 with one broken byte
        (b"abc", "x-unknown-charset", "abc"),
        (b"abc", "base64", "abc"),  # a codec that is not a text encoding
        (b"abc", "undefined", "abc"),
    ],
)
def test_wrong_and_unknown_charsets_read_as_well_as_they_can(body: bytes, charset: str, text: str) -> None:
    assert read_message(mail(body, charset=charset)).text == text


def test_an_html_part_without_a_charset_uses_its_meta_charset() -> None:
    body = '<html><head><meta charset="windows-1252"></head><body>caf\xe9 \x93ok\x94</body></html>'.encode("latin-1")
    raw = b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n" + body
    assert read_message(raw).text == "café “ok”"


def test_format_flowed_joins_soft_breaks_and_keeps_quote_depths() -> None:
    flowed = "A long line that \nwraps here.\n> quoted that \n> wraps\n>> deeper\n From stuffed\n-- \nsig"
    assert unflow(flowed) == "A long line that wraps here.\n> quoted that wraps\n>> deeper\nFrom stuffed\n-- \nsig"
    assert unflow("split wo \nrd", delete_space=True) == "split word"


# --- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "subject"),
    [
        (b"=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=", "Grüße aus München"),
        (b"=?utf-8?B?0J/RgNC40LLQtdGC?=", "Привет"),
        (b"=?iso-8859-1?Q?=E9t=E9?= report", "été report"),
        (b"=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは"),
        (b"=?UTF-8?Q?Fwd=3A_caf?=\r\n =?UTF-8?Q?=C3=A9?=", "Fwd: café"),  # folded: adjacent words join
        (b"Caf\xc3\xa9 in raw UTF-8", "Café in raw UTF-8"),
        (b"Caf\xe9 in raw Latin-1", "Café in raw Latin-1"),
    ],
)
def test_headers_are_decoded_to_text(raw: bytes, subject: str) -> None:
    message = read_message(b"From: a@example.com\r\nSubject: " + raw + b"\r\n\r\nbody")
    assert message.subject == subject
    assert message.headers["subject"] == subject


def test_addresses_names_and_message_ids() -> None:
    raw = (
        b"From: =?utf-8?q?Doe=2C_J=C3=BCrgen?= <juergen@example.com>\r\n"
        b'To: "Lee, Sam" <sam@example.com>, team: ana@example.com, bo@example.com;\r\n'
        b"Cc: Jane Q. Doe <jane@example.com>\r\nCC: late@example.com\r\n"
        b"Message-ID:\r\n <abc.123@example.com>\r\nIn-Reply-To: <p1@example.com>\r\n"
        b"References: <p0@example.com>\r\n <p1@example.com> bare@example.com\r\nX-Custom: one\r\nx-custom: two\r\n\r\nhi"
    )
    message = read_message(raw)
    assert message.sender is not None
    assert (message.sender.name, message.sender.address) == ("Doe, Jürgen", "juergen@example.com")
    assert [box.address for box in message.recipients] == [
        "sam@example.com", "ana@example.com", "bo@example.com", "jane@example.com", "late@example.com",
    ]  # fmt: skip
    assert message.recipients[0].name == "Lee, Sam"
    assert (message.message_id, message.in_reply_to) == ("abc.123@example.com", ("p1@example.com",))
    assert message.references == ("p0@example.com", "p1@example.com")
    assert message.headers["x-custom"] == "one"
    assert read_message(b"From: a@example.com\r\nMessage-ID: no-brackets@x\r\n\r\n").message_id == "no-brackets@x"


@pytest.mark.parametrize(
    "from_header",
    [
        b"From: jane@example.com <mallory@attacker.example>",  # readers disagree on the address
        b"From: Jane <jane@example.com> <mallory@attacker.example>",
        b"From: jane@example.com, mallory@attacker.example",  # two authors
        b"From: Jane <jane@example.com>\r\nFrom: Mallory <mallory@attacker.example>",  # two headers
        b"From: Jane Doe <jane@example.com",
        b"From: MAILER-DAEMON",
        b"From: <>",
        b"From: undisclosed-recipients:;",
        b"X-Nothing: here",
    ],
)
def test_an_ambiguous_or_missing_from_gives_no_sender(from_header: bytes) -> None:
    assert read_message(from_header + b"\r\nSubject: x\r\n\r\nbody").sender is None


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: =?utf-8?b?7aCA?= (an encoded lone surrogate)\r\nFrom: a@example.com\r\n\r\nx",
        b"Subject: =?unknown-8bit?q?J=FCrgen?=\r\nFrom: =?bogus?q?J=FCrgen?= <j@example.com>\r\n\r\nx",
        b"Subject: \xed\xa0\x80 raw\r\nFrom: \xed\xa0\x80 <a@example.com>\r\nTo: =?utf-16?b?2ADcAA==?= <b@example.com>\r\n\r\n",
        b"Subject: =?utf-7?q?+2D8-?=\r\nContent-Type: text/plain; charset=utf-7\r\nFrom: a@example.com\r\n\r\n+2D8-",
        b"From: a@example.com\r\nContent-Type: text/plain; name*=utf-8''%ED%A0%80.pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''%ED%A0%80.pdf\r\n\r\nx",
        b"From: a@example.com\r\nSubject: nul\x00 and bell\x07\r\n\r\nbody\x00",
    ],
)
def test_broken_headers_and_charsets_give_valid_unicode(raw: bytes) -> None:
    message = read_message(raw)
    assert is_unicode(message)
    assert "\x00" not in message.subject + message.text


# --- quotes, signatures, taglines ----------------------------------------------------------------

ATTRIBUTIONS = [
    "On Tue, Mar 3, 2026 at 10:12 AM Jane Doe <jane@example.com> wrote:",
    "On 3 Mar 2026, at 10:12, Jane Doe <jane@example.com> wrote:",
    "On 03/03/2026 10:12, Jane Doe wrote:",
    "Am Di., 3. März 2026 um 10:12 Uhr schrieb Jane Doe <jane@example.com>:",
    "Am 03.03.26 um 10:12 schrieb Jane Doe:",
    "Le mar. 3 mars 2026 à 10:12, Jane Doe <jane@example.com> a écrit :",
    "El mar, 3 mar 2026 a las 10:12, Jane Doe (<jane@example.com>) escribió:",
    "Il giorno mar 3 mar 2026 alle ore 10:12 Jane Doe <jane@example.com> ha scritto:",
    "Op di 3 mrt 2026 om 10:12 schreef Jane Doe <jane@example.com>:",
    "Op 3 mrt 2026 om 10:12 heeft Jane Doe <jane@example.com> het volgende geschreven:",
    "Em ter., 3 de mar. de 2026 às 10:12, Jane Doe <jane@example.com> escreveu:",
    "wt., 3 mar 2026 o 10:12 Jane Doe <jane@example.com> napisał(a):",
    "W dniu 3.03.2026 o 10:12, Jane Doe pisze:",
    "вт, 3 мар. 2026 г. в 10:12, Jane Doe <jane@example.com>:",
    "3 марта 2026 г., в 10:12, Jane Doe <jane@example.com> написал(а):",
    "Jane Doe <jane@example.com> 于2026年3月3日周二 10:12写道：",
    "2026年3月3日 10:12，Jane Doe <jane@example.com> 写道：",
    "2026年3月3日(火) 10:12 Jane Doe <jane@example.com>:",
    "2026/03/03 10:12、Jane Doe <jane@example.com>のメール:",
]


def _wrapped(line: str, parts: int) -> str:
    words = line.split(" ")
    size = -(-len(words) // parts)
    return "\n".join(" ".join(words[i : i + size]) for i in range(0, len(words), size))


@pytest.mark.parametrize("parts", [1, 2, 3])
@pytest.mark.parametrize("attribution", ATTRIBUTIONS)
def test_the_attribution_and_quote_at_the_end_go_also_when_it_wraps(attribution: str, parts: int) -> None:
    assert strip_quotes(f"My answer.\n\n{_wrapped(attribution, parts)}{QUOTE}") == "My answer."
    assert strip_quotes(f"{_wrapped(attribution, parts)}{QUOTE}\nMy answer, below.") == "My answer, below."


OUTLOOK_HEADERS = [
    ("From", "Sent", "To", "Subject"),
    ("Von", "Gesendet", "An", "Betreff"),
    ("De", "Envoyé", "À", "Objet"),
    ("De", "Enviado el", "Para", "Asunto"),
    ("Da", "Inviato", "A", "Oggetto"),
    ("Van", "Verzonden", "Aan", "Onderwerp"),
    ("De", "Enviada em", "Para", "Assunto"),
    ("Od", "Wysłane", "Do", "Temat"),
    ("От", "Отправлено", "Кому", "Тема"),
    ("发件人", "发送时间", "收件人", "主题"),
    ("差出人", "送信日時", "宛先", "件名"),
]


@pytest.mark.parametrize("divider", ["", "________________________________\n", "-----Original Message-----\n"])
@pytest.mark.parametrize("labels", OUTLOOK_HEADERS, ids=lambda labels: labels[0])
def test_outlook_header_blocks_end_the_reply_in_each_language(labels: tuple[str, ...], divider: str) -> None:
    values = ["Jane Doe <jane@example.com>", "Tuesday, March 3, 2026 10:12", "Sam <sam@example.com>", "Bazel"]
    block = "\n".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True))
    assert strip_quotes(f"Fine by me.\n\nTom\n\n{divider}{block}\n\nThe original, unquoted.") == "Fine by me.\n\nTom"


def test_a_from_line_alone_is_text() -> None:
    text = "From: the platform team\nWe ship on Friday."
    assert strip_quotes(text) == text


def test_only_the_quotes_at_the_end_go() -> None:
    interleaved = "> Do we keep make?\nYes, as a wrapper.\n\n> Who owns the cache?\nPlatform does."
    assert strip_quotes(interleaved) == interleaved
    inline = "You wrote:\n\n> the pilot starts in April\n\nIt starts in May now."
    assert strip_quotes(inline + f"\n\nOn 3 Mar 2026, Jane Doe <jane@example.com> wrote:{QUOTE}") == inline
    assert strip_quotes(f"Answer.{QUOTE}\n\n\n>> older\n> more\n\n") == "Answer."


@pytest.mark.parametrize("delimiter", ["-- ", "--"])
def test_a_signature_ends_the_reply(delimiter: str) -> None:
    assert strip_quotes(f"Reply.\n\n{delimiter}\nJane Doe\n+44 20 7946 0000{QUOTE}") == "Reply."
    kept = "Reply.\n\n---\n\nMore after a rule.\n-- not a delimiter"
    assert strip_quotes(kept) == kept


TAGLINES = [
    "Sent from my iPhone",
    "Sent from my iPad",
    "Sent from my Samsung Galaxy smartphone.",
    "Get Outlook for iOS<https://aka.ms/o0ukef>",
    "Get Outlook for Android",
    "Sent from Outlook for Android",
    "Sent from Mail for Windows",
    "Sent from Yahoo Mail for iPhone",
    "Von meinem iPhone gesendet",
    "Envoyé de mon iPhone",
    "Enviado desde mi iPhone",
    "Inviato da iPhone",
    "Verstuurd vanaf mijn iPhone",
    "Enviado do meu iPhone",
    "Wysłane z mojego iPhone'a",
    "Отправлено с iPhone",
    "发自我的iPhone",
    "iPhoneから送信",
]


@pytest.mark.parametrize("tagline", TAGLINES)
def test_mobile_taglines_go(tagline: str) -> None:
    assert strip_quotes(f"On my way.\n\n{tagline}{QUOTE}") == "On my way."
    assert strip_quotes(f"On my way.\n\n{tagline}") == "On my way."


def test_a_tagline_inside_a_sentence_stays() -> None:
    text = "I took the photos and they were sent from my iPhone to the shared album."
    assert strip_quotes(text) == text


FORWARD_DIVIDERS = [
    "---------- Forwarded message ---------",
    "-------- Forwarded Message --------",
    "-----Original Message-----",
    "Begin forwarded message:",
    "---------- Weitergeleitete Nachricht ---------",
    "-----Ursprüngliche Nachricht-----",
    "Anfang der weitergeleiteten Nachricht:",
    "-------- Message transféré --------",
    "Début du message réexpédié :",
    "---------- Mensaje reenviado ---------",
    "---------- Messaggio inoltrato ---------",
    "---------- Doorgestuurd bericht ---------",
    "---------- Mensagem encaminhada ---------",
    "---------- Przekazana wiadomość ---------",
    "-------- Пересылаемое сообщение --------",
    "---------- 转发的邮件 ---------",
    "---------- 転送メッセージ ---------",
]


@pytest.mark.parametrize("divider", FORWARD_DIVIDERS)
def test_a_forwarded_message_divider_ends_the_note(divider: str) -> None:
    forwarded = f"FYI, see below.\n\n{divider}\nFrom: Ravi <ravi@vendor.example.net>\nSubject: Dates\n\nHi Ana,"
    assert strip_quotes(forwarded) == "FYI, see below."


def test_code_blocks_and_markdown_survive() -> None:
    text = (
        "# Plan\n\n- **one**\n- two\n\n```sql\n-- \n> not a quote\nFrom: a\nSent: b\nTo: c\nSent from my iPhone\n\n\n"
        "On Tue, Jane Doe <jane@example.com> wrote:\n```\n\n~~~\n-----Original Message-----\n~~~\n\n```\n> last\n```"
    )
    assert strip_quotes(text + QUOTE) == text
    assert strip_quotes(text) == text


# --- HTML ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<div>Hi,</div><div><br></div><div>Two</div><div>Three<br></div>", "Hi,\n\nTwo\nThree"),
        (
            "<p class=MsoNormal>One<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Two</p>",
            "One\n\nTwo",
        ),
        ("<p>One</p><p>Two<br>still two</p>", "One\n\nTwo\nstill two"),
        (
            "<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul><ol start=3><li>x</li><li>y</li></ol>",
            "- a\n- b\n  - c\n\n3. x\n4. y",
        ),
        (
            '<a href="https://x.example/a">the doc</a> <a href="https://x.example/">https://x.example/</a>',
            "[the doc](https://x.example/a) https://x.example/",
        ),
        (
            '<a href="mailto:jane@example.com">jane@example.com</a> <a href="javascript:x()">click</a>',
            "jane@example.com click",
        ),
        ("<b>bold</b> <i>it</i> <b> </b><strong>a </strong>b", "**bold** *it* **a** b"),
        (
            "<pre><code class='language-python'>def f():\n    return 1</code></pre><p>use <code>f()</code></p>",
            "```python\ndef f():\n    return 1\n```\n\nuse `f()`",
        ),
        ("<h2>Title</h2>text &amp; more &lt;tag&gt;", "## Title\n\ntext & more <tag>"),
        ("<blockquote><p>quoted</p><p>more</p></blockquote><p>reply</p>", "> quoted\n>\n> more\n\nreply"),
        ("<p>a</p><hr><p>b</p><hr>", "a\n\n---\n\nb"),
        (
            "<head><style>p{}</style><title>t</title></head><div style='display:none'>preheader</div>body<script>x</script>",
            "body",
        ),
        (
            "<img src=cid:logo alt=Logo><table><tr><td>Jane</td><td>Doe</td></tr><tr><td>CEO</td></tr></table>",
            "Jane Doe\nCEO",
        ),
        (
            "<p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><span style='mso-list:Ignore'>1.<span> </span></span>First</p>"
            "<p class=MsoListParagraph style='mso-list:l0 level2 lfo1'><span style='mso-list:Ignore'>o</span>Sub</p>",
            "1. First\n  - Sub",
        ),
    ],
)
def test_html_becomes_readable_markdown(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    "markup",
    [
        '<div class="gmail_quote"><div class="gmail_attr">On Tue, Jane wrote:</div><blockquote>old</blockquote></div>',
        '<div class="gmail_signature">Jane Doe | Platform</div>',
        '<div id="Signature">Jane Doe</div><hr><div id="divRplyFwdMsg"><b>From:</b> Jane</div><div>old</div>',
        "<div style='border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0in 0in 0in'><b>From:</b> J</div><p>old</p>",
        '<div id="AppleMailSignature">Sent from my iPhone</div><blockquote type="cite">On 3 Mar, Jane wrote:<br>old</blockquote>',
        '<div class="moz-cite-prefix">On 3/3/26, Jane wrote:<br></div><blockquote type="cite">old</blockquote>'
        '<div class="moz-signature">-- <br>Jane</div>',
        '<div class="moz-forward-container">-------- Forwarded Message --------<table><tr><td>Subject:</td></tr></table></div>',
    ],
)
def test_clients_quote_and_signature_markers_are_removed_from_html(markup: str) -> None:
    message = read_message(mail(f"<html><body><div>New text.</div>{markup}</body></html>", kind="html"))
    assert reply_text(message) == "New text."
    assert "old" in message.text or "Jane" in message.text or "Subject" in message.text  # kept in `text`


@pytest.mark.parametrize(
    "html",
    [
        "<div>" * 20000 + "x" + "</div>" * 20000,
        "<b>" * 20000 + "x",
        "<blockquote><ul><li>" * 5000 + "x",
        '<a href="https://x.example/">' * 20000 + "x",
        "<br>" * 200000,
        "<!--" + "x" * 200000,
    ],
    ids=["divs", "bold", "quotes-in-lists", "links", "breaks", "open-comment"],
)
def test_pathological_html_is_read_in_bounded_time(html: str) -> None:
    # A hang guard, not a benchmark: read linearly, each of these takes about a second on a loaded
    # machine; a quadratic reading of 200,000 elements would take hours.
    started = time.monotonic()
    text = html_to_text(html)
    assert isinstance(text, str) and len(text) <= len(html)
    assert time.monotonic() - started < 120


# --- attachments ---------------------------------------------------------------------------------


def _mixed(*parts: tuple[str, bytes]) -> bytes:
    body = b"".join(b"--b\r\n" + head.encode() + b"\r\n\r\n" + data + b"\r\n" for head, data in parts)
    return b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' + body + b"--b--\r\n"


def test_attachments_are_named_and_winmail_dat_and_signatures_are_ignored() -> None:
    raw = _mixed(
        ("Content-Type: text/plain; charset=utf-8", b"See attached."),
        ('Content-Type: application/octet-stream; name="winmail.dat"', b"x"),
        ("Content-Type: application/ms-tnef", b"x"),
        ("Content-Type: application/pgp-signature", b"x"),
        (
            'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="C:\\\\Users\\\\jane\\\\Q1 report.pdf"',
            b"x",
        ),
        ('Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="Q1 report.pdf"', b"x"),
        ("Content-Type: image/png", b"x"),
        ('Content-Type: text/plain\r\nContent-Disposition: attachment; filename="notes.txt"', b"not body"),
        ("Content-Type: message/rfc822", b"Subject: inner\r\n\r\ninner body"),
        ("Content-Type: text/plain; charset=utf-8", b"Second part."),
    )
    message = read_message(raw)
    assert message.left_out == ("Q1 report.pdf", "image/png", "notes.txt", "message/rfc822")
    assert message.text == "See attached.\n\nSecond part."


# --- automatic mail ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Auto-Submitted: auto-replied", "auto-submitted"),
        ("Auto-Submitted: auto-generated; owner-email=x@example.com", "auto-submitted"),
        ("Auto-Submitted: no", None),
        ("Auto-Submitted: No (a person wrote this)", None),
        ("Precedence: bulk", "precedence-bulk"),
        ("Precedence: junk", "precedence-junk"),
        ("Precedence: list", "precedence-list"),
        ("Precedence: auto_reply", "precedence-auto-reply"),
        ("Precedence: first-class", None),
        ("X-Autoreply: yes", "x-autoreply"),
        ("X-Autorespond: Re: hello", "x-autorespond"),
        ("X-Auto-Response-Suppress: All", None),  # Outlook sets this on ordinary mail too
    ],
)
def test_headers_of_automatic_mail(header: str, reason: str | None) -> None:
    assert automatic(read_message(mail("Hello", header))) == reason


@pytest.mark.parametrize(
    ("sender", "reason"),
    [
        ("MAILER-DAEMON@mx.example.com", "mailer-daemon"),
        ("Mail Delivery System <Mailer-Daemon@mx.example.com>", "mailer-daemon"),
        ("MAILER-DAEMON (Mail Delivery System)", "mailer-daemon"),
        ("postmaster@example.com", "postmaster"),
        ("Jane <jane.postmaster@example.com>", None),
    ],
)
def test_system_senders(sender: str, reason: str | None) -> None:
    raw = f"From: {sender}\r\nSubject: x\r\n\r\nbody".encode()
    assert automatic(read_message(raw)) == reason


def test_a_delivery_report_is_automatic_whoever_sends_it() -> None:
    raw = _mixed(
        ("Content-Type: text/plain", b"It bounced."), ("Content-Type: message/delivery-status", b"Action: failed")
    )
    report = read_message(raw.replace(b"multipart/mixed", b"multipart/report; report-type=delivery-status"))
    assert (automatic(report), report.text, report.left_out) == ("delivery-report", "It bounced.", ())


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Re: Weekly sync",
        "Automatic reply: [Platform] Bazel",
        "Auto-Reply: your message",
        "OOO until 12 March",
        "Abwesenheitsnotiz: Wochenplanung",
        "Automatische Antwort: Wochenplanung",
        "Nicht im Büro bis 13.03.",
        "Réponse automatique : Planning",
        "Absente du bureau jusqu'au 16 mars",
        "Respuesta automática: Planificación",
        "Fuera de la oficina",
        "Risposta automatica: Pianificazione",
        "Fuori ufficio fino al 10 marzo",
        "Automatisch antwoord: Planning",
        "Afwezig tot 16 maart",
        "Resposta automática: Planejamento",
        "Fora do escritório",
        "Odpowiedź automatyczna: Plan",
        "Poza biurem do 10 marca",
        "Автоответ: Планирование",
        "Автоматический ответ: План",
        "自动回复: 计划",
        "自動返信: 計画",
        "不在通知",
        "[Auto-Reply] Weekly sync",
    ],
)
def test_out_of_office_subjects_in_the_common_languages(subject: str) -> None:
    assert automatic(read_message(mail("I am away.", subject=subject))) == "out-of-office"


@pytest.mark.parametrize(
    "subject",
    ["Out of office policy update", "Re: Out of office etiquette", "Office move on Friday", "Urlaubsplanung 2026",
     "Absences de l'équipe en août", "Automation of the release", "Test"],
)  # fmt: skip
def test_subjects_a_person_writes_are_not_out_of_office(subject: str) -> None:
    assert automatic(read_message(mail("Hello", subject=subject))) is None


# --- limits and garbage --------------------------------------------------------------------------


def test_a_message_over_10_mb_is_refused_and_one_of_10_mb_is_read() -> None:
    assert MAX_MESSAGE_BYTES == 10 * 1024 * 1024
    head = b"From: a@example.com\r\nSubject: big\r\n\r\n"
    exact = head + b"x" * (MAX_MESSAGE_BYTES - len(head))
    assert read_message(exact).size == MAX_MESSAGE_BYTES
    with pytest.raises(MessageTooLargeError) as refused:
        read_message(exact + b"x")
    assert isinstance(refused.value, InvalidInputError) and refused.value.code == "message-too-large"


@pytest.mark.parametrize("raw", [b"", b"  \r\n\r\n", b"\r\n\r\njust a body", b"\x00\x01\x02\xff" * 100])
def test_what_is_not_mail_is_unreadable(raw: bytes) -> None:
    with pytest.raises(UnreadableMessageError) as refused:
        read_message(raw)
    assert isinstance(refused.value, InvalidInputError) and refused.value.code == "unreadable-message"


def _read_or_refuse(raw: bytes) -> None:
    try:
        message = read_message(raw)
    except UnreadableMessageError:
        return
    assert is_unicode(message)
    automatic(message)


def test_random_bytes_truncated_and_mangled_mime_never_raise_anything_else() -> None:
    rng = random.Random(2026)
    corpus = [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]
    for _ in range(150):
        _read_or_refuse(rng.randbytes(rng.randrange(1, 3000)))
    for source in corpus:
        for cut in sorted(rng.sample(range(len(source)), 8)):
            _read_or_refuse(source[:cut])
        mangled = bytearray(source)
        for _ in range(30):
            mangled[rng.randrange(len(mangled))] = rng.randrange(256)
        _read_or_refuse(bytes(mangled))
        lines = source.split(b"\r\n")
        rng.shuffle(lines)
        _read_or_refuse(b"\r\n".join(lines))
    deep = b"From: a@example.com\r\n" + b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(300)
    )
    _read_or_refuse(deep)
