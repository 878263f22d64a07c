"""Mail in and out through `MailServices` as the composition root builds it, in memory: a post by
email notifies the person it mentions; their reply to that notification (to its Reply-To, quoting
it as Outlook does) threads under the post without the quote and tells the author; a redelivery
posts nothing twice; the notification can't be replied to by someone else."""

from __future__ import annotations

import json
from dataclasses import replace
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path

import pytest

from chalicelib.config import SessionKey
from chalicelib.directory import Directory
from chalicelib.mail.config import MailSettings
from chalicelib.mail.persistence.memory import MemoryMailStore
from chalicelib.mail.sending import KeepingSender
from chalicelib.mail.services import MailServices
from chalicelib.mail.verdicts import Verdicts
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.persistence.memory import MemoryPostsStore
from chalicelib.posts.services import PostsServices
from chalicelib.table import Location

KEYS = (SessionKey("k1", b"r" * 32),)
DOMAIN = "mail.example.com"
PEOPLE = {
    "jane": {"name": "Jane Doe", "email": "jane@example.com", "team": "platform"},
    "lee": {"name": "Lee Park", "email": "lee@example.com", "team": "platform", "email_aliases": ["lp@old.example"]},
    "omar": {"name": "Omar Haddad", "email": "omar@example.com", "team": "design"},
}
SPACES = {"platform": {"name": "Platform", "stewards": ["jane"]}, "design": {"name": "Design", "stewards": ["omar"]}}


class Counter:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, message: EmailMessage) -> str:
        self.sent += 1
        return f"ses-{self.sent}"


class World:
    def __init__(self, tmp_path: Path, settings: MailSettings | None = None) -> None:
        path = tmp_path / "directory.json"
        path.write_text(json.dumps({"people": PEOPLE, "spaces": SPACES}))
        self.directory = Directory(str(path))
        self.posts = PostsServices.build(PostsSettings(), self.directory, KEYS, MemoryPostsStore())
        self.sender = KeepingSender(Counter())
        self.mail = MailServices.build(
            settings or MailSettings(domain=DOMAIN),
            self.directory,
            KEYS,
            self.posts,
            public_origin="https://hub.example.com",
            location=Location("unused", "us-east-1", ""),
            store=MemoryMailStore(),
            sender=self.sender,
        )

    def mailed_to(self, address: str) -> list[EmailMessage]:
        return [k.message for k in self.sender.kept() if k.message["To"].addresses[0].addr_spec == address]


@pytest.fixture()
def world(tmp_path: Path) -> World:
    return World(tmp_path)


def _message(sender: str, to: str, subject: str, text: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes(policy=SMTP)


def test_a_post_by_mail_notifies_the_mentioned_and_their_reply_threads_under_it(world: World) -> None:
    raw = _message("Jane Doe <jane@example.com>", f"platform@{DOMAIN}", "Deploy freeze", "From Friday, @lee please.")
    posted = world.mail.receive(raw, Verdicts.passing())
    assert (posted.action, posted.space, posted.author) == ("post", "platform", "jane")
    assert posted.body == "**Deploy freeze**\n\nFrom Friday, @lee please."

    [notification] = world.mailed_to("lee@example.com")
    [author] = notification["From"].addresses
    assert (author.display_name, author.addr_spec) == ("Jane Doe via Commons", f"platform@{DOMAIN}")
    assert notification["Auto-Submitted"] == "auto-generated"
    reply_to = notification["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("reply+") and reply_to.endswith(f"@{DOMAIN}")

    reply = _message(
        "Lee Park <lp@old.example>",  # an alias of Lee's: the token was made out to Lee
        reply_to,
        f"RE: {notification['Subject']}",
        "Works for me.\n\nFrom: Jane Doe via Commons <platform@mail.example.com>\nSent: Monday\n"
        "To: Lee Park\nSubject: Deploy freeze\n\nFrom Friday, @lee please.\n",
        In_Reply_To=notification["Message-ID"],
    )
    replied = world.mail.receive(reply, Verdicts.passing())
    assert (replied.action, replied.parent, replied.author) == ("reply", posted.post_id, "lee")
    assert replied.body == "Works for me."
    thread = world.posts.store.thread(str(posted.post_id), 10)
    assert [(p.author, p.body) for p in thread if p.parent is not None] == [("lee", "Works for me.")]
    [told] = world.mailed_to("jane@example.com")
    # Both mails thread under the post's own Message-ID, whoever they went to.
    root = f"<post.{posted.post_id}@{DOMAIN}>"
    assert root in told["References"] and root in (notification["References"] or notification["Message-ID"])

    again = world.mail.receive(reply, Verdicts.passing())
    assert (again.action, again.reason) == ("drop", "duplicate")
    assert len(world.posts.store.thread(str(posted.post_id), 10)) == 2


def test_someone_else_replying_with_the_token_is_answered_and_posts_nothing(world: World) -> None:
    raw = _message("jane@example.com", f"platform@{DOMAIN}", "Question", "Anyone, @lee?")
    posted = world.mail.receive(raw, Verdicts.passing())
    [notification] = world.mailed_to("lee@example.com")
    forward = _message("omar@example.com", notification["Reply-To"].addresses[0].addr_spec, "Re", "Me too")
    refused = world.mail.receive(forward, Verdicts.passing())
    assert (refused.action, refused.author) == ("reject", "omar")
    assert len(world.posts.store.thread(str(posted.post_id), 10)) == 1
    [answer] = world.mailed_to("omar@example.com")
    assert answer["Auto-Submitted"] == "auto-replied"
    # At most one answer per sender per reason per day.
    world.mail.receive(_message("omar@example.com", notification["Reply-To"].addresses[0].addr_spec, "Re", "Again"),
                       Verdicts.passing())  # fmt: skip
    assert len(world.mailed_to("omar@example.com")) == 1


def test_failing_verdicts_and_strangers_post_nothing_and_are_never_answered(world: World) -> None:
    spoofed = world.mail.receive(_message("jane@example.com", f"platform@{DOMAIN}", "Hi", "x"), Verdicts.failing())
    stranger = world.mail.receive(_message("eve@evil.example", f"platform@{DOMAIN}", "Hi", "x"), Verdicts.passing())
    assert (spoofed.action, stranger.action, stranger.reason) == ("drop", "drop", "stranger")
    assert world.sender.kept() == []


def test_without_a_mail_domain_nothing_is_mailed(tmp_path: Path) -> None:
    assert MailSettings.from_environ({}, []).enabled is False
    assert MailSettings.from_environ({"COMMONS_MAIL_DOMAIN": DOMAIN}, []).enabled is True
    on, off = World(tmp_path), World(tmp_path, replace(MailSettings(domain=DOMAIN), enabled=False))
    for world in (on, off):
        world.mail.receive(_message("jane@example.com", f"platform@{DOMAIN}", "Hello", "Hi @lee"), Verdicts.passing())
    assert len(on.mailed_to("lee@example.com")) == 1 and off.mailed_to("lee@example.com") == []
