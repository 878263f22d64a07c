"""Browser figure: how soon the /impact/ dashboard's charts are drawn.

- impact_visible_ms: on /impact/, the time from DOMContentLoaded to the first frame painted after
  all three charts and the spaces table (one row per space) are in the page, in Chromium against
  the dev stack on localhost (the hub behind its sign-in gate and CSP, /auth, /api in one origin),
  for an organisation of 1,000 spaces with 26 weeks of figures. The table sorts all 1,000 and
  shows the first 50 (the rest are one button away). Median of several loads (issue
  budget: <= 300 ms). The page's own script is not trusted to report this: an init script watches
  the DOM.

Where the answers come from (BENCH_IMPACT_SOURCE):
- `stub` (the default, for now): the metrics API's answers (`/api/metrics`, `/api/metrics/spaces`)
  are served by a Playwright route with payloads of the API's shape and realistic size: 26 weeks
  for the organisation, a summary row per space for 1,000 spaces. Everything else, the page, its
  assets and sign-in, is the real dev stack's. Seeding 26 past weeks for 1,000 spaces needs the
  metrics API's own storage, which counts only at write time, so the counts cannot be made through
  the public API.
- `stack`: no route; the dev stack's own metrics API answers with what its storage holds, and the
  table is waited for at as many rows as the API lists spaces. It is the 1,000-space figure only
  once that storage is seeded with 26 weeks for 1,000 spaces, which needs a bulk writer in the
  metrics store (not there yet).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import report
from bench.feed import REPO, median_load_ms, signed_in, start_stack
from hub.synthetic import generate

SPACES = 1_000
PEOPLE = 1_000
WEEKS = 26
LOADS = int(os.environ.get("BENCH_IMPACT_LOADS", "15"))
SOURCE = os.environ.get("BENCH_IMPACT_SOURCE", "stub")
CHARTS = 3
SCRIPT = REPO / "scripts" / "hub" / "assets" / "commons-impact.js"


def rows_shown(spaces: int) -> int:
    """The spaces table's rows on first draw: the script shows the first SPACES_SHOWN of them."""
    found = re.search(r"var SPACES_SHOWN = (\d+);", SCRIPT.read_text(encoding="utf-8"))
    if found is None:
        raise SystemExit(f"{SCRIPT} no longer says how many spaces it shows first (SPACES_SHOWN)")
    return min(int(found.group(1)), spaces)


# Records when the charts and the spaces table's first rows are in the page, then waits for the
# frame that paints them.
WATCH = """
((rows) => {
  const seen = new MutationObserver(() => {
    if (document.querySelectorAll("#impact svg.commons-chart__svg").length < %d) return;
    if (document.querySelectorAll("#impact-spaces tbody tr").length < rows) return;
    seen.disconnect();
    requestAnimationFrame(() => setTimeout(() => { window.__impactVisibleAt = performance.now(); }, 0));
  });
  seen.observe(document, { childList: true, subtree: true });
})(%d);
"""
MEASURE = """() => {
  const navigation = performance.getEntriesByType("navigation")[0];
  return window.__impactVisibleAt - navigation.domContentLoadedEventStart;
}"""


def build_hub(work: Path) -> Path:
    """A synthetic organisation of SPACES spaces, built as `make build` does."""
    site = generate(work / "content", PEOPLE, SPACES)
    out = work / "hub"
    env = {
        **os.environ,
        "COMMONS_CONTENT": str(site),
        "COMMONS_OUT": str(out),
        "NO_MKDOCS_2_WARNING": "1",
        "PYTHONPATH": str(REPO / "scripts"),
    }
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=REPO, env=env, check=True, capture_output=True
    )
    return out


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def payloads(spaces: dict[str, str], seed: int = 7) -> dict[str, bytes]:
    """The metrics API's answers for the dashboard, by path, as the API would send them."""
    rng = random.Random(seed)  # noqa: S311 (made-up figures, not secrets)
    today = datetime.now(UTC).date()
    weeks = []
    for back in range(WEEKS - 1, -1, -1):
        posts = rng.randint(2_000, 4_000)
        answered = rng.randint(posts // 2, posts)
        weeks.append(
            {
                "week": iso_week(today - timedelta(weeks=back)),
                "posts": posts,
                "replies": rng.randint(4_000, 9_000),
                "reactions": rng.randint(8_000, 20_000),
                "outcomes": rng.randint(100, 600),
                "active_people": rng.randint(3_000, 8_000),
                "answered": answered,
                "answered_within_a_day": rng.randint(answered // 2, answered),
            }
        )
    summary = []
    for slug, name in sorted(spaces.items()):
        outcomes, before, posts = rng.randint(0, 40), rng.randint(0, 40), rng.randint(0, 300)
        summary.append(
            {
                "slug": slug,
                "name": name,
                "outcomes_this_quarter": outcomes,
                "outcomes_previous_quarter": before,
                "trend": "up" if outcomes > before else "down" if outcomes < before else "same",
                "active_people_this_quarter": rng.randint(0, 120),
                "posts_this_quarter": posts,
                "answered_this_quarter": rng.randint(0, posts),
                "median_hours_to_first_answer": rng.choice([None, round(rng.uniform(0.2, 72), 1)]),
            }
        )
    return {
        "/api/metrics": json.dumps({"weeks": weeks}).encode(),
        "/api/metrics/spaces": json.dumps({"quarter": quarter(today), "spaces": summary}).encode(),
    }


def stub_api(context: Any, url: str, answers: dict[str, bytes]) -> None:
    """Serve the metrics API's answers from `answers`; every other request goes to the stack."""

    def answer(route: Any) -> None:
        path = route.request.url.removeprefix(url).split("?")[0]
        if path in answers:
            route.fulfill(status=200, content_type="application/json", body=answers[path])
        else:
            route.continue_()

    context.route(re.compile(re.escape(url) + r"/api/metrics.*"), answer)


def impact_visible_ms(url: str, handle: str, answers: dict[str, bytes] | None, rows: int | None) -> float:
    """The median time; `answers` stubs the metrics API (None: the stack's own), `rows` is the
    table's size to wait for (None: as many as the API lists)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        path = "/impact/"
        browser, context, page = signed_in(playwright, url, path, handle)
        if answers is not None:
            stub_api(context, url, answers)
        if rows is None:
            listed = context.request.get(url + "/api/metrics/spaces")
            if not listed.ok:
                raise SystemExit(f"GET /api/metrics/spaces: {listed.status} {listed.text()[:200]}")
            listed_spaces = len(listed.json()["spaces"])
            print(f"bench: impact: the stack's API lists {listed_spaces} spaces", file=sys.stderr, flush=True)
            rows = rows_shown(listed_spaces)
        context.add_init_script(WATCH % (CHARTS, rows))
        value = median_load_ms(page, url + path, "window.__impactVisibleAt !== undefined", MEASURE, LOADS, 20.0)
        browser.close()
    return value


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="commons-bench-impact-") as tmp:
        work = Path(tmp)
        hub = build_hub(work)
        directory = json.loads((hub / "directory.json").read_text())
        spaces = {slug: str(space["name"]) for slug, space in directory["spaces"].items()}
        handle = sorted(directory["people"])[0]
        proc, url = start_stack(hub, work)
        try:
            if SOURCE == "stack":
                value = impact_visible_ms(url, handle, None, None)
            else:
                value = impact_visible_ms(url, handle, payloads(spaces), rows_shown(len(spaces)))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    report("impact_visible_ms", round(value, 1), "ms")


if __name__ == "__main__":
    main()
