"""The benefit, in Chromium against the dev stack: the /impact/ dashboard with data and with none,
sorting its spaces table, the "purpose achieved" line and sparkline on a space page, the health
page's live part, and all of them with JavaScript off.

The metrics API's answers are stubbed with `page.route` for the shapes of data a test needs (the
hub, its sign-in gate and its CSP are the real dev stack's); the last test reads the real API."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from hub.content import load_org, read_home_purpose
from tests.conftest import REPO
from tests.e2e.conftest import sign_in

SPACE = "platform"
PLAIN_PAGE = "/api/html/impact"


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_ending_now(count: int, make: Callable[[int], dict[str, int]]) -> list[dict[str, Any]]:
    """`count` ISO weeks, oldest first, the last one this week; `make(i)` gives week i's counts."""
    today = datetime.now(UTC).date()
    return [{"week": iso_week(today - timedelta(weeks=count - 1 - i)), **make(i)} for i in range(count)]


def week_counts(i: int) -> dict[str, int]:
    posts = 10 + i
    return {
        "posts": posts,
        "replies": 2 * i,
        "reactions": 3 * i,
        "outcomes": (i * 7) % 5,
        "active_people": 20 + 3 * i,
        "answered": posts - 1,
        "answered_within_a_day": posts // 2,
    }


ZERO = dict.fromkeys(("posts", "replies", "reactions", "outcomes", "active_people", "answered"), 0)
ZERO["answered_within_a_day"] = 0

SPACES = [
    {
        "slug": "platform",
        "name": "Platform",
        "outcomes_this_quarter": 7,
        "outcomes_previous_quarter": 4,
        "active_people_this_quarter": 12,
        "median_hours_to_first_answer": 3.5,
    },
    {
        "slug": "sales",
        "name": "Sales",
        "outcomes_this_quarter": 2,
        "outcomes_previous_quarter": 5,
        "active_people_this_quarter": 30,
        "median_hours_to_first_answer": None,
    },
    {
        "slug": "engineering",
        "name": "Engineering",
        "outcomes_this_quarter": 11,
        "outcomes_previous_quarter": 11,
        "active_people_this_quarter": 5,
        "median_hours_to_first_answer": 26.0,
    },
]


def stub(page: Page, hub_url: str, answers: dict[str, Any]) -> list[str]:
    """Answer /api/metrics… from `answers` (by path); what the page asked for is returned, in order."""
    asked: list[str] = []

    def answer(route: Route) -> None:
        url = route.request.url.removeprefix(hub_url)
        asked.append(url)
        path = url.split("?")[0]
        if path not in answers:
            route.fulfill(status=404, content_type="application/json", body='{"error": "not_found"}')
        else:
            route.fulfill(status=200, content_type="application/json", body=json.dumps(answers[path]))

    page.route(re.compile(re.escape(hub_url) + r"/api/metrics.*"), answer)
    return asked


def dashboard_answers(weeks: list[dict[str, Any]], spaces: list[dict[str, Any]]) -> dict[str, Any]:
    return {"/api/metrics": {"weeks": weeks}, "/api/metrics/spaces": {"spaces": spaces}}


def wait_drawn(page: Page, selector: str) -> None:
    expect(page.locator(selector + "[data-impact-drawn]")).to_have_count(1)


def chart(page: Page, field: str) -> Any:
    return page.locator(f'[data-impact-chart="{field}"]')


def table_rows(section: Any) -> list[list[str]]:
    rows: list[list[str]] = section.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.children, c => c.textContent.trim()))"
    )
    return rows


def test_the_dashboard_is_in_the_nav_and_states_the_purpose(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    stub(page, hub_url, dashboard_answers(weeks_ending_now(26, week_counts), SPACES))
    page.goto(hub_url + "/")
    page.get_by_role("link", name="Impact", exact=True).first.click()
    expect(page).to_have_url(hub_url + "/impact/")
    home = read_home_purpose(REPO / "site")
    assert home is not None and home.outcome
    expect(page.locator(".commons-impact__statement")).to_have_text(home.purpose)
    expect(page.locator(".commons-impact__outcome")).to_have_text(home.outcome)
    wait_drawn(page, "#impact")


def test_each_chart_is_an_svg_with_its_numbers_in_a_table(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    weeks = weeks_ending_now(26, week_counts)
    asked = stub(page, hub_url, dashboard_answers(weeks, SPACES))
    page.goto(hub_url + "/impact/")
    wait_drawn(page, "#impact")
    assert sorted(asked) == ["/api/metrics", "/api/metrics/spaces"]
    expect(page.locator(".commons-impact__status")).to_be_hidden()

    expected = {
        "outcomes": [[w["week"], str(w["outcomes"])] for w in weeks],
        "active_people": [[w["week"], str(w["active_people"])] for w in weeks],
        "answered_within_a_day": [
            [
                w["week"],
                str(w["posts"]),
                str(w["answered_within_a_day"]),
                f"{round(100 * (w['posts'] // 2) / w['posts'])}%",
            ]
            for w in weeks
        ],
    }
    for field, rows in expected.items():
        section = chart(page, field)
        image = section.locator("svg.commons-chart__svg")
        expect(image).to_have_count(1)
        expect(image).to_have_attribute("role", "img")
        # Named by its own <title> and described by its <desc>, which a screen reader reads out.
        title_id, desc_id = (image.get_attribute("aria-labelledby") or "").split()
        assert image.locator(f"title#{title_id}").text_content()
        description = image.locator(f"desc#{desc_id}").text_content() or ""
        assert weeks[0]["week"] in description and weeks[-1]["week"] in description
        # One bar per week, each with the week and its value as a tooltip.
        bars = image.locator("rect.commons-chart__bar")
        expect(bars).to_have_count(len(weeks))
        assert bars.last.locator("title").text_content() == f"{weeks[-1]['week']}: {rows[-1][-1]}" + (
            " of posts" if field == "answered_within_a_day" else " outcomes" if field == "outcomes" else " people"
        )
        # The taller bar is the bigger number: the chart draws what the table says.
        heights = [float(h) for h in bars.evaluate_all("bars => bars.map(b => b.getAttribute('height'))")]
        values = [float(row[-1].rstrip("%")) for row in rows]
        top = values.index(max(values))
        assert heights[top] == max(heights) and heights[values.index(min(values))] == min(heights)
        table = section.locator("table")
        expect(table.locator("caption")).not_to_be_empty()
        assert table.locator("thead th[scope=col]").count() == len(rows[0])
        assert table.locator("tbody th[scope=row]").count() == len(weeks)
        assert table_rows(table) == list(reversed(rows))  # newest first


def test_the_spaces_table_sorts_by_each_column(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    stub(page, hub_url, dashboard_answers(weeks_ending_now(26, week_counts), SPACES))
    page.goto(hub_url + "/impact/")
    wait_drawn(page, "#impact")
    table = page.locator("#impact-spaces table")

    def names() -> list[str]:
        return [row[0] for row in table_rows(table)]

    # Most outcomes this quarter first.
    assert names() == ["Engineering", "Platform", "Sales"]
    assert table_rows(table)[1] == ["Platform", "7", "↑ up 3 on last quarter (4)", "12", "3.5 h"]
    assert table_rows(table)[2][2:] == ["↓ down 3 on last quarter (5)", "30", "no answers yet"]
    assert table_rows(table)[0][2] == "→ same as last quarter (11)"
    expect(table.locator("th[aria-sort]")).to_have_count(1)
    expect(table.get_by_role("columnheader", name="Outcomes this quarter")).to_have_attribute("aria-sort", "descending")

    table.get_by_role("button", name="Active people").click()
    assert names() == ["Sales", "Platform", "Engineering"]
    expect(table.get_by_role("columnheader", name="Active people")).to_have_attribute("aria-sort", "descending")
    table.get_by_role("button", name="Active people").click()
    assert names() == ["Engineering", "Platform", "Sales"]
    expect(table.get_by_role("columnheader", name="Active people")).to_have_attribute("aria-sort", "ascending")
    # A space with no answer yet has no median: last, whichever way.
    table.get_by_role("button", name="Median time to first answer").click()
    assert names() == ["Engineering", "Platform", "Sales"]
    table.get_by_role("button", name="Median time to first answer").click()
    assert names() == ["Platform", "Engineering", "Sales"]
    table.get_by_role("button", name="Space").click()
    assert names() == ["Engineering", "Platform", "Sales"]
    table.get_by_role("button", name="Trend on last quarter").click()
    assert names() == ["Platform", "Engineering", "Sales"]
    expect(table.get_by_role("link", name="Platform")).to_have_attribute("href", hub_url + "/teams/platform/")


def test_a_long_spaces_table_shows_its_first_rows_and_the_rest_on_request(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    many = [
        {
            **SPACES[0],
            "slug": f"space-{i:03d}",
            "name": f"Space {i:03d}",
            "outcomes_this_quarter": i,
            "active_people_this_quarter": 100 - i,
        }
        for i in range(70)
    ]
    stub(page, hub_url, dashboard_answers(weeks_ending_now(26, week_counts), many))
    page.goto(hub_url + "/impact/")
    wait_drawn(page, "#impact")
    table = page.locator("#impact-spaces table")
    expect(table.locator("tbody tr")).to_have_count(50)
    expect(table.locator("caption")).to_contain_text("(the first 50 of 70 in this order)")
    assert table_rows(table)[0][0] == "Space 069" and table_rows(table)[-1][0] == "Space 020"
    # Sorting orders all 70, not only the rows shown.
    table.get_by_role("button", name="Active people").click()
    assert [row[0] for row in table_rows(table)][:2] == ["Space 000", "Space 001"]
    page.get_by_role("button", name="Show all 70 spaces").click()
    expect(table.locator("tbody tr")).to_have_count(70)
    expect(page.get_by_role("button", name="Show all 70 spaces")).to_be_hidden()
    assert table_rows(table)[-1][0] == "Space 069"
    table.get_by_role("button", name="Active people").click()
    expect(table.locator("tbody tr")).to_have_count(70)
    assert table_rows(table)[0][0] == "Space 069"


def test_the_dashboard_with_nothing_counted_yet(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    stub(page, hub_url, dashboard_answers([], []))
    page.goto(hub_url + "/impact/")
    wait_drawn(page, "#impact")
    for field in ("outcomes", "active_people", "answered_within_a_day"):
        expect(chart(page, field).locator(".commons-chart__empty")).to_have_text("Nothing has been counted yet.")
        expect(chart(page, field).locator("svg")).to_have_count(0)
    expect(page.locator("#impact-spaces .commons-chart__empty")).to_have_text("No space has any activity counted yet.")
    expect(page.locator(".commons-impact__status")).to_be_hidden()


def test_weeks_with_no_posts_have_no_share_rather_than_zero(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    weeks = weeks_ending_now(6, lambda i: ZERO)
    stub(page, hub_url, dashboard_answers(weeks, SPACES))
    page.goto(hub_url + "/impact/")
    wait_drawn(page, "#impact")
    share = chart(page, "answered_within_a_day")
    expect(share.locator("rect.commons-chart__bar")).to_have_count(0)
    expect(share.locator("rect.commons-chart__none")).to_have_count(6)
    assert {row[-1] for row in table_rows(share.locator("table"))} == {"no posts"}
    expect(chart(page, "outcomes").locator("rect.commons-chart__bar")).to_have_count(6)
    assert "no outcomes in any week" in (chart(page, "outcomes").locator("desc").text_content() or "")


def test_a_failing_api_says_so_and_points_to_the_plain_page(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    stub(page, hub_url, {"/api/metrics/spaces": {"spaces": SPACES}})  # /api/metrics answers 404
    page.goto(hub_url + "/impact/")
    status = page.locator(".commons-impact__status")
    expect(status).to_contain_text("The figures could not be loaded (HTTP 404).")
    expect(status.get_by_role("link")).to_have_attribute("href", PLAIN_PAGE)
    # What did load is still shown.
    expect(page.locator("#impact-spaces tbody tr")).to_have_count(len(SPACES))
    expect(page.locator("svg.commons-chart__svg")).to_have_count(0)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def test_a_space_page_shows_the_purpose_achieved_this_quarter_with_a_sparkline(
    signed_in_page: Page, hub_url: str
) -> None:
    page = signed_in_page
    weeks = weeks_ending_now(14, lambda i: {**ZERO, "outcomes": i + 1})
    asked = stub(page, hub_url, {f"/api/metrics/spaces/{SPACE}": {"weeks": weeks}})
    page.goto(hub_url + f"/teams/{SPACE}/")
    line = page.locator(f'.commons-purpose [data-impact-space="{SPACE}"]')
    expect(line).to_be_visible()
    assert asked == [f"/api/metrics/spaces/{SPACE}?weeks=14"]
    # This calendar quarter: the weeks whose Thursday falls in it, as ISO weeks belong to years.
    today = datetime.now(UTC).date()
    in_quarter = [
        w["outcomes"]
        for w in weeks
        if quarter_of(date.fromisocalendar(int(w["week"][:4]), int(w["week"][6:]), 4)) == quarter_of(today)
    ]
    count = sum(in_quarter)
    said = {1: "once", 2: "twice"}.get(count, f"{count:,} times")
    year, quarter = quarter_of(today)
    expect(line.locator(".commons-achieved__count")).to_have_text(
        f"Purpose achieved {said} this quarter (Q{quarter} {year})"
    )
    # Beside the outcome statement, inside the same list.
    assert line.evaluate("e => e.previousElementSibling.className") == "commons-purpose__outcome"
    spark = line.locator("svg.commons-sparkline")
    expect(spark).to_have_attribute("role", "img")
    last12 = [w["outcomes"] for w in weeks[-12:]]
    label = spark.get_attribute("aria-label") or ""
    assert label.startswith("Outcomes in the last 12 weeks, oldest first: " + ", ".join(map(str, last12)))
    points = (spark.locator("polyline").get_attribute("points") or "").split()
    assert len(points) == 12
    ys = [float(point.split(",")[1]) for point in points]
    assert ys == sorted(ys, reverse=True)  # rising outcomes: each point higher (smaller y) than the last


def test_the_health_page_gains_a_live_part(signed_in_page: Page, hub_url: str) -> None:
    page = signed_in_page
    health = {
        "quiet": [{"slug": "sales", "name": "Sales", "last_post_at": "2026-09-30T10:00:00Z"}],
        "unanswered": [
            {
                "slug": "platform",
                "name": "Platform",
                "unanswered_count": 3,  # the API lists the oldest few
                "posts": [
                    {"id": "p1", "url": "/teams/platform/#post-p1", "posted_at": "2026-11-30T09:15:00Z"},
                    {"id": "p2", "url": "javascript:alert(1)", "posted_at": "2026-11-29T08:00:00Z"},
                ],
            }
        ],
        "never_marked": [],
    }
    stub(page, hub_url, {"/api/metrics/health": health})
    page.goto(hub_url + "/health/")
    wait_drawn(page, "#activity")
    live = page.locator("#activity")
    expect(live.locator("#activity-quiet")).to_have_text("Quiet spaces (1)")
    expect(live.get_by_role("link", name="Sales")).to_have_attribute("href", hub_url + "/teams/sales/")
    expect(live).to_contain_text("Sales: last post 2026-09-30")
    expect(live.locator("#activity-unanswered")).to_have_text("Unanswered posts (3)")
    expect(live.get_by_text("and 1 more")).to_have_count(1)
    expect(live.get_by_role("link", name="Post of 2026-11-30 09:15 UTC")).to_have_attribute(
        "href", "/teams/platform/#post-p1"
    )
    # A link the API gives that is not a path on this origin stays text.
    expect(live.get_by_text("Post of 2026-11-29 08:00 UTC")).to_have_count(1)
    expect(live.locator("a[href^=javascript]")).to_have_count(0)
    expect(live.locator("#activity-never-marked")).to_have_text("Outcome never marked (0)")
    # What the build checks stays.
    expect(page.locator("h2#teamless")).to_have_text(re.compile(r"People with no team \(\d+\)"))


# -- without JavaScript --------------------------------------------------------------------------


@pytest.fixture()
def no_js_page(browser: Browser, hub_url: str, sample_person: str) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, hub_url, sample_person, "/impact/")
    yield page
    context.close()


def test_without_javascript_each_place_links_to_the_plain_page(no_js_page: Page, hub_url: str) -> None:
    page = no_js_page
    expect(page.get_by_role("link", name="on a plain page", exact=True)).to_have_attribute("href", PLAIN_PAGE)
    expect(page.get_by_role("link", name="every week, as CSV")).to_have_attribute("href", "/api/metrics.csv")
    expect(page.locator(".commons-chart__svg")).to_have_count(0)
    expect(page.locator(".commons-impact__status")).to_be_hidden()
    # The plain page is the functions' own, with the same tables.
    page.get_by_role("link", name="on a plain page", exact=True).click()
    expect(page).to_have_url(hub_url + PLAIN_PAGE)
    expect(page.locator("table").first).to_be_visible()
    name = load_org(REPO / "site").spaces[SPACE].name
    page.goto(hub_url + f"/teams/{SPACE}/")
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.locator("[data-impact-space]")).to_be_hidden()
    expect(page.locator(".commons-sparkline")).to_have_count(0)
    expect(page.get_by_role("link", name="on a plain page", exact=True)).to_have_attribute("href", PLAIN_PAGE)
    expect(page.get_by_role("link", name="every week, as CSV")).to_have_attribute(
        "href", f"/api/metrics/spaces/{SPACE}.csv"
    )
    page.goto(hub_url + "/health/")
    expect(page.locator("#activity").get_by_role("link", name="on a plain page", exact=True)).to_have_attribute(
        "href", PLAIN_PAGE
    )
    expect(page.locator("#activity-quiet")).to_have_count(0)


# -- against the dev stack's own metrics API -----------------------------------------------------


def test_the_real_api_draws_the_dashboard_and_counts_a_new_outcome(signed_in_page: Page, hub_url: str) -> None:
    """No stub: the figures come from the dev stack's metrics API, which counts as posts are marked."""
    page = signed_in_page
    space = "engineering"  # the sample person stewards it, so may mark outcomes there
    context = page.context
    headers = {"Origin": hub_url, "Content-Type": "application/json"}

    def achieved() -> str:
        page.goto(hub_url + f"/teams/{space}/")
        line = page.locator(f'[data-impact-space="{space}"] .commons-achieved__count strong')
        expect(line).to_be_visible()
        return line.text_content() or ""

    before = achieved()
    post = context.request.post(
        f"{hub_url}/api/spaces/{space}/posts",
        data=json.dumps({"body": "Shipped the thing the impact test needed."}),
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert post.ok, post.text()
    post_id = post.json()["post"]["id"]
    mark = context.request.post(
        f"{hub_url}/api/posts/{post_id}/outcome", data=json.dumps({"state": "on", "space": space}), headers=headers
    )
    assert mark.ok, mark.text()

    # This week counts in this quarter unless its Thursday is in the next one (a quarter's last days).
    today = datetime.now(UTC).date()
    thursday = date.fromisocalendar(*today.isocalendar()[:2], 4)
    counted = quarter_of(thursday) == quarter_of(today)
    expected = ({"once": 1, "twice": 2}.get(before) or int(before.split()[0].replace(",", ""))) + counted
    said = {1: "once", 2: "twice"}.get(expected, f"{expected:,} times")
    assert achieved() == said

    page.goto(hub_url + "/impact/")
    wait_drawn(page, "#impact")
    outcomes = chart(page, "outcomes")
    expect(outcomes.locator("rect.commons-chart__bar")).to_have_count(26)  # the API's default
    newest = table_rows(outcomes.locator("table"))[0]
    assert newest[0] == iso_week(today) and int(newest[1].replace(",", "")) >= 1
    # The table lists every space of the directory, by name.
    org = load_org(REPO / "site")
    names = [row[0] for row in table_rows(page.locator("#impact-spaces table"))]
    assert sorted(names) == sorted(s.name for s in org.spaces.values())
    row = next(r for r in table_rows(page.locator("#impact-spaces table")) if r[0] == org.spaces[space].name)
    assert int(row[1]) >= 1
