"""Inbound mail against moto's server over HTTP, end to end as it runs in AWS: SES stores the
message in S3 and publishes a "Received" notification to SNS; SNS delivers it (here to an SQS
subscription, as moto can't invoke a Lambda over HTTP); the envelope becomes the event Lambda hands
to `app.receive_mail`, which reads the object from S3 through botocore's default session and posts
through the posts' services to DynamoDB. Answers go out through SES.

- a directory person's message to <space>@<domain> becomes a post in that space's feed, with the
  body the issue describes (the subject in bold, the reply without its quote);
- the same notification delivered twice posts once (the Message-ID is the idempotency key);
- failing verdicts and strangers post nothing and are never answered; a directory person whose
  message can't be used gets one answer, through SES;
- a reply to a `reply+token` address threads under the post;
- an SES Bounce published on SNS, through `app.mail_events`, suppresses the address;
- `make mail-check --dynamodb-endpoint` reads the same table: it sees the post a reply answers,
  and writes nothing.

The SQS fan-out, bounces through the store and unsubscribe are in test_mail_outbound.py.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

import app
import mailcheck
from chalicelib.mail.sending import KeepingSender, SesSender
from chalicelib.posts.persistence.base import Post
from chalicelib.runtime import Services, install
from devstack import local_aws
from devstack import server as devserver
from tests.conftest import free_port

DOMAIN = "mail.inbound.test"
PEOPLE = {
    "jane.doe": ("Jane Doe", "platform"),
    "lee.park": ("Lee Park", "platform"),
    "omar.haddad": ("Omar Haddad", "design"),
}
SPACES = {
    "platform": {"name": "Platform", "stewards": ["jane.doe", "omar.haddad"], "url": "teams/platform/"},
    "design": {"name": "Design", "stewards": ["omar.haddad", "lee.park"], "url": "teams/design/"},
}


@dataclass
class Inbound:
    services: Services
    kept: KeepingSender
    s3: Any
    sns: Any
    sqs: Any
    ses: Any
    bucket: str
    topic: str
    inbox: str
    endpoint: str
    table: str
    state: Path
    directory: Path

    def feed(self, space: str) -> list[Post]:
        return self.services.posts.store.feed("space", space, None, 100)[0]

    def ses_sent(self) -> int:
        """What moto's SES has sent in all (its send quota's count)."""
        return int(self.ses.get_send_quota()["SentLast24Hours"])

    def answered(self) -> list[str]:
        return [str(kept.message["To"]) for kept in self.kept.kept()]

    def store(self, raw: bytes) -> str:
        """What the receipt rule's S3 action does: the message, as received, in the bucket."""
        key = f"inbound/{uuid.uuid4().hex}"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=raw)
        return key

    def publish(self, notification: dict[str, Any]) -> dict[str, Any]:
        """SES publishes the notification; take the one SNS envelope off the subscribed queue."""
        self.sns.publish(TopicArn=self.topic, Message=json.dumps(notification))
        return self.one_envelope()

    def one_envelope(self) -> dict[str, Any]:
        answer = self.sqs.receive_message(QueueUrl=self.inbox, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages = answer.get("Messages", [])
        assert len(messages) == 1, messages
        self.sqs.delete_message(QueueUrl=self.inbox, ReceiptHandle=messages[0]["ReceiptHandle"])
        envelope: dict[str, Any] = json.loads(messages[0]["Body"])
        assert envelope["Type"] == "Notification" and envelope["TopicArn"] == self.topic
        return envelope


def lambda_event(envelope: dict[str, Any]) -> dict[str, Any]:
    """The event Lambda hands a function subscribed to the topic, built from what SNS delivered."""
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{envelope['TopicArn']}:{uuid.uuid4()}",
                "Sns": {
                    "Type": envelope["Type"],
                    "MessageId": envelope["MessageId"],
                    "TopicArn": envelope["TopicArn"],
                    "Subject": envelope.get("Subject"),
                    "Message": envelope["Message"],
                    "Timestamp": envelope["Timestamp"],
                    "SignatureVersion": envelope.get("SignatureVersion", "1"),
                    "Signature": envelope.get("Signature", ""),
                    "SigningCertUrl": envelope.get("SigningCertURL", ""),
                    "UnsubscribeUrl": envelope.get("UnsubscribeURL", ""),
                    "MessageAttributes": envelope.get("MessageAttributes", {}),
                },
            }
        ]
    }


def received(
    inbound: Inbound, key: str, sender: str, to: str, subject: str, *, verdict: str = "PASS"
) -> dict[str, Any]:
    """SES's "Received" notification for a message its receipt rule stored in S3."""
    message_id = f"ses-{uuid.uuid4().hex}"
    status = {"status": verdict}
    return {
        "notificationType": "Received",
        "mail": {
            "timestamp": "2026-12-01T09:00:00.000Z",
            "source": sender,
            "messageId": message_id,
            "destination": [to],
            "headersTruncated": False,
            "headers": [{"name": "From", "value": sender}, {"name": "To", "value": to}],
            "commonHeaders": {
                "returnPath": sender,
                "from": [sender],
                "date": "Tue, 1 Dec 2026 09:00:00 +0000",
                "to": [to],
                "messageId": f"<{message_id}@example.com>",
                "subject": subject,
            },
        },
        "receipt": {
            "timestamp": "2026-12-01T09:00:00.500Z",
            "processingTimeMillis": 420,
            "recipients": [to],
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": "PASS"},
            "spfVerdict": status,
            "dkimVerdict": status,
            "dmarcVerdict": status,
            "action": {
                "type": "S3",
                "topicArn": inbound.topic,
                "bucketName": inbound.bucket,
                "objectKeyPrefix": "inbound/",
                "objectKey": key,
            },
        },
    }


def mail(sender: str, to: str, subject: str, body: str, *, message_id: str = "") -> bytes:
    made = EmailMessage()
    made["From"] = sender
    made["To"] = to
    made["Subject"] = subject
    made["Date"] = "Tue, 01 Dec 2026 09:00:00 +0000"
    made["Message-ID"] = f"<{message_id or uuid.uuid4().hex}@example.com>"
    made.set_content(body)
    return made.as_bytes()


def deliver(inbound: Inbound, raw: bytes, sender: str, to: str, *, verdict: str = "PASS") -> dict[str, Any]:
    """Store, notify, and run the Lambda handler on what SNS delivered; the envelope, to deliver again."""
    address = sender.rpartition("<")[2].rstrip(">")
    envelope = inbound.publish(received(inbound, inbound.store(raw), address, to, "subject", verdict=verdict))
    app.receive_mail(lambda_event(envelope), None)
    return envelope


@pytest.fixture(scope="module")
def inbound_stack(tmp_path_factory: pytest.TempPathFactory, local_dynamodb: str) -> Iterator[Inbound]:
    work = tmp_path_factory.mktemp("inbound")
    directory = work / "directory.json"
    people = {
        handle: {"name": name, "email": f"{handle}@example.com", "team": team, "url": f"people/{handle}/"}
        for handle, (name, team) in PEOPLE.items()
    }
    directory.write_text(json.dumps({"people": people, "spaces": SPACES}))
    dev = devserver.dev_secrets(work / "state")
    table = f"inbound-{uuid.uuid4().hex[:10]}"
    with pytest.MonkeyPatch.context() as env:
        # What the function has in Lambda: its role's credentials and the region; here, moto's
        # server is the endpoint botocore's default session finds for S3 and SES.
        env.setenv("AWS_ENDPOINT_URL_S3", local_dynamodb)
        env.setenv("AWS_ENDPOINT_URL_SESV2", local_dynamodb)
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.setenv("AWS_CONFIG_FILE", str(work / "no-aws-config"))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(work / "no-aws-credentials"))
        env.delenv("AWS_PROFILE", raising=False)
        env.setenv("COMMONS_TABLE", table)  # the dev stack's settings read it; so does mail-check
        settings = devserver.app_settings(
            origin="http://localhost:8000",
            issuer="http://127.0.0.1:9/unused-issuer",
            client_id="commons",
            client_secret=dev.client_secret,
            dev=dev,
            directory=directory,
            overrides={
                "COMMONS_DYNAMODB_ENDPOINT": local_dynamodb,
                "COMMONS_MAIL_DOMAIN": DOMAIN,
                "COMMONS_POST_RATE_PER_MINUTE": "10000",
                "COMMONS_WRITE_RATE_PER_MINUTE": "10000",
            },
        )
        kept = KeepingSender(SesSender())  # SES v2 through the default session, as deployed
        services = Services.build(settings, mail_sender=kept)
        assert services.posts.store.create_storage()
        s3, sns, sqs, ses = (local_aws.client(name, local_dynamodb) for name in ("s3", "sns", "sqs", "ses"))
        local_aws.client("sesv2", local_dynamodb).create_email_identity(EmailIdentity=DOMAIN)
        bucket = f"commons-inbound-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=bucket)
        topic = sns.create_topic(Name=f"inbound-mail-{uuid.uuid4().hex[:6]}")["TopicArn"]
        inbox = sqs.create_queue(QueueName=f"inbound-{uuid.uuid4().hex[:6]}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        try:
            yield Inbound(
                services,
                kept,
                s3,
                sns,
                sqs,
                ses,
                bucket,
                topic,
                inbox,
                local_dynamodb,
                table,
                work / "state",
                directory,
            )
        finally:
            install(None)


@pytest.fixture()
def inbound(inbound_stack: Inbound) -> Iterator[Inbound]:
    """The stack's services installed, as the Lambda container builds them, and no answer kept yet."""
    install(inbound_stack.services)
    inbound_stack.kept._kept.clear()
    yield inbound_stack
    install(None)


def _posts_with(posts: list[Post], text: str) -> list[Post]:
    return [post for post in posts if text in post.body]


def test_a_message_stored_in_s3_and_notified_through_sns_becomes_a_post(inbound: Inbound) -> None:
    marker = uuid.uuid4().hex[:8]
    raw = mail(
        "Jane Doe <jane.doe@example.com>",
        f"platform@{DOMAIN}",
        "Release train *Friday*",
        f"The release train leaves on Friday ({marker}).\n\nJane\n\nOn Mon, Lee Park wrote:\n> is it Friday?\n",
    )
    before = inbound.ses_sent()
    deliver(inbound, raw, "jane.doe@example.com", f"platform@{DOMAIN}")
    posts = _posts_with(inbound.feed("platform"), marker)
    assert len(posts) == 1
    post = posts[0]
    assert (post.author, post.space, post.parent) == ("jane.doe", "platform", None)
    assert post.body == f"**Release train \\*Friday\\***\n\nThe release train leaves on Friday ({marker}).\n\nJane"
    assert "<strong>Release train *Friday*</strong>" in post.html
    assert inbound.answered() == [] and inbound.ses_sent() == before, "a post is not answered"


def test_the_same_notification_delivered_twice_posts_once(inbound: Inbound) -> None:
    marker = uuid.uuid4().hex[:8]
    raw = mail("Lee Park <lee.park@example.com>", f"platform@{DOMAIN}", "Twice", f"Only once, please ({marker}).")
    envelope = deliver(inbound, raw, "lee.park@example.com", f"platform@{DOMAIN}")
    app.receive_mail(lambda_event(envelope), None)  # SNS retries the same delivery
    # SES receives the same message again (a retry upstream): a new object, the same Message-ID.
    deliver(inbound, raw, "lee.park@example.com", f"platform@{DOMAIN}")
    assert len(_posts_with(inbound.feed("platform"), marker)) == 1
    assert inbound.answered() == [], "a duplicate is dropped without an answer"


def test_failing_verdicts_post_nothing_and_are_not_answered(inbound: Inbound) -> None:
    marker = uuid.uuid4().hex[:8]
    raw = mail("Jane Doe <jane.doe@example.com>", f"platform@{DOMAIN}", "Spoofed", f"Not really Jane ({marker}).")
    before = inbound.ses_sent()
    deliver(inbound, raw, "jane.doe@example.com", f"platform@{DOMAIN}", verdict="FAIL")
    assert _posts_with(inbound.feed("platform"), marker) == []
    assert inbound.answered() == [] and inbound.ses_sent() == before


def test_a_strangers_message_posts_nothing_and_is_not_answered(inbound: Inbound) -> None:
    marker = uuid.uuid4().hex[:8]
    raw = mail("Mallory <mallory@elsewhere.example>", f"platform@{DOMAIN}", "Hello", f"Let me in ({marker}).")
    before = inbound.ses_sent()
    deliver(inbound, raw, "mallory@elsewhere.example", f"platform@{DOMAIN}")
    assert _posts_with(inbound.feed("platform"), marker) == []
    assert inbound.answered() == [] and inbound.ses_sent() == before, "no backscatter"


def test_a_directory_person_whose_message_cant_be_used_gets_one_answer_through_ses(inbound: Inbound) -> None:
    before = inbound.ses_sent()
    for _ in range(2):
        raw = mail("Omar Haddad <omar.haddad@example.com>", f"nowhere@{DOMAIN}", "Hello", "Which space is this?")
        deliver(inbound, raw, "omar.haddad@example.com", f"nowhere@{DOMAIN}")
    assert inbound.answered() == ["omar.haddad@example.com"], "once a day per reason"
    assert inbound.ses_sent() - before == 1
    answer = inbound.kept.kept()[0].message
    assert answer["Auto-Submitted"] == "auto-replied"


def test_a_reply_to_the_reply_address_threads_under_the_post(inbound: Inbound) -> None:
    marker = uuid.uuid4().hex[:8]
    first = mail("Jane Doe <jane.doe@example.com>", f"design@{DOMAIN}", "Colours", f"Which palette? ({marker})")
    deliver(inbound, first, "jane.doe@example.com", f"design@{DOMAIN}")
    (post,) = _posts_with(inbound.feed("design"), marker)
    address = inbound.services.mail.intake.tokens.address(post.id, "lee.park", DOMAIN, time.time())
    reply = mail(
        "Lee Park <lee.park@example.com>",
        address,
        "Re: Colours",
        f"The second one ({marker}-reply).\n\nOn Tue, Jane Doe via Commons wrote:\n> Which palette?\n",
    )
    deliver(inbound, reply, "lee.park@example.com", address)
    thread = inbound.services.posts.store.thread(post.id, 50)
    replies = [p for p in thread if p.parent is not None]
    assert [(p.author, p.parent, p.thread, p.space) for p in replies] == [("lee.park", post.id, post.id, "design")]
    assert replies[0].body == f"The second one ({marker}-reply).", "no subject line and no quote in a reply"
    assert inbound.services.posts.store.get(post.id).reply_count == 1


def test_a_bounce_published_on_sns_suppresses_the_address_through_the_handler(inbound: Inbound) -> None:
    address = f"bounced.{uuid.uuid4().hex[:6]}@example.com"
    event = {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": address, "action": "failed", "status": "5.1.1"}],
            "timestamp": "2026-12-01T10:00:00.000Z",
            "feedbackId": "feedback",
        },
        "mail": {"timestamp": "2026-12-01T09:59:59.000Z", "messageId": "ses-message", "destination": [address]},
    }
    assert inbound.services.mail.store.suppression(address) is None
    envelope = inbound.publish(event)
    app.mail_events(lambda_event(envelope), None)
    suppressed = inbound.services.mail.store.suppression(address)
    assert suppressed is not None and suppressed.reason == "bounce"


def test_mail_check_reads_posts_from_the_stacks_dynamodb_and_writes_nothing(
    inbound: Inbound, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    marker = uuid.uuid4().hex[:8]
    deliver(
        inbound,
        mail("Jane Doe <jane.doe@example.com>", f"platform@{DOMAIN}", "Checked", f"Reply to me ({marker})"),
        "jane.doe@example.com",
        f"platform@{DOMAIN}",
    )
    (post,) = _posts_with(inbound.feed("platform"), marker)
    address = inbound.services.mail.intake.tokens.address(post.id, "omar.haddad", DOMAIN, time.time())
    path = tmp_path / "reply.eml"
    path.write_bytes(mail("Omar Haddad <omar.haddad@example.com>", address, "Re: Checked", "Agreed.\n\n> Reply to me"))
    arguments = [str(path), "--directory", str(inbound.directory), "--state-dir", str(inbound.state)]
    arguments += ["--mail-domain", DOMAIN]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("COMMONS_TABLE", inbound.table)
        assert mailcheck.main([*arguments, "--dynamodb-endpoint", inbound.endpoint]) == 0
        decision = json.loads(capsys.readouterr().out)
        assert decision == {
            "action": "reply",
            "reason": "replied",
            "space": "platform",
            "parent": post.id,
            "author": "omar.haddad",
            "body": "Agreed.",
        }
        # Without the table, the post is not there to reply to.
        assert mailcheck.main(arguments) == 0
        assert json.loads(capsys.readouterr().out)["reason"] == "unknown-post"
        # And with the table out of reach, one line and exit 1.
        assert mailcheck.main([*arguments, "--dynamodb-endpoint", f"http://127.0.0.1:{free_port()}"]) == 1
        out, err = capsys.readouterr()
        assert out == "" and err.startswith("mail-check: ") and err.count("\n") == 1
    assert [p.id for p in inbound.services.posts.store.thread(post.id, 50)] == [post.id]
    assert inbound.services.posts.store.get(post.id).reply_count == 0, "the dry run wrote no reply"
