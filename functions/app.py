"""Commons' functions on Lambda: wiring only. Each feature's routes are a Blueprint in its package
under chalicelib; domain errors become short pages or JSON in `chalicelib.web`.

Mail's four handlers are their own functions (infra/template.yaml gives each its role, timeout,
dead-letter queue and the resource its event comes from; the names below are only placeholders
that the template replaces with the stack's own topics and queue)."""

from __future__ import annotations

import logging
import time

from chalice.app import Chalice, Cron, SNSEvent, SQSEvent

from chalicelib.auth.routes import auth
from chalicelib.feeds.routes import feeds
from chalicelib.mail.routes import mail
from chalicelib.metrics.routes import metrics
from chalicelib.openapi import described
from chalicelib.posts.routes import posts
from chalicelib.runtime import services
from chalicelib.web.http import secure_every_answer

app = Chalice(app_name="commons")
app.debug = False  # tracebacks never reach a visitor
app.register_middleware(secure_every_answer, "http")  # Chalice's own 405/415/500 too
app.register_blueprint(auth)  # sign-in, sign-out and /api/me
app.register_blueprint(posts)  # posts, replies, reactions, outcomes and their no-JavaScript pages
app.register_blueprint(mail)  # mail preferences and the one-click unsubscribe
app.register_blueprint(metrics)  # weekly metrics, space summaries, health lists and the impact page
app.register_blueprint(feeds)  # private Atom feeds, by signed link, and revoking them
app.register_blueprint(described)  # /api/openapi.json
logging.getLogger("chalicelib").setLevel(logging.INFO)

MONDAY = 0


@app.on_sns_message(topic="commons-inbound-mail")
def receive_mail(event: SNSEvent) -> None:
    """SES stored a message in the mail bucket: it becomes a post, a reply, or nothing."""
    services().mail.receive_notification(event.message)


@app.on_sns_message(topic="commons-mail-events")
def mail_events(event: SNSEvent) -> None:
    """A bounce or a complaint from the configuration set: mail to that address stops."""
    services().mail.handle_ses_event(event.message)


@app.on_sqs_message(queue="commons-mail", batch_size=10)
def deliver_mail(event: SQSEvent) -> None:
    """Send what the queue holds, within the account's SES rate; what is left goes back on it."""
    services().mail.deliver(record.body for record in event)


@app.schedule(Cron(0, 7, "*", "*", "?", "*"))
def send_digests(event: object) -> None:
    """Every morning at 07:00 UTC: the daily digests, and on Mondays the weekly ones."""
    mail, now = services().mail, time.time()
    mail.run_digests("daily", now)
    if time.gmtime(now).tm_wday == MONDAY:
        mail.run_digests("weekly", now)
