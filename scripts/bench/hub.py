"""Hub figures on a synthetic organisation: build time and memory, growth, validation, search.

Each time is the median of a few runs, measured in this one process so that ratios compare runs
made under the same load.
"""

from __future__ import annotations

import functools
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench import report
from hub.synthetic import generate

REPO = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024


def build(site: Path, out: Path) -> tuple[float, float]:
    env = {
        **os.environ,
        "COMMONS_CONTENT": str(site),
        "COMMONS_OUT": str(out),
        "NO_MKDOCS_2_WARNING": "1",
        "PYTHONPATH": str(REPO / "scripts"),
    }
    return timed([sys.executable, "-m", "mkdocs", "build", "--strict"], env)


def median_build(site: Path, out: Path) -> tuple[float, float]:
    runs = [build(site, out) for _ in range(RUNS)]
    return statistics.median(t for t, _ in runs), statistics.median(m for _, m in runs)


def first_search_results(site_dir: Path, query: str, expected: str) -> float:
    """Seconds from the page's load event to the first search result shown, in Chromium."""
    from playwright.sync_api import sync_playwright

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    samples: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            )
            for _ in range(max(RUNS, 5)):
                page = browser.new_page()
                page.goto(url, wait_until="load")
                loaded = page.evaluate("performance.now()")
                page.locator("input.md-search__input").fill(query)
                page.locator(".commons-people-hits a", has_text=expected).first.wait_for(timeout=30_000)
                shown = page.evaluate("performance.now()")
                samples.append((shown - loaded) / 1000)
                page.close()
            browser.close()
    finally:
        server.shutdown()
    return statistics.median(samples)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="commons-bench-") as tmp:
        root = Path(tmp)
        big = generate(root / "org10k", people=10_000, spaces=1_000)
        small = generate(root / "org1k", people=1_000, spaces=100)

        validations = [
            timed(
                [sys.executable, "-m", "hub.validate", str(big)], {**os.environ, "PYTHONPATH": str(REPO / "scripts")}
            )[0]
            for _ in range(max(RUNS, 5))
        ]
        report("validate_10k_s", statistics.median(validations), "s")

        small_s, _ = median_build(small, root / "out1k")
        big_s, big_mb = median_build(big, root / "out10k")
        report("hub_build_10k_s", big_s, "s")
        report("hub_build_10k_rss_mb", big_mb, "MB")
        report("hub_build_1k_s", small_s, "s")
        report("hub_build_ratio_10k_1k", big_s / small_s, "ratio")

        # Everything the browser fetches to search: Material's page index and the people index.
        indexes = ["search_index.json", "people.json"]
        gz = sum(len(gzip.compress((root / "out10k" / "search" / name).read_bytes(), 9)) for name in indexes)
        report("search_index_10k_gz_kb", gz / 1024, "KB")
        seconds = first_search_results(root / "out10k", "4321", "4321")
        report("search_first_results_10k_s", seconds, "s")


if __name__ == "__main__":
    main()
