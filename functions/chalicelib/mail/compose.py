"""The messages Commons sends, built with the standard library (`email`, policy `default`).

Every notification and digest is multipart/alternative, text and HTML. The HTML is a table with
inline styles and nothing else, which Outlook desktop (Word's renderer) shows as intended. Text
we write is escaped; a post's HTML was sanitised with nh3 when it was written and goes in as it
is, its paths on the hub made absolute.

Headers that make mail behave:
- From `"<Author> via Commons" <space@mail domain>`, Reply-To a `reply+<token>@` address, so a
  reply by mail becomes a reply on the hub;
- our Message-ID, and In-Reply-To / References naming the post's own Message-ID, so that Gmail and
  Outlook thread every mail about a post together (Outlook also reads Thread-Topic and Thread-Index);
- Auto-Submitted and X-Auto-Response-Suppress, so that Exchange sends no out-of-office replies;
- List-Id, and List-Unsubscribe with its one-click POST (RFC 8058), never folded or encoded.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, formatdate, make_msgid
from html import escape
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from chalicelib.directory import Directory, Person, Space
from chalicelib.mail import addresses
from chalicelib.mail.config import MailSettings
from chalicelib.mail.preferences import Reason
from chalicelib.mail.tokens import ReplyTokens
from chalicelib.mail.unsubscribe import Stop, Unsubscribe, UnsubscribeTokens
from chalicelib.metrics import reading, rules
from chalicelib.posts.persistence.base import Post
from chalicelib.posts.titles import title_of

if TYPE_CHECKING:
    from chalicelib.mail.digest import Care, Digest, Item
    from chalicelib.mail.message import MailMessage

PREFERENCES_PATH = "/api/html/mail/preferences"
HEALTH_PATH = "/health/"
CARE_HEADING = "Needs care in your spaces"
UNSUBSCRIBE_PATH = "/api/mail/unsubscribe"
DIGEST_SENDER = "digest.noreply"  # not a space's address (slugs have no dot), nor a reply address
ANSWER_SENDER = "answers.noreply"
FONT = "font-family:'Segoe UI',Arial,Helvetica,sans-serif"


class _Verbatim(UnstructuredHeader):
    """A header written on one line as it is: a URL in List-Unsubscribe must not be folded or
    turned into an encoded-word, which clients would not read as a link."""

    def fold(self, *, policy: Any) -> str:
        # `name` comes from BaseHeader, which the registry mixes in (the stubs don't know).
        return f"{self.name}: {self}{policy.linesep}"  # type: ignore[attr-defined]


class _Registry(HeaderRegistry):
    """The standard registry makes a new class for every header it parses, which is most of the
    cost of building a message; the classes hold no state, so one per header name will do."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made

    def map_to_type(self, name: str, cls: type[BaseHeader]) -> None:
        super().map_to_type(name, cls)
        self._made.pop(name.lower(), None)


_registry = _Registry()
for _name in ("list-unsubscribe", "list-unsubscribe-post", "thread-index"):
    _registry.map_to_type(_name, cast(type[BaseHeader], _Verbatim))
POLICY = default.clone(header_factory=_registry)

REASONS: dict[Reason, tuple[str, str, Stop]] = {
    # reason -> (what happened, why they get it, what its List-Unsubscribe stops)
    "mention": ("{author} mentioned you in {space}", "someone mentioned you", "mentions"),
    "reply": ("{author} replied to your post in {space}", "someone replied to your post", "replies"),
    "thread": ("{author} replied in a thread you replied in, in {space}", "you replied in this thread", "replies"),
    "post": ("{author} posted in {space}", "you follow {space} and get each post as it comes", "space"),
}


def recipient_key(handle: str) -> str:
    """Tells one person's copy of a mail from another's, in its Message-ID, without naming them."""
    return hashlib.sha256(handle.lower().encode()).hexdigest()[:12]


def thread_index(root: Post, post: Post) -> str:
    """Outlook's Thread-Index: a header block from the thread's first post (its time, and a GUID
    made from its id), plus one child block for a reply. Every mail about a thread agrees."""
    root_time = _filetime(root.created_at)
    guid = hashlib.sha256(f"commons-thread:{root.id}".encode()).digest()[:16]
    block = struct.pack(">Q", root_time)[:6] + guid
    if post.id != root.id:
        delta = max(0, _filetime(post.created_at) - root_time)
        code, value = (0, delta >> 18) if delta < 1 << 49 else (1, delta >> 23)
        block += struct.pack(">IB", (code << 31) | (value & 0x7FFFFFFF), hashlib.sha256(post.id.encode()).digest()[0])
    return base64.b64encode(block).decode("ascii")


def _filetime(iso: str) -> int:
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        moment = 0.0
    return int((moment + 11_644_473_600) * 10_000_000)


class Composer:
    """Builds each kind of message from what it is about and who it is for."""

    def __init__(
        self,
        settings: MailSettings,
        public_origin: str,
        directory: Directory,
        replies: ReplyTokens,
        unsubscribes: UnsubscribeTokens,
    ) -> None:
        self.settings = settings
        self.origin = public_origin.rstrip("/")
        self.directory = directory
        self.replies = replies
        self.unsubscribes = unsubscribes

    # --- links ---

    def hub(self, path: str) -> str:
        return f"{self.origin}/{path.lstrip('/')}"

    def post_link(self, space: str, post_id: str) -> str:
        """The post on its space's hub page, which opens it (and its replies) from the anchor."""
        found = self.directory.space(space)
        if found is None:
            return self.hub(f"/api/html/posts/{quote(post_id, safe='')}")
        return self.hub(f"{found.url.strip('/')}/#post-{quote(post_id, safe='')}")

    def space_link(self, space: Space | None, slug: str) -> str:
        return self.hub(space.url if space is not None else f"/api/html/spaces/{quote(slug, safe='')}")

    def unsubscribe_link(self, handle: str, stop: Stop, space: str | None = None) -> str:
        token = self.unsubscribes.seal(Unsubscribe(handle, stop, space if stop == "space" else None))
        return f"{self.hub(UNSUBSCRIBE_PATH)}?t={quote(token, safe='')}"

    def absolute(self, post_html: str) -> str:
        """Post HTML with its links to paths on the hub made absolute, as mail has no base."""
        return re.sub(r'href="/(?!/)', f'href="{self.origin}/', post_html)

    # --- messages ---

    def notification(self, post: Post, root: Post, recipient: Person, reason: Reason, now: float) -> EmailMessage:
        """Mail about `post` (a post, or a reply under `root`; for a post, `root` is the post)."""
        author = self.directory.by_handle(post.author)
        author_name = author.name if author is not None else post.author
        space = self.directory.space(post.space)
        space_name = space.name if space is not None else post.space
        what, why, stop = REASONS[reason]
        topic = f"[{space_name}] {title_of(root.body)}"
        stop_link = self.unsubscribe_link(recipient.handle, stop, post.space)
        message = self._message(
            sender=Address(f"{author_name} via Commons", post.space, self.settings.domain),
            to=recipient,
            subject=topic if post.id == root.id else f"Re: {topic}",
            list_id=f"<{post.space}.{self.settings.domain}>",
            unsubscribe=stop_link,
            now=now,
        )
        message["Message-ID"] = f"<{addresses.message_id(post.id, recipient_key(recipient.handle), self._domain)}>"
        thread = f"<{addresses.thread_message_id(root.id, self._domain)}>"
        message["In-Reply-To"] = thread
        message["References"] = thread
        message["Thread-Topic"] = topic
        message["Thread-Index"] = thread_index(root, post)
        reply_to = self.replies.address(root.id, recipient.handle, self._domain, now)
        message["Reply-To"] = Address(f"{space_name} on Commons", addr_spec=reply_to)

        headline = what.format(author=author_name, space=space_name)
        reason_text = why.format(space=space_name)
        link = self.post_link(post.space, root.id)
        text = (
            f"{headline}:\n\n{post.body.strip()}\n\nOpen it on the hub: {link}\n"
            "Reply to this mail to reply on Commons.\n\n"
            f"-- \nYou get this mail because {reason_text}.\n"
            f"Stop these: {stop_link}\n{self._footer_text(recipient)}"
        )
        body = (
            f'<p style="margin:0 0 12px;color:#555555;font-size:13px">{escape(headline)}</p>'
            f'<div style="margin:0 0 16px">{self.absolute(post.html)}</div>'
            f"{_button(link, 'Open on the hub')}"
            '<p style="margin:12px 0 0;color:#555555;font-size:13px">Reply to this mail to reply on Commons.</p>'
        )
        footer = (
            f"You get this mail because {escape(reason_text)}. "
            f'<a href="{escape(stop_link)}" style="color:#555555">Stop these</a>. {self._footer_html(recipient)}'
        )
        _bodies(message, text, _layout(body, footer))
        return message

    def digest(self, digest: Digest, recipient: Person, now: float) -> EmailMessage:
        posts = sum(len(section.items) + section.more for section in digest.sections)
        subject = f"Your {digest.kind} Commons digest: {posts} new post{'s' if posts != 1 else ''}"
        if digest.mentions:
            subject += f", {len(digest.mentions)} mentioning you"
        if digest.care:
            needing = len(digest.care) + digest.care_more
            subject += f", {needing} of your spaces need{'s' if needing == 1 else ''} care"
        stop_link = self.unsubscribe_link(recipient.handle, "digest")
        message = self._message(
            sender=Address("Commons", DIGEST_SENDER, self.settings.domain),
            to=recipient,
            subject=subject,
            list_id=f"<digest.{self.settings.domain}>",
            unsubscribe=stop_link,
            now=now,
        )
        key = recipient_key(recipient.handle)
        message["Message-ID"] = f"<digest.{digest.kind}.{digest.label}.{key}@{self._domain}>"
        lines = [f"Your {digest.kind} digest, {digest.span}.", ""]
        html = [f'<h1 style="margin:0 0 4px;font-size:20px">Your {digest.kind} digest</h1>']
        html.append(f'<p style="margin:0 0 16px;color:#555555;font-size:13px">{escape(digest.span)}</p>')
        if digest.care:
            care_text, care_html = self._care(digest)
            lines += care_text
            html.append(care_html)
        for section in digest.sections:
            space = self.directory.space(section.space)
            name = space.name if space is not None else section.space
            count = len(section.items) + section.more
            heading = f"{name}: {count} new post{'s' if count != 1 else ''}"
            if section.outcomes:
                heading += f", {section.outcomes} outcome{'s' if section.outcomes != 1 else ''} achieved this week"
            lines += [heading, *(self._item_text(item) for item in section.items)]
            html.append(f'<h2 style="margin:20px 0 8px;font-size:16px">{escape(heading)}</h2>')
            html.append(_table(self._item_html(item) for item in section.items))
            if section.more:
                more_link = self.space_link(space, section.space)
                lines.append(f"  ...and {section.more} more: {more_link}")
                html.append(f'<p style="margin:4px 0"><a href="{escape(more_link)}">And {section.more} more</a></p>')
            lines.append("")
        if digest.mentions:
            lines += ["Posts that mention you", *(self._item_text(item) for item in digest.mentions), ""]
            html.append('<h2 style="margin:20px 0 8px;font-size:16px">Posts that mention you</h2>')
            html.append(_table(self._item_html(item) for item in digest.mentions))
        if digest.outcomes_total:
            total = digest.outcomes_total
            across = f"This week across Commons: {total} outcome{'s' if total != 1 else ''} achieved."
            lines += [across, ""]
            html.append(f'<p style="margin:20px 0 0">{escape(across)}</p>')
        text = "\n".join(lines) + (
            f"\n-- \nYou get this digest because it is on in your mail preferences.\n"
            f"Stop the digest: {stop_link}\n{self._footer_text(recipient)}"
        )
        footer = (
            "You get this digest because it is on in your mail preferences. "
            f'<a href="{escape(stop_link)}" style="color:#555555">Stop the digest</a>. {self._footer_html(recipient)}'
        )
        _bodies(message, text, _layout("\n".join(html), footer))
        return message

    def _care(self, digest: Digest) -> tuple[list[str], str]:
        """A steward's "Needs care in your spaces": per space, whether it is quiet, its posts
        unanswered after a working day (linked, the rest counted) and whether its outcome was
        never marked; then how many more spaces need care, linked to the health page."""
        lines = [CARE_HEADING]
        rows = []
        for care in digest.care:
            space = self.directory.space(care.space)
            name = space.name if space is not None else care.space
            link = self.space_link(space, care.space)
            notes = self._care_notes(care)
            lines.append(f"{name}: {link}")
            lines += [f"  * {note}" for note in notes]
            cell = [f'<a href="{escape(link)}" style="color:#3f51b5;font-weight:bold">{escape(name)}</a>']
            cell += [f'<br><span style="color:#333333">{escape(note)}</span>' for note in notes]
            if care.unanswered:
                count = len(care.unanswered) + care.unanswered_more
                waiting = f"{count} post{'s' if count != 1 else ''} unanswered after a working day:"
                lines.append(f"  * {waiting}")
                cell.append(f'<br><span style="color:#333333">{escape(waiting)}</span>')
                for post_id in care.unanswered:
                    posted = f"Posted {_when(rules.created(post_id))}"
                    href = self.post_link(care.space, post_id)
                    lines.append(f"    - {posted}: {href}")
                    cell.append(f'<br>&nbsp;&nbsp;<a href="{escape(href)}" style="color:#3f51b5">{escape(posted)}</a>')
                if care.unanswered_more:  # the health page lists them all
                    health = self.hub(HEALTH_PATH)
                    lines.append(f"    ...and {care.unanswered_more} more: {health}")
                    cell.append(
                        f'<br>&nbsp;&nbsp;<a href="{escape(health)}" style="color:#3f51b5">'
                        f"And {care.unanswered_more} more</a>"
                    )
            rows.append("".join(cell))
        html = f'<h2 style="margin:20px 0 8px;font-size:16px">{escape(CARE_HEADING)}</h2>' + _table(rows)
        if digest.care_more:
            health = self.hub(HEALTH_PATH)
            more = f"And {digest.care_more} more space{'s' if digest.care_more != 1 else ''}"
            lines.append(f"  ...{more[0].lower()}{more[1:]}: {health}")
            html += f'<p style="margin:4px 0"><a href="{escape(health)}">{escape(more)}</a></p>'
        lines.append("")
        return lines, html

    @staticmethod
    def _care_notes(care: Care) -> list[str]:
        notes = []
        if care.quiet:
            last = f", the last on {_when(rules.parse_iso(care.last_post_at), hour=False)}" if care.last_post_at else ""
            notes.append(f"Quiet: no post in {reading.QUIET_DAYS // 7} weeks{last}")
        if care.never_marked:
            notes.append("Its outcome was never marked achieved")
        return notes

    # --- parts ---

    @property
    def _domain(self) -> str:
        return self.settings.domain

    def _message(
        self, *, sender: Address, to: Person, subject: str, list_id: str, unsubscribe: str, now: float
    ) -> EmailMessage:
        from datetime import UTC, datetime

        message = EmailMessage(policy=POLICY)
        message["From"] = sender
        message["To"] = Address(to.name, addr_spec=to.email)
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.fromtimestamp(now, UTC))
        message["Auto-Submitted"] = "auto-generated"
        message["X-Auto-Response-Suppress"] = "All"
        message["Precedence"] = "bulk"
        message["List-Id"] = list_id
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return message

    def _footer_text(self, recipient: Person) -> str:
        return (
            f"Stop all mail from Commons: {self.unsubscribe_link(recipient.handle, 'all')}\n"
            f"Your mail preferences: {self.hub(PREFERENCES_PATH)}\n"
        )

    def _footer_html(self, recipient: Person) -> str:
        everything = escape(self.unsubscribe_link(recipient.handle, "all"))
        return (
            f'<a href="{everything}" style="color:#555555">Stop all mail from Commons</a> · '
            f'<a href="{escape(self.hub(PREFERENCES_PATH))}" style="color:#555555">Your mail preferences</a>'
        )

    def _item_text(self, item: Item) -> str:
        return f"  * {item.title} ({self._who(item)})\n    {self.post_link(item.space, item.id)}"

    def _item_html(self, item: Item) -> str:
        mark = ' <span style="color:#2e7d32">\u2714 outcome</span>' if item.outcome else ""
        excerpt = f'<br><span style="color:#333333">{escape(item.excerpt)}</span>' if item.excerpt != item.title else ""
        return (
            f'<a href="{escape(self.post_link(item.space, item.id))}" style="color:#3f51b5;font-weight:bold">'
            f"{escape(item.title)}</a>{mark}{excerpt}"
            f'<br><span style="color:#666666;font-size:13px">{escape(self._who(item))}</span>'
        )

    def _who(self, item: Item) -> str:
        author = self.directory.by_handle(item.author)
        replies = f"{item.replies} repl{'y' if item.replies == 1 else 'ies'}"
        outcome = ", achieved the outcome" if item.outcome else ""
        return f"{author.name if author is not None else item.author}, {replies}{outcome}"


def _when(epoch: float, hour: bool = True) -> str:
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(epoch, UTC)
    day = f"{moment.day} {moment:%B %Y}"
    return f"{day}, {moment:%H:%M} UTC" if hour else day


def _table(rows: Any) -> str:
    cells = "".join(f'<tr><td style="padding:6px 0;border-bottom:1px solid #eeeeee">{row}</td></tr>\n' for row in rows)
    return f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">{cells}</table>'


def _button(href: str, label: str) -> str:
    return (
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>'
        f'<td style="background:#3f51b5;padding:8px 14px"><a href="{escape(href)}" '
        f'style="color:#ffffff;text-decoration:none;{FONT};font-size:14px">{escape(label)}</a></td></tr></table>'
    )


def _layout(body: str, footer: str) -> str:
    """One centred 600-pixel table: what Outlook desktop and phones both show well."""
    cell = f"{FONT};font-size:15px;line-height:1.5;color:#1b1b1b"
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>\n'
        '<body style="margin:0;padding:0;background:#f4f4f4">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" '
        'style="background:#f4f4f4"><tr><td align="center" style="padding:16px">\n'
        '<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" '
        'style="width:600px;max-width:100%;background:#ffffff;border:1px solid #dddddd">\n'
        f'<tr><td style="padding:20px;{cell}">\n{body}\n</td></tr>\n'
        f'<tr><td style="padding:12px 20px;border-top:1px solid #dddddd;{FONT};font-size:12px;'
        f'line-height:1.5;color:#666666">\n{footer}\n</td></tr>\n'
        "</table></td></tr></table></body></html>\n"
    )


def _bodies(message: EmailMessage, text: str, html: str) -> None:
    # HTML says every other character as a reference, so it stays 7-bit as it is.
    html = html.encode("ascii", "xmlcharrefreplace").decode("ascii")
    message.make_alternative()
    message.add_alternative(text, cte=_transfer_encoding(text))
    message.add_alternative(html, subtype="html", cte=_transfer_encoding(html))


def _transfer_encoding(text: str) -> str:
    """7-bit as it is when it can be (the cheapest, and what filters like), else quoted-printable,
    which keeps every line short and the message 7-bit whatever the text holds."""
    if text.isascii() and all(len(line) <= 900 for line in text.split("\n")):
        return "7bit"
    return "quoted-printable"


def answer(
    to: str, subject: str, text: str, settings: MailSettings, original: MailMessage | None = None
) -> EmailMessage:
    """A short plain answer to someone who wrote to Commons (what went wrong, what to do), threaded
    under their message. Marked auto-replied, so that their own auto-responder stays quiet."""
    message = EmailMessage(policy=POLICY)
    message["From"] = Address("Commons", ANSWER_SENDER, settings.domain)
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid("answer", domain=settings.domain)
    message["Date"] = formatdate(usegmt=True)
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    if original is not None and original.message_id:
        message["In-Reply-To"] = f"<{original.message_id}>"
        references = [*original.references, original.message_id][-10:]
        message["References"] = " ".join(f"<{reference}>" for reference in references)
    body = text.strip() + "\n"
    message.set_content(body, cte=_transfer_encoding(body))
    return message
