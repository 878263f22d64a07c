"""Posts figures, against moto's server over HTTP (started here, on loopback only):

- rt_feed_page, rt_create_post, rt_create_reply, rt_toggle_reaction, rt_mark_outcome, rt_thread:
  DynamoDB round trips per action, counted with botocore's `before-send.dynamodb` hook (issue
  budget: 1 each). Each write is made as by a container that never read its post, with the
  page's `seen` of it: the reply is the post's first answer, the reaction its first;
- handler_<route>_p50_ms / _p95_ms: each route through the Chalice app in process (LocalGateway),
  so our own work plus the DynamoDB calls to moto are timed, not HTTP to the app;
- load_posts_stored: 20 clients each create 50 posts over HTTP through the dev server, resending
  some requests with the same idempotency key (some after the answer, some at the same time); must
  be exactly 1000. A request whose answer does not come in time is a lost answer, and is sent again
  with the same key, as a client would: load_posts_timeouts_retried counts them;
- load_reaction_count_mismatches: 2,000 concurrent reaction toggles over HTTP; afterwards, every
  count that differs from its stored reactions or from the people's last toggles (must be 0).

The load runs the dev server with the per-person limits raised: it measures storage, not limits.
Every loop is bounded in count and in time. Each figure is measured on its own: one that fails is
reported, the others are still measured, and the module fails at the end.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench import report, report_times

REPO = Path(__file__).resolve().parents[2]
for _path in (REPO / "functions", REPO / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from chalicelib.auth.sessions import COOKIE, Session, SessionSigner  # noqa: E402
from chalicelib.config import Settings  # noqa: E402
from chalicelib.posts.persistence.dynamodb import DynamoDBPostsStore, Known  # noqa: E402
from chalicelib.runtime import Services  # noqa: E402
from devstack import local_aws  # noqa: E402
from devstack.processes import free_port  # noqa: E402

HANDLER_RUNS = 150
CLIENTS = 20
POSTS_EACH = 50
TOGGLES = 2000
TOGGLERS = 40
TOGGLE_POSTS = 10
# Each load figure's bound. moto copies the table on every transaction, so 1,000 posts take about
# ten minutes on two cores, more with the retries that lost answers bring.
DEADLINE_SECONDS = 1200
SPACES = ("bench", "load", "react")
PEOPLE = [f"person.{i:02d}" for i in range(TOGGLERS)]


class Figures:
    """Measures each figure on its own: one that fails is reported, and the others still run."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def measure(self, name: str, action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as exc:
            self.failed.append(name)
            print(f"bench: {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            traceback.print_exc(limit=3)


def _directory(root: Path) -> Path:
    """A snapshot shaped as the hub build writes it (scripts/hub/schemas/directory.schema.json)."""
    people = {
        handle: {
            "name": f"Person {handle[-2:]}",
            "email": f"{handle}@example.com",
            "title": "Staff",
            "team": "bench",
            "manager": None,
            "url": f"people/{handle}/",
        }
        for handle in PEOPLE
    }
    spaces = {
        slug: {
            "name": slug.title(),
            "kind": "team",
            "purpose": "Benchmarks.",
            "outcome": "Figures.",
            "stewards": PEOPLE[:2],
            "members": PEOPLE,
            "parent": None,
            "url": f"teams/{slug}/",
        }
        for slug in SPACES
    }
    root.mkdir(parents=True, exist_ok=True)
    path = root / "directory.json"
    path.write_text(json.dumps({"people": people, "spaces": spaces}))
    return path


@functools.cache
def _cloudfront_key() -> str:
    """A key for the CloudFront cookies the app signs at sign-in, which the load never uses."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def _settings(directory: Path, endpoint: str, session_keys: str, origin: str) -> Settings:
    return Settings.from_environ(
        {
            "COMMONS_PUBLIC_ORIGIN": origin,
            "COMMONS_OIDC_ISSUER": "http://127.0.0.1:9",
            "COMMONS_OIDC_CLIENT_ID": "bench",
            "COMMONS_OIDC_CLIENT_SECRET": "bench",
            "COMMONS_SESSION_KEYS": session_keys,
            "COMMONS_CLOUDFRONT_KEY_PAIR_ID": "KBENCH",
            "COMMONS_CLOUDFRONT_PRIVATE_KEY": _cloudfront_key(),
            "COMMONS_DIRECTORY": str(directory),
            "COMMONS_DYNAMODB_ENDPOINT": endpoint,
            "COMMONS_TABLE": f"bench-{uuid.uuid4().hex[:8]}",
            "COMMONS_POST_RATE_PER_MINUTE": "100000",
            "COMMONS_WRITE_RATE_PER_MINUTE": "100000",
        }
    )


def _cookie(settings: Settings, handle: str) -> str:
    now = int(time.time())
    session = Session(f"sub-{handle}", handle, handle, f"{handle}@example.com", now, now + 3600)
    return f"{COOKIE}={SessionSigner(settings.session_keys).seal(session)}"


# --- in process: round trips and handler time ----------------------------------------------------


class InProcess:
    def __init__(self, settings: Settings) -> None:
        from chalice.config import Config
        from chalice.local import LocalGateway

        import app

        self.settings = settings
        self.gateway = LocalGateway(app.app, Config(chalice_stage="dev"))
        self.origin = settings.public_origin
        self.cookies = {handle: _cookie(settings, handle) for handle in PEOPLE[:4]}
        self.sent = 0
        self.services: Services | None = None
        self.store: DynamoDBPostsStore | None = None
        self.fresh_table()

    def fresh_table(self) -> None:
        """Time each route on its own small table: moto copies every table a transaction touches,
        so its cost grows with the table, which DynamoDB's does not."""
        from dataclasses import replace

        from chalicelib.mail.fanout import MemoryQueue
        from chalicelib.mail.persistence.memory import MemoryMailStore
        from chalicelib.runtime import install

        if self.store is not None:
            self.store.models().PostItem.delete_table()
        posts = replace(self.settings.posts, table=f"bench-{uuid.uuid4().hex[:8]}")
        self.store = DynamoDBPostsStore(posts)
        # Mail as deployed: a new post only puts one job on the queue (here in memory), so what is
        # timed is the write and that hand-off, not sending.
        self.services = Services.build(
            replace(self.settings, posts=posts),
            posts_store=self.store,
            mail_store=MemoryMailStore(),
            mail_queue=MemoryQueue(),
        )
        self.store.create_storage()
        install(self.services)
        self.store.on_request(self._count)

    def _count(self, **_: Any) -> None:
        self.sent += 1

    def call(self, method: str, path: str, handle: str, document: Any = None, key: str = "") -> dict[str, Any]:
        headers = {"Cookie": self.cookies[handle], "Origin": self.origin, "Host": "localhost"}
        body = None
        if document is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(document).encode()
        if key:
            headers["Idempotency-Key"] = key
        answer: dict[str, Any] = self.gateway.handle_request(method, path, headers, body)
        if answer["statusCode"] >= 300:
            raise RuntimeError(f"{method} {path}: {answer['statusCode']} {answer.get('body')}")
        return dict(json.loads(answer["body"]))

    def round_trips(self, method: str, path: str, handle: str, document: Any = None, key: str = "") -> int:
        before = self.sent
        self.call(method, path, handle, document, key)
        return self.sent - before


def round_trips(inproc: InProcess, figures: Figures) -> None:
    """Each write as a Lambda container that never read its post makes it: the store's picture of
    recent posts is emptied first, and the page's `seen` of the post (from the feed) is sent, as
    the hub's script does."""
    author, reader = PEOPLE[0], PEOPLE[2]
    post = inproc.call("POST", "/api/spaces/bench/posts", author, {"body": "warm"}, key=uuid.uuid4().hex)["post"]
    inproc.call("POST", "/api/spaces/bench/posts", author, {"body": "second"}, key=uuid.uuid4().hex)

    def seen_on_the_page() -> str:
        shown = inproc.call("GET", "/api/spaces/bench/posts", reader)["posts"]
        return str(next(each["seen"] for each in shown if each["id"] == post["id"]))

    def cold(method: str, path: str, document: dict[str, Any], handle: str = reader, key: str = "") -> int:
        assert inproc.store is not None
        inproc.store.known = Known()
        return inproc.round_trips(method, path, handle, document, key)

    def create_reply() -> int:  # the first answer: the write that must know the parent's answer
        document = {"body": "a reply", "space": "bench", "seen": seen_on_the_page()}
        return cold("POST", f"/api/posts/{post['id']}/replies", document, key=uuid.uuid4().hex)

    actions: dict[str, Callable[[], int]] = {
        "rt_create_post": lambda: cold(
            "POST", "/api/spaces/bench/posts", {"body": "count me"}, handle=author, key=uuid.uuid4().hex
        ),
        "rt_toggle_reaction": lambda: cold(
            "POST", f"/api/posts/{post['id']}/reactions/like", {"state": "on", "seen": seen_on_the_page()}
        ),
        "rt_mark_outcome": lambda: cold(
            "POST", f"/api/posts/{post['id']}/outcome", {"state": "on", "space": "bench"}, handle=author
        ),
        "rt_feed_page": lambda: inproc.round_trips("GET", "/api/spaces/bench/posts", reader),
        "rt_thread": lambda: inproc.round_trips("GET", f"/api/posts/{post['id']}", reader),
        "rt_create_reply": create_reply,
    }

    def count(name: str, action: Callable[[], int]) -> None:
        report(name, action(), "requests")

    for name, action in actions.items():
        figures.measure(name, functools.partial(count, name, action))


def handler_times(inproc: InProcess, figures: Figures) -> None:
    author, reader = PEOPLE[0], PEOPLE[2]
    post: dict[str, Any] = {}  # each route's own post, made on its fresh table
    version = [1]

    def edit() -> None:
        inproc.call("POST", f"/api/posts/{post['id']}/edit", author, {"body": "edited", "version": version[0]})
        version[0] += 1

    flip = [False]

    def toggle() -> None:
        flip[0] = not flip[0]
        inproc.call("POST", f"/api/posts/{post['id']}/reactions/like", reader, {"state": "on" if flip[0] else "off"})

    def outcome() -> None:
        flip[0] = not flip[0]
        state = "off" if flip[0] else "on"  # marked above: off first
        inproc.call("POST", f"/api/posts/{post['id']}/outcome", author, {"state": state, "space": "bench"})

    routes: dict[str, Callable[[], object]] = {
        "create_post": lambda: inproc.call(
            "POST", "/api/spaces/bench/posts", author, {"body": "Timed **post** @person.01"}, uuid.uuid4().hex
        ),
        "create_reply": lambda: inproc.call(
            "POST", f"/api/posts/{post['id']}/replies", reader, {"body": "timed", "space": "bench"}, uuid.uuid4().hex
        ),
        "toggle_reaction": toggle,
        "mark_outcome": outcome,
        "edit_post": edit,
        "feed_page": lambda: inproc.call("GET", "/api/spaces/bench/posts", reader),
        "thread": lambda: inproc.call("GET", f"/api/posts/{post['id']}", reader),
        "html_space_page": lambda: inproc.gateway.handle_request(
            "GET", "/api/html/spaces/bench", {"Cookie": inproc.cookies[reader]}, None
        ),
    }

    def time_route(name: str, action: Callable[[], object]) -> None:
        nonlocal post
        inproc.fresh_table()
        post = inproc.call("POST", "/api/spaces/bench/posts", author, {"body": "timed"}, key=uuid.uuid4().hex)["post"]
        for i in range(5):
            inproc.call(
                "POST",
                f"/api/posts/{post['id']}/replies",
                reader,
                {"body": f"r{i}", "space": "bench"},
                uuid.uuid4().hex,
            )
        version[0], flip[0] = 1, False
        inproc.call("POST", f"/api/posts/{post['id']}/outcome", author, {"state": "on", "space": "bench"})
        report_times(action, HANDLER_RUNS, p50=f"handler_{name}_p50_ms", p95=f"handler_{name}_p95_ms")

    for name, action in routes.items():
        figures.measure(f"handler_{name}", functools.partial(time_route, name, action))


# --- over HTTP: the load -------------------------------------------------------------------------


@contextmanager
def dev_server(work: Path, endpoint: str) -> Iterator[tuple[str, Settings]]:
    port = free_port()
    state = work / "state"
    from devstack.server import dev_secrets

    secrets = dev_secrets(state)
    root = work / "hub"
    directory = _directory(root)
    env = {**os.environ, "COMMONS_POST_RATE_PER_MINUTE": "100000", "COMMONS_WRITE_RATE_PER_MINUTE": "100000"}
    env["COMMONS_TABLE"] = f"load-{uuid.uuid4().hex[:8]}"
    env["COMMONS_OIDC_CLIENT_ID"], env["COMMONS_OIDC_CLIENT_SECRET"] = "bench", "bench"  # sign-in is not used
    log = (work / "devserver.log").open("wb")
    command = [sys.executable, str(REPO / "scripts" / "devstack"), "--root", str(root), "--port", str(port)]
    command += ["--state-dir", str(state), "--issuer", "http://127.0.0.1:9", "--dynamodb-endpoint", endpoint]
    process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=env)
    origin = f"http://localhost:{port}"
    settings = _settings(directory, endpoint, secrets.session_keys, origin)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{origin}/auth/signed-out", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((work / "devserver.log").read_text()[-2000:])
            time.sleep(0.2)
        yield origin, settings
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _client(origin: str, cookie: str) -> requests.Session:
    client = requests.Session()
    client.headers.update({"Cookie": cookie, "Origin": origin})
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=4)
    client.mount("http://", adapter)
    return client


@dataclass(frozen=True)
class PostsLoad:
    stored: int
    timeouts_retried: int


def load_posts(origin: str, settings: Settings, deadline: float) -> PostsLoad:
    chooser = random.Random(11)  # noqa: S311 (a repeatable load, not a secret)
    lock = threading.Lock()
    made = timeouts = 0

    def client(index: int) -> None:
        handle = PEOPLE[index]
        session = _client(origin, _cookie(settings, handle))
        nonlocal made
        for n in range(POSTS_EACH):
            if time.monotonic() > deadline:
                done = f"{made} of {CLIENTS * POSTS_EACH} posts made, {timeouts} timeouts retried"
                raise TimeoutError(f"load_posts ran out of time: {done}")
            key = uuid.uuid4().hex
            body = {"body": f"Load post {n} by {handle}"}
            url = f"{origin}/api/spaces/load/posts"

            def send(url: str = url, key: str = key, body: dict[str, str] = body) -> str:
                nonlocal timeouts
                last = ""
                for _ in range(5):  # a lost or refused answer is retried with the same key
                    try:
                        answer = session.post(url, json=body, headers={"Idempotency-Key": key}, timeout=30)
                    except requests.Timeout:
                        # A lost answer: the post may or may not have been made, and the same key
                        # makes sure a retry never makes it twice.
                        with lock:
                            timeouts += 1
                        last = "no answer within 30 s"
                        continue
                    if answer.status_code == 201:
                        return str(answer.json()["post"]["id"])
                    last = f"{answer.status_code} {answer.text[:200]}"
                    time.sleep(0.05)
                raise RuntimeError(f"create failed: {last}")

            with lock:
                roll = chooser.random()
            if roll < 0.15:  # a double click: the same request twice at once
                with ThreadPoolExecutor(max_workers=2) as pair:
                    ids = set(pair.map(lambda _: send(), range(2)))
            else:
                ids = {send()}
                if roll < 0.45:  # the answer was lost: send it again
                    ids.add(send())
            if len(ids) != 1:
                raise AssertionError(f"one key made {len(ids)} posts")
            with lock:
                made += 1

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(client, range(CLIENTS)))
    reader = _client(origin, _cookie(settings, PEOPLE[0]))
    stored, cursor, pages = 0, None, 0
    while pages < 100:
        params = {"limit": "50", **({"cursor": cursor} if cursor else {})}
        page = reader.get(f"{origin}/api/spaces/load/posts", params=params, timeout=30).json()
        stored += len(page["posts"])
        cursor, pages = page["next"], pages + 1
        if not cursor:
            break
    return PostsLoad(stored, timeouts)


def load_toggles(origin: str, settings: Settings, deadline: float) -> int:
    author = _client(origin, _cookie(settings, PEOPLE[0]))
    post_ids = []
    for i in range(TOGGLE_POSTS):
        answer = author.post(
            f"{origin}/api/spaces/react/posts",
            json={"body": f"React {i}"},
            headers={"Idempotency-Key": uuid.uuid4().hex},
            timeout=30,
        )
        post_ids.append(answer.json()["post"]["id"])
    kinds = ("like", "celebrate", "thanks", "insightful")
    chooser = random.Random(7)  # noqa: S311 (a repeatable load, not a secret)
    per_person = TOGGLES // TOGGLERS
    plans = {
        handle: [
            (chooser.choice(post_ids), chooser.choice(kinds), chooser.choice(("on", "off"))) for _ in range(per_person)
        ]
        for handle in PEOPLE
    }

    def person(handle: str) -> dict[tuple[str, str], str]:
        session = _client(origin, _cookie(settings, handle))
        last: dict[tuple[str, str], str] = {}
        for post_id, kind, state in plans[handle]:
            if time.monotonic() > deadline:
                raise TimeoutError("load_toggles ran out of time")
            answer = session.post(f"{origin}/api/posts/{post_id}/reactions/{kind}", json={"state": state}, timeout=30)
            if answer.status_code != 200:
                raise RuntimeError(f"toggle failed: {answer.status_code} {answer.text[:200]}")
            last[(post_id, kind)] = state
        return last

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        finals = dict(zip(PEOPLE, pool.map(person, PEOPLE), strict=True))
    mismatches = 0
    for post_id in post_ids:
        who = author.get(f"{origin}/api/posts/{post_id}/reactions", timeout=30).json()["reactions"]
        counts = author.get(f"{origin}/api/posts/{post_id}", timeout=30).json()["post"]["reactions"]
        for kind in kinds:
            expected = {h for h, last in finals.items() if last.get((post_id, kind)) == "on"}
            if counts[kind]["count"] != len(who[kind]) or set(who[kind]) != expected:
                mismatches += 1
    return mismatches


def load(work: Path, endpoint: str, figures: Figures) -> None:
    """The figures over HTTP, on one dev server: each measured on its own, in its own time."""
    with dev_server(work, endpoint) as (origin, settings):

        def posts() -> None:
            started = time.monotonic()
            result = load_posts(origin, settings, started + DEADLINE_SECONDS)
            report("load_posts_stored", result.stored, "posts")
            report("load_posts_timeouts_retried", result.timeouts_retried, "requests")
            report("load_posts_seconds", round(time.monotonic() - started, 1), "s")

        def toggles() -> None:
            started = time.monotonic()
            mismatches = load_toggles(origin, settings, started + DEADLINE_SECONDS)
            report("load_reaction_count_mismatches", mismatches, "counts")
            report("load_toggles_seconds", round(time.monotonic() - started, 1), "s")

        figures.measure("load_posts", posts)
        figures.measure("load_toggles", toggles)


def main() -> None:
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="commons-bench-posts-") as tmp:
        work = Path(tmp)
        log = (work / "moto.log").open("wb")
        aws = local_aws.start(output=log)
        try:

            def in_process() -> None:
                key = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
                origin = "http://localhost:8000"
                inproc = InProcess(_settings(_directory(work / "inproc"), aws.endpoint, f"bench={key}", origin))
                try:
                    figures.measure("round trips", lambda: round_trips(inproc, figures))
                    figures.measure("handler times", lambda: handler_times(inproc, figures))
                finally:
                    from chalicelib.runtime import install

                    install(None)

            figures.measure("in-process figures", in_process)
            figures.measure("load figures", lambda: load(work, aws.endpoint, figures))
        finally:
            aws.stop()
            log.close()
    if figures.failed:
        raise RuntimeError(f"{len(figures.failed)} failed ({', '.join(figures.failed)}); the others were reported")


if __name__ == "__main__":
    main()
