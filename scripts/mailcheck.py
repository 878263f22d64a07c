"""`make mail-check FILE=message.eml [ARGS="--verdicts fail"]`: what Commons would do with a
received message, printed as one JSON object, changing nothing.

The message goes through the same intake as mail from SES or the dev SMTP server, as a dry run:
nothing is posted, no answer is mailed, nothing is written anywhere. The intake is built as the
dev stack builds it: the directory from the built hub, and the session keys from the dev stack's
state (`.dev/secrets.json`), so that reply addresses in mail the dev stack sent verify here too.

Exit status: 0 with the decision on stdout; 2 when the message, the directory or the dev state
can't be read (one line on stderr); 1 when the posts' storage can't be reached.
Usage: PYTHONPATH=scripts:functions python -m mailcheck message.eml [--verdicts fail]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _path in (REPO / "functions", REPO / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from chalicelib.config import Settings  # noqa: E402
from chalicelib.directory import DirectoryError  # noqa: E402
from chalicelib.errors import CommonsError  # noqa: E402
from chalicelib.feeds.persistence.memory import MemoryFeedsStore  # noqa: E402
from chalicelib.mail.intake import Decision  # noqa: E402
from chalicelib.mail.message import MAX_MESSAGE_BYTES  # noqa: E402
from chalicelib.mail.persistence.memory import MemoryMailStore  # noqa: E402
from chalicelib.mail.verdicts import Verdicts  # noqa: E402
from chalicelib.posts.persistence.memory import MemoryPostsStore  # noqa: E402
from chalicelib.runtime import Services  # noqa: E402
from devstack import server as devserver  # noqa: E402

PROG = "mail-check"
VERDICTS: dict[str, Callable[[], Verdicts]] = {
    "pass": Verdicts.passing,
    "fail": Verdicts.failing,
    "local": Verdicts.local,
}
DEV_ORIGIN = "http://localhost:8000"  # the dev stack's default origin: only links in mail name it

DESCRIPTION = """\
Print what Commons would do with a received message, as one JSON object: action (post, reply,
drop or reject), reason, space, parent, author, and body (the Markdown it would store).
Changes nothing: nothing is posted, mailed or written.
"""
EPILOG = """\
Verdicts: "pass" (the default) is as if SES had checked the sender and everything passed; "fail"
is SPF, DKIM and DMARC failing (the message is dropped, unanswered); "local" is what the dev SMTP
server hands over (local, trusted: no checks).

Posts: without --dynamodb-endpoint the posts are an empty in-memory store, so a reply to a post
says {"action": "reject", "reason": "unknown-post"}: no post is there to reply to. Give the dev
stack's DynamoDB (moto's server, http://127.0.0.1:8002 under `make dev`) to look posts up there;
it is only read. A dry run checks neither the rate limit nor whether the Message-ID was used before.
"""


class NoSending:
    """A sender for a dry run: intake sends nothing then, and if it ever did, this would refuse."""

    def send(self, message: EmailMessage) -> str:
        raise RuntimeError("mail-check sends no mail")


class CheckError(Exception):
    """Something mail-check was given can't be read: one line for stderr, exit 2."""


def parser() -> argparse.ArgumentParser:
    made = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    made.add_argument("file", nargs="?", default="", help="the message, as received (an .eml file)")
    made.add_argument("--verdicts", choices=sorted(VERDICTS), default="pass", help="SES's verdicts (default: pass)")
    made.add_argument(
        "--directory",
        default=str(REPO / "build" / "hub" / "directory.json"),
        help="the directory snapshot of the built hub (default: build/hub/directory.json)",
    )
    made.add_argument(
        "--state-dir",
        default=str(REPO / ".dev"),
        help="the dev stack's state, whose session keys sign reply addresses (default: .dev)",
    )
    made.add_argument(
        "--dynamodb-endpoint", default="", help="read posts from this DynamoDB (the dev stack's) instead of none"
    )
    made.add_argument("--mail-domain", default="", help="the mail domain (default: the dev stack's)")
    return made


def read_file(name: str) -> bytes:
    if not name:
        raise CheckError("name a message file: make mail-check FILE=message.eml")
    try:
        with open(name, "rb") as handle:
            return handle.read(MAX_MESSAGE_BYTES + 1)  # a larger one is refused all the same
    except OSError as exc:
        raise CheckError(f"cannot read {name}: {exc.strerror or exc}") from exc


def settings(directory: Path, state_dir: Path, endpoint: str, domain: str) -> Settings:
    """The dev stack's settings (its keys, if it has run), pointed at `endpoint` for posts."""
    if not directory.is_file():
        raise CheckError(f"no directory snapshot at {directory}: build the hub first (make build)")
    overrides = {"COMMONS_DYNAMODB_ENDPOINT": endpoint}
    if domain:
        overrides["COMMONS_MAIL_DOMAIN"] = domain
    try:
        if (state_dir / "secrets.json").is_file():
            dev = devserver.dev_secrets(state_dir)
        else:
            print(
                f"{PROG}: no dev stack state in {state_dir} (make dev makes it): reply addresses will not verify",
                file=sys.stderr,
            )
            with tempfile.TemporaryDirectory() as scratch:  # keys for this run only, never kept
                dev = devserver.dev_secrets(Path(scratch))
    except (OSError, ValueError, TypeError) as exc:
        raise CheckError(f"the dev stack state in {state_dir} is not readable: {exc}") from exc
    try:
        return devserver.app_settings(
            origin=DEV_ORIGIN,
            issuer="http://localhost:8001",
            client_id="commons",
            client_secret=dev.client_secret,
            dev=dev,
            directory=directory,
            overrides=overrides,
        )
    except CommonsError as exc:
        raise CheckError(exc.reason) from exc


def check(raw: bytes, verdicts: Verdicts, configured: Settings) -> Decision:
    """The intake's dry-run decision, with stores and a sender that can't change anything."""
    services = Services.build(
        configured,
        posts_store=None if configured.posts.endpoint else MemoryPostsStore(),
        mail_store=MemoryMailStore(),
        mail_sender=NoSending(),
        feeds_store=MemoryFeedsStore(),
    )
    try:
        services.directory.space("")  # read the snapshot now, so a broken one is one clear line
    except DirectoryError as exc:
        raise CheckError(str(exc)) from exc
    return services.mail.receive(raw, verdicts, dry_run=True)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        raw = read_file(args.file)
        configured = settings(
            Path(args.directory), Path(args.state_dir), args.dynamodb_endpoint.strip(), args.mail_domain.strip()
        )
        decision = check(raw, VERDICTS[args.verdicts](), configured)
    except CheckError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except CommonsError as exc:  # the posts' storage, unreachable
        print(f"{PROG}: {exc.reason}", file=sys.stderr)
        return 1
    print(json.dumps(decision.public(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
