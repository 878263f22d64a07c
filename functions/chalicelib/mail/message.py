"""A received message, read once into what intake needs. `read_message` is the only parser.

It reads with the standard library's `email` package (policy `default`) and never raises anything
but `MessageTooLargeError` and `UnreadableMessageError`: whatever else a message holds (wrong
charsets, broken MIME, 8-bit headers, lone surrogates) is read as well as it can be, into text that
is valid Unicode.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses

from chalicelib.errors import InvalidInputError
from chalicelib.mail.html_text import html_to_text

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
_MAX_PARTS = 500  # MIME parts looked at; a message with more is read up to there
_MAX_NESTING = 20


class MessageTooLargeError(InvalidInputError):
    code = "message-too-large"
    title = "That message is too large"
    message = "Messages to Commons can be at most 10 MB, attachments included."


class UnreadableMessageError(InvalidInputError):
    code = "unreadable-message"
    title = "That message could not be read"
    message = "The message was not a readable email."


@dataclass(frozen=True)
class Mailbox:
    """One address of a header, as written: the display name and the address itself."""

    name: str
    address: str  # as written; compare with `.lower()`


@dataclass(frozen=True)
class MailMessage:
    # From, when it holds exactly one mailbox that parses cleanly; None when From is missing, repeated,
    # names several mailboxes or parses only with errors (ambiguous From headers are how senders are spoofed).
    sender: Mailbox | None
    recipients: tuple[Mailbox, ...]  # To and Cc, in order
    subject: str
    message_id: str  # without the angle brackets; "" when the message has none
    in_reply_to: tuple[str, ...]  # Message-IDs, without angle brackets
    references: tuple[str, ...]
    headers: dict[str, str] = field(default_factory=dict)  # lower-case name -> the first value, decoded
    text: str = ""  # the body as plain text: text/plain preferred, else converted from text/html
    html: bool = False  # the text came from an HTML part
    left_out: tuple[str, ...] = ()  # names (or types) of attachments that were not kept
    content_type: str = "text/plain"  # the message's own type, such as multipart/report
    size: int = 0  # bytes, as received
    html_body: str = ""  # the HTML that `text` was converted from, when `html`; `quotes` reads its markers


def read_message(raw: bytes) -> MailMessage:
    """Read a message as received. Refuses one over `MAX_MESSAGE_BYTES` or one that holds no headers."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise MessageTooLargeError(f"message of {len(raw)} bytes is over {MAX_MESSAGE_BYTES}")
    if not raw.strip():
        raise UnreadableMessageError("empty message")
    try:
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is meant not to raise; if it does, the message is unreadable
        raise UnreadableMessageError(f"the email parser failed: {type(exc).__name__}") from exc
    if not isinstance(parsed, EmailMessage) or not parsed.keys():
        raise UnreadableMessageError("no headers")
    try:
        return _read(parsed, len(raw))
    except RecursionError as exc:
        raise UnreadableMessageError("MIME nested too deeply") from exc


def _read(parsed: EmailMessage, size: int) -> MailMessage:
    headers: dict[str, str] = {}
    for name, value in parsed.raw_items():
        key = _clean(name).strip().lower()
        if key and key not in headers:
            headers[key] = _header_text(key, value)
    body = _Body()
    body.collect(parsed, 0)
    text, is_html, html_body = body.result()
    return MailMessage(
        sender=_sender(parsed),
        recipients=tuple(mailbox for name in ("to", "cc") for mailbox in _mailboxes(parsed, name)),
        subject=" ".join(headers.get("subject", "").split()),
        message_id=next(iter(_message_ids(headers.get("message-id", ""))), ""),
        in_reply_to=_message_ids(headers.get("in-reply-to", "")),
        references=_message_ids(headers.get("references", "")),
        headers=headers,
        text=text,
        html=is_html,
        left_out=tuple(dict.fromkeys(body.left_out)),
        content_type=_safe_type(parsed),
        size=size,
        html_body=html_body,
    )


# --- headers -------------------------------------------------------------------------------------

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def _clean(text: str) -> str:
    """Valid Unicode without control characters: raw 8-bit bytes (surrogate-escaped) read as UTF-8 or
    Windows-1252, any other lone surrogate replaced."""
    if _SURROGATES.search(text):
        try:
            data = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            text = _SURROGATES.sub("\ufffd", text)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252", "replace")
            text = _SURROGATES.sub("\ufffd", text)
    return _CONTROLS.sub("", text)


def _header_text(name: str, value: str) -> str:
    """One header's value, RFC 2047 words decoded, unfolded."""
    value = _LINE_BREAKS.sub("", _clean(value))
    try:
        return _clean(str(policy.default.header_factory(name, value)))
    except Exception:  # header classes have raised on odd input before; the raw value still reads
        return value


# Defects of spelling, not of structure: none of them lets two readers see two different addresses.
_HARMLESS_DEFECTS = frozenset(
    {
        "ObsoleteHeaderDefect",  # Jane Q. Doe <jane@example.com>, an unquoted period
        "NonASCIILocalPartDefect",  # RFC 6532 addresses
        "CharsetError",  # an encoded display name in an unknown charset
        "UndecodableBytesDefect",
        "InvalidBase64PaddingDefect",
        "InvalidBase64CharactersDefect",
        "InvalidBase64LengthDefect",
    }
)


def _sender(parsed: EmailMessage) -> Mailbox | None:
    values = [value for name, value in parsed.raw_items() if name.strip().lower() == "from"]
    if len(values) != 1:
        return None
    value = _LINE_BREAKS.sub("", _clean(values[0]))
    try:
        header = policy.default.header_factory("from", value)
        addresses = header.addresses
    except Exception:
        return None
    if any(type(defect).__name__ not in _HARMLESS_DEFECTS for defect in header.defects) or len(addresses) != 1:
        return None
    # A second reading must agree, so that no reader of this message sees another author.
    others = [address for _, address in getaddresses([value])]
    mailbox = _mailbox(addresses[0].display_name, addresses[0].addr_spec)
    if mailbox is None or [address.lower() for address in others] != [mailbox.address.lower()]:
        return None
    return mailbox


def _mailboxes(parsed: EmailMessage, header_name: str) -> list[Mailbox]:
    found: list[Mailbox] = []
    for name, value in parsed.raw_items():
        if name.strip().lower() != header_name:
            continue
        value = _LINE_BREAKS.sub("", _clean(value))
        try:
            pairs = [(a.display_name, a.addr_spec) for a in policy.default.header_factory(name, value).addresses]
        except Exception:
            pairs = getaddresses([value])
        found.extend(mailbox for pair in pairs if (mailbox := _mailbox(*pair)) is not None)
    return found


def _mailbox(name: str, address: str) -> Mailbox | None:
    address, name = _clean(address).strip(), " ".join(_clean(name).split())
    local, _, domain = address.rpartition("@")
    if not local or not domain or any(c.isspace() or c in "<>" for c in address):
        return None
    return Mailbox(name=name, address=address)


_ID = re.compile(r"<([^<>]*)>")


def _message_ids(value: str) -> tuple[str, ...]:
    bracketed = _ID.findall(value)
    ids = bracketed if bracketed else value.replace(",", " ").split()
    return tuple(dict.fromkeys(cleaned for found in ids if (cleaned := "".join(found.split()).strip("<>"))))


# --- body ----------------------------------------------------------------------------------------

_IGNORED_TYPES = frozenset(
    {
        "application/ms-tnef",  # winmail.dat: Outlook's rich-text copy of what the other parts say
        "application/vnd.ms-tnef",
        "application/pgp-signature",
        "application/pkcs7-signature",
        "application/x-pkcs7-signature",
    }
)
_ALIASES = {
    "iso-8859-1": "cp1252",  # as browsers do: mail labelled Latin-1 is often Windows-1252
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "utf8": "utf-8",
}
_ASCII = frozenset({"us-ascii", "ascii", "ansi_x3.4-1968", "x-unknown", "unknown-8bit", ""})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


class _Body:
    """Walks the MIME tree: the text parts a person reads become the body, the rest is left out."""

    def __init__(self) -> None:
        self.pieces: list[tuple[bool, str]] = []  # (is HTML, text)
        self.left_out: list[str] = []
        self.parts_seen = 0

    def collect(self, part: Message, depth: int, *, body: bool = True) -> None:
        self.parts_seen += 1
        if self.parts_seen > _MAX_PARTS or depth > _MAX_NESTING:
            return
        kind = _safe_type(part)
        if kind.startswith("multipart/") and part.is_multipart():
            children = [child for child in part.get_payload() if isinstance(child, Message)]
            self._multipart(kind, children, depth, body=body)
        elif kind.startswith("message/") and part.is_multipart():
            self.left_out.append(_part_name(part))
        elif kind in _IGNORED_TYPES or (_part_name(part).lower() == "winmail.dat"):
            return
        elif _is_body_text(part, kind):
            if body:
                self.pieces.append((kind == "text/html", _part_text(part, kind)))
        else:
            self.left_out.append(_part_name(part))

    def _multipart(self, kind: str, children: list[Message], depth: int, *, body: bool) -> None:
        if not children:
            return
        if kind == "multipart/alternative":
            chosen = _preferred(children)
            for child in children:
                self.collect(child, depth + 1, body=body and child is chosen)
        elif kind in ("multipart/report", "multipart/signed"):
            self.collect(children[0], depth + 1, body=body)  # the rest is the report or the signature
        elif kind == "multipart/related":
            for index, child in enumerate(children):
                self.collect(child, depth + 1, body=body and index == 0)
        else:
            for child in children:
                self.collect(child, depth + 1, body=body)

    def result(self) -> tuple[str, bool, str]:
        """(text, whether it came from HTML, the HTML)."""
        if not any(is_html for is_html, _ in self.pieces):
            return "\n\n".join(text.strip("\n") for _, text in self.pieces if text.strip()), False, ""
        markup = "\n".join(
            text if is_html else "<div>" + html.escape(text).replace("\n", "<br>\n") + "</div>"
            for is_html, text in self.pieces
        )
        return html_to_text(markup), True, markup


def _safe_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def _is_body_text(part: Message, kind: str) -> bool:
    if kind not in ("text/plain", "text/html") and not kind.startswith("multipart/"):
        return False
    try:
        disposition = part.get_content_disposition()
        named = part.get_filename() is not None
    except Exception:
        return False
    return disposition != "attachment" and not named


def _preferred(children: list[Message]) -> Message:
    """The alternative to read: text/plain first, then a part holding text/plain, then HTML, then the last."""
    kinds = [_safe_type(child) for child in children]
    for child, kind in zip(children, kinds, strict=True):
        if kind == "text/plain" and _is_body_text(child, kind):
            return child
    for child, kind in zip(children, kinds, strict=True):
        if kind.startswith("multipart/") and _holds_plain(child, 3):
            return child
    for child, kind in zip(children, kinds, strict=True):
        if kind == "text/html":
            return child
    return children[-1]


def _holds_plain(part: Message, depth: int) -> bool:
    if _safe_type(part) == "text/plain":
        return _is_body_text(part, "text/plain")
    if depth == 0 or not part.is_multipart():
        return False
    return any(_holds_plain(child, depth - 1) for child in part.get_payload() if isinstance(child, Message))


def _part_name(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name:
        name = _clean(str(name)).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or _safe_type(part))[:200]


def _part_text(part: Message, kind: str) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    try:
        charset = part.get_content_charset() or ""
    except Exception:
        charset = ""
    if not charset and kind == "text/html":
        declared = _META_CHARSET.search(payload[:4096])
        charset = declared.group(1).decode("ascii", "replace").lower() if declared else ""
    text = _LINE_BREAKS.sub("\n", _decode(payload, charset))
    if kind == "text/plain" and str(part.get_param("format", "")).lower() == "flowed":
        text = unflow(text, delete_space=str(part.get_param("delsp", "")).lower() == "yes")
    return _clean(text.replace("\x00", ""))


def _decode(payload: bytes, charset: str) -> str:
    label = charset.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        if label in _ASCII or codecs.lookup(label).name == "utf-8":
            return _utf8_or_legacy(payload)
        return payload.decode(label, "replace")
    except (LookupError, UnicodeError, ValueError, TypeError):  # unknown, or not a text encoding (base64...)
        return _utf8_or_legacy(payload)


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _utf8_or_legacy(payload: bytes) -> str:
    """UTF-8 when the bytes are UTF-8 (or mostly: a few broken bytes), else Windows-1252, the usual other."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _UTF8_SEQUENCE.search(payload):
        return payload.decode("utf-8", "replace")
    return payload.decode("cp1252", "replace")


def unflow(text: str, *, delete_space: bool = False) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676), keeping quote depths apart."""
    lines: list[tuple[int, str]] = []
    joining = False
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delete_space:
            content = content[:-1]
        if joining and lines and lines[-1][0] == depth:
            lines[-1] = (depth, lines[-1][1] + content)
        else:
            lines.append((depth, content))
        joining = flowed
    return "\n".join(
        (">" * depth + " " + content).rstrip() if depth else (content if content == "-- " else content.rstrip())
        for depth, content in lines
    )
