"""Mail preferences and who they send mail to: the defaults, what JSON and forms may change, the
signed unsubscribe links, the rules of notifications, and bounces that stop mail. In memory."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from chalicelib.config import SessionKey
from chalicelib.directory import Directory, Person
from chalicelib.errors import InvalidInputError, PayloadTooLargeError, UnsafeReturnError
from chalicelib.mail import preferences
from chalicelib.mail.config import MailSettings
from chalicelib.mail.fanout import MemoryQueue
from chalicelib.mail.persistence.base import Preferences, Suppression
from chalicelib.mail.persistence.memory import MemoryMailStore
from chalicelib.mail.sending import KeepingSender
from chalicelib.mail.services import MailServices
from chalicelib.mail.unsubscribe import Unsubscribe, UnsubscribeLinkError, UnsubscribeTokens, apply
from chalicelib.posts import authoring
from chalicelib.posts.actors import Actor
from chalicelib.posts.config import PostsSettings
from chalicelib.posts.persistence.base import Post
from chalicelib.posts.persistence.memory import MemoryPostsStore
from chalicelib.posts.services import PostsServices
from chalicelib.signing import TokenSigner
from chalicelib.table import Location
from chalicelib.web.http import Incoming

KEYS = (SessionKey("k1", b"k" * 32),)
NOW = 1_795_000_000.0
PEOPLE = {
    handle: {"name": handle.title(), "email": f"{handle}@example.com", "team": team}
    for handle, team in (("jane", "platform"), ("omar", "design"), ("lee", "platform"), ("ana", "platform"))
}
SPACES = {
    "platform": {"name": "Platform", "stewards": ["jane", "omar"]},
    "design": {"name": "Design", "stewards": ["omar", "lee"]},
    "apps": {"name": "Apps", "stewards": ["ana", "jane"]},
}


class NullSender:
    def send(self, message: EmailMessage) -> str:
        return f"ses-{uuid.uuid4().hex[:8]}"


@pytest.fixture()
def directory(tmp_path: Path) -> Directory:
    path = tmp_path / "directory.json"
    path.write_text(json.dumps({"people": PEOPLE, "spaces": SPACES}))
    return Directory(str(path))


class World:
    def __init__(self, directory: Directory, queue: MemoryQueue | None = None) -> None:
        self.directory = directory
        self.posts = MemoryPostsStore()
        self.store = MemoryMailStore()
        self.sender = KeepingSender(NullSender())
        self.mail = MailServices.build(
            MailSettings(domain="mail.example.com"),
            directory,
            KEYS,
            PostsServices.build(PostsSettings(), directory, KEYS, self.posts),
            public_origin="https://hub.example.com",
            location=Location("unused", "us-east-1", ""),
            store=self.store,
            sender=self.sender,
            queue=queue,
            clock=lambda: NOW,
        )

    def person(self, handle: str) -> Person:
        found = self.directory.by_handle(handle)
        assert found is not None
        return found

    def write(self, handle: str, body: str, parent: Post | None = None, space: str = "platform") -> Post:
        actor = Actor(handle, handle.title(), self.directory.stewarded_by(handle))
        key = uuid.uuid4().hex
        if parent is None:
            created = authoring.create_post(
                self.posts, self.directory, actor, space, body, key, rate_limit=100, clock=lambda: NOW
            )
        else:
            created = authoring.create_reply(
                self.posts, self.directory, actor, parent.id, body, key, rate_limit=100, clock=lambda: NOW
            )
        self.mail.notifier.post_created(created.post)
        return created.post

    def mailed(self) -> dict[str, str]:
        """Who got mail, each with the first line of its text."""
        out = {}
        for kept in self.sender.kept():
            text = kept.message.get_body(("plain",))
            assert text is not None
            out[kept.message["To"].addresses[0].username] = str(text.get_content()).split("\n", 1)[0]
        return out


@pytest.fixture()
def world(directory: Directory) -> World:
    return World(directory)


# --- defaults and what changes them --------------------------------------------------------------


def test_the_defaults_follow_the_team_and_the_stewarded_spaces_with_the_weekly_digest(world: World) -> None:
    shown = world.mail.preferences.shown(world.person("jane"))
    assert shown == {
        "follows": ["apps", "platform"],
        "each_post": False,
        "digest": "weekly",
        "mentions": True,
        "replies": True,
        "suppressed": None,
        "spaces": [
            {"slug": "apps", "name": "Apps"},
            {"slug": "design", "name": "Design"},
            {"slug": "platform", "name": "Platform"},
        ],
    }
    assert world.store.preferences("jane") is None, "nothing is stored until the person chooses"


def test_json_changes_only_the_fields_sent_and_null_follows_means_the_defaults(world: World) -> None:
    jane = world.person("jane")
    change = preferences.from_json({"digest": "daily", "follows": ["design"]}, preferences.DEFAULTS, world.directory)
    world.mail.preferences.change(jane, change)
    assert world.store.preferences("jane") == Preferences(follows=frozenset({"design"}), digest="daily")
    again = preferences.from_json({"each_post": True}, world.mail.preferences.current(jane), world.directory)
    world.mail.preferences.change(jane, again)
    shown = world.mail.preferences.shown(jane)
    assert (shown["follows"], shown["digest"], shown["each_post"]) == (["design"], "daily", True)
    reset = preferences.from_json({"follows": None}, world.mail.preferences.current(jane), world.directory)
    world.mail.preferences.change(jane, reset)
    assert world.mail.preferences.shown(jane)["follows"] == ["apps", "platform"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"follows": ["nowhere"]}, "There is no space 'nowhere' to follow."),
        ({"follows": "platform"}, "follows must be a list of space slugs, or null."),
        ({"follows": [1]}, "follows must be a list of space slugs, or null."),
        ({"digest": "hourly"}, 'digest must be "off", "daily" or "weekly".'),
        ({"each_post": "yes"}, "each_post must be true or false."),
        ({"mentions": 1}, "mentions must be true or false."),
        ({"resume": "on"}, "resume must be true or false."),
    ],
)
def test_bad_json_choices_are_refused_with_a_message(world: World, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        preferences.from_json(fields, preferences.DEFAULTS, world.directory)
    assert refused.value.message == message


def form(body: str) -> Incoming:
    return Incoming("POST", "/api/mail/preferences", {}, {}, {}, body.encode())


def test_a_form_names_every_choice_follows_repeated_once_per_space(world: World) -> None:
    fields, back = preferences.read_form(
        form("follows=design&follows=apps&digest=off&replies=on&return_to=%2Fpeople%2Fjane%2F")
    )
    assert back == "/people/jane/"
    change = preferences.from_form(fields, world.directory)
    assert change.preferences == Preferences(
        follows=frozenset({"design", "apps"}), each_post=False, digest="off", mentions=False, replies=True
    )
    nothing, _ = preferences.read_form(form("digest=weekly"))
    assert preferences.from_form(nothing, world.directory).preferences == Preferences(
        follows=frozenset(), mentions=False, replies=False
    ), "a box left out is off, and no follows is none"
    resume, _ = preferences.read_form(form("resume=on"))
    assert preferences.from_form(resume, world.directory) == preferences.Change(None, resume=True)


def test_a_form_with_hundreds_of_spaces_is_read(world: World) -> None:
    fields, _ = preferences.read_form(form("&".join(["follows=platform"] * 600) + "&digest=weekly"))
    assert len(fields["follows"]) == 600


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        ("digest=weekly&digest=daily", InvalidInputError, "The form sent 'digest' twice."),
        ("digest=weekly&colour=red", InvalidInputError, "Unknown field(s): colour."),
        ("digest=weekly&each_post=yes", InvalidInputError, "The box each_post sends 'on' or nothing."),
        ("follows=platform", InvalidInputError, "The form did not say what to change."),
        ("digest=weekly&return_to=https%3A%2F%2Fevil.example%2F", UnsafeReturnError, "outside this hub"),
        ("digest=weekly&follows=gone", InvalidInputError, "There is no space 'gone' to follow."),
    ],
)
def test_bad_forms_are_refused_with_a_message(world: World, body: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as refused:
        fields, _ = preferences.read_form(form(body))
        preferences.from_form(fields, world.directory)
    assert message in getattr(refused.value, "message", "")


def test_a_form_over_64_kb_is_refused_before_it_is_read() -> None:
    with pytest.raises(PayloadTooLargeError):
        preferences.read_form(form("follows=" + "x" * 70_000))


# --- unsubscribe links ---------------------------------------------------------------------------


def test_an_unsubscribe_token_opens_to_what_it_names_and_nothing_else() -> None:
    tokens = UnsubscribeTokens(KEYS)
    for unsubscribe in (
        Unsubscribe("jane", "digest"),
        Unsubscribe("jane", "space", "design"),
        Unsubscribe("jane", "all"),
    ):
        assert tokens.open(tokens.seal(unsubscribe)) == unsubscribe
    token = tokens.seal(Unsubscribe("jane", "digest"))
    version, key, _payload, signature = token.split(".")
    forged = json.dumps({"h": "omar", "w": "all"}).encode()
    from chalicelib._encoding import b64url_encode

    for bad in (
        f"{version}.{key}.{b64url_encode(forged)}.{signature}",  # another person, same signature
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "",
        None,
        "u1.k1.e30",
        "x" * 2000,
    ):
        with pytest.raises(UnsubscribeLinkError):
            tokens.open(bad)
    other_purpose = TokenSigner(KEYS, purpose="session", version="u1", what="x").seal(b'{"h":"jane","w":"all"}')
    with pytest.raises(UnsubscribeLinkError):
        tokens.open(other_purpose)
    other_key = UnsubscribeTokens((SessionKey("k1", b"z" * 32),)).seal(Unsubscribe("jane", "all"))
    with pytest.raises(UnsubscribeLinkError):
        tokens.open(other_key)


def test_unsubscribing_turns_off_only_what_the_link_names() -> None:
    start = Preferences(follows=None, each_post=True, digest="daily")
    follows = frozenset({"platform", "apps"})
    assert apply(Unsubscribe("j", "digest"), start, follows) == replace(start, digest="off")
    assert apply(Unsubscribe("j", "mentions"), start, follows) == replace(start, mentions=False)
    assert apply(Unsubscribe("j", "replies"), start, follows) == replace(start, replies=False)
    assert apply(Unsubscribe("j", "space", "apps"), start, follows) == replace(start, follows=frozenset({"platform"}))
    assert apply(Unsubscribe("j", "all"), start, follows) == Preferences(
        follows=None, each_post=False, digest="off", mentions=False, replies=False
    )


def test_unsubscribing_from_a_space_keeps_the_other_defaults(world: World) -> None:
    world.mail.preferences.unsubscribe(Unsubscribe("jane", "space", "apps"))
    assert world.mail.preferences.shown(world.person("jane"))["follows"] == ["platform"]


# --- who gets notified ---------------------------------------------------------------------------


def test_a_mention_mails_the_person_mentioned_never_the_author(world: World) -> None:
    world.write("jane", "Ping @lee and @jane and @nobody")
    assert world.mailed() == {"lee": "Jane mentioned you in Platform:"}


def test_a_reply_mails_the_post_s_author_and_everyone_who_replied_each_once(world: World) -> None:
    root = world.write("jane", "A plan")
    world.write("lee", "Me too", parent=root)
    world.sender._kept.clear()
    world.write("omar", "Agreed, @lee", parent=root)
    assert world.mailed() == {
        "jane": "Omar replied to your post in Platform:",
        "lee": "Omar mentioned you in Platform:",
    }


def test_new_posts_mail_the_followers_who_get_each_post(world: World) -> None:
    world.store.save_preferences("lee", Preferences(each_post=True))  # follows platform: the team
    world.store.save_preferences("omar", Preferences(each_post=True, follows=frozenset({"design"})))
    world.store.save_preferences("ana", Preferences(each_post=False))
    root = world.write("jane", "News")
    assert world.mailed() == {"lee": "Jane posted in Platform:"}
    world.sender._kept.clear()
    world.write("ana", "Reply", parent=root)
    assert world.mailed() == {"jane": "Ana replied to your post in Platform:"}, "replies go to the thread only"


def test_preferences_turned_off_stop_each_kind(world: World) -> None:
    world.store.save_preferences("lee", Preferences(mentions=False, replies=False, each_post=True))
    root = world.write("lee", "Mine")
    world.write("jane", "Hi @lee", parent=root)
    world.write("jane", "Hi again @lee")
    assert world.mailed() == {"lee": "Jane posted in Platform:"}, "a mention falls back to the space they follow"


def test_suppressed_addresses_and_people_not_in_the_directory_get_nothing(world: World) -> None:
    world.store.suppress(Suppression("lee@example.com", "bounce", "2026-11-26T10:00:00Z"))
    post = world.write("jane", "Hi @lee and @omar")
    assert world.mailed() == {"omar": "Jane mentioned you in Platform:"}
    stranger = replace(post, id="01JD0000000000000000000099", thread="01JD0000000000000000000099", author="gone")
    world.posts._posts[stranger.id] = stranger
    world.sender._kept.clear()
    _, recipients = world.mail.notifier.recipients(replace(stranger, mentions=("ghost", "omar")))
    assert [r.person.handle for r in recipients] == ["omar"]


def test_with_a_queue_a_new_post_only_puts_a_job_and_delivery_sends(directory: Directory) -> None:
    queue = MemoryQueue()
    world = World(directory, queue)
    post = world.write("jane", "Hi @lee")
    assert world.sender.kept() == []
    assert [json.loads(body) for body in queue.bodies] == [{"kind": "post", "post": post.id}]
    done = world.mail.deliver(queue.take(10))
    assert (done.jobs, done.requeued, done.dropped) == (1, 0, 0)
    assert world.mailed() == {"lee": "Jane mentioned you in Platform:"}
    world.posts._posts[post.id] = replace(post, deleted=True)
    world.sender._kept.clear()
    world.mail.deliver([json.dumps({"kind": "post", "post": post.id})])
    assert world.sender.kept() == [], "a post deleted before its job runs mails nobody"


# --- bounces -------------------------------------------------------------------------------------


def ses_event(kind: str, **details: Any) -> dict[str, Any]:
    key = kind.lower()
    return {"eventType": kind, "mail": {"messageId": "x"}, key: details}


def test_a_permanent_bounce_or_a_complaint_stops_mail_a_transient_bounce_does_not(world: World) -> None:
    handle = world.mail.handle_ses_event
    transient = ses_event("Bounce", bounceType="Transient", bouncedRecipients=[{"emailAddress": "jane@example.com"}])
    assert handle(transient) == []
    permanent = ses_event(
        "Bounce",
        bounceType="Permanent",
        timestamp="2026-11-26T10:00:00.000Z",
        bouncedRecipients=[{"emailAddress": "Lee <LEE@example.com>"}],
    )
    assert handle(permanent) == ["lee@example.com"]
    complaint = {
        "notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": "ana@example.com"}]},
    }
    envelope = {"Type": "Notification", "Message": json.dumps(complaint)}
    assert handle(json.dumps(envelope)) == ["ana@example.com"]
    assert world.store.suppression("lee@example.com") == Suppression(
        "lee@example.com", "bounce", "2026-11-26T10:00:00.000Z"
    )
    shown = world.mail.preferences.shown(world.person("ana"))["suppressed"]
    assert shown is not None and shown["reason"] == "complaint"
    for junk in ("not json", "[]", {"eventType": "Delivery"}, {"eventType": "Bounce", "bounce": "x"}):
        assert handle(junk) == []
    world.mail.preferences.change(world.person("lee"), preferences.Change(None, resume=True))
    assert world.store.suppression("lee@example.com") is None
