"""Local dev stack on one origin (http://localhost:8000), shaped like production:

- the built hub, behind the same edge as CloudFront: the stack's viewer-request function
  (infra/edge/viewer-request.js, run by Node) sends a page visit without signed cookies to sign-in
  and maps directory paths to index.html; then, as the trusted key group does, every file needs
  valid CloudFront signed cookies (custom policy, RSA-SHA1), checked with the dev key pair's
  public key. Every answer carries the stack's response headers policy (read from
  infra/template.yaml), and hub files the Cache-Control that publishing gives them;
- `/auth/*` and `/api/*`, answered in-process by the Chalice app through chalice's LocalGateway;
- the dev identity provider (`devstack/dev_idp`, oidc-provider on Node) as a child process, with
  every person of the hub's directory snapshot as an account;
- local DynamoDB: moto's server as a child process (`devstack/local_aws.py`), with the table made
  if missing, and its data kept across restarts in `.dev/dynamodb.recording`;
- mail: an SMTP server on localhost:8025 (`devstack/smtp.py`) hands each message to the intake, as
  "local, trusted"; what Commons sends goes through moto's SES (the mail domain verified there) and
  is kept for the dev mailbox at `/_dev/mail` (`devstack/mailbox.py`), which only this server has.

Dev-only secrets (session key, CloudFront key pair, client secret) are made on first run in
`.dev/` (gitignored). Usage: python -m devstack --root build/hub --port 8000
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import logging
import os
import secrets
import signal
import socket
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parents[2]
for _path in (REPO / "functions", REPO / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from chalicelib.auth import cloudfront  # noqa: E402
from chalicelib.config import Settings  # noqa: E402
from chalicelib.errors import CloudFrontCookieError  # noqa: E402
from chalicelib.web.cookies import parse_cookie_header  # noqa: E402
from chalicelib.web.http import printable  # noqa: E402
from deploy import publish  # noqa: E402
from deploy.template import apply_headers, removed_headers, security_headers  # noqa: E402
from devstack import mailbox, smtp  # noqa: E402
from devstack.edge_function import EdgeResponse, ViewerRequestFunction  # noqa: E402
from devstack.processes import free_port  # noqa: E402

if TYPE_CHECKING:
    from chalicelib.mail.intake import Decision

log = logging.getLogger("devserver")

APP_PREFIXES = ("/auth/", "/api/")
MAILBOX_PREFIXES = (mailbox.PATH + "/", mailbox.PATH + ".json")
MAX_BODY = 1024 * 1024
# Settings a developer may tune through the environment; the rest are the dev stack's own.
DEV_MAIL_DOMAIN = "commons.localhost"
TUNABLE = (
    "COMMONS_IDENTITY_CLAIM",
    "COMMONS_ALLOW_UNKNOWN_STAFF",
    "COMMONS_SESSION_LIFETIME_HOURS",
    "COMMONS_OIDC_SCOPES",
    "COMMONS_TABLE",
    "COMMONS_POST_RATE_PER_MINUTE",
    "COMMONS_WRITE_RATE_PER_MINUTE",
    "COMMONS_METRICS_SUMMARY_SECONDS",
    "COMMONS_MAIL_DOMAIN",
)


@dataclass(frozen=True)
class DevSecrets:
    session_keys: str
    cloudfront_key_pair_id: str
    cloudfront_private_key: str
    cloudfront_public_key: str
    client_secret: str


def dev_secrets(state_dir: Path) -> DevSecrets:
    """The dev stack's secrets, made once into `state_dir/secrets.json` (mode 0600)."""
    path = state_dir / "secrets.json"
    if path.exists():
        return DevSecrets(**json.loads(path.read_text()))
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    made = DevSecrets(
        session_keys=f"dev1={base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}",
        cloudfront_key_pair_id="KDEV" + secrets.token_hex(6).upper(),
        cloudfront_private_key=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        cloudfront_public_key=key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
        client_secret=secrets.token_urlsafe(32),
    )
    state_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(made), handle, indent=2)
    return made


def app_settings(
    *,
    origin: str,
    issuer: str,
    client_id: str,
    client_secret: str,
    dev: DevSecrets,
    directory: Path,
    overrides: Mapping[str, str] | None = None,
) -> Settings:
    env = {name: value for name, value in os.environ.items() if name in TUNABLE}
    env.setdefault("COMMONS_MAIL_DOMAIN", DEV_MAIL_DOMAIN)  # deployed, mail is off without one
    env.update(
        COMMONS_PUBLIC_ORIGIN=origin,
        COMMONS_OIDC_ISSUER=issuer,
        COMMONS_OIDC_CLIENT_ID=client_id,
        COMMONS_OIDC_CLIENT_SECRET=client_secret,
        COMMONS_SESSION_KEYS=dev.session_keys,
        COMMONS_CLOUDFRONT_KEY_PAIR_ID=dev.cloudfront_key_pair_id,
        COMMONS_CLOUDFRONT_PRIVATE_KEY=dev.cloudfront_private_key,
        COMMONS_DIRECTORY=str(directory),
    )
    env.update(overrides or {})
    # The dev server serves a hub that `make build` may rebuild: read the directory again when it changes.
    return replace(Settings.from_environ(env), directory_reload=True)


class DevServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], root: Path, public_keys: Mapping[str, str]) -> None:
        from chalice.config import Config
        from chalice.local import LocalGateway

        import app

        super().__init__(address, DevRequestHandler)
        self.root = root
        self.public_keys = dict(public_keys)
        disk = json.loads((REPO / "functions" / ".chalice" / "config.json").read_text())
        self.gateway = LocalGateway(app.app, Config(chalice_stage="dev", config_from_disk=disk))
        # Lambda runs one request at a time per container, and Chalice keeps the current request
        # on the app object: serialise the app's requests as Lambda would.
        self.app_lock = threading.Lock()
        self.edge = ViewerRequestFunction()
        self.header_rules = security_headers()
        self.removed_headers = removed_headers()
        self.smtp_address: tuple[str, int] | None = None  # shown by the mailbox, once SMTP listens

    def server_close(self) -> None:
        super().server_close()
        self.edge.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-answer is not the server's error: one line, no traceback.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            log.info("client %s went away: %s", client_address[0], type(error).__name__)
            return
        super().handle_error(request, client_address)


class DevRequestHandler(BaseHTTPRequestHandler):
    server: DevServer

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        if path in ("/auth", "/api") or path.startswith(APP_PREFIXES):
            self._answer_from_app()
            return
        if path == mailbox.PATH or path.startswith(MAILBOX_PREFIXES):
            self._answer_from_mailbox()
            return
        self._answer_from_hub()

    # --- the dev mailbox: this server's own, never CloudFront's --------------------------------

    def _answer_from_mailbox(self) -> None:
        text = {"Content-Type": "text/plain; charset=utf-8"}
        if not _loopback(self.client_address[0]):
            # It shows everyone's mail: only to this machine, even when the server listens wider.
            self._send(HTTPStatus.FORBIDDEN, b"The dev mailbox answers this machine only.\n", text)
            return
        if self.command not in ("GET", "HEAD"):
            self._send(
                HTTPStatus.METHOD_NOT_ALLOWED, b"The dev mailbox is read only.\n", {**text, "Allow": "GET, HEAD"}
            )
            return
        from chalicelib.mail.sending import KeepingSender
        from chalicelib.runtime import services

        try:
            sender = services().mail.sender
        except Exception as exc:  # no services installed, and none can be built from the environment
            log.warning("dev mailbox: no services: %s", type(exc).__name__)
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"The dev mailbox has no services yet.\n", text)
            return
        kept = sender.kept() if isinstance(sender, KeepingSender) else None
        parts = urlsplit(self.path)
        found = mailbox.answer(parts.path, parts.query, kept, smtp=self.server.smtp_address)
        headers = {
            "Content-Type": found.content_type,
            "Cache-Control": "no-store",
            "Content-Security-Policy": mailbox.CSP,
        }
        self._send(found.status, found.body, headers)

    # --- the hub, as CloudFront's default behaviour serves it --------------------------------

    def _answer_from_hub(self) -> None:
        cookies = parse_cookie_header("; ".join(self.headers.get_all("Cookie") or []))
        headers = {name: value for name, value in self.headers.items() if name.lower() != "cookie"}
        outcome = self.server.edge(self.command, self.path, headers, cookies)
        if isinstance(outcome, EdgeResponse):
            self._send(outcome.status, b"", outcome.headers)
            return
        try:
            self._check_key_group(cookies)
        except CloudFrontCookieError as closed:
            (log.warning if "CloudFront-Signature" in cookies else log.info)(
                "gate closed %s %s: %s", self.command, printable(self.path), closed.reason
            )
            body = b"The hub is private: sign in at /auth/login first.\n"
            self._send(HTTPStatus.FORBIDDEN, body, {"Content-Type": "text/plain; charset=utf-8"})
            return
        if self.command not in ("GET", "HEAD"):
            # The hub's behaviour allows GET and HEAD only, as CloudFront's does.
            self._send(HTTPStatus.FORBIDDEN, b"This path allows GET and HEAD only.\n", {"Content-Type": "text/plain"})
            return
        self._send_file(outcome.uri)

    def _check_key_group(self, cookies: Mapping[str, str]) -> None:
        host = self.headers.get("Host") or f"localhost:{self.server.server_port}"
        url = f"http://{host}{self.path}"
        cloudfront.verify_signed_cookies(cookies, url, self.server.public_keys, time.time(), self.client_address[0])

    def _send_file(self, uri: str) -> None:
        """The object S3 answers for `uri`: its key is the decoded path below the root."""
        key = unquote(uri).lstrip("/")
        root = self.server.root.resolve()
        target = (root / key).resolve()
        unpublished = key == publish.MANIFEST or key in publish.UNPUBLISHED  # never in the bucket
        if not key or unpublished or not target.is_relative_to(root) or not target.is_file():
            # The stack lets CloudFront list the bucket, so S3 answers a missing key with 404.
            self._send(HTTPStatus.NOT_FOUND, b"Not Found\n", {"Content-Type": "text/plain; charset=utf-8"})
            return
        body = target.read_bytes()
        etag = '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'
        headers = {"Content-Type": publish.content_type(key), "Cache-Control": publish.cache_control(key), "ETag": etag}
        if etag in [tag.strip() for tag in (self.headers.get("If-None-Match") or "").split(",")]:
            self._send(HTTPStatus.NOT_MODIFIED, b"", headers)
            return
        self._send(HTTPStatus.OK, body, headers)

    # --- /auth and /api, in process ----------------------------------------------------------

    def _answer_from_app(self) -> None:
        from chalice.local import LocalGatewayException

        declared = (self.headers.get("Content-Length") or "0").strip()
        if not (declared.isascii() and declared.isdecimal()):
            # int() would raise (a traceback and a dropped connection), and a negative length would
            # make read() wait for the client to hang up.
            self._send(HTTPStatus.BAD_REQUEST, b"Bad Content-Length\n", {"Content-Type": "text/plain"})
            return
        length = int(declared) if len(declared) <= 8 else MAX_BODY + 1
        if length > MAX_BODY:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"Request body too large\n", {})
            return
        body = self.rfile.read(length) if length else None
        headers = {name: value for name, value in self.headers.items() if name.lower() != "cookie"}
        if self.headers.get_all("Cookie"):
            headers["Cookie"] = "; ".join(self.headers.get_all("Cookie") or [])
        try:
            with self.server.app_lock:
                response = self.server.gateway.handle_request(self.command, self.path, headers, body)
        except LocalGatewayException as refused:
            self._send(refused.CODE, refused.body or b"", dict(refused.headers))
            return
        out_headers: dict[str, str | list[str]] = {**response["headers"], **response.get("multiValueHeaders", {})}
        payload = response.get("body") or b""
        if response.get("isBase64Encoded"):
            payload = base64.b64decode(payload)
        self._send(response["statusCode"], payload if isinstance(payload, bytes) else payload.encode(), out_headers)

    def _send(self, status: int, body: bytes, headers: Mapping[str, str | list[str]]) -> None:
        single = {name: value for name, value in headers.items() if isinstance(value, str)}
        multiple = {name: value for name, value in headers.items() if not isinstance(value, str)}
        # Every answer passes the stack's response headers policy, as CloudFront applies it.
        final: dict[str, str | list[str]] = {
            **apply_headers(single, self.server.header_rules, self.server.removed_headers),
            **multiple,
        }
        self.send_response(status)
        for name, value in final.items():
            if name.lower() == "content-length":
                continue
            for item in value if isinstance(value, list) else [value]:
                self.send_header(name, item)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status != HTTPStatus.NOT_MODIFIED:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def _loopback(address: str) -> bool:
    return address == "::1" or address.startswith("127.") or address.startswith("::ffff:127.")


def make_server(root: Path, host: str, port: int, public_keys: Mapping[str, str]) -> DevServer:
    return DevServer((host, port), root, public_keys)


def _free_or_any(port: int) -> int:
    """`port` if nothing listens on it, else 0 (any free port)."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return 0
    return port


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m devstack", description="Commons dev server: hub, /auth and /api on one origin."
    )
    parser.add_argument("--root", default="build/hub", help="built hub to serve (with its directory.json)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--state-dir", default=str(REPO / ".dev"), help="where dev-only secrets are kept")
    parser.add_argument("--idp-port", type=int, default=None, help="dev identity provider port (default port+1)")
    parser.add_argument(
        "--issuer", default="", help="use this OpenID provider instead of the dev one (client id/secret from env)"
    )
    parser.add_argument("--aws-port", type=int, default=None, help="local DynamoDB (moto) port (default port+2)")
    parser.add_argument(
        "--dynamodb-endpoint",
        default="",
        help="use this moto server (DynamoDB, and SES for mail) instead of starting one",
    )
    parser.add_argument(
        "--smtp-port",
        type=int,
        default=None,
        help=f"port of the SMTP server that takes mail in (default {smtp.DEFAULT_PORT}, or any free port when "
        "that is taken; 0: any free port)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's: a line per SMTP command

    from chalicelib.runtime import Services, install
    from devstack import local_aws
    from devstack.dev_idp import CLIENT_ID, DevIdentityProvider
    from devstack.dev_idp import start as start_idp

    root = Path(args.root).resolve()
    directory = root / "directory.json"
    if not directory.is_file():
        parser.error(f"{directory} does not exist: build the hub first (make build)")
    dev = dev_secrets(Path(args.state_dir))
    origin = f"http://localhost:{args.port}"
    aws: local_aws.LocalAws | None = None
    idp: DevIdentityProvider | None = None
    mail_in: smtp.SmtpServer | None = None
    endpoint = args.dynamodb_endpoint

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        if not endpoint:
            aws_port = args.aws_port if args.aws_port is not None else _free_or_any(args.port + 2)
            aws = local_aws.start(port=aws_port or free_port(), record=Path(args.state_dir) / "dynamodb.recording")
            endpoint = aws.endpoint
        if args.issuer:
            issuer = args.issuer
            client_id = os.environ.get("COMMONS_OIDC_CLIENT_ID", "")
            client_secret = os.environ.get("COMMONS_OIDC_CLIENT_SECRET", "")
        else:
            idp_port = args.idp_port if args.idp_port is not None else args.port + 1
            idp = start_idp(
                port=idp_port or free_port(),
                client_secret=dev.client_secret,
                redirect_uris=[f"{origin}/auth/callback"],
                post_logout_redirect_uris=[f"{origin}/auth/signed-out"],
                accounts=[directory],
            )
            issuer, client_id, client_secret = idp.issuer, CLIENT_ID, dev.client_secret
        settings = app_settings(
            origin=origin,
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            dev=dev,
            directory=directory,
            overrides={"COMMONS_DYNAMODB_ENDPOINT": endpoint},
        )
        # Mail out goes to moto's SES, and is kept for the dev mailbox.
        sender = mailbox.local_sender(endpoint, settings.mail.domain, settings.posts.region)
        services = Services.build(settings, mail_sender=sender)
        if services.posts.store.create_storage():
            log.info("created table %s at %s", settings.posts.table, endpoint)
        install(services)
        server = make_server(root, args.host, args.port, {dev.cloudfront_key_pair_id: dev.cloudfront_public_key})
        smtp_port = args.smtp_port if args.smtp_port is not None else _free_or_any(smtp.DEFAULT_PORT)
        mail_in = start_smtp(server, args.host, smtp_port)
        print(f"Commons dev server on {origin}/ (identity provider {issuer})", flush=True)
        print(
            f"Mail: SMTP on {args.host}:{mail_in.port} for {settings.mail.domain}; sent mail at {origin}{mailbox.PATH}",
            flush=True,
        )
        try:
            server.serve_forever()
        finally:
            server.server_close()
    except KeyboardInterrupt:
        pass
    finally:
        if mail_in is not None:
            mail_in.stop()
        if idp is not None:
            idp.stop()
        if aws is not None:
            aws.stop()


def start_smtp(server: DevServer, host: str, port: int) -> smtp.SmtpServer:
    """The SMTP server beside `server` (port 0: any free port), taking turns with its app requests;
    the mailbox shows where it listens."""
    mail_in = smtp.start(receive_locally, host=host, port=port, lock=server.app_lock)
    server.smtp_address = (host, mail_in.port)
    return mail_in


def receive_locally(raw: bytes) -> Decision:
    """A message from the dev SMTP server, to the installed services' intake: local, trusted."""
    from chalicelib.mail.verdicts import Verdicts
    from chalicelib.runtime import services

    return services().mail.receive(raw, Verdicts.local())


if __name__ == "__main__":
    main()
