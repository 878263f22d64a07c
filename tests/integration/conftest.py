"""The stack over real HTTP: the real oidc-provider on Node (started once per session on a free
port), a token-endpoint proxy that can alter ID tokens for the negative tests, moto's server as
local DynamoDB (a child process on a free port), and the dev server with the Chalice app mounted
in-process, serving a small hub.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from joserfc.jwk import RSAKey

from chalicelib.auth.sessions import COOKIE, Session, SessionSigner
from chalicelib.config import Settings
from chalicelib.mail.sending import KeepingSender, SesSender
from chalicelib.runtime import Services, install
from devstack import dev_idp, local_aws
from devstack import server as devserver
from tests.conftest import free_port

PEOPLE = {
    "jane.doe": {"name": "Jane Doe", "email": "jane.doe@example.com", "title": "Platform Engineer", "team": "platform"},
    "omar.haddad": {"name": "Omar Haddad", "email": "Omar.Haddad@example.com", "title": "Designer", "team": "design"},
    "lee.park": {"name": "Lee Park", "email": "lee.park@example.com", "title": "Engineer", "team": "platform"},
}
SPACES = {
    "platform": {
        "name": "Platform",
        "kind": "team",
        "purpose": "Runs the platform.",
        "outcome": "A deploy a day.",
        "stewards": ["jane.doe", "omar.haddad"],
        "members": ["jane.doe", "lee.park"],
        "parent": None,
        "url": "teams/platform/",
    },
    "design": {
        "name": "Design",
        "kind": "community",
        "purpose": "Shares design.",
        "outcome": "A question answered in a day.",
        "stewards": ["omar.haddad", "lee.park"],
        "members": ["omar.haddad"],
        "parent": None,
        "url": "teams/design/",
    },
}
# Staff the identity provider knows but the directory does not (yet).
NEWCOMER = {"sub": "new.starter", "email": "new.starter@example.com", "name": "New Starter"}
PAGES = {
    "index.html": "<h1>Example Co. Commons</h1><p>secret-home-content</p>",
    "teams/platform/index.html": "<h1>Platform</h1><p>secret-team-content</p>",
    "people/jane.doe/index.html": "<h1>Jane Doe</h1><p>secret-person-content</p>",
    "assets/hub.css": "body { color: black } /* secret-css-content */",
}

TokenRewrite = Callable[[str], str]


@dataclass
class TokenTamper:
    """Sits between the app and the provider's token endpoint; `rewrite` alters the ID token."""

    upstream: str
    url: str = ""
    rewrite: TokenRewrite | None = None
    seen: list[str] = field(default_factory=list)


@dataclass
class Stack:
    origin: str
    idp: dev_idp.DevIdentityProvider
    tamper: TokenTamper
    settings: Settings
    dev: devserver.DevSecrets
    provider_key: RSAKey
    root: Path
    dynamodb: str
    # What the functions mail goes to moto's SES and is kept here, as in the dev stack.
    sender: KeepingSender

    def url(self, path: str) -> str:
        return self.origin + path

    def session_cookie(self, handle: str | None, name: str = "") -> dict[str, str]:
        """A signed-in session for `handle` (None: staff not in the directory), as a cookie jar."""
        now = int(time.time())
        person = PEOPLE.get(handle or "", {})
        session = Session(
            subject=f"sub-{handle}",
            handle=handle,
            name=name or str(person.get("name", "New Starter")),
            email=str(person.get("email", "new.starter@example.com")),
            issued_at=now,
            expires_at=now + 3600,
        )
        return {COOKIE: SessionSigner(self.settings.session_keys).seal(session)}

    def install(self, clock: Callable[[], float] = time.time, **changes: Any) -> None:
        """Serve the app with these settings changed, and this clock (restored after each test)."""
        install(Services.build(replace(self.settings, **changes), mail_sender=self.sender, clock=clock))

    def authorize(self, visitor: requests.Session, login: str = "jane.doe", next_path: str = "/teams/platform/") -> str:
        """Start sign-in and pass the provider's login page; returns the callback URL, not yet followed."""
        response = visitor.get(self.url("/auth/login"), params={"next": next_path}, allow_redirects=False)
        assert response.status_code == 303, response.text
        return self.follow_to_callback(visitor, response.headers["Location"], login)

    def follow_to_callback(self, visitor: requests.Session, location: str, login: str = "jane.doe") -> str:
        for _ in range(10):
            if location.startswith(self.url("/auth/callback")):
                return location
            response = visitor.get(location, allow_redirects=False)
            if response.status_code == 200 and "/login" in response.text:
                response = self.submit_login(visitor, response, login)
            assert response.status_code in (302, 303), (response.status_code, response.text[:500])
            location = urljoin(response.url, response.headers["Location"])
        raise AssertionError("the provider never redirected back to the callback")

    @staticmethod
    def submit_login(visitor: requests.Session, login_page: requests.Response, login: str) -> requests.Response:
        match = re.search(r'<form method="post" action="([^"]+/login)"', login_page.text)
        assert match, login_page.text[:500]
        return visitor.post(urljoin(login_page.url, match.group(1)), data={"login": login}, allow_redirects=False)

    def sign_in(
        self, visitor: requests.Session, login: str = "jane.doe", next_path: str = "/teams/platform/"
    ) -> requests.Response:
        callback = self.authorize(visitor, login, next_path)
        return visitor.get(callback, allow_redirects=False)


def _write_hub(root: Path) -> None:
    for relative, content in PAGES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    people = {handle: {**person, "manager": None, "url": f"people/{handle}/"} for handle, person in PEOPLE.items()}
    (root / "directory.json").write_text(json.dumps({"people": people, "spaces": SPACES}))


def _serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def _token_proxy(tamper: TokenTamper) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            forwarded = {
                k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type", "accept")
            }
            answer = requests.post(tamper.upstream, data=body, headers=forwarded, timeout=10)
            payload = answer.content
            if answer.status_code == 200 and tamper.rewrite is not None:
                tokens = answer.json()
                tamper.seen.append(tokens["id_token"])
                tokens["id_token"] = tamper.rewrite(tokens["id_token"])
                payload = json.dumps(tokens).encode()
            self.send_response(answer.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture(scope="session")
def local_dynamodb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's server as local DynamoDB, over HTTP on a free port, for the whole session."""
    log = (tmp_path_factory.mktemp("aws") / "moto.log").open("wb")
    aws = local_aws.start(output=log)
    try:
        yield aws.endpoint
    finally:
        aws.stop()
        log.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, local_dynamodb: str) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("signin")
    root = work / "hub"
    _write_hub(root)
    (work / "extra-accounts.json").write_text(json.dumps([NEWCOMER]))
    provider_key = RSAKey.generate_key(2048, parameters={"kid": "idp-key-1", "alg": "RS256", "use": "sig"})
    (work / "jwks.json").write_text(json.dumps({"keys": [provider_key.as_dict(private=True)]}))
    dev = devserver.dev_secrets(work / "state")

    port = free_port()
    origin = f"http://localhost:{port}"
    log = (work / "idp.log").open("wb")
    idp = dev_idp.start(
        port=free_port(),
        client_secret=dev.client_secret,
        redirect_uris=[f"{origin}/auth/callback"],
        post_logout_redirect_uris=[f"{origin}/auth/signed-out"],
        accounts=[root / "directory.json", work / "extra-accounts.json"],
        jwks=work / "jwks.json",
        output=log,
    )
    discovery = requests.get(idp.discovery_url, timeout=5).json()
    tamper = TokenTamper(upstream=discovery["token_endpoint"])
    proxy = _token_proxy(tamper)
    tamper.url = f"http://127.0.0.1:{proxy.server_port}/token"
    _serve_in_thread(proxy)

    settings = devserver.app_settings(
        origin=origin,
        issuer=idp.issuer,
        client_id=idp.client_id,
        client_secret=idp.client_secret,
        dev=dev,
        directory=root / "directory.json",
        overrides={
            "COMMONS_OIDC_TOKEN_ENDPOINT": tamper.url,
            "COMMONS_DYNAMODB_ENDPOINT": local_dynamodb,
            # Tests share the table and its per-minute counters; the limit tests set their own.
            "COMMONS_POST_RATE_PER_MINUTE": "10000",
            "COMMONS_WRITE_RATE_PER_MINUTE": "10000",
        },
    )
    sender = KeepingSender(SesSender(_client=local_ses(local_dynamodb, settings.mail.domain)))
    services = Services.build(settings, mail_sender=sender)
    services.posts.store.create_storage()
    install(services)
    server = devserver.make_server(root, "127.0.0.1", port, {dev.cloudfront_key_pair_id: dev.cloudfront_public_key})
    _serve_in_thread(server)
    try:
        yield Stack(origin, idp, tamper, settings, dev, provider_key, root, local_dynamodb, sender)
    finally:
        server.shutdown()
        server.server_close()
        proxy.shutdown()
        proxy.server_close()
        idp.stop()
        log.close()
        install(None)


@pytest.fixture()
def hub(stack: Stack) -> Iterator[Stack]:
    """The stack, with the default settings and an honest token endpoint for each test."""
    stack.install()
    stack.tamper.rewrite = None
    yield stack
    stack.tamper.rewrite = None
    stack.install()


def local_ses(endpoint: str, domain: str) -> Any:
    """SES v2 on moto's server, with the mail domain verified so that it sends from it."""
    client = local_aws.client("sesv2", endpoint)
    client.create_email_identity(EmailIdentity=domain)
    return client


@pytest.fixture()
def visitor() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
