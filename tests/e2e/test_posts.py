"""Posts on the hub in Chromium, against the whole dev stack: post, reply, react and mark an
outcome on a team page, with JavaScript and without it; and script in Markdown never runs."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Locator, Page, Request, Route, expect

from hub.content import load_org
from tests.conftest import REPO
from tests.e2e.conftest import sign_in

SPACE = "engineering"


@pytest.fixture(scope="module")
def space_name(sample_person: str) -> str:
    org = load_org(REPO / "site")
    space = org.spaces[SPACE]
    # Marking an outcome on someone else's post, and hiding one, are for the space's stewards.
    assert sample_person in space.stewards, f"{sample_person} should steward {SPACE}"
    return space.name


@pytest.fixture()
def person_name(sample_person: str) -> str:
    return load_org(REPO / "site").people[sample_person].name


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:10]}"


def post_article(page: Page, name: str, text: str) -> Locator:
    return page.locator("article.commons-post:not(.commons-post--reply)", has_text=text).and_(
        page.get_by_role("article", name=f"Post by {name}")
    )


def api_post(context: BrowserContext, hub_url: str, path: str, body: dict[str, Any], key: str = "") -> Any:
    """A JSON write through the API with the context's session, as the hub's script sends it."""
    headers = {"Origin": hub_url, "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    response = context.request.post(hub_url + path, data=json.dumps(body), headers=headers)
    assert response.ok, f"{path}: {response.status} {response.text()}"
    return response.json()


def outcome_total(context: BrowserContext, hub_url: str) -> int:
    response = context.request.get(f"{hub_url}/api/spaces/{SPACE}/outcomes")
    assert response.ok, response.text()
    return int(response.json()["total"])


# -- with JavaScript -----------------------------------------------------------------------------


def test_post_reply_react_and_mark_an_outcome(
    signed_in_page: Page, hub_url: str, sample_person: str, space_name: str, person_name: str
) -> None:
    page = signed_in_page
    writes: list[Request] = []
    page.on("request", lambda r: writes.append(r) if r.method == "POST" and "/api/" in r.url else None)
    before = outcome_total(page.context, hub_url)
    page.goto(f"{hub_url}/teams/{SPACE}/")
    expect(page.locator(".commons-posts__outcomes")).to_contain_text(f"{before} post")

    # Posting is typing and one click.
    marker = uuid.uuid4().hex[:10]
    text = f"Shipped the **invoice export** today {marker}"
    box = page.get_by_label(f"Write a post in {space_name}")
    box.fill(text)
    page.get_by_role("button", name="Post", exact=True).click()
    post = post_article(page, person_name, marker)
    expect(post).to_be_visible()
    expect(post.locator(".commons-post__body strong")).to_have_text("invoice export")
    expect(box).to_have_value("")
    expect(post).to_be_focused()  # focus lands on the new post
    assert len(writes) == 1
    sent = writes[0]
    assert sent.url == f"{hub_url}/api/spaces/{SPACE}/posts"
    assert re.fullmatch(r"[0-9a-f-]{36}", sent.headers["idempotency-key"])
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.post_data or "") == {"body": text}

    # React: a toggle with its count; pressing again takes it back.
    like = post.get_by_role("button", name=re.compile("^Like"))
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".commons-reaction__count")).to_have_text("1")
    expect(like).to_be_focused()
    thanks = post.get_by_role("button", name=re.compile("^Thanks"))
    thanks.click()
    expect(thanks).to_have_attribute("aria-pressed", "true")
    thanks.click()
    expect(thanks).to_have_attribute("aria-pressed", "false")
    expect(thanks.locator(".commons-reaction__count")).to_have_text("0")

    # Reply, one level deep.
    reply_text = unique("Well done, the finance team noticed")
    post.get_by_label(f"Reply to {person_name}").fill(reply_text)
    post.get_by_role("button", name="Reply", exact=True).click()
    reply = post.get_by_role("article", name=f"Reply by {person_name}")
    expect(reply).to_contain_text(reply_text)
    expect(post.get_by_label(f"Reply to {person_name}")).to_have_value("")

    # Mark the outcome: the post shows it, and the space's count goes up.
    outcome = post.get_by_role("button", name="Achieved the outcome", exact=True)
    outcome.click()
    expect(outcome).to_have_attribute("aria-pressed", "true")
    expect(post.locator(".commons-post__badge")).to_have_text("\u2713 Outcome")
    expect(page.locator(".commons-posts__outcomes")).to_contain_text(f"{before + 1} post")

    # All of it is still there after a reload. The feed is fetched once: the head's preload is
    # the script's own request.
    feed_url = f"{hub_url}/api/spaces/{SPACE}/posts?limit=20"
    feed_requests: list[str] = []
    page.on("request", lambda r: feed_requests.append(r.url) if r.url == feed_url else None)
    page.reload()
    post = post_article(page, person_name, marker)
    expect(post).to_be_visible()
    own = post.locator(":scope > .commons-post__main")  # the post itself, not its replies
    expect(own.get_by_role("button", name="Like 1")).to_have_attribute("aria-pressed", "true")
    expect(own.get_by_role("button", name="Thanks 0")).to_have_attribute("aria-pressed", "false")
    expect(post.get_by_role("article", name=f"Reply by {person_name}")).to_contain_text(reply_text)
    expect(own.get_by_role("button", name="Achieved the outcome", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".commons-posts__outcomes")).to_contain_text(f"{before + 1} post")
    assert outcome_total(page.context, hub_url) == before + 1
    assert feed_requests == [feed_url]

    # The home page's org-wide feed and the person's page list it, linking to the space.
    for path in ("/", f"/people/{sample_person}/"):
        page.goto(hub_url + path)
        item = page.locator("article.commons-post--summary", has_text=marker)
        expect(item).to_be_visible()
        expect(item.locator(".commons-post__space")).to_have_text(space_name)
        expect(item.locator(".commons-post__badge")).to_be_visible()
    summary = page.locator("article.commons-post--summary", has_text=marker)
    summary.get_by_role("link", name=re.compile("^Open in")).click()
    expect(page).to_have_url(re.compile(re.escape(f"{hub_url}/teams/{SPACE}/#post-")))
    expect(post_article(page, person_name, marker)).to_be_visible()


def test_a_failed_post_keeps_its_text_and_says_why(
    signed_in_page: Page, hub_url: str, space_name: str, person_name: str
) -> None:
    page = signed_in_page
    page.goto(f"{hub_url}/teams/{SPACE}/")
    box = page.get_by_label(f"Write a post in {space_name}")
    error = page.locator(".commons-form--post .commons-error")
    expect(error).to_have_attribute("aria-live", "assertive")

    page.get_by_role("button", name="Post", exact=True).click()
    expect(error).to_have_text("Write something first.")
    expect(error).to_be_focused()  # focus lands on the error, which says why

    too_long = "x" * 5001
    box.fill(too_long)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(error).to_contain_text("5,000")
    expect(box).to_have_value(too_long)

    # The server's own refusal is shown too: a post in a session that has ended.
    text = unique("Kept when the session ends")
    box.fill(text)
    page.context.clear_cookies()
    page.get_by_role("button", name="Post", exact=True).click()
    expect(error).to_be_visible()
    expect(error.get_by_role("link", name="Sign in again")).to_be_visible()
    expect(box).to_have_value(text)
    expect(page.get_by_role("button", name="Post", exact=True)).to_be_enabled()


def test_a_retry_after_a_lost_answer_creates_nothing_twice(
    signed_in_page: Page, hub_url: str, space_name: str, person_name: str
) -> None:
    page = signed_in_page
    page.goto(f"{hub_url}/teams/{SPACE}/")
    keys: list[str] = []
    dropped: list[bool] = []

    def lose_first_answer(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key", ""))
        response = route.fetch()  # the post reaches the real API and is stored ...
        if not dropped:
            dropped.append(True)
            route.abort("connectionreset")  # ... but the browser never hears back
        else:
            route.fulfill(response=response)

    page.route(f"{hub_url}/api/spaces/{SPACE}/posts", lose_first_answer)
    text = unique("Sent once, answered late")
    page.get_by_label(f"Write a post in {space_name}").fill(text)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(post_article(page, person_name, text)).to_be_visible()
    page.unroute(f"{hub_url}/api/spaces/{SPACE}/posts")

    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    page.reload()
    expect(post_article(page, person_name, text)).to_have_count(1)


def test_edit_your_post_and_a_stale_edit_is_refused(
    browser: Browser, signed_in_page: Page, hub_url: str, space_name: str, person_name: str
) -> None:
    page = signed_in_page
    created = api_post(
        page.context, hub_url, f"/api/spaces/{SPACE}/posts", {"body": unique("First draft")}, str(uuid.uuid4())
    )
    marker = created["post"]["body"].split()[-1]
    page.goto(f"{hub_url}/teams/{SPACE}/")
    other = page.context.new_page()
    other.goto(f"{hub_url}/teams/{SPACE}/")

    # The second tab saves first.
    there = post_article(other, person_name, marker)
    there.get_by_role("button", name="Edit", exact=True).click()
    there.get_by_label("Edit your post").fill(f"Second draft {marker}")
    there.get_by_role("button", name="Save", exact=True).click()
    expect(there.locator(".commons-post__body")).to_have_text(f"Second draft {marker}")
    expect(there.locator(".commons-post__edited")).to_be_visible()
    other.close()

    # This tab still holds the first version: its save is refused, and the typed text is kept.
    here = post_article(page, person_name, marker)
    here.get_by_role("button", name="Edit", exact=True).click()
    editor = here.get_by_label("Edit your post")
    editor.fill(f"Third draft {marker}")
    here.get_by_role("button", name="Save", exact=True).click()
    expect(here.locator(".commons-form--edit .commons-error")).to_contain_text("Save again")
    expect(editor).to_have_value(f"Third draft {marker}")
    expect(here.locator(".commons-post__body")).to_have_text(f"Second draft {marker}")

    # Saving again, now over the latest version, works.
    here.get_by_role("button", name="Save", exact=True).click()
    expect(here.locator(".commons-post__body")).to_have_text(f"Third draft {marker}")
    expect(here.get_by_label("Edit your post")).to_have_count(0)

    # Delete leaves a tombstone.
    page.once("dialog", lambda dialog: dialog.accept())
    here.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator(".commons-post__deleted")).to_have_count(1)


def test_stewards_hide_with_a_reason_the_author_sees(
    browser: Browser, signed_in_page: Page, hub_url: str, sample_person: str
) -> None:
    org = load_org(REPO / "site")
    author = next(h for h in org.spaces[SPACE].stewards if h != sample_person)
    context = browser.new_context()
    try:
        author_page = context.new_page()
        sign_in(author_page, hub_url, author, f"/teams/{SPACE}/")
        text = unique("A post the stewards will hide")
        api_post(context, hub_url, f"/api/spaces/{SPACE}/posts", {"body": text}, str(uuid.uuid4()))

        page = signed_in_page
        page.goto(f"{hub_url}/teams/{SPACE}/")
        post = post_article(page, org.people[author].name, text)
        post.get_by_role("button", name="Hide", exact=True).click()
        post.get_by_label(re.compile("Why hide it")).fill("Customer names belong in the ticket, not here")
        post.get_by_role("button", name="Hide post").click()
        expect(post.locator(".commons-post__hidden")).to_have_text(
            "Hidden by stewards: Customer names belong in the ticket, not here"
        )
        expect(post.get_by_role("button", name="Restore", exact=True)).to_be_focused()

        author_page.reload()
        seen = post_article(author_page, org.people[author].name, text)
        expect(seen.locator(".commons-post__hidden")).to_have_text(
            "Hidden by stewards: Customer names belong in the ticket, not here"
        )

        post.get_by_role("button", name="Restore", exact=True).click()
        expect(post.locator(".commons-post__hidden")).to_have_count(0)
        author_page.reload()
        expect(post_article(author_page, org.people[author].name, text).locator(".commons-post__hidden")).to_have_count(
            0
        )
    finally:
        context.close()


# -- without JavaScript --------------------------------------------------------------------------


@pytest.fixture()
def no_js_page(browser: Browser, hub_url: str, sample_person: str) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, hub_url, sample_person, f"/teams/{SPACE}/")
    yield page
    context.close()


def test_the_same_without_javascript(no_js_page: Page, hub_url: str, sample_person: str, person_name: str) -> None:
    page = no_js_page
    before = outcome_total(page.context, hub_url)
    plain_page = f"{hub_url}/api/html/spaces/{SPACE}"
    back_on_it = re.compile(re.escape(plain_page) + r"(#post-\w+)?$")  # 303 back, maybe to the post
    expect(page.locator("#posts .commons-posts__status")).to_be_hidden()  # no "Loading posts" forever
    page.get_by_role("link", name="Read and write this space's posts on a plain page").click()
    expect(page).to_have_url(back_on_it)

    # Post: a form POST, answered 303 back to the page.
    text = unique("Posted without JavaScript")
    page.get_by_label("Write a post").fill(text)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page).to_have_url(back_on_it)
    post = page.locator("article", has_text=text)
    expect(post).to_be_visible()

    # React.
    post.get_by_role("button", name=re.compile(r"Like 0$")).click()
    expect(page).to_have_url(back_on_it)
    expect(post.get_by_role("button", name=re.compile(r"Like 1$"))).to_have_attribute("aria-pressed", "true")

    # Reply: the feed counts it, the thread shows it.
    reply_text = unique("A reply without JavaScript")
    post.get_by_label("Reply", exact=True).fill(reply_text)
    post.get_by_role("button", name="Reply", exact=True).click()
    expect(page).to_have_url(back_on_it)
    expect(post.get_by_role("link", name="1 reply")).to_be_visible()

    # Mark the outcome.
    post.get_by_role("button", name="Mark as achieving the outcome").click()
    expect(page).to_have_url(back_on_it)
    expect(post.get_by_role("button", name="Unmark outcome")).to_be_visible()
    assert outcome_total(page.context, hub_url) == before + 1

    # Reload from the hub's own page: all of it is there.
    page.goto(f"{hub_url}/teams/{SPACE}/")
    page.get_by_role("link", name="Read and write this space's posts on a plain page").click()
    post = page.locator("article", has_text=text)
    expect(post.get_by_role("button", name=re.compile(r"Like 1$"))).to_have_attribute("aria-pressed", "true")
    expect(post.get_by_role("button", name="Unmark outcome")).to_be_visible()
    post.get_by_role("link", name="1 reply").click()
    expect(page.locator("article", has_text=reply_text)).to_be_visible()

    # The home page and the person's page link to their feeds as plain pages too.
    links = (("/", "Read the latest posts on a plain page"), (f"/people/{sample_person}/", person_name))
    for path, name in links:
        page.goto(hub_url + path)
        page.locator("#posts").get_by_role("link", name=re.compile(re.escape(name))).click()
        expect(page.locator("article", has_text=text)).to_be_visible()


# -- script in Markdown runs nothing -------------------------------------------------------------

ATTACKS = [
    "<script>window.__pwned = 'script'</script>",
    '<img src="x" onerror="window.__pwned = \'onerror\'">',
    "[click me](javascript:window.__pwned='md-link')",
    "<a href=\"javascript:window.__pwned='a-href'\">click</a>",
    "<a href=\" JaVaScRiPt:window.__pwned='mixed-case'\">click</a>",
    "<javascript:window.__pwned='autolink'>",
    "![pixel](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIj48L3N2Zz4=)",
    '<a href="data:text/html,<script>alert(1)</script>">data link</a>',
    "<iframe src=\"data:text/html,<script>parent.__pwned='iframe'</script>\"></iframe>",
    "<object data=\"data:text/html,<script>parent.__pwned='object'</script>\"></object>",
    "<svg><script>window.__pwned = 'svg-script'</script></svg>",
    '<svg onload="window.__pwned = \'svg-onload\'"><circle r="5"/></svg>',
    '<svg><a xlink:href="javascript:window.__pwned=\'xlink\'"><text y="20">x</text></a></svg>',
    '<svg><animate onbegin="window.__pwned=\'animate\'" attributeName="x" dur="1s"/></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__pwned='mxss'\">",
    "<details open ontoggle=\"window.__pwned = 'ontoggle'\"><summary>x</summary></details>",
    '<style>@import "javascript:alert(1)";</style><p style="background:url(javascript:alert(1))">styled</p>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<noscript><p title=\"</noscript><img src=x onerror=window.__pwned='noscript'>\"></noscript>",
]

TRAP = """
window.__pwned = null;
window.__dialogs = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = function (message) { window.__dialogs.push(name + ":" + message); window.__pwned = name; };
}
"""

# Elements are checked inside the posts' bodies (the hub's own forms are around them); attributes
# everywhere in the feed.
SUSPECTS = """() => {
  const ACTIVE = ["script", "iframe", "object", "embed", "style", "form", "svg", "math", "base", "meta", "link"];
  const found = [];
  for (const node of document.querySelectorAll("#posts *")) {
    const tag = node.tagName.toLowerCase();
    if (node.closest(".commons-post__body") && ACTIVE.includes(tag)) {
      found.push("element " + tag);
    }
    for (const attribute of node.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (name.startsWith("on")) found.push(tag + " " + name);
      if (name === "style") found.push(tag + " style");
      if (/^(href|src|action|formaction|data|xlink:href|srcset)$/.test(name) &&
          (value.startsWith("javascript:") || value.startsWith("data:") || value.startsWith("vbscript:"))) {
        found.push(tag + " " + name + "=" + value.slice(0, 20));
      }
    }
  }
  return found;
}"""


def test_script_in_markdown_runs_nothing(browser: Browser, hub_url: str, sample_person: str) -> None:
    context = browser.new_context()
    try:
        context.add_init_script(TRAP)
        page = context.new_page()
        dialogs: list[str] = []

        def record(dialog: Dialog) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", record)
        sign_in(page, hub_url, sample_person, f"/teams/{SPACE}/")
        marker = uuid.uuid4().hex[:10]
        for number, attack in enumerate(ATTACKS):
            body = f"Attack {number} {marker}\n\n{attack}"
            api_post(context, hub_url, f"/api/spaces/{SPACE}/posts", {"body": body}, str(uuid.uuid4()))

        for path in (f"/teams/{SPACE}/", "/", f"/people/{sample_person}/"):
            page.goto(hub_url + path)
            newest = page.locator("#posts article", has_text=f"Attack {len(ATTACKS) - 1} {marker}")
            expect(newest).to_be_visible()
            if path == f"/teams/{SPACE}/":  # every one of them, on the space's first page
                expect(page.locator("#posts article", has_text=marker)).to_have_count(len(ATTACKS))
            # Give anything that would fire (onerror, onload, animations) the time to do it.
            page.wait_for_timeout(500)
            for link in page.locator("#posts .commons-post__body a").all():
                href = link.get_attribute("href") or ""
                assert not re.match(r"\s*(javascript|data|vbscript):", href, re.I), href
            assert page.evaluate(SUSPECTS) == [], path
            assert page.evaluate("window.__pwned") is None, path
            assert page.evaluate("window.__dialogs") == [], path
            assert dialogs == [], path

        # The function-rendered page runs nothing either.
        page.goto(f"{hub_url}/api/html/spaces/{SPACE}")
        expect(page.locator("body")).to_contain_text(f"Attack 0 {marker}")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__pwned") is None
        assert dialogs == []
    finally:
        context.close()


def _fake_post(number: int) -> dict[str, Any]:
    return {
        "id": f"fakepost{number:04d}xx",
        "space": SPACE,
        "parent": None,
        "author": {"handle": "someone", "name": "Some One", "url": "/people/someone/"},
        "created_at": "2024-01-01T00:00:00Z",
        "edited_at": None,
        "version": 1,
        "body": f"Fake post {number}",
        "html": f"<p>Fake post {number}</p>",
        "deleted": False,
        "hidden": None,
        "mentions": [],
        "reply_count": 0,
        "reactions": {},
        "outcome": None,
        "can": {},
    }


def test_load_more_after_a_failure_clears_the_error(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    failures: list[bool] = []

    def feed(route: Route) -> None:
        body: dict[str, Any]
        if "cursor=" not in route.request.url:
            body = {"space": {"name": "Engineering", "can_post": False}, "posts": [_fake_post(1)], "next": "c2"}
            route.fulfill(status=200, content_type="application/json", body=json.dumps(body))
        elif not failures:
            failures.append(True)
            body = {"error": "unavailable", "message": "The feed is resting."}
            route.fulfill(status=500, content_type="application/json", body=json.dumps(body))
        else:
            body = {"posts": [_fake_post(2)], "next": None}
            route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(re.compile(re.escape(f"{hub_url}/api/spaces/{SPACE}/posts") + r"\?.*"), feed)
    page.goto(f"{hub_url}/teams/{SPACE}/")
    expect(page.locator("#posts article", has_text="Fake post 1")).to_be_visible()
    page.get_by_role("button", name="Load more posts").click()
    status = page.locator("#posts .commons-posts__status")
    expect(status).to_contain_text("The posts could not be loaded: The feed is resting.")
    status.get_by_role("button", name="Try again").click()
    expect(page.locator("#posts article", has_text="Fake post 2")).to_be_focused()
    # The error was about a page that has now loaded: it must not stay on screen.
    expect(status).to_be_hidden()
    assert errors == []


def test_replies_arriving_keep_the_focus_where_it_was(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    post = {**_fake_post(3), "reply_count": 1}
    reply = {**_fake_post(4), "parent": post["id"]}
    held: list[Route] = []

    def feed(route: Route) -> None:
        body = {"space": {"name": "Engineering", "can_post": False}, "posts": [post], "next": None}
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    page.route(re.compile(re.escape(f"{hub_url}/api/spaces/{SPACE}/posts") + r"\?.*"), feed)
    page.route(f"{hub_url}/api/posts/{post['id']}", lambda route: held.append(route))
    page.goto(f"{hub_url}/teams/{SPACE}/")
    like = page.locator(f"#post-{post['id']} > .commons-post__main .commons-reaction[data-kind=like]")
    like.focus()
    expect(like).to_be_focused()
    for _ in range(50):  # the replies are asked for once the feed is on screen
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the replies were not requested"
    body = {"post": {**post, "reactions": {"like": {"count": 1, "mine": False}}}, "replies": [reply]}
    held[0].fulfill(status=200, content_type="application/json", body=json.dumps(body))
    expect(page.locator(f"#post-{reply['id']}")).to_be_visible()
    expect(like).to_contain_text("1")
    expect(like).to_be_focused()
