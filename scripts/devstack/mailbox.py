"""The dev mailbox: the mail that Commons sent in the dev stack (kept by `KeepingSender` after SES
took it), at `/_dev/mail` on the dev server only, never in the deployed functions.

- `/_dev/mail`: the messages, newest first (date, from, to, subject, a link to each);
- `/_dev/mail/<id>`: one message: its text part, its HTML part and every header;
- the same as JSON at `/_dev/mail.json` and `/_dev/mail/<id>.json` (or with `?format=json`), so a
  test can find the latest message and its Reply-To.

Everything shown is escaped. A message's HTML is shown in an `<iframe sandbox srcdoc=…>`: it runs
no script and has an origin of its own, and the page's policy (no script, nothing loaded from
anywhere) covers it too. Inline styles are allowed, so the HTML looks as it will in a mail client.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage, Message
from html import escape
from typing import Any
from urllib.parse import parse_qs

from chalicelib.mail.sending import KeepingSender, Kept, SesSender
from devstack import local_aws

log = logging.getLogger("devserver.mailbox")
PATH = "/_dev/mail"
# Inline styles only: the messages' own (in the iframe, which inherits this policy) and the page's.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b}"
    "table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{overflow-wrap:anywhere}"
    "th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;"
    "border-bottom:1px solid #ddd}th{background:#f5f5f5}td.value{word-break:break-all;font-family:monospace}"
    "pre{white-space:pre-wrap;word-break:break-word;background:#f7f7f7;padding:.8rem;border:1px solid #ddd}"
    "iframe{width:100%;height:34rem;border:1px solid #ccc;background:#fff}.note{color:#555}"
)
_ID = re.compile(r"^[0-9a-f]{20}$")
_URL = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str


@dataclass(frozen=True)
class Letter:
    """One sent message, as the mailbox shows it."""

    id: str
    message: EmailMessage
    provider_id: str

    def header(self, name: str) -> str:
        value = self.message.get(name)
        return "" if value is None else " ".join(str(value).split())

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": f"{PATH}/{self.id}",
            "date": self.header("Date"),
            "from": self.header("From"),
            "to": self.header("To"),
            "reply_to": self.header("Reply-To"),
            "subject": self.header("Subject"),
            "message_id": self.header("Message-ID"),
            "provider_id": self.provider_id,
        }

    def detail(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "headers": [[name, str(value)] for name, value in self.message.items()],
            "text": _part(self.message, "plain"),
            "html": _part(self.message, "html"),
            "parts": [_describe(part) for part in self.message.walk()],
        }


def local_sender(endpoint: str, domain: str, region: str = "us-east-1") -> KeepingSender:
    """SES v2 at a local endpoint (moto's server), with the mail domain verified there, wrapped so
    that every message it takes is kept for the mailbox."""
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    config = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2})
    client = local_aws.client("sesv2", endpoint, region, config)
    try:
        client.create_email_identity(EmailIdentity=domain)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "AlreadyExistsException":
            log.warning("SES at %s did not verify %s (%s): mail will not be sent", endpoint, domain, exc)
    except BotoCoreError as exc:
        log.warning("SES at %s could not be reached (%s): mail will not be sent", endpoint, type(exc).__name__)
    return KeepingSender(SesSender(_client=client))


def letters(kept: Sequence[Kept]) -> list[Letter]:
    """The kept messages, newest first, each with an id that stays the same while it is kept."""
    found: list[Letter] = []
    seen: set[str] = set()
    for item in reversed(kept):
        basis = "\n".join(
            [item.provider_id, *(str(item.message.get(name, "")) for name in ("Message-ID", "Date", "To", "Subject"))]
        )
        letter_id = hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()[:20]
        while letter_id in seen:  # the same message sent twice: the older copy gets the next id
            letter_id = hashlib.sha256(letter_id.encode()).hexdigest()[:20]
        seen.add(letter_id)
        found.append(Letter(letter_id, item.message, item.provider_id))
    return found


def answer(path: str, query: str, kept: Sequence[Kept] | None, *, smtp: tuple[str, int] | None = None) -> Answer:
    """The mailbox's answer to a GET of `path` (under PATH) with `query`. `kept` is None when this
    stack's sender keeps no mail."""
    wants_json = path.endswith(".json") or parse_qs(query).get("format") == ["json"]
    rest = path.removesuffix(".json")[len(PATH) :]
    found = letters(kept or [])
    if rest in ("", "/"):
        if wants_json:
            smtp_shown = {"host": smtp[0], "port": smtp[1]} if smtp else None
            document = {
                "messages": [letter.summary() for letter in found],
                "smtp": smtp_shown,
                "keeping": kept is not None,
            }
            return _json(200, document)
        return _html(200, list_page(found, keeping=kept is not None, smtp=smtp))
    letter_id = rest.removeprefix("/")
    letter = next((item for item in found if item.id == letter_id), None) if _ID.match(letter_id) else None
    if letter is None:
        if wants_json:
            return _json(404, {"error": "no such message", "kept": len(found)})
        return _html(404, _page("No such message", f"<h1>No such message</h1>{_back()}"))
    if wants_json:
        return _json(200, letter.detail())
    return _html(200, message_page(letter))


def list_page(found: Sequence[Letter], *, keeping: bool = True, smtp: tuple[str, int] | None = None) -> str:
    if not keeping:
        note = "This stack's sender keeps no mail, so there is nothing to show."
    else:
        note = f"{len(found)} message{'s' if len(found) != 1 else ''} sent by this dev server, newest first "
        note += "(the last 500 are kept until it stops)."
    if smtp is not None:
        note += f" Mail in: SMTP on {smtp[0]}:{smtp[1]}."
    rows = "".join(
        "<tr>"
        f"<td>{_e(letter.header('Date'))}</td><td>{_e(letter.header('From'))}</td><td>{_e(letter.header('To'))}</td>"
        f'<td><a href="{_e(PATH)}/{_e(letter.id)}">{_e(letter.header("Subject") or "(no subject)")}</a></td>'
        "</tr>\n"
        for letter in found
    )
    table = (
        "<table><thead><tr><th>Date</th><th>From</th><th>To</th><th>Subject</th></tr></thead>"
        f"<tbody>\n{rows}</tbody></table>"
        if found
        else "<p>No mail yet.</p>"
    )
    body = (
        f'<h1>Dev mailbox</h1><p class="note">{_e(note)} As JSON: <a href="{PATH}.json">{PATH}.json</a>.</p>\n{table}'
    )
    return _page("Dev mailbox", body)


def message_page(letter: Letter) -> str:
    detail = letter.detail()
    subject = letter.header("Subject") or "(no subject)"
    facts = "".join(
        f"<tr><th>{_e(label)}</th><td>{_e(letter.header(name))}</td></tr>"
        for label, name in (("From", "From"), ("To", "To"), ("Reply-To", "Reply-To"), ("Date", "Date"))
        if letter.header(name)
    )
    text = detail["text"]
    html = detail["html"]
    text_section = f"<pre>{_linked(text)}</pre>" if text is not None else "<p>No text part.</p>"
    if html is not None:
        html_section = (
            f'<iframe sandbox="" title="The HTML part" srcdoc="{_e(html)}"></iframe>'
            f"<details><summary>HTML source</summary><pre>{_e(html)}</pre></details>"
        )
    else:
        html_section = "<p>No HTML part.</p>"
    headers = "".join(
        f'<tr><th scope="row">{_e(name)}</th><td class="value">{_e(value)}</td></tr>\n'
        for name, value in detail["headers"]
    )
    parts = "".join(f"<li>{_e(part)}</li>" for part in detail["parts"])
    body = (
        f"{_back()}<h1>{_e(subject)}</h1><table>{facts}</table>\n"
        f'<h2 id="text">Text</h2>{text_section}\n<h2 id="html">HTML</h2>{html_section}\n'
        f'<h2 id="headers">Headers</h2><table class="headers">{headers}</table>\n'
        f"<h2>Parts</h2><ul>{parts}</ul>"
        f'<p class="note">As JSON: <a href="{PATH}/{_e(letter.id)}.json">{PATH}/{_e(letter.id)}.json</a></p>'
    )
    return _page(subject, body)


# --- helpers ---------------------------------------------------------------------------------


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    try:
        content = part.get_content()
    except Exception as exc:  # an unknown charset, a damaged encoding: say so instead of failing
        return f"(this part could not be decoded: {type(exc).__name__})"
    return content if isinstance(content, str) else None


def _describe(part: Message) -> str:
    name = part.get_filename()
    return part.get_content_type() + (f" ({name})" if name else "")


def _e(text: str) -> str:
    return escape(text, quote=True)


def _linked(text: str) -> str:
    """Escaped text, with its http(s) links clickable."""
    out: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        out.append(_e(text[last : match.start()]))
        url = match.group(0)
        out.append(f'<a href="{_e(url)}">{_e(url)}</a>')
        last = match.end()
    out.append(_e(text[last:]))
    return "".join(out)


def _back() -> str:
    return f'<p><a href="{PATH}">\u2190 All mail</a></p>'


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} \u00b7 Commons dev mailbox</title><style>{STYLE}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


def _html(status: int, page: str) -> Answer:
    return Answer(status, page.encode("utf-8", "backslashreplace"), "text/html; charset=utf-8")


def _json(status: int, document: Any) -> Answer:
    return Answer(status, json.dumps(document, indent=1).encode("utf-8"), "application/json")
