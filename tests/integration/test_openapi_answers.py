"""`/api/openapi.json` is true to what the dev stack answers, not only to the route names: every
answer below has a status documented for its operation, the documented media type, and (for JSON)
a body valid under the documented schema (OpenAPI 3.1 schemas are JSON Schema 2020-12). Every
request field documented for JSON or for a form is accepted, and a field it does not list is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from chalicelib import openapi
from chalicelib.mail.unsubscribe import Unsubscribe, UnsubscribeTokens
from tests.integration.conftest import Stack
from tests.integration.posts_client import Person

JSON, FORM, HTML = "application/json", "application/x-www-form-urlencoded", "text/html"


class Document:
    """The served document, and which of its operations the answers checked so far belong to."""

    def __init__(self, served: dict[str, Any]) -> None:
        self.served = served
        self.checked: set[tuple[str, str]] = set()

    def operations(self, method: str) -> set[tuple[str, str]]:
        return {(method, path) for path, item in self.served["paths"].items() if method in item}

    def operation(self, method: str, path: str) -> dict[str, Any]:
        found: dict[str, Any] = self.served["paths"][path][method]
        return found

    def validator(self, schema: dict[str, Any]) -> Draft202012Validator:
        # `#/components/...` references resolve against a root that holds the components.
        root = {**schema, "components": self.served["components"]}
        return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)

    def check(self, answer: requests.Response, method: str, path: str) -> requests.Response:
        """Assert `answer` is as documented for the operation `method path` (a templated path)."""
        self.checked.add((method, path))
        where = f"{method.upper()} {path} answered {answer.status_code}: {answer.text[:300]}"
        responses = self.operation(method, path)["responses"]
        assert str(answer.status_code) in responses, where
        documented = responses[str(answer.status_code)]
        content = documented.get("content")
        if not content:
            assert answer.content == b"", where
        else:
            media = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
            assert media in content, (where, media, list(content))
            if media == JSON:
                errors = sorted(self.validator(content[JSON]["schema"]).iter_errors(answer.json()), key=str)
                assert not errors, (where, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]])
            elif media == "application/atom+xml":
                assert answer.text.startswith("<?xml") and "http://www.w3.org/2005/Atom" in answer.text, where
            elif media == "text/csv":
                assert answer.text.startswith("week,posts,"), where
            else:
                assert answer.text.lstrip().lower().startswith("<!doctype html"), where
        if answer.status_code == 303:
            assert answer.headers["Location"].startswith("/"), where
        return answer

    def fields(self, method: str, path: str, media: str) -> dict[str, Any]:
        schema: dict[str, Any] = self.operation(method, path)["requestBody"]["content"][media]["schema"]
        return schema


@pytest.fixture()
def doc(hub: Stack) -> Document:
    # The document as served (it needs no session), checked against the module's own.
    answer = requests.get(hub.url("/api/openapi.json"), timeout=30)
    served = Document(answer.json())
    served.check(answer, "get", "/api/openapi.json")
    assert served.served == openapi.DOCUMENT
    return served


@pytest.fixture()
def jane(hub: Stack) -> Iterator[Person]:
    """Steward of platform."""
    yield Person(hub, "jane.doe")


@pytest.fixture()
def lee(hub: Stack) -> Iterator[Person]:
    """A member of platform, not its steward."""
    yield Person(hub, "lee.park")


def key() -> str:
    return uuid.uuid4().hex


def created(jane: Person, text: str = "A post") -> dict[str, Any]:
    return jane.create("platform", f"{text} {key()[:8]}")


def test_reads_and_pages_answer_as_documented(doc: Document, hub: Stack, jane: Person, lee: Person) -> None:
    post = created(jane, "Read me, @lee.park")
    reply = lee.reply(post, "A reply")
    lee.post(f"/api/posts/{post['id']}/reactions/like", {"state": "on"})
    jane.post(f"/api/posts/{post['id']}/outcome", {"state": "on"})
    reads = {
        "/api/me": "/api/me",
        "/api/feed": "/api/feed",
        "/api/outcomes": "/api/outcomes",
        "/api/spaces/{slug}/posts": "/api/spaces/platform/posts",
        "/api/spaces/{slug}/outcomes": "/api/spaces/platform/outcomes",
        "/api/people/{handle}/posts": "/api/people/jane.doe/posts",
        "/api/posts/{id}": f"/api/posts/{post['id']}",
        "/api/posts/{id}/reactions": f"/api/posts/{post['id']}/reactions",
        "/api/html/feed": "/api/html/feed",
        "/api/html/spaces/{slug}": "/api/html/spaces/platform",
        "/api/html/people/{handle}": "/api/html/people/jane.doe",
        "/api/html/posts/{id}": f"/api/html/posts/{post['id']}",
        "/api/mail/preferences": "/api/mail/preferences",
        "/api/html/mail/preferences": "/api/html/mail/preferences",
        "/api/html/feeds": "/api/html/feeds",
        "/api/metrics": "/api/metrics",
        "/api/metrics.csv": "/api/metrics.csv",
        "/api/metrics/spaces": "/api/metrics/spaces",
        "/api/metrics/spaces/{slug}": "/api/metrics/spaces/platform",
        "/api/metrics/health": "/api/metrics/health",
        "/api/html/impact": "/api/html/impact",
    }
    for template, path in reads.items():
        for reader in (jane, lee):
            assert doc.check(reader.get(path), "get", template).status_code == 200
    doc.check(jane.get(f"/api/posts/{reply['id']}"), "get", "/api/posts/{id}")
    doc.check(jane.get("/api/feed", limit="1"), "get", "/api/feed")
    # Someone signed in but not in the directory yet.
    newcomer = Person(hub, None)
    assert doc.check(newcomer.get("/api/me"), "get", "/api/me").json()["in_directory"] is False
    # Refusals: not signed in, unknown things, bad input, as JSON and as pages.
    stranger = requests.Session()
    for template, path in reads.items():
        answer = stranger.get(hub.url(path), allow_redirects=False, timeout=30)
        assert doc.check(answer, "get", template).status_code == 401
    assert doc.check(jane.get("/api/spaces/nowhere/posts"), "get", "/api/spaces/{slug}/posts").status_code == 404
    assert doc.check(jane.get("/api/html/spaces/nowhere"), "get", "/api/html/spaces/{slug}").status_code == 404
    assert doc.check(jane.get("/api/html/posts/01J00000000000000000000000"), "get", "/api/html/posts/{id}").ok is False
    assert doc.check(jane.get("/api/feed", limit="0"), "get", "/api/feed").status_code == 400
    metrics_space = "/api/metrics/spaces/{slug}"
    assert doc.check(jane.get("/api/metrics/spaces/platform.csv"), "get", metrics_space).status_code == 200
    assert doc.check(jane.get("/api/metrics/spaces/nowhere"), "get", metrics_space).status_code == 404
    assert doc.check(jane.get("/api/metrics", weeks="105"), "get", "/api/metrics").status_code == 400
    assert doc.check(jane.get("/api/feed", cursor="forged"), "get", "/api/feed").status_code == 400
    assert doc.check(jane.get("/api/html/feed", cursor="forged"), "get", "/api/html/feed").status_code == 400
    # The unsubscribe link needs no session: its token is its authority; a GET only asks to confirm.
    unsubscribe = "/api/mail/unsubscribe"
    link = stranger.get(hub.url(unsubscribe), params={"t": unsubscribe_token(hub, "lee.park")}, timeout=30)
    assert doc.check(link, "get", unsubscribe).status_code == 200 and 'method="post"' in link.text
    assert doc.check(stranger.get(hub.url(unsubscribe), timeout=30), "get", unsubscribe).status_code == 400
    forged = stranger.get(hub.url(unsubscribe), params={"t": "forged"}, timeout=30)
    assert doc.check(forged, "get", unsubscribe).status_code == 400
    # Feeds need no session either: the token in their links is their authority.
    org_feed, space_feed, feeds = "/api/feeds/org.atom", "/api/feeds/spaces/{feed}", jane.get("/api/me").json()["feeds"]
    assert doc.check(stranger.get(feeds["org"], timeout=30), "get", org_feed).status_code == 200
    assert doc.check(stranger.get(feeds["spaces"]["platform"], timeout=30), "get", space_feed).status_code == 200
    forged_feed = stranger.get(hub.url(org_feed), params={"t": "forged"}, timeout=30)
    assert doc.check(forged_feed, "get", org_feed).status_code == 404
    no_space = stranger.get(feeds["spaces"]["platform"].replace("/platform.atom", "/nowhere.atom"), timeout=30)
    assert doc.check(no_space, "get", space_feed).status_code == 404
    assert doc.operations("get") <= doc.checked


def test_json_writes_answer_as_documented(doc: Document, jane: Person, lee: Person) -> None:
    create = "/api/spaces/{slug}/posts"
    same = key()
    first = doc.check(jane.post("/api/spaces/platform/posts", {"body": "First"}, key=same), "post", create)
    again = doc.check(jane.post("/api/spaces/platform/posts", {"body": "First"}, key=same), "post", create)
    assert first.status_code == again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    post = first.json()["post"]
    base = f"/api/posts/{post['id']}"
    answers = [
        (lee.post(f"{base}/replies", {"body": "Re", "space": "platform"}, key=key()), "/api/posts/{id}/replies", 201),
        (jane.post(f"{base}/edit", {"body": "Edited", "version": 1}), "/api/posts/{id}/edit", 200),
        (jane.post(f"{base}/edit", {"body": "Stale", "version": 1}), "/api/posts/{id}/edit", 409),
        (lee.post(f"{base}/reactions/thanks", {"state": "on"}), "/api/posts/{id}/reactions/{kind}", 200),
        (lee.post(f"{base}/reactions/shrug", {"state": "on"}), "/api/posts/{id}/reactions/{kind}", 404),
        (jane.post(f"{base}/outcome", {"state": "on", "space": "platform"}), "/api/posts/{id}/outcome", 200),
        (lee.post(f"{base}/hide", {"reason": "Off topic"}), "/api/posts/{id}/hide", 403),
        (jane.post(f"{base}/hide", {"reason": "Off topic"}), "/api/posts/{id}/hide", 200),
        (jane.post(f"{base}/restore", {}), "/api/posts/{id}/restore", 200),
        (jane.post(f"{base}/delete"), "/api/posts/{id}/delete", 200),
        (jane.post("/api/spaces/platform/posts", {"body": ""}, key=key()), create, 400),
        (jane.post("/api/spaces/platform/posts", {"body": "x"}), create, 400),
        (jane.post("/api/spaces/nowhere/posts", {"body": "x"}, key=key()), create, 404),
        (jane.post("/api/spaces/platform/posts", {"body": "x"}, key=key(), origin="https://evil.example"), create, 403),
        (jane.post("/api/spaces/platform/posts", data=b"x", headers={"Content-Type": "text/plain"}), create, 415),
        (jane.post("/api/spaces/platform/posts", data=b"x" * 70_000, headers={"Content-Type": JSON}), create, 413),
        (jane.post("/api/spaces/platform/posts", data=b"{", headers={"Content-Type": JSON}), create, 400),
        (lee.post("/api/mail/preferences", {"digest": "daily"}), "/api/mail/preferences", 200),
        (lee.post("/api/mail/preferences", {"digest": "hourly"}), "/api/mail/preferences", 400),
        (
            lee.post("/api/mail/preferences", {"digest": "daily"}, origin="https://evil.example"),
            "/api/mail/preferences",
            403,
        ),
        (
            lee.post("/api/mail/preferences", data=b"x" * 70_000, headers={"Content-Type": JSON}),
            "/api/mail/preferences",
            413,
        ),
        (one_click(jane, unsubscribe_token(jane.stack, "lee.park")), "/api/mail/unsubscribe", 200),
        (one_click(jane, "forged"), "/api/mail/unsubscribe", 400),
        (lee.post("/api/feeds/revoke", {}), "/api/feeds/revoke", 200),
        (lee.post("/api/feeds/revoke", {}, origin="https://evil.example"), "/api/feeds/revoke", 403),
    ]
    for answer, template, status in answers:
        assert doc.check(answer, "post", template).status_code == status, answer.text[:300]
    assert doc.operations("post") <= doc.checked


def test_form_writes_answer_303_or_with_a_page(doc: Document, jane: Person, lee: Person) -> None:
    post = created(jane)
    base = f"/api/posts/{post['id']}"
    back = {"return_to": f"/api/html/posts/{post['id']}"}
    forms = [
        ("/api/spaces/platform/posts", "/api/spaces/{slug}/posts", {"body": "By form", "idempotency_key": key()}),
        (f"{base}/replies", "/api/posts/{id}/replies", {"body": "Re", "idempotency_key": key()}),
        (f"{base}/edit", "/api/posts/{id}/edit", {"body": "Edited", "version": "1"}),
        (f"{base}/reactions/like", "/api/posts/{id}/reactions/{kind}", {"state": "on"}),
        (f"{base}/outcome", "/api/posts/{id}/outcome", {"state": "on"}),
        (f"{base}/hide", "/api/posts/{id}/hide", {"reason": "Off topic"}),
        (f"{base}/restore", "/api/posts/{id}/restore", {}),
        (f"{base}/delete", "/api/posts/{id}/delete", {}),
    ]
    for path, template, fields in forms:
        answer = doc.check(jane.post(path, data={**fields, **back}), "post", template)
        assert answer.status_code == 303 and answer.headers["Location"].startswith(back["return_to"])
    mine = {"digest": "weekly", "mentions": "on", "return_to": "/people/lee.park/"}
    answer = doc.check(lee.post("/api/mail/preferences", data=mine), "post", "/api/mail/preferences")
    assert answer.status_code == 303 and answer.headers["Location"] == "/people/lee.park/"
    answer = doc.check(lee.post("/api/mail/preferences", data={"digest": "hourly"}), "post", "/api/mail/preferences")
    assert answer.status_code == 400 and answer.headers["Content-Type"].startswith(HTML)
    back_home = {"return_to": "/people/lee.park/"}
    answer = doc.check(lee.post("/api/feeds/revoke", data=back_home), "post", "/api/feeds/revoke")
    assert answer.status_code == 303 and answer.headers["Location"] == "/people/lee.park/"
    # The confirm page's button: the answer is a page, not a redirect.
    confirmed = lee.post(f"/api/mail/unsubscribe?t={unsubscribe_token(lee.stack, 'lee.park')}", data=ONE_CLICK)
    assert doc.check(confirmed, "post", "/api/mail/unsubscribe").status_code == 200
    assert "unsubscribed" in confirmed.text
    refusals = [
        ("/api/spaces/platform/posts", {"body": "", "idempotency_key": key()}, 400),
        ("/api/spaces/platform/posts", {"body": "x", "idempotency_key": key(), "return_to": "//evil.example"}, 400),
        ("/api/spaces/nowhere/posts", {"body": "x", "idempotency_key": key()}, 404),
        (f"{base}/edit", {"body": "Gone", "version": "9"}, 403),
    ]
    for path, fields, status in refusals:
        answer = doc.check(jane.post(path, data=fields), "post", openapi_path(path))
        assert answer.status_code == status and answer.headers["Content-Type"].startswith(HTML)
    assert doc.operations("post") <= doc.checked


ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def unsubscribe_token(stack: Stack, handle: str) -> str:
    return UnsubscribeTokens(stack.settings.session_keys).seal(Unsubscribe(handle, "digest"))


def one_click(person: Person, token: str) -> requests.Response:
    """What a mail client sends (RFC 8058): no session, no Origin."""
    url = person.stack.url(f"/api/mail/unsubscribe?t={token}")
    return requests.post(url, data=ONE_CLICK, allow_redirects=False, timeout=30)


def openapi_path(path: str) -> str:
    return "/api/spaces/{slug}/posts" if path.startswith("/api/spaces/") else "/api/posts/{id}/edit"


# --- request fields: each documented one accepted, any other refused ------------------------------


def value_for(name: str, media: str, version: int, seen: str = "") -> Any:
    if name in MAIL_VALUES:
        return MAIL_VALUES[name][0 if media == JSON else 1]
    values: dict[str, Any] = {
        "body": f"Every field {key()[:6]}",
        "space": "platform",
        "version": version if media == JSON else str(version),
        "reason": "Off topic",
        "state": "on",
        "return_to": "/api/html/feed",
        "idempotency_key": key(),
        "seen": seen,
    }
    return values[name]


# Mail preferences' fields, as JSON and as a form's text.
MAIL_VALUES: dict[str, tuple[Any, str]] = {
    "follows": (["platform"], "platform"),
    "each_post": (True, "on"),
    "mentions": (True, "on"),
    "replies": (False, "on"),
    "digest": ("daily", "daily"),
    "resume": (True, "on"),
}


def target(jane: Person, template: str) -> tuple[str, int, str]:
    """A fresh path for the operation, and the version and `seen` of its post (hidden first, for a
    restore)."""
    if template in ("/api/spaces/{slug}/posts", "/api/mail/preferences"):
        return template.replace("{slug}", "platform"), 0, ""
    post = created(jane, "Target")
    if template.endswith("/restore"):
        assert jane.post(f"/api/posts/{post['id']}/hide", {"reason": "For the restore"}).status_code == 200
    path = template.replace("{id}", post["id"]).replace("{kind}", "celebrate")
    return path, int(post["version"]), str(post["seen"])


def send(jane: Person, path: str, media: str, fields: dict[str, Any]) -> requests.Response:
    if media == JSON:
        return jane.post(path, fields, key=key())
    return jane.post(path, data={name: str(value) for name, value in fields.items()})


# The one-click unsubscribe reads no body (its link's token is all it needs): tested above.
WRITES = sorted(
    path for path, item in openapi.DOCUMENT["paths"].items() if "post" in item and path != "/api/mail/unsubscribe"
)


@pytest.mark.parametrize("media", [JSON, FORM])
@pytest.mark.parametrize("template", WRITES)
def test_every_documented_request_field_is_accepted(doc: Document, jane: Person, template: str, media: str) -> None:
    schema = doc.fields("post", template, media)
    path, version, seen = target(jane, template)
    fields = {name: value_for(name, media, version, seen) for name in schema["properties"]}
    answer = doc.check(send(jane, path, media, fields), "post", template)
    assert answer.status_code in ((200, 201) if media == JSON else (303,)), (fields, answer.text[:300])


@pytest.mark.parametrize("media", [JSON, FORM])
@pytest.mark.parametrize("template", WRITES)
def test_a_field_the_document_does_not_list_is_refused(doc: Document, jane: Person, template: str, media: str) -> None:
    schema = doc.fields("post", template, media)
    path, version, seen = target(jane, template)
    fields = {name: value_for(name, media, version, seen) for name in schema["required"]}
    # Form-only fields are not JSON fields: a JSON body that names them is refused like any other.
    for extra in sorted({"surprise", "return_to", "idempotency_key"} - set(schema["properties"])):
        value = "/api/html/feed" if extra == "return_to" else key()
        answer = doc.check(send(jane, path, media, {**fields, extra: value}), "post", template)
        assert answer.status_code == 400, (extra, answer.text[:300])
        if media == JSON:
            assert answer.json() == answer.json() | {"error": "invalid-input"} and extra in answer.json()["message"]
        else:
            assert answer.headers["Content-Type"].startswith(HTML) and extra in answer.text
