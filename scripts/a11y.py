"""Accessibility in Chromium: every kind of page Commons shows, checked with axe-core.

Shared by the browser tests (tests/e2e/test_accessibility.py) and `python -m bench axe`, so the
figure and the tests look at the same pages in the same states:

- the hub's pages, signed in, with posts, replies, a reaction, an outcome and a hidden post on them;
- the pages the functions render for browsers without JavaScript, the dev mailbox, and the
  sign-in pages (the dev identity provider's among them);
- each form's error state, with JavaScript and without;
- in the wide and the narrow layout, with JavaScript and without (a page that runs no script is
  the same either way, and is checked once).

axe-core is injected over the DevTools protocol, which the hub's Content-Security-Policy does not
govern, so the pages are checked under their real headers. With JavaScript off, axe still has to
run: the context fetches no script and strips inline ones, and shows what <noscript> holds, as a
browser with JavaScript off would.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from axe_playwright_python.sync_playwright import Axe

SERIOUS = frozenset({"serious", "critical"})
LAYOUTS: dict[str, dict[str, int]] = {"wide": {"width": 1280, "height": 900}, "narrow": {"width": 360, "height": 740}}
SETTLE_MS = 10_000

_axe = Axe()
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I)
_NOSCRIPT = re.compile(r"</?noscript\s*>", re.I)


@dataclass(frozen=True)
class Violation:
    """One axe rule that failed on a page, with the elements it failed on."""

    rule: str
    impact: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:3]) + (" …" if len(self.targets) > 3 else "")
        return f"{self.rule} ({self.impact}, {len(self.targets)} nodes: {shown})"


def serious_violations(page: Any) -> list[Violation]:
    """axe-core's serious and critical violations on `page` as it is now. No rule is turned off."""
    results = _axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS:
            targets = tuple(" ".join(map(str, node["target"])) for node in violation["nodes"])
            found.append(Violation(violation["id"], violation["impact"], targets))
    return found


def _without_scripts(route: Any) -> None:
    request = route.request
    if request.resource_type == "script":
        route.abort()
        return
    if request.resource_type != "document":
        route.continue_()
        return
    response = route.fetch(max_redirects=0)
    if "text/html" not in response.headers.get("content-type", ""):
        route.fulfill(response=response)
        return
    body = _NOSCRIPT.sub("", _SCRIPT.sub("", response.text()))
    route.fulfill(response=response, body=body)


def without_javascript(context: Any) -> None:
    """Make `context` show pages as a browser with JavaScript off does, while axe can still run."""
    context.route("**/*", _without_scripts)


@dataclass(frozen=True)
class Seeded:
    """What `seed` put on the stack, so that the pages have something on them to check."""

    url: str
    space: str
    handle: str
    thread: str
    hidden: str


def _write(context: Any, url: str, path: str, body: dict[str, Any], *, create: bool = False) -> Any:
    headers = {"Origin": url, "Content-Type": "application/json"}
    if create:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    response = context.request.post(url + path, data=json.dumps(body), headers=headers)
    if not response.ok:
        raise RuntimeError(f"{path}: {response.status} {response.text()}")
    return response.json()


def seed(context: Any, url: str, space: str, handle: str, mention: str) -> Seeded:
    """Through the API, as `handle` (signed in in `context`, a steward of `space`): a post that
    mentions `mention` (so the dev mailbox has a message) with a reply, a reaction and its outcome
    marked, and a second post that is hidden with a reason."""
    posts = f"/api/spaces/{space}/posts"
    text = f"The **release notes** are out, see [the list](/teams/{space}/). Thanks @{mention}!"
    post = _write(context, url, posts, {"body": text}, create=True)["post"]
    reply = {"body": "Read them, and the rollback section helps.", "space": space}
    _write(context, url, f"/api/posts/{post['id']}/replies", reply, create=True)
    _write(context, url, f"/api/posts/{post['id']}/reactions/like", {"state": "on"})
    _write(context, url, f"/api/posts/{post['id']}/outcome", {"state": "on", "space": space})
    hidden = _write(context, url, posts, {"body": "A post that breaks the space's rules."}, create=True)["post"]
    _write(context, url, f"/api/posts/{hidden['id']}/hide", {"reason": "Off topic for this space."})
    return Seeded(url, space, handle, post["id"], hidden["id"])


def settle(page: Any) -> None:
    """Wait until the page has fetched what it shows (feeds, replies, charts)."""
    page.wait_for_load_state("networkidle", timeout=SETTLE_MS)


def _goto(path: Callable[[Seeded], str]) -> Callable[[Any, Seeded], None]:
    def visit(page: Any, seeded: Seeded) -> None:
        page.goto(seeded.url + path(seeded))
        settle(page)

    return visit


def _own_post(page: Any, seeded: Seeded) -> Any:
    page.goto(f"{seeded.url}/teams/{seeded.space}/#post-{seeded.thread}")
    post = page.locator(f"#post-{seeded.thread}").first
    post.wait_for()
    settle(page)
    return post


def _post_error(page: Any, seeded: Seeded) -> None:
    page.goto(f"{seeded.url}/teams/{seeded.space}/")
    form = page.locator("form.commons-form--post")
    form.get_by_role("button", name="Post", exact=True).click()
    form.locator(".commons-error:not(:empty)").wait_for()


def _reply_error(page: Any, seeded: Seeded) -> None:
    post = _own_post(page, seeded)
    form = post.locator("form.commons-form--reply")
    form.get_by_role("button", name="Reply", exact=True).click()
    form.locator(".commons-error:not(:empty)").wait_for()


def _edit_error(page: Any, seeded: Seeded) -> None:
    post = _own_post(page, seeded)
    post.locator(":scope > .commons-post__main").get_by_role("button", name="Edit", exact=True).click()
    form = post.locator("form.commons-form--edit")
    form.locator("textarea").fill("")
    form.get_by_role("button", name="Save", exact=True).click()
    form.locator(".commons-error:not(:empty)").wait_for()


def _hide_error(page: Any, seeded: Seeded) -> None:
    post = _own_post(page, seeded)
    post.locator(":scope > .commons-post__main").get_by_role("button", name="Hide", exact=True).click()
    form = post.locator("form.commons-form--hide")
    form.get_by_role("button", name="Hide post", exact=True).click()
    form.locator(".commons-error:not(:empty)").wait_for()


def _mail_error(page: Any, seeded: Seeded) -> None:
    """The preferences form's answer to a save the functions refuse: the session has ended."""
    page.goto(f"{seeded.url}/people/{seeded.handle}/")
    form = page.locator(".commons-mail__form")
    form.wait_for()
    settle(page)
    page.context.clear_cookies()
    form.locator("button[type=submit]").click()
    form.locator(".commons-mail__status.is-error").wait_for()


def _refused_form(page: Any, seeded: Seeded) -> None:
    """A form without JavaScript that the functions refuse: a post of nothing but spaces."""
    page.goto(f"{seeded.url}/api/html/spaces/{seeded.space}")
    form = page.locator("form", has=page.locator("textarea")).first
    form.locator("textarea").fill("   ")
    form.get_by_role("button", name="Post", exact=True).click()
    page.wait_for_load_state()


def _mail_message(page: Any, seeded: Seeded) -> None:
    listing = page.context.request.get(seeded.url + "/_dev/mail.json").json()
    if not listing["messages"]:
        raise RuntimeError("the dev mailbox is empty: seed() should have sent a mention")
    page.goto(seeded.url + listing["messages"][0]["url"])


def _idp_error(page: Any, seeded: Seeded) -> None:
    page.goto(seeded.url + "/")
    page.locator("input[name=login]").fill("nobody.at.all")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("No account for").wait_for()


@dataclass(frozen=True)
class Kind:
    """A kind of page and how to bring a browser to it. `scripted` pages run JavaScript, and are
    checked with it and without; `signed_in` ones are visited with a session."""

    visit: Callable[[Any, Seeded], None]
    scripted: bool = True
    signed_in: bool = True
    js_only: bool = False  # an error state that only the script shows


KINDS: dict[str, Kind] = {
    "home": Kind(_goto(lambda s: "/")),
    "teams index": Kind(_goto(lambda s: "/teams/")),
    "space page": Kind(_goto(lambda s: f"/teams/{s.space}/")),
    "people directory": Kind(_goto(lambda s: "/people/")),
    "person page": Kind(_goto(lambda s: f"/people/{s.handle}/")),
    "org chart": Kind(_goto(lambda s: "/org-chart/")),
    "skills": Kind(_goto(lambda s: "/skills/")),
    "health": Kind(_goto(lambda s: "/health/")),
    "impact": Kind(_goto(lambda s: "/impact/")),
    "accessibility statement": Kind(_goto(lambda s: "/accessibility/")),
    "post form error": Kind(_post_error, js_only=True),
    "reply form error": Kind(_reply_error, js_only=True),
    "edit form error": Kind(_edit_error, js_only=True),
    "hide form error": Kind(_hide_error, js_only=True),
    "mail preferences error": Kind(_mail_error, js_only=True),
    "no-js space feed": Kind(_goto(lambda s: f"/api/html/spaces/{s.space}"), scripted=False),
    "no-js org feed": Kind(_goto(lambda s: "/api/html/feed"), scripted=False),
    "no-js person feed": Kind(_goto(lambda s: f"/api/html/people/{s.handle}"), scripted=False),
    "no-js thread": Kind(_goto(lambda s: f"/api/html/posts/{s.thread}"), scripted=False),
    "no-js impact": Kind(_goto(lambda s: "/api/html/impact"), scripted=False),
    "no-js mail preferences": Kind(_goto(lambda s: "/api/html/mail/preferences"), scripted=False),
    "no-js feed links": Kind(_goto(lambda s: "/api/html/feeds"), scripted=False),
    "no-js refused form": Kind(_refused_form, scripted=False),
    "dev mailbox": Kind(_goto(lambda s: "/_dev/mail"), scripted=False),
    "dev mailbox message": Kind(_mail_message, scripted=False),
    "sign out": Kind(_goto(lambda s: "/auth/logout"), scripted=False),
    "signed out": Kind(_goto(lambda s: "/auth/signed-out"), scripted=False, signed_in=False),
    "sign-in refused": Kind(_goto(lambda s: "/auth/callback?code=x&state=y"), scripted=False, signed_in=False),
    "identity provider login": Kind(_goto(lambda s: "/"), scripted=False, signed_in=False),
    "identity provider error": Kind(_idp_error, scripted=False, signed_in=False),
}


def modes(kind: Kind) -> tuple[bool, ...]:
    """The JavaScript settings a kind is checked under: on and off, or the one that applies."""
    if kind.js_only:
        return (True,)
    return (True, False) if kind.scripted else (True,)


def check(
    browser: Any, seeded: Seeded, state: Any, name: str, layout: str, javascript: bool, **options: Any
) -> list[Violation]:
    """Visit page kind `name` in a fresh context (with the session `state`, a Playwright storage
    state, when the kind is signed in) and return what axe finds serious or critical there."""
    kind = KINDS[name]
    context = browser.new_context(viewport=LAYOUTS[layout], storage_state=state if kind.signed_in else None, **options)
    try:
        if not javascript:
            without_javascript(context)
        page = context.new_page()
        kind.visit(page, seeded)
        return serious_violations(page)
    finally:
        context.close()
