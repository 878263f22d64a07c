"""Outbound mail against moto's server over HTTP: DynamoDB for posts and preferences, SQS for the
fan-out, SES v2 for sending, SNS for bounces. The app is served by the dev server, with the mail
Blueprint and `Services.mail` wired as app.py and runtime.py wire them.

- the SQS fan-out, end to end: a new post puts a job, a digest run puts batches, and draining
  the queue into `deliver` sends each mail once through SesSender to moto's SES;
- bounces: an SES event published to SNS (delivered to an SQS subscription, as SNS delivers it)
  suppresses the address, and no more mail goes to it; the preferences say so;
- unsubscribe: GET shows a confirm button and changes nothing, the one-click POST (no session, no
  Origin) turns off what the link names, and an altered link is a 400 page that changes nothing.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from email.message import EmailMessage
from typing import Any

import pytest
import requests

from chalicelib.auth.sessions import COOKIE, Session, SessionSigner
from chalicelib.config import Settings
from chalicelib.mail.config import MailSettings
from chalicelib.mail.fanout import SqsQueue
from chalicelib.mail.persistence.base import Preferences
from chalicelib.mail.sending import KeepingSender, SesSender
from chalicelib.mail.services import MailServices
from chalicelib.posts import authoring
from chalicelib.posts.actors import Actor
from chalicelib.posts.persistence.base import Post
from chalicelib.runtime import Services, install
from devstack import local_aws
from devstack import server as devserver
from tests.conftest import free_port

DOMAIN = "mail.commons.test"
DAY = 86_400
PEOPLE = {
    "jane.doe": ("Jane Doe", "platform"),
    "lee.park": ("Lee Park", "platform"),
    "omar.haddad": ("Omar Haddad", "design"),
    **{f"staff.{n:02d}": (f"Staff {n}", "platform" if n % 2 else "design") for n in range(9)},
}
SPACES = {
    "platform": {"name": "Platform", "stewards": ["jane.doe", "omar.haddad"], "url": "teams/platform/"},
    "design": {"name": "Design", "stewards": ["omar.haddad", "lee.park"], "url": "teams/design/"},
}


@dataclass
class Outbound:
    origin: str
    settings: Settings
    services: Services
    kept: KeepingSender
    sqs: Any
    ses: Any
    sns: Any
    queue_url: str
    endpoint: str

    def url(self, path: str) -> str:
        return self.origin + path

    def cookie(self, handle: str | None) -> dict[str, str]:
        now = int(time.time())
        name = PEOPLE.get(handle or "", ("New Starter", ""))[0]
        session = Session(f"sub-{handle}", handle, name, f"{handle}@example.com", now, now + 3600)
        return {COOKIE: SessionSigner(self.settings.session_keys).seal(session)}

    @property
    def mail(self) -> MailServices:
        return self.services.mail

    def drain(self) -> int:
        """Take every message off the queue, ten at a time, into `deliver`, as the event source does."""
        batches = 0
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            messages = answer.get("Messages", [])
            if not messages:
                return batches
            batches += 1
            self.mail.deliver([message["Body"] for message in messages])
            entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)

    def queued(self) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["All"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def ses_sent(self) -> int:
        """What moto's SES has sent in all (its send quota's count)."""
        client = local_aws.client("ses", self.endpoint)
        return int(client.get_send_quota()["SentLast24Hours"])

    def mailed(self) -> list[EmailMessage]:
        return [kept.message for kept in self.kept.kept()]

    def write(self, handle: str, body: str, space: str, at: float, parent: Post | None = None) -> Post:
        store, directory = self.services.posts.store, self.services.directory
        actor = Actor(handle, PEOPLE[handle][0], directory.stewarded_by(handle))
        key = uuid.uuid4().hex
        if parent is not None:
            return authoring.create_reply(
                store, directory, actor, parent.id, body, key, rate_limit=999, clock=lambda: at
            ).post
        return authoring.create_post(store, directory, actor, space, body, key, rate_limit=999, clock=lambda: at).post


@pytest.fixture(scope="module")
def outbound(tmp_path_factory: pytest.TempPathFactory, local_dynamodb: str) -> Iterator[Outbound]:
    work = tmp_path_factory.mktemp("outbound")
    root = work / "hub"
    root.mkdir()
    people = {
        handle: {"name": name, "email": f"{handle}@example.com", "team": team, "url": f"people/{handle}/"}
        for handle, (name, team) in PEOPLE.items()
    }
    (root / "directory.json").write_text(json.dumps({"people": people, "spaces": SPACES}))
    dev = devserver.dev_secrets(work / "state")
    port = free_port()
    origin = f"http://localhost:{port}"
    table = f"mail-{uuid.uuid4().hex[:10]}"
    settings = devserver.app_settings(
        origin=origin,
        issuer="http://127.0.0.1:9/unused-issuer",
        client_id="commons",
        client_secret="unused",
        dev=dev,
        directory=root / "directory.json",
        overrides={"COMMONS_DYNAMODB_ENDPOINT": local_dynamodb, "COMMONS_TABLE": table},
    )
    sqs, ses, sns = (local_aws.client(name, local_dynamodb) for name in ("sqs", "sesv2", "sns"))
    ses.create_email_identity(EmailIdentity=DOMAIN)
    queue_url = sqs.create_queue(QueueName=f"mail-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    mail_settings = MailSettings(
        domain=DOMAIN,
        configuration_set="commons",
        queue_url=queue_url,
        send_rate_per_second=1000,  # sends are paced; the figure that matters here is the job size
        delivery_concurrency=1,
    )
    settings = replace(settings, mail=mail_settings)
    kept = KeepingSender(SesSender("commons", _client=ses))
    services = Services.build(settings, mail_sender=kept, mail_queue=SqsQueue(queue_url, client=sqs))
    assert services.posts.store.create_storage()
    services.mail.delivery.planned_seconds = 0.03  # three people a job, at 1,000 a second in batches of ten
    install(services)
    server = devserver.make_server(root, "127.0.0.1", port, {dev.cloudfront_key_pair_id: dev.cloudfront_public_key})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Outbound(origin, settings, services, kept, sqs, ses, sns, queue_url, local_dynamodb)
    finally:
        server.shutdown()
        server.server_close()
        install(None)


@pytest.fixture()
def fresh(outbound: Outbound) -> Iterator[Outbound]:
    """Each test from an empty queue and mailbox, everyone on the default choices, with the services
    installed."""
    install(outbound.services)
    outbound.drain()
    outbound.kept._kept.clear()
    for handle in PEOPLE:
        outbound.mail.store.save_preferences(handle, Preferences())
    yield outbound
    outbound.drain()


def to(message: EmailMessage) -> str:
    return str(message["To"].addresses[0].addr_spec)


# --- the SQS fan-out -----------------------------------------------------------------------------


def test_a_post_made_on_the_web_puts_one_job_and_delivery_mails_the_people_it_mentions(fresh: Outbound) -> None:
    before = fresh.ses_sent()
    answer = requests.post(
        fresh.url("/api/spaces/platform/posts"),
        json={"body": "Release today, @lee.park and @omar.haddad"},
        headers={"Origin": fresh.origin, "Idempotency-Key": uuid.uuid4().hex},
        cookies=fresh.cookie("jane.doe"),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    post_id = answer.json()["post"]["id"]
    assert fresh.mailed() == [] and fresh.queued() == 1, "the write only put a job"
    assert fresh.drain() == 1
    mailed = {to(message): message for message in fresh.mailed()}
    assert set(mailed) == {"lee.park@example.com", "omar.haddad@example.com"}
    assert fresh.ses_sent() - before == 2, "each went through SES, once"
    message = mailed["lee.park@example.com"]
    assert message["In-Reply-To"] == f"<post.{post_id}@{DOMAIN}>"
    assert str(message["From"]) == f"Jane Doe via Commons <platform@{DOMAIN}>"
    assert str(message["Reply-To"]).split("<")[1].startswith("reply+")


def test_a_digest_run_puts_batches_on_sqs_and_delivery_sends_each_digest_once(fresh: Outbound) -> None:
    now = time.time()
    run_at = (int(now // DAY) * DAY) + 6 * 3600  # today, 06:00 UTC: covers yesterday
    yesterday = run_at - 6 * 3600 - DAY / 2
    fresh.write("jane.doe", "Platform news for everyone", "platform", at=yesterday)
    design = fresh.write("omar.haddad", "Design review for @jane.doe", "design", at=yesterday + 60)
    fresh.write("lee.park", "I'll come", "design", at=yesterday + 120, parent=design)
    fresh.write("jane.doe", "From the day before", "platform", at=yesterday - DAY)
    for handle in PEOPLE:
        fresh.mail.store.save_preferences(handle, Preferences(digest="daily"))
    fresh.mail.store.save_preferences("staff.00", Preferences(digest="weekly"))
    before = fresh.ses_sent()
    run = fresh.mail.run_digests("daily", run_at)
    everyone = len(PEOPLE) - 1  # staff.00 takes the weekly digest
    assert (run.people, run.digests, run.empty, run.posts) == (everyone, everyone, 0, 2)
    assert run.jobs == 4 and fresh.queued() == 4, "11 digests, three people a job"
    assert fresh.mailed() == [], "the run only queues"
    batches = fresh.drain()
    assert batches >= 1 and fresh.queued() == 0
    mailed = [to(message) for message in fresh.mailed()]
    assert sorted(mailed) == sorted(f"{handle}@example.com" for handle in PEOPLE if handle != "staff.00")
    assert fresh.ses_sent() - before == everyone
    jane = next(m for m in fresh.mailed() if to(m) == "jane.doe@example.com")
    text = jane.get_body(("plain",))
    assert text is not None
    body = str(text.get_content())
    assert "Platform: 1 new post\n  * Platform news for everyone (Jane Doe, 0 replies)" in body
    assert "Design:" not in body, "jane follows her team's space and the one she stewards"
    assert "Posts that mention you\n  * Design review for @jane.doe (Omar Haddad, 1 reply)" in body
    assert "From the day before" not in body
    lee = next(m for m in fresh.mailed() if to(m) == "lee.park@example.com").get_body(("plain",))
    assert lee is not None and "Design: 1 new post" in str(lee.get_content())
    assert jane["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


# --- bounces -------------------------------------------------------------------------------------


def _bounce(address: str, kind: str) -> dict[str, Any]:
    return {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": kind,
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": address, "action": "failed", "status": "5.1.1"}],
            "timestamp": "2026-11-26T10:00:00.000Z",
            "feedbackId": "feedback",
        },
        "mail": {"timestamp": "2026-11-26T09:59:59.000Z", "messageId": "ses-message", "destination": [address]},
    }


def _through_sns(outbound: Outbound, event: dict[str, Any]) -> list[str]:
    """Publish the event to an SNS topic and read it as its subscriber receives it."""
    topic = outbound.sns.create_topic(Name=f"ses-events-{uuid.uuid4().hex[:6]}")["TopicArn"]
    inbox = outbound.sqs.create_queue(QueueName=f"events-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    arn = outbound.sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    outbound.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    outbound.sns.publish(TopicArn=topic, Message=json.dumps(event))
    bodies = [m["Body"] for m in outbound.sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10)["Messages"]]
    envelopes = [json.loads(body) for body in bodies]
    assert [envelope["Type"] for envelope in envelopes] == ["Notification"]
    # Chalice's on_sns_message hands the handler the envelope's Message, as app.py does.
    return [address for envelope in envelopes for address in outbound.mail.handle_ses_event(envelope["Message"])]


def test_a_permanent_bounce_through_sns_stops_mail_to_the_address_and_the_page_says_so(fresh: Outbound) -> None:
    assert _through_sns(fresh, _bounce("staff.01@example.com", "Transient")) == []
    assert fresh.mail.store.suppression("staff.01@example.com") is None, "a transient bounce stops nothing"
    assert _through_sns(fresh, _bounce("Staff.01@Example.com", "Permanent")) == ["staff.01@example.com"]
    before = fresh.ses_sent()
    answer = requests.post(
        fresh.url("/api/spaces/platform/posts"),
        json={"body": "Hello @staff.01 and @staff.03"},
        headers={"Origin": fresh.origin, "Idempotency-Key": uuid.uuid4().hex},
        cookies=fresh.cookie("jane.doe"),
        timeout=10,
    )
    assert answer.status_code == 201
    fresh.drain()
    assert [to(message) for message in fresh.mailed()] == ["staff.03@example.com"]
    assert fresh.ses_sent() - before == 1
    shown = requests.get(fresh.url("/api/mail/preferences"), cookies=fresh.cookie("staff.01"), timeout=10).json()
    assert shown["suppressed"] == {"reason": "bounce", "at": "2026-11-26T10:00:00.000Z"}
    page = requests.get(fresh.url("/api/html/mail/preferences"), cookies=fresh.cookie("staff.01"), timeout=10)
    assert "Mail to your address stopped on 2026-11-26" in page.text and 'name="resume"' in page.text
    again = requests.post(
        fresh.url("/api/mail/preferences"),
        data={"resume": "on", "return_to": "/api/html/mail/preferences?saved=1"},
        headers={"Origin": fresh.origin},
        cookies=fresh.cookie("staff.01"),
        allow_redirects=False,
        timeout=10,
    )
    assert again.status_code == 303
    assert fresh.mail.store.suppression("staff.01@example.com") is None


# --- unsubscribe ---------------------------------------------------------------------------------


def _link(fresh: Outbound, handle: str) -> str:
    """The List-Unsubscribe URL of a mail just sent to `handle`, as a path on our origin."""
    requests.post(
        fresh.url("/api/spaces/platform/posts"),
        json={"body": f"For @{handle}"},
        headers={"Origin": fresh.origin, "Idempotency-Key": uuid.uuid4().hex},
        cookies=fresh.cookie("jane.doe"),
        timeout=10,
    ).raise_for_status()
    fresh.drain()
    message = next(m for m in fresh.mailed() if to(m) == f"{handle}@example.com")
    link = str(message["List-Unsubscribe"])[1:-1]
    assert link.startswith(fresh.origin + "/api/mail/unsubscribe?t=")
    return link


def test_the_unsubscribe_link_asks_first_and_its_one_click_post_turns_mail_off(fresh: Outbound) -> None:
    link = _link(fresh, "staff.05")
    before = fresh.mail.store.preferences("staff.05")
    # A GET (a mail scanner, or the person) only shows the confirm button.
    shown = requests.get(link, timeout=10)
    assert shown.status_code == 200 and shown.headers["Content-Type"].startswith("text/html")
    assert "Stop mail when someone mentions you?" in shown.text
    form = re.search(r'<form method="post" action="([^"]+)">', shown.text)
    assert form is not None and form.group(1).replace("&amp;", "&") == link.removeprefix(fresh.origin)
    assert 'name="List-Unsubscribe" value="One-Click"' in shown.text and "<script" not in shown.text
    assert "sha256-" in shown.headers["Content-Security-Policy"]
    assert fresh.mail.store.preferences("staff.05") == before, "the GET changed nothing"
    # RFC 8058: the mail client POSTs, with no session and no Origin.
    clicked = requests.post(
        link,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert clicked.status_code == 200, clicked.text
    assert "will not send you mail when someone mentions you" in clicked.text
    assert fresh.mail.store.preferences("staff.05") == replace(before or Preferences(), mentions=False)
    # Done twice, it is still done; and now a mention of staff.05 mails nobody.
    assert requests.post(link, data="List-Unsubscribe=One-Click", timeout=10).status_code == 200
    fresh.kept._kept.clear()
    requests.post(
        fresh.url("/api/spaces/platform/posts"),
        json={"body": "Again @staff.05"},
        headers={"Origin": fresh.origin, "Idempotency-Key": uuid.uuid4().hex},
        cookies=fresh.cookie("jane.doe"),
        timeout=10,
    ).raise_for_status()
    fresh.drain()
    assert fresh.mailed() == []


def test_the_footer_link_stops_all_mail_and_the_digest_link_only_the_digest(fresh: Outbound) -> None:
    link = _link(fresh, "staff.07")
    message = next(m for m in fresh.mailed() if to(m) == "staff.07@example.com")
    text = message.get_body(("plain",))
    assert text is not None
    everything = re.search(r"Stop all mail from Commons: (\S+)", str(text.get_content()))
    assert everything is not None and everything.group(1) != link
    before = fresh.mail.store.preferences("staff.07") or Preferences()
    assert requests.post(everything.group(1), data="List-Unsubscribe=One-Click", timeout=10).status_code == 200
    assert fresh.mail.store.preferences("staff.07") == replace(
        before, each_post=False, digest="off", mentions=False, replies=False
    )


def test_an_altered_unsubscribe_link_is_a_400_page_and_changes_nothing(fresh: Outbound) -> None:
    link = _link(fresh, "staff.03")
    before = (fresh.mail.store.preferences("jane.doe"), fresh.mail.store.preferences("staff.03"))
    token = link.split("?t=", 1)[1]
    version, key, payload, signature = token.split(".")
    from chalicelib._encoding import b64url_decode, b64url_encode

    other = json.loads(b64url_decode(payload))
    other["h"] = "jane.doe"
    forged = f"{version}.{key}.{b64url_encode(json.dumps(other).encode())}.{signature}"
    for bad in (forged, token[:-3], "", "not-a-token"):
        url = fresh.url(f"/api/mail/unsubscribe?t={bad}")
        for answer in (
            requests.get(url, timeout=10),
            requests.post(url, data="List-Unsubscribe=One-Click", timeout=10),
        ):
            assert answer.status_code == 400, (bad, answer.status_code)
            assert answer.headers["Content-Type"].startswith("text/html")
            assert "That unsubscribe link is not valid" in answer.text and "Traceback" not in answer.text
    assert (fresh.mail.store.preferences("jane.doe"), fresh.mail.store.preferences("staff.03")) == before


def test_only_the_one_click_post_is_exempt_from_the_origin_check(fresh: Outbound) -> None:
    answer = requests.post(
        fresh.url("/api/mail/preferences"),
        json={"digest": "off"},
        cookies=fresh.cookie("lee.park"),
        timeout=10,
    )
    assert answer.status_code == 403 and answer.json()["error"] == "cross-origin"
    assert (fresh.mail.store.preferences("lee.park") or Preferences()).digest != "off"


# --- the preferences API -------------------------------------------------------------------------


def test_preferences_in_json_show_the_defaults_and_take_allowlisted_changes(fresh: Outbound) -> None:
    jar = fresh.cookie("lee.park")
    shown = requests.get(fresh.url("/api/mail/preferences"), cookies=jar, timeout=10).json()
    assert shown["follows"] == ["design", "platform"] and shown["digest"] == "weekly"
    assert shown["spaces"] == [{"slug": "design", "name": "Design"}, {"slug": "platform", "name": "Platform"}]
    headers = {"Origin": fresh.origin}
    changed = requests.post(
        fresh.url("/api/mail/preferences"),
        json={"follows": ["design"], "each_post": True},
        headers=headers,
        cookies=jar,
        timeout=10,
    )
    assert changed.status_code == 200 and changed.json()["follows"] == ["design"] and changed.json()["each_post"]
    for document, message in (
        ({"follows": ["nowhere"]}, "There is no space 'nowhere' to follow."),
        ({"digest": "hourly"}, 'digest must be "off", "daily" or "weekly".'),
        ({"email": "x@evil.example"}, "Unknown field(s): email."),
    ):
        refused = requests.post(
            fresh.url("/api/mail/preferences"), json=document, headers=headers, cookies=jar, timeout=10
        )
        assert refused.status_code == 400 and refused.json()["message"] == message
    assert requests.get(fresh.url("/api/mail/preferences"), timeout=10).status_code == 401
    assert requests.get(fresh.url("/api/mail/preferences"), cookies=fresh.cookie(None), timeout=10).status_code == 403


def test_the_preferences_page_works_without_javascript(fresh: Outbound) -> None:
    jar = fresh.cookie("omar.haddad")
    page = requests.get(fresh.url("/api/html/mail/preferences"), cookies=jar, timeout=10)
    assert page.status_code == 200 and "<script" not in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'; style-src 'sha256-")
    assert 'name="follows" value="design" checked' in page.text and 'value="weekly" checked' in page.text
    saved = requests.post(
        fresh.url("/api/mail/preferences"),
        data=[("follows", "platform"), ("follows", "design"), ("digest", "daily"), ("replies", "on"),
              ("return_to", "/api/html/mail/preferences?saved=1")],
        headers={"Origin": fresh.origin},
        cookies=jar,
        allow_redirects=False,
        timeout=10,
    )  # fmt: skip
    assert saved.status_code == 303 and saved.headers["Location"] == "/api/html/mail/preferences?saved=1"
    assert fresh.mail.store.preferences("omar.haddad") == Preferences(
        follows=frozenset({"platform", "design"}), digest="daily", mentions=False, replies=True
    )
    again = requests.get(fresh.url("/api/html/mail/preferences?saved=1"), cookies=jar, timeout=10)
    assert "Your mail preferences are saved." in again.text and 'value="daily" checked' in again.text
    refused = requests.post(
        fresh.url("/api/mail/preferences"),
        data={"follows": "gone", "digest": "daily", "return_to": "/api/html/mail/preferences"},
        headers={"Origin": fresh.origin},
        cookies=jar,
        allow_redirects=False,
        timeout=10,
    )
    assert refused.status_code == 400 and refused.headers["Content-Type"].startswith("text/html")
    assert "There is no space &#x27;gone&#x27; to follow." in refused.text
    assert 'href="/api/html/mail/preferences"' in refused.text, "a way back to the form"
