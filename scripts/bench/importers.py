"""HR import figures on the synthetic organisation of 10,000 people (`python -m bench importers`).

- `hr_import_10k_unchanged_s`: an export that matches every file, so each is read, matched and
  compared, and none is written.
- `hr_import_10k_changed_s`: every title changed, so every file is rewritten in its own style and
  CODEOWNERS is regenerated.
- `hr_rewrite_vs_dump_ratio`: per file, the style-keeping rewrite's time over a plain PyYAML dump's:
  what keeping a file's layout costs.

Imports run as `make import-hr` does, one child process each; each figure is the median of
BENCH_RUNS runs (3 by default), all measured in this one process so the runs share one load.
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import yaml

from bench import report
from bench.hub import REPO, RUNS, timed
from hub.importers._people import PERSON_FIELDS
from hub.importers._yaml_edit import render, rewrite
from hub.synthetic import generate

COLUMNS = ("name", "email", "title", "department", "manager email", "location")


def write_export(site: Path, path: Path, title_suffix: str = "") -> None:
    """An export of every person as their file says, with `title_suffix` added to each title."""
    records = [
        yaml.load(p.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) for p in (site / "people").glob("*.yml")
    ]
    emails = {record["handle"]: record["email"] for record in records}
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(COLUMNS)
        for record in records:
            manager = emails.get(record.get("manager", ""), "")
            title = record["title"] + title_suffix
            writer.writerow([record["name"], record["email"], title, record["team"], manager, record["location"]])


def import_seconds(site: Path, export: Path) -> float:
    argv = [sys.executable, "-m", "hub.importers.hr_csv", str(export), "--content", str(site)]
    return timed(argv, {**os.environ, "PYTHONPATH": str(REPO / "scripts")})[0]


def unchanged(site: Path, work: Path) -> None:
    export = work / "same.csv"
    write_export(site, export)
    report("hr_import_10k_unchanged_s", statistics.median(import_seconds(site, export) for _ in range(RUNS)), "s")


def changed(site: Path, work: Path) -> None:
    seconds = []
    for run in range(RUNS):
        export = work / f"changed-{run}.csv"
        write_export(site, export, f" {run}")  # each run changes every title again
        seconds.append(import_seconds(site, export))
    report("hr_import_10k_changed_s", statistics.median(seconds), "s")


def rewrite_ratio(site: Path, _work: Path) -> None:
    files = [path.read_text(encoding="utf-8") for path in sorted((site / "people").glob("*.yml"))[:2000]]
    records = []
    for text in files:
        record = yaml.load(text, Loader=yaml.CSafeLoader)
        record["title"] += " (acting)"
        records.append(record)

    def per_file(write: Callable[[str, dict[str, object]], str]) -> float:
        started = time.perf_counter()
        for text, record in zip(files, records, strict=True):
            write(text, record)
        return (time.perf_counter() - started) / len(files)

    ratios = [
        per_file(lambda text, record: rewrite(text, record, PERSON_FIELDS))
        / per_file(lambda _text, record: render(record))
        for _ in range(RUNS)
    ]
    report("hr_rewrite_vs_dump_ratio", statistics.median(ratios), "ratio")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="commons-bench-import-") as folder:
        work = Path(folder)
        site = generate(work / "org10k", people=10_000, spaces=1_000)
        failed = []
        for figure in (unchanged, changed, rewrite_ratio):
            try:
                figure(site, work)
            except (Exception, SystemExit) as exc:  # one failing figure never stops the others
                failed.append(figure.__name__)
                print(f"bench: {figure.__name__} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                traceback.print_exc(limit=3)
    if failed:
        raise SystemExit(f"bench importers: {', '.join(failed)} failed")


if __name__ == "__main__":
    main()
