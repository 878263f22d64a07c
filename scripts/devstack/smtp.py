"""The dev stack's SMTP server (aiosmtpd, localhost:8025 by default): each message it is given goes
to the same intake as mail that SES receives, with verdicts that say "local, trusted", so a local
mail client can post and reply by email.

Its answers:
- 250 for every message the intake took, whatever it decided: a post, a reply, a drop (a stranger,
  an auto-reply) or a refusal. The intake answers a directory sender by mail itself, as it does
  deployed; SES too accepts the message before Commons reads it;
- 552 for a message over the intake's limit (10 MiB), from aiosmtpd's `data_size_limit`;
- 451 when storage or sending is down for a moment, so the client tries again;
- 554 when the intake fails on a message (a bug): it is logged, and the server goes on.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from chalicelib.errors import StorageUnavailableError
from chalicelib.mail.intake import Decision
from chalicelib.mail.message import MAX_MESSAGE_BYTES
from chalicelib.web.http import printable

log = logging.getLogger("devserver.smtp")

DEFAULT_PORT = 8025
Receive = Callable[[bytes], Decision]


@dataclass
class SmtpIntake:
    """aiosmtpd's handler: hands each message to `receive` (the intake, with local verdicts).

    `lock` is the dev server's app lock: a message is handled one at a time with the web's
    requests, as each Lambda invocation runs alone in its container."""

    receive: Receive
    lock: threading.Lock | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content
        if not isinstance(raw, bytes):
            raw = b""
        where = session.peer
        peer = printable(f"{where[0]} port {where[1]}" if isinstance(where, tuple) and len(where) >= 2 else "-")
        sender = printable(str(envelope.mail_from)[:200])
        try:
            decision = await asyncio.get_running_loop().run_in_executor(None, self._receive, raw)
        except StorageUnavailableError as exc:
            log.warning("smtp from %s (%s): try again later: %s", sender, peer, printable(exc.reason))
            return "451 4.3.0 Commons cannot take mail for a moment; try again later"
        except Exception:
            log.exception("smtp from %s (%s): the intake failed on a message of %d bytes", sender, peer, len(raw))
            return "554 5.6.0 Commons could not handle this message"
        log.info("smtp from %s (%s): %s %s", sender, peer, decision.action, printable(decision.reason))
        return f"250 2.0.0 Taken: {decision.action} ({printable(decision.reason)[:80]})"

    async def handle_exception(self, error: Exception) -> str:
        # Anything that escapes aiosmtpd's own parsing: one line in the log, a short answer, and the
        # connection goes on.
        log.warning("smtp session error: %s", type(error).__name__)
        return "500 5.5.0 Commons could not read that"

    def _receive(self, raw: bytes) -> Decision:
        with self.lock if self.lock is not None else nullcontext():
            return self.receive(raw)


class _Controller(Controller):
    """aiosmtpd's threaded controller, which also learns the port it was given when asked for 0."""

    def _trigger_server(self) -> None:
        sockets = getattr(self.server, "sockets", None)  # an asyncio.Server, typed as AbstractServer
        if self.port == 0 and sockets:
            self.port = int(sockets[0].getsockname()[1])
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpServer:
    """The SMTP server in a thread of its own (its asyncio loop), until `stop`."""

    def __init__(
        self, receive: Receive, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT, lock: threading.Lock | None = None
    ) -> None:
        self.intake = SmtpIntake(receive, lock)
        self._controller = _Controller(
            self.intake,
            hostname=host,
            port=port,
            server_hostname="localhost",
            ident="Commons dev SMTP",
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
        )
        self.host = host

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def start(
    receive: Receive, *, host: str = "127.0.0.1", port: int = DEFAULT_PORT, lock: threading.Lock | None = None
) -> SmtpServer:
    """Listen on host:port (a free port when 0) and hand each message to `receive`."""
    return SmtpServer(receive, host=host, port=port, lock=lock).start()
