"""Browser figures: how soon the /impact/ dashboard's charts are drawn, on real data.

- impact_visible_ms: on /impact/, the time from DOMContentLoaded to the first frame painted after
  all three charts and the spaces table (one row per space) are in the page, in Chromium against
  the dev stack on localhost (the hub behind its sign-in gate and CSP, /auth, /api in one origin),
  for an organisation of 1,000 spaces with 26 weeks of figures. The table sorts all 1,000 and
  shows the first 50 (the rest are one button away). Median of several loads (issue budget:
  <= 300 ms). The page's own script is not trusted to report this: an init script watches the DOM.
  Nothing stands in for the metrics API: its answers are the dev stack's, read from moto.
- impact_spaces_worked_out_cold_ms, impact_spaces_worked_out_ms: working the spaces table out
  (`reading.space_rows`: both quarters' counters, and the sketches of the spaces whose people
  moved), in process against the stack's moto, right after seeding: first with every sketch to
  estimate, then with the estimates kept by the first. It is what the first reader after each
  minute pays (`COMMONS_METRICS_SUMMARY_SECONDS`, 60), on top of the page.
- impact_spaces_kept_ms: `GET /api/metrics/spaces` from the browser's context, served the table
  kept (one GetItem): what every other reader that minute pays. The loads above are mostly of this
  kind, as the table is kept for a minute and a run of loads outlasts it.
- impact_visible_replayed_ms: the same page and watch, but each metrics answer, once the stack
  has given it (on the warm-up loads), is replayed by a Playwright route from memory: the same
  bytes, without moto's time. The difference between the two is the API's time on moto, which
  parses and serialises every attribute value in Python and takes seconds for answers DynamoDB
  gives in tens of milliseconds; this one is the page's own part of the budget.

The dev stack's DynamoDB (moto's server, started here and handed to the dev stack) is seeded first
through the metrics store's bulk writer (`MetricsStore.seed`) with 26 weeks of made-up totals for
every one of the 1,000 spaces (the organisation's weeks are their sum, as writes leave them), and
the API's answers are checked against those totals before anything is timed.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench import report
from bench.feed import REPO, median_load_ms, signed_in, start_stack
from hub.synthetic import generate

for _path in (REPO / "functions", REPO / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from chalicelib.metrics import reading, rules  # noqa: E402
from chalicelib.metrics.rules import PastWeek  # noqa: E402
from chalicelib.posts.config import PostsSettings  # noqa: E402
from chalicelib.posts.persistence.dynamodb import DynamoDBPostsStore  # noqa: E402
from devstack import local_aws  # noqa: E402

SPACES = 1_000
PEOPLE = 1_000
WEEKS = 26
LOADS = int(os.environ.get("BENCH_IMPACT_LOADS", "15"))
LOAD_TIMEOUT_SECONDS = 120.0  # a load on moto takes seconds (see above)
API_TIMEOUT_MS = 120_000
CHARTS = 3
SCRIPT = REPO / "scripts" / "hub" / "assets" / "commons-impact.js"
CHECKED = ("posts", "replies", "reactions", "outcomes", "answered", "answered_within_a_day")


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


def history(spaces: Mapping[str, Sequence[str]], weeks: Sequence[str], seed: int = 7) -> Iterator[PastWeek]:
    """Every space's weeks as totals a busy organisation might leave: a few posts, most answered
    (in hours drawn around a working day), replies, reactions, some outcomes, and a handful of
    its members active."""
    rng = random.Random(seed)  # noqa: S311 (made-up figures, not secrets)
    for slug, members in sorted(spaces.items()):
        for week in weeks:
            posts = rng.randint(0, 12)
            answered = rng.randint(0, posts)
            counts = {
                "posts": posts,
                "replies": rng.randint(posts, 3 * posts + 2),
                "reactions": rng.randint(0, 40),
                "outcomes": rng.randint(0, min(posts, 3)),
                "answered": answered,
                "answered_within_a_day": rng.randint(0, answered),
                **rules.delay_counts(rng.expovariate(1 / 10) for _ in range(answered)),
            }
            yield PastWeek(slug, week, counts, rng.sample(members, min(len(members), rng.randint(1, 15))))


def seed_stack(endpoint: str, directory: dict[str, Any], weeks: Sequence[str]) -> dict[str, dict[str, int]]:
    """The dev stack's table, made and seeded with `history`; answers the organisation's totals
    per week, as the API must answer them."""
    problems: list[str] = []
    settings = PostsSettings.from_environ({**os.environ, "COMMONS_DYNAMODB_ENDPOINT": endpoint}, problems)
    if problems:
        raise SystemExit("; ".join(problems))
    store = DynamoDBPostsStore(settings)
    store.create_storage()
    handles = sorted(directory["people"])
    spaces = {slug: list(space.get("members") or handles) for slug, space in directory["spaces"].items()}
    org: dict[str, dict[str, int]] = {week: dict.fromkeys(CHECKED, 0) for week in weeks}

    def counted() -> Iterator[PastWeek]:
        for past in history(spaces, weeks):
            for name in CHECKED:
                org[past.week][name] += past.counts.get(name, 0)
            yield past

    started = time.perf_counter()
    written = store.metrics().seed(counted())
    took = time.perf_counter() - started
    print(
        f"bench: impact: seeded {written} items for {len(spaces)} spaces in {took:.0f} s", file=sys.stderr, flush=True
    )
    quarter = rules.quarter(time.time())
    for name in ("impact_spaces_worked_out_cold_ms", "impact_spaces_worked_out_ms"):
        started = time.perf_counter()
        reading.space_rows(store.metrics(), quarter)
        report(name, round((time.perf_counter() - started) * 1000, 1), "ms")
    return org


spaces_timed: list[float] = []


def check_answers(context: Any, url: str, org: dict[str, dict[str, int]]) -> int:
    """The API answers the seeded totals; answers how many spaces it lists."""
    weekly = context.request.get(url + "/api/metrics", timeout=API_TIMEOUT_MS)
    if not weekly.ok:
        raise RuntimeError(f"GET /api/metrics: {weekly.status} {weekly.text()[:200]}")
    for week in weekly.json()["weeks"]:
        answered = {name: week[name] for name in CHECKED}
        if answered != org[week["week"]]:
            raise RuntimeError(f"GET /api/metrics: {week['week']} is {answered}, seeded {org[week['week']]}")
    started = time.perf_counter()
    listed = context.request.get(url + "/api/metrics/spaces", timeout=API_TIMEOUT_MS)
    took = (time.perf_counter() - started) * 1000
    if not listed.ok:
        raise RuntimeError(f"GET /api/metrics/spaces: {listed.status} {listed.text()[:200]}")
    if not spaces_timed:  # the sign-in's load of the page had the table worked out and kept
        spaces_timed.append(took)
        report("impact_spaces_kept_ms", round(took, 1), "ms")
    spaces = listed.json()["spaces"]
    if sum(1 for space in spaces if space["posts_this_quarter"] or space["active_people_this_quarter"]) < SPACES:
        raise RuntimeError("GET /api/metrics/spaces: some spaces have nothing this quarter; the seed did not land")
    return len(spaces)


def replay_api(context: Any, url: str) -> None:
    """Each metrics answer fetched from the stack the first time it is asked for, then replayed
    from memory: the same status, headers and bytes."""
    kept: dict[str, Any] = {}

    def answer(route: Any) -> None:
        address = route.request.url
        if address not in kept:
            kept[address] = route.fetch(timeout=API_TIMEOUT_MS)
        route.fulfill(response=kept[address])

    context.route(re.compile(re.escape(url) + r"/api/metrics.*"), answer)


def impact_visible_ms(url: str, handle: str, org: dict[str, dict[str, int]], *, replayed: bool) -> float:
    """The median time, once the API's answers are checked; `replayed` replays them."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        path = "/impact/"
        browser, context, page = signed_in(playwright, url, path, handle)
        listed = check_answers(context, url, org)
        if listed != SPACES:
            raise RuntimeError(f"the stack's API lists {listed} spaces, not {SPACES}")
        if replayed:
            replay_api(context, url)
        context.add_init_script(WATCH % (CHARTS, rows_shown(listed)))
        drawn = "window.__impactVisibleAt !== undefined"
        value = median_load_ms(page, url + path, drawn, MEASURE, LOADS, LOAD_TIMEOUT_SECONDS)
        browser.close()
    return value


def main() -> None:
    failed = []
    with tempfile.TemporaryDirectory(prefix="commons-bench-impact-") as tmp:
        work = Path(tmp)
        hub = build_hub(work)
        directory = json.loads((hub / "directory.json").read_text())
        handle = sorted(directory["people"])[0]
        log = (work / "moto.log").open("wb")
        aws = local_aws.start(output=log)
        try:
            org = seed_stack(aws.endpoint, directory, rules.last_weeks(time.time(), WEEKS))
            proc, url = start_stack(hub, work, dynamodb_endpoint=aws.endpoint)
            try:
                for name, replayed in (("impact_visible_ms", False), ("impact_visible_replayed_ms", True)):
                    try:
                        report(name, round(impact_visible_ms(url, handle, org, replayed=replayed), 1), "ms")
                    except Exception as exc:
                        failed.append(name)
                        print(f"bench: {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        finally:
            aws.stop()
            log.close()
    if failed:
        raise RuntimeError(f"{', '.join(failed)} failed; the others were reported")


if __name__ == "__main__":
    main()
