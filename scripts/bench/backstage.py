"""The Backstage import at a company's size: a catalog of 10,000 users in 1,000 groups, imported
into an empty content folder, then imported again with nothing changed.

The catalog is synthetic and shaped like Backstage's example: a tree of groups (one organisation,
departments, teams), users with no job titles, each a member of one team. Each time is the median
of a few runs of the importer in a child process, as `make import-backstage` runs it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import report
from bench.hub import REPO, timed

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
USERS = 10_000
GROUPS = 1_000
DEPARTMENTS = 20


def catalog(users: int, groups: int) -> str:
    """One multi-document catalog file: the organisation, its departments, its teams, its users."""
    parts = ["apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: org\nspec:\n  type: organization\n"]
    for number in range(DEPARTMENTS):
        parts.append(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\n"
            f"metadata:\n  name: department-{number}\n  description: Department {number}\n"
            "spec:\n  type: department\n  parent: org\n"
        )
    teams = groups - DEPARTMENTS - 1
    for number in range(teams):
        parts.append(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\n"
            f"metadata:\n  name: team-{number}\n  description: Team {number}\n"
            f"spec:\n  type: team\n  parent: department-{number % DEPARTMENTS}\n"
            f"  profile:\n    displayName: Team {number}\n    email: team-{number}@example.com\n"
        )
    for number in range(users):
        parts.append(
            "apiVersion: backstage.io/v1alpha1\nkind: User\n"
            f"metadata:\n  name: user.{number}\n"
            f"spec:\n  profile:\n    displayName: User {number}\n    email: user.{number}@example.com\n"
            f"    picture: https://pictures.example.com/{number}.png\n"
            f"  memberOf: [team-{number % teams}]\n"
        )
    return "---\n".join(parts)


def importer(file: Path, content: Path) -> float:
    env = {**os.environ, "PYTHONPATH": f"{REPO / 'scripts'}:{REPO / 'functions'}"}
    seconds, _ = timed([sys.executable, "-m", "hub.importers.backstage", str(file), "--content", str(content)], env)
    return seconds


def fresh(work: Path) -> Path:
    content = work / "content"
    if content.exists():
        shutil.rmtree(content)
    content.mkdir()
    (content / "index.md").write_text("# Example\n\nAn example organisation.\n", encoding="utf-8")
    return content


def figure(name: str, unit: str, measure: Callable[[], float]) -> None:
    """Report one figure; one that fails says so and never stops the others."""
    try:
        report(name, round(measure(), 2), unit)
    except (Exception, SystemExit) as exc:  # a figure that fails is reported, not raised
        print(f"bench: {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-backstage-") as temp:
        work = Path(temp)
        file = work / "catalog.yaml"
        started = time.perf_counter()
        file.write_text(catalog(USERS, GROUPS), encoding="utf-8")
        print(f"bench: (catalog of {USERS} users written in {time.perf_counter() - started:.1f} s)", file=sys.stderr)

        def first() -> float:
            return statistics.median(importer(file, fresh(work)) for _ in range(RUNS))

        def again() -> float:
            content = fresh(work)
            importer(file, content)
            return statistics.median(importer(file, content) for _ in range(RUNS))

        figure("backstage_import_10k_s", "s", first)
        figure("backstage_reimport_10k_s", "s", again)


if __name__ == "__main__":
    main()
