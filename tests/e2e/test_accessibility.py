"""Accessibility in Chromium against the dev stack (issue 12).

- axe-core finds nothing serious or critical on any kind of page (scripts/a11y.py lists them), signed
  in with posts on the page, wide and narrow, with JavaScript and without, light and dark, and in
  every form's error state.
- The keyboard alone posts, replies, edits, reacts, marks an outcome, hides with a reason, and
  searches for a person and opens them; focus is always visible, lands on the new post or on the
  error, and is never trapped.
- A live region says what changed; each post is named by its author and time.
- Colours of controls and focus rings reach 3:1 in both schemes; reduced motion is respected; pages
  reflow at 320 px and at 200% zoom with no sideways scrolling.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

import a11y
from hub.content import load_org
from tests.conftest import REPO
from tests.e2e.conftest import sign_in

SPACE = "engineering"


def _cases() -> Iterator[Any]:
    for name, kind in a11y.KINDS.items():
        for layout in a11y.LAYOUTS:
            for javascript in a11y.modes(kind):
                mode = "js" if javascript else "no-js"
                yield pytest.param(name, layout, javascript, "light", id=f"{name}-{layout}-{mode}")
        yield pytest.param(name, "wide", True, "dark", id=f"{name}-wide-js-dark")


@pytest.fixture(scope="module")
def tour(browser: Browser, hub_url: str, sample_person: str) -> Iterator[tuple[a11y.Seeded, Any]]:
    """Posts on the stack, and a signed-in session (a Playwright storage state) to visit them with."""
    people = sorted(load_org(REPO / "site").people)
    mention = next(handle for handle in people if handle != sample_person)
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, hub_url, sample_person)
    seeded = a11y.seed(context, hub_url, SPACE, sample_person, mention)
    # The session's cookies only: Material keeps the chosen colour scheme in local storage, and a
    # context that should follow prefers-color-scheme must not inherit this one's.
    state = {"cookies": context.cookies(), "origins": []}
    context.close()
    yield seeded, state


@pytest.mark.parametrize(("name", "layout", "javascript", "scheme"), list(_cases()))
def test_axe_finds_nothing_serious(
    browser: Browser, tour: tuple[a11y.Seeded, Any], name: str, layout: str, javascript: bool, scheme: str
) -> None:
    seeded, state = tour
    found = a11y.check(browser, seeded, state, name, layout, javascript, color_scheme=scheme)
    assert found == [], f"{name}, {layout}, {'with' if javascript else 'without'} JavaScript, {scheme}:\n" + "\n".join(
        map(str, found)
    )


# -- the keyboard --------------------------------------------------------------------------------

FOCUS_RING = """() => {
  const node = document.activeElement;
  if (!node || node === document.body) return null;
  // Material's header options are hidden radio buttons; the label after each shows their focus.
  const shown = node.classList.contains("md-option") && node.nextElementSibling ? node.nextElementSibling : node;
  const style = getComputedStyle(shown);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 1;
  const at = Array.prototype.indexOf.call(document.querySelectorAll("*"), node);
  return { outline, shadow: style.boxShadow !== "none", tag: node.tagName, id: node.id, at,
           text: (node.textContent || "").trim().slice(0, 40), cls: node.className && String(node.className) };
}"""


def focused(page: Page) -> dict[str, Any] | None:
    value: dict[str, Any] | None = page.evaluate(FOCUS_RING)
    return value


def tab_to(page: Page, target: Locator, *, limit: int = 80, key: str = "Tab") -> None:
    """Press Tab until `target` has the focus, checking on the way that each stop shows a focus ring."""
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate("node => node === document.activeElement"):
            state = focused(page)
            assert state and (state["outline"] or state["shadow"]), f"no visible focus on {state}"
            return
    raise AssertionError(f"{target} was not reached with {limit} presses of {key}")


def live(page: Page) -> Locator:
    return page.locator("#posts .commons-announcer")


@pytest.fixture()
def person_name(sample_person: str) -> str:
    return load_org(REPO / "site").people[sample_person].name


def test_the_keyboard_alone_posts_reacts_replies_marks_edits_and_hides(
    signed_in_page: Page, hub_url: str, person_name: str
) -> None:
    page = signed_in_page
    page.goto(f"{hub_url}/teams/{SPACE}/")
    box = page.locator("form.commons-form--post textarea")
    expect(box).to_be_visible()
    expect(live(page)).to_have_attribute("aria-live", "polite")
    tab_to(page, box, limit=200)

    # A failure: focus lands on the error, which says why.
    page.keyboard.press("Control+Enter")
    error = page.locator("form.commons-form--post .commons-error")
    expect(error).to_have_text("Write something first.")
    expect(error).to_be_focused()

    # Posting: focus lands on the new post, named by its author and time, and it is announced.
    marker = uuid.uuid4().hex[:10]
    box.focus()
    page.keyboard.type(f"Typed with the keyboard alone {marker}")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    post = page.locator("article.commons-post:not(.commons-post--reply)", has_text=marker)
    expect(post).to_be_focused()
    expect(post).to_have_attribute("aria-label", re.compile(rf"^Post by {re.escape(person_name)}, .*\d"))
    expect(live(page)).to_have_text("Your post is up.")
    main = post.locator(":scope > .commons-post__main")

    # Reacting: Space presses the toggle; its state and new count are said.
    like = main.locator(".commons-reaction[data-kind=like]")
    tab_to(page, like)
    page.keyboard.press("Space")
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(live(page)).to_have_text("Like, pressed: 1 reaction.")
    expect(like).to_be_focused()
    page.keyboard.press("Enter")
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(live(page)).to_have_text("Like, not pressed: 0 reactions.")

    # Marking the outcome.
    outcome = main.get_by_role("button", name="Achieved the outcome", exact=True)
    tab_to(page, outcome)
    page.keyboard.press("Enter")
    expect(outcome).to_have_attribute("aria-pressed", "true")
    expect(live(page)).to_have_text("Marked as achieving the space's outcome.")

    # Replying: focus lands on the new reply.
    reply_box = post.locator("form.commons-form--reply textarea")
    tab_to(page, reply_box)
    page.keyboard.type(f"A reply by keyboard {marker}")
    page.keyboard.press("Control+Enter")
    reply = post.locator("article.commons-post--reply", has_text="A reply by keyboard")
    expect(reply).to_be_focused()
    expect(reply).to_have_attribute("aria-label", re.compile(rf"^Reply by {re.escape(person_name)}, "))
    expect(live(page)).to_have_text("Your reply is up.")

    # Editing: Enter on Edit opens the editor with the focus in it; saving returns to Edit.
    edit = main.get_by_role("button", name="Edit", exact=True)
    tab_to(page, edit, key="Shift+Tab")
    page.keyboard.press("Enter")
    editor = post.locator("form.commons-form--edit textarea")
    expect(editor).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" (edited)")
    page.keyboard.press("Control+Enter")
    expect(post.locator(".commons-post__body").first).to_contain_text("(edited)")
    expect(main.get_by_role("button", name="Edit", exact=True)).to_be_focused()
    expect(live(page)).to_have_text("Your changes are saved.")

    # Hiding with a reason (the sample person stewards the space): no reason is an error, with focus on it.
    hide = main.get_by_role("button", name="Hide", exact=True)
    tab_to(page, hide)
    page.keyboard.press("Enter")
    reason = post.locator("form.commons-form--hide input")
    expect(reason).to_be_focused()
    page.keyboard.press("Enter")
    hide_error = post.locator("form.commons-form--hide .commons-error")
    expect(hide_error).to_have_text("Give a reason: the author will see it.")
    expect(hide_error).to_be_focused()
    reason.focus()
    page.keyboard.type("Testing the keyboard path")
    page.keyboard.press("Enter")
    expect(main.get_by_role("button", name="Restore", exact=True)).to_be_focused()
    expect(live(page)).to_have_text("The post is hidden.")


def test_the_keyboard_alone_searches_and_opens_a_person(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    page.goto(f"{hub_url}/teams/")
    page.keyboard.press("/")  # Material's shortcut to the search box
    search = page.locator("input.md-search__input")
    expect(search).to_be_focused()
    page.keyboard.type("Emma Johansson")
    hit = page.locator(".commons-people-hits a").first
    expect(hit).to_contain_text("Emma Johansson")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('.commons-people-hits') !== null")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(f"{hub_url}/people/emma.johansson/")))


@pytest.mark.parametrize("path", ["/", f"/teams/{SPACE}/", "/impact/", "/accessibility/"])
def test_focus_is_always_visible_and_never_trapped(signed_in_page: Page, hub_url: str, path: str) -> None:
    """Tab from the top: every stop shows a ring, and the focus keeps moving to the page's end."""
    page = signed_in_page
    page.goto(hub_url + path)
    a11y.settle(page)
    seen: list[str] = []
    for _ in range(400):
        page.keyboard.press("Tab")
        state = focused(page)
        if state is None:
            break  # past the last stop: the focus left the page, so nothing held it
        assert state["outline"] or state["shadow"], f"{path}: no visible focus on {state}"
        seen.append(json.dumps(state, sort_keys=True))
        if len(seen) > 6 and len(set(seen[-6:])) <= 2:
            raise AssertionError(f"{path}: the focus is stuck on {state}")
    else:
        raise AssertionError(f"{path}: 400 presses of Tab never reached the end of the page")
    assert len(seen) > 5


# -- colour, motion and reflow -------------------------------------------------------------------

CONTRAST = """(selectors) => {
  function rgb(text) {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  }
  function background(node) {
    for (let at = node; at; at = at.parentElement) {
      const c = rgb(getComputedStyle(at).backgroundColor);
      if (c && c.a > 0.99) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  }
  function over(c, bg) {
    return { r: c.r * c.a + bg.r * (1 - c.a), g: c.g * c.a + bg.g * (1 - c.a), b: c.b * c.a + bg.b * (1 - c.a) };
  }
  function lum(c) {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  function ratio(a, b) { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); }
  const out = [];
  for (const [selector, property] of selectors) {
    const node = document.querySelector(selector);
    if (!node) { out.push([selector, property, null]); continue; }
    if (property === "outlineColor") node.focus();
    const bg = background(node.parentElement || node);
    const colour = rgb(getComputedStyle(node)[property]);
    out.push([selector, property, colour ? ratio(over(colour, bg), bg) : null]);
  }
  return out;
}"""

#: Commons' own controls: their boundaries (3:1), their focus rings (3:1), and text on them.
CONTROLS = [
    ["form.commons-form--post textarea", "borderTopColor"],
    ["form.commons-form--post textarea", "outlineColor"],
    [".commons-reaction", "borderTopColor"],
    [".commons-reaction", "color"],
    [".commons-post__outcome", "borderTopColor"],
    [".commons-post.is-outcome", "borderLeftColor"],
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_controls_and_focus_rings_reach_3_to_1_in_both_schemes(
    browser: Browser, tour: tuple[a11y.Seeded, Any], scheme: Literal["light", "dark"]
) -> None:
    seeded, state = tour
    context = browser.new_context(storage_state=state, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(f"{seeded.url}/teams/{seeded.space}/")
        page.locator(".commons-reaction").first.wait_for()
        expected = "slate" if scheme == "dark" else "default"
        expect(page.locator("body")).to_have_attribute("data-md-color-scheme", expected)
        for selector, prop, ratio in page.evaluate(CONTRAST, CONTROLS):
            assert ratio is not None, f"{selector} {prop}: not found"
            floor = 4.5 if prop == "color" else 3.0
            assert ratio >= floor, f"{scheme}: {selector} {prop} is {ratio:.2f}:1, under {floor}:1"
    finally:
        context.close()


def test_reduced_motion_turns_off_transitions_and_smooth_scrolling(
    browser: Browser, tour: tuple[a11y.Seeded, Any]
) -> None:
    seeded, state = tour
    durations = {}
    for motion in ("no-preference", "reduce"):
        context = browser.new_context(storage_state=state, reduced_motion=motion)
        page = context.new_page()
        page.goto(seeded.url + "/")
        durations[motion] = page.evaluate(
            """() => [getComputedStyle(document.querySelector('.md-tabs__link')).transitionDuration,
                      getComputedStyle(document.documentElement).scrollBehavior]"""
        )
        context.close()
    assert durations["no-preference"][0] != "0s" and not durations["no-preference"][0].startswith("1e-05")
    duration, scrolling = durations["reduce"]
    assert all(float(part.rstrip("s")) <= 0.001 for part in duration.split(",")), duration
    assert scrolling == "auto"


REFLOW_PATHS = [
    "/",
    "/teams/",
    f"/teams/{SPACE}/",
    "/people/",
    "/people/{handle}/",
    "/org-chart/",
    "/skills/",
    "/health/",
    "/impact/",
    "/accessibility/",
    f"/api/html/spaces/{SPACE}",
    "/api/html/impact",
    "/api/html/mail/preferences",
    "/_dev/mail",
    "/auth/logout",
]


@pytest.mark.parametrize(
    ("width", "scale"), [pytest.param(320, 1, id="320px"), pytest.param(640, 2, id="200%-zoom-of-1280px")]
)
def test_pages_reflow_without_scrolling_sideways(
    browser: Browser, tour: tuple[a11y.Seeded, Any], width: int, scale: int
) -> None:
    """At 320 CSS px, and at 200% zoom of a 1280 px window (640 CSS px at twice the pixel density)."""
    seeded, state = tour
    context = browser.new_context(
        storage_state=state, viewport={"width": width, "height": 800}, device_scale_factor=scale
    )
    try:
        page = context.new_page()
        wide = []
        for path in REFLOW_PATHS:
            page.goto(seeded.url + path.format(handle=seeded.handle))
            a11y.settle(page)
            scroll, client = page.evaluate(
                "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
            )
            if scroll > client:
                wide.append(f"{path}: {scroll} px wide in {client} px")
        assert wide == [], "\n".join(wide)
    finally:
        context.close()


def test_the_keyboard_alone_opens_and_closes_the_org_chart(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    page.goto(f"{hub_url}/org-chart/")
    first = page.locator(".commons-orgchart__toggle[aria-expanded='true']").first
    expect(first).to_be_visible()
    controls = first.get_attribute("aria-controls")
    toggle = page.locator(f".commons-orgchart__toggle[aria-controls='{controls}']")
    reports = page.locator(f"[id='{controls}']")  # ids hold handles, whose dots a # selector misreads
    expect(reports).to_be_visible()
    tab_to(page, toggle, limit=200)
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(reports).to_be_hidden()
    expect(toggle).to_be_focused()  # focus stays where the person pressed
    page.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(reports).to_be_visible()
    # The link beside the button is the next stop, not inside it: nothing interactive nests.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "A"
    assert page.evaluate("document.activeElement.closest('button') === null")
