"""Hub figures on synthetic organisations (hub.synthetic): build, validation, size, pages, search.

At 1,000, 10,000 and 100,000 people (100, 1,000 and 5,000 spaces):
- validate_10k_s, validate_100k_s: `python -m hub.validate`, median of runs.
- hub_build_{1k,10k,100k}_s and hub_build_{10k,100k}_rss_mb: `mkdocs build --strict`, median wall
  time and peak resident memory (the largest of the build and the worker it forks, which shares
  its parent's pages); hub_build_ratio_10k_1k and hub_build_ratio_100k_10k from the same run.
- hub_build_100k_cpu_s: the 100,000-person build's CPU time, user and system, with its workers
  (on a shared machine, wall time says more about the neighbours).
  Each of these builds is into a new folder, as CI and a first deploy build.
- hub_rebuild_100k_s: one more build into the last one's folder, as `make build` again after an
  edit, which rewrites only the files whose page changed.
- hub_size_100k_mb: the built hub on disk.
- search_index_{10k,100k}_gz_kb: everything the browser may fetch to search (Material's page index
  and the people index), gzipped.
- directory_open_100k_s, org_chart_open_100k_s, skills_open_100k_s, teams_open_100k_s: Chromium on
  the dev stack, signed in, from navigation start to the load event; median of loads after two warm.
  health_open_100k_s, a page the listings leave alone, is the floor they are measured against.
- search_first_results_{10k,100k}_s: from the home page's load event to the first person shown for
  a typed query, which includes fetching the people index (it is fetched only once one types).

Each time is a median, measured in this one process so that ratios compare runs made under the
same load. A figure that fails is reported on stderr and the others still run.
"""

from __future__ import annotations

import functools
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import report
from hub.synthetic import generate

REPO = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
LOADS = 5
#: Each listing page timed at 100,000 people: its name and its path.
PAGES = {
    # A page the listings do not change, measured in the same run: what any hub page costs.
    "health_open_100k_s": "/health/",
    "directory_open_100k_s": "/people/",
    "org_chart_open_100k_s": "/org-chart/",
    "skills_open_100k_s": "/skills/",
    "teams_open_100k_s": "/teams/",
}
LOAD_EVENT = "() => performance.getEntriesByType('navigation')[0].loadEventStart / 1000"


#: Runs a command and writes its peak memory to a file. A child's peak counts the memory of the
#: process it was forked from, so this bench (which holds a 100,000-person organisation) starts
#: the builds from this small process instead.
PEAK = (
    "import os, subprocess, sys; p = subprocess.Popen(sys.argv[2:]); _, s, u = os.wait4(p.pid, 0);"
    " open(sys.argv[1], 'w').write(f'{u.ru_maxrss} {u.ru_utime + u.ru_stime}');"
    " sys.exit(os.waitstatus_to_exitcode(s))"
)
#: CPU seconds (user and system, with the forked workers) of the last command `timed` ran: on a
#: shared machine they say more than wall time about what the work costs.
last_cpu_s = 0.0


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one command: on Linux, wait4 gives the larger
    of its own and that of the processes it waited for (the forked worker)."""
    with tempfile.TemporaryFile() as errors, tempfile.NamedTemporaryFile("r") as peak:
        start = time.perf_counter()
        command = [sys.executable, "-c", PEAK, peak.name, *argv]
        proc = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=errors, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed:\n{errors.read().decode(errors='replace')}")
        rss, cpu = (peak.read() or "0 0").split()
        global last_cpu_s
        last_cpu_s = float(cpu)
        return elapsed, int(rss) / 1024


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO / "scripts"), **extra}


def build(site: Path, out: Path) -> tuple[float, float]:
    env = _env(COMMONS_CONTENT=str(site), COMMONS_OUT=str(out))
    return timed([sys.executable, "-m", "mkdocs", "build", "--strict"], env)


def median_build(site: Path, out: Path) -> tuple[float, float, float]:
    """Median wall time, peak memory, and median CPU time of `RUNS` builds, each into a folder that
    does not exist yet, as a CI job or a first deploy builds; the last one is `out`.

    Earlier runs' folders are kept until the bench ends: deleting a 100,000-page output takes about
    a minute on this disk and slows the file creation of whatever is timed next for minutes after.
    """
    runs, cpu = [], []
    for run in range(RUNS):
        runs.append(build(site, out if run == RUNS - 1 else out.with_name(f"{out.name}-run{run}")))
        cpu.append(last_cpu_s)
    return statistics.median(t for t, _ in runs), max(m for _, m in runs), statistics.median(cpu)


def rebuild(site: Path, out: Path) -> float:
    """One more build into the folder of the last one, as `make build` again after an edit: the
    build rewrites only what changed (`hub.build`)."""
    return build(site, out)[0]


def median_validate(site: Path) -> float:
    return statistics.median(
        timed([sys.executable, "-m", "hub.validate", str(site)], _env())[0] for _ in range(max(RUNS, 3))
    )


def index_gz_kb(out: Path) -> float:
    indexes = ["search_index.json", "people.json"]
    return sum(len(gzip.compress((out / "search" / name).read_bytes(), 9)) for name in indexes) / 1024


def size_mb(out: Path) -> float:
    return sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6


def open_seconds(page: Any, address: str) -> float:
    """Median seconds from navigation start to the load event, after two warm loads."""
    samples = []
    for run in range(LOADS + 2):
        page.goto(address, wait_until="load")
        if run >= 2:
            samples.append(float(page.evaluate(LOAD_EVENT)))
    return statistics.median(samples)


def first_results_seconds(page: Any, address: str, query: str, expected: str) -> float:
    """Median seconds from the page's load event to the first person shown for `query`."""
    samples = []
    for _ in range(LOADS):
        page.goto(address, wait_until="load")
        loaded = page.evaluate("performance.now()")
        page.locator("input.md-search__input").fill(query)
        page.locator(".commons-people-hits a", has_text=expected).first.wait_for(timeout=30_000)
        samples.append((float(page.evaluate("performance.now()")) - float(loaded)) / 1000)
    return statistics.median(samples)


def figure(name: str, unit: str, measure: Callable[[], float]) -> None:
    """Report one figure; a failure is told on stderr and does not stop the others."""
    try:
        report(name, measure(), unit)
    except (Exception, SystemExit) as exc:
        print(f"bench: figure {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        traceback.print_exc(limit=3)


def in_browser(out: Path, work: Path, query: str, expected: str, pages: dict[str, str]) -> None:
    """The page figures and first search results, in Chromium on the dev stack, signed in."""
    from playwright.sync_api import sync_playwright

    from bench.feed import CHROMIUM_ARGS, start_stack

    proc, url = start_stack(out, work)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_context().new_page()
            page.set_default_timeout(180_000)  # the dev identity provider is slow to start with 100,000 accounts
            page.goto(url + "/")
            page.locator("input[name=login]").fill("p00000")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(url + "/")
            page.set_default_timeout(30_000)
            for name, path in pages.items():
                figure(name, "s", functools.partial(open_seconds, page, url + path))
            size = "100k" if pages else "10k"
            figure(
                f"search_first_results_{size}_s", "s", lambda: first_results_seconds(page, url + "/", query, expected)
            )
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="commons-bench-") as tmp:
        root = Path(tmp)
        small = generate(root / "org1k", people=1_000, spaces=100)
        big = generate(root / "org10k", people=10_000, spaces=1_000)
        huge = generate(root / "org100k", people=100_000, spaces=5_000)

        figure("validate_10k_s", "s", lambda: median_validate(big))
        figure("validate_100k_s", "s", lambda: median_validate(huge))

        builds: dict[str, tuple[float, float, float]] = {}

        def built(name: str, site: Path) -> float:
            builds[name] = median_build(site, root / f"out{name}")
            return builds[name][0]

        figure("hub_build_1k_s", "s", lambda: built("1k", small))
        figure("hub_build_10k_s", "s", lambda: built("10k", big))
        figure("hub_build_10k_rss_mb", "MB", lambda: builds["10k"][1])
        figure("hub_build_ratio_10k_1k", "ratio", lambda: builds["10k"][0] / builds["1k"][0])
        figure("hub_build_100k_s", "s", lambda: built("100k", huge))
        figure("hub_build_100k_rss_mb", "MB", lambda: builds["100k"][1])
        figure("hub_build_100k_cpu_s", "s", lambda: builds["100k"][2])
        figure("hub_rebuild_100k_s", "s", lambda: rebuild(huge, root / "out100k"))
        figure("hub_build_ratio_100k_10k", "ratio", lambda: builds["100k"][0] / builds["10k"][0])
        figure("hub_size_100k_mb", "MB", lambda: size_mb(root / "out100k"))
        figure("search_index_10k_gz_kb", "KB", lambda: index_gz_kb(root / "out10k"))
        figure("search_index_100k_gz_kb", "KB", lambda: index_gz_kb(root / "out100k"))

        (root / "stack10k").mkdir()
        (root / "stack100k").mkdir()
        in_browser(root / "out10k", root / "stack10k", "4321", "4321", {})
        in_browser(root / "out100k", root / "stack100k", "43210", "43210", PAGES)


if __name__ == "__main__":
    main()
