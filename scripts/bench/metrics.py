"""Metrics figures, in process through the Chalice app (LocalGateway) against moto's server over
HTTP (started here, on loopback only), as bench.posts measures its handlers:

- metrics_api_ms_p50 / _p95: `GET /api/metrics` (26 weeks) after a few weeks' posts, replies,
  reactions and outcome marks, our own work plus the DynamoDB calls to moto;
- metrics_space_api_ms_p50 / _p95: `GET /api/metrics/spaces/{slug}`, the same for one space;
- rt_metrics, rt_metrics_health: DynamoDB requests per read (bounds 3 and 3);
  rt_metrics_spaces_worked_out, rt_metrics_spaces: `GET /api/metrics/spaces` when no table is kept
  (bound 6: the kept table's GetItem, two Queries, a BatchGet of up to 100 spaces' sketches, two
  Puts), then served the table kept by that read (bound 1).

At scale, on tables seeded through the metrics store's bulk writer (`MetricsStore.seed`) with
weeks of the organisation, each with 100,000 distinct people active (a window of handles that
slides by 1,000 a week, so no two weeks have the same people; 8 sketch shards a week, about 15 KB):

- on a table of 26 such weeks, metrics_api_26_weeks_100k_people_ms_p50 / _p95 and _requests:
  `GET /api/metrics` (26 weeks), and metrics_26_weeks_100k_people_max_error_pct, the sketch's
  worst error over those weeks;
- on a table of 104 such weeks, metrics_104w_100k_requests: the DynamoDB requests of one
  `GET /api/metrics?weeks=104`, counted by the store's request hook (issue bound: 3): the Query of
  the weeks' counters, and the two pages of the Query of their sketches, as DynamoDB answers at
  most 1 MB a page and the sketches hold about 1.7 MB (estimates that took two pages are not kept,
  so every such read is these 3);
  metrics_104w_100k_ms, its median time over a few reads; metrics_104w_100k_cpu_ms, the CPU time
  this process spent in them (the function's own work: parsing the answer, the sketches), which
  is the part of that time moto has no share in; and metrics_104w_100k_max_error_pct.

moto parses every set element in Python, and takes seconds where DynamoDB takes milliseconds: 104
such weeks take longer than the function's 10 s read timeout (`TableItem.Meta`). So this process,
and only this process, raises that timeout to `SCALE_READ_TIMEOUT_SECONDS` before the figures at
scale: their times are moto's, not DynamoDB's. The request counts are what DynamoDB would send,
as moto pages a Query's answer at 1 MB as DynamoDB does. Fewer runs at scale, for the same reason.

The writes' round trips, with the counting in them, are bench.posts' rt_* figures (bound 1 each).

Each figure is measured on its own: one that fails is reported, the others are still measured,
and the module fails at the end.
"""

from __future__ import annotations

import base64
import functools
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench import report, report_times
from bench.posts import PEOPLE, Figures, InProcess, _directory, _settings

# bench.posts, imported above, has put functions/ and scripts/ on the path.
from chalicelib.metrics import rules
from chalicelib.metrics.rules import PastWeek
from devstack import local_aws

RUNS = 150
WARM = 10
SCALE_PEOPLE = 100_000
SCALE_WEEKS = 104
SCALE_SLIDE = 1_000  # people who leave (and join) the window each week
SCALE_READ_TIMEOUT_SECONDS = 120
SCALE_RUNS = 5
BOUNDS = {"rt_metrics": 3, "rt_metrics_spaces_worked_out": 6, "rt_metrics_spaces": 1, "rt_metrics_health": 3}


def _timed(name: str, action: Callable[[], object], runs: int = RUNS, warm: int = WARM) -> None:
    report_times(action, runs, p50=f"{name}_p50", p95=f"{name}_p95", warm=warm)


def seed(inproc: InProcess) -> None:
    """A few posts with replies, reactions and marks, as people make them."""
    author, others = PEOPLE[0], PEOPLE[1:4]
    for i in range(8):
        post = inproc.call("POST", "/api/spaces/bench/posts", author, {"body": f"Seed {i}"}, uuid.uuid4().hex)["post"]
        for j, reader in enumerate(others[: 1 + i % 3]):
            body = {"body": f"Reply {j}", "space": "bench"}
            inproc.call("POST", f"/api/posts/{post['id']}/replies", reader, body, uuid.uuid4().hex)
            inproc.call("POST", f"/api/posts/{post['id']}/reactions/like", reader, {"state": "on"})
        if i % 2:
            inproc.call("POST", f"/api/posts/{post['id']}/outcome", author, {"state": "on", "space": "bench"})


def scale_weeks(count: int) -> Iterator[PastWeek]:
    """The last `count` weeks of the organisation, oldest first, each with SCALE_PEOPLE distinct
    people, made one at a time (a week's handles are only held while the seed takes them in)."""
    for back, week in enumerate(rules.last_weeks(time.time(), count)):
        first = back * SCALE_SLIDE
        people = [f"person.{n}" for n in range(first, first + SCALE_PEOPLE)]
        yield PastWeek(None, week, {"posts": 500, "replies": 900, "reactions": 2_000}, people)


def at_scale(inproc: InProcess, weeks: int) -> None:
    """A fresh table, seeded with `scale_weeks` through the store's bulk writer."""
    inproc.fresh_table()
    assert inproc.store is not None
    started = time.perf_counter()
    written = inproc.store.metrics().seed(scale_weeks(weeks))
    took = time.perf_counter() - started
    print(f"bench: metrics: seeded {weeks} weeks, {written} items, in {took:.0f} s", file=sys.stderr, flush=True)


def worst_error_pct(answer: dict[str, Any]) -> float:
    people = [int(w["active_people"]) for w in answer["weeks"]]
    return round(max(abs(p - SCALE_PEOPLE) for p in people) / SCALE_PEOPLE * 100.0, 2)


def raise_read_timeout(seconds: int) -> None:
    """The function's DynamoDB read timeout, in this process only; connections made afterwards
    (the next `fresh_table`) take it."""
    from chalicelib._table_item import TableItem

    TableItem.Meta.read_timeout_seconds = seconds


def main() -> None:
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="commons-bench-metrics-") as tmp:
        work = Path(tmp)
        log = (work / "moto.log").open("wb")
        aws = local_aws.start(output=log)
        try:
            key = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
            settings = _settings(_directory(work / "inproc"), aws.endpoint, f"bench={key}", "http://localhost:8000")
            inproc = InProcess(settings)
            reader = PEOPLE[2]
            try:
                inproc.fresh_table()
                figures.measure("seed", lambda: seed(inproc))
                reads: dict[str, Callable[[], object]] = {
                    "metrics_api_ms": lambda: inproc.call("GET", "/api/metrics", reader),
                    "metrics_space_api_ms": lambda: inproc.call("GET", "/api/metrics/spaces/bench", reader),
                }
                for name, action in reads.items():
                    figures.measure(name, functools.partial(_timed, name, action))

                def counted(name: str, path: str) -> None:
                    sent = inproc.round_trips("GET", path, reader)
                    report(name, sent, "requests")
                    if sent > BOUNDS[name]:
                        raise RuntimeError(f"{name} is {sent}, over its bound of {BOUNDS[name]}")

                for name, path in (
                    ("rt_metrics", "/api/metrics"),
                    # The first read works the spaces table out and keeps it; the next is served it.
                    ("rt_metrics_spaces_worked_out", "/api/metrics/spaces"),
                    ("rt_metrics_spaces", "/api/metrics/spaces"),
                    ("rt_metrics_health", "/api/metrics/health"),
                ):
                    figures.measure(name, functools.partial(counted, name, path))

                def read_26() -> None:
                    at_scale(inproc, 26)
                    answer: dict[str, Any] = inproc.call("GET", "/api/metrics", reader)
                    report("metrics_26_weeks_100k_people_max_error_pct", worst_error_pct(answer), "%")
                    sent = inproc.round_trips("GET", "/api/metrics", reader)
                    report("metrics_api_26_weeks_100k_people_requests", sent, "requests")
                    _timed(
                        "metrics_api_26_weeks_100k_people_ms",
                        lambda: inproc.call("GET", "/api/metrics", reader),
                        runs=20,
                        warm=2,
                    )
                    if sent > BOUNDS["rt_metrics"]:
                        raise RuntimeError(f"26 weeks at scale took {sent} requests")

                def read_104() -> None:
                    at_scale(inproc, SCALE_WEEKS)
                    path = f"/api/metrics?weeks={SCALE_WEEKS}"
                    sent = inproc.round_trips("GET", path, reader)
                    report("metrics_104w_100k_requests", sent, "requests")
                    answer: dict[str, Any] = inproc.call("GET", path, reader)
                    report("metrics_104w_100k_max_error_pct", worst_error_pct(answer), "%")
                    wall, cpu = [], []
                    for _ in range(SCALE_RUNS):
                        started, used = time.perf_counter(), time.process_time()
                        inproc.call("GET", path, reader)
                        wall.append((time.perf_counter() - started) * 1000)
                        cpu.append((time.process_time() - used) * 1000)
                    report("metrics_104w_100k_ms", round(statistics.median(wall), 1), "ms")
                    report("metrics_104w_100k_cpu_ms", round(statistics.median(cpu), 1), "ms")
                    if len(answer["weeks"]) != SCALE_WEEKS:
                        raise RuntimeError(f"{path} answered {len(answer['weeks'])} weeks")
                    if sent > BOUNDS["rt_metrics"]:
                        raise RuntimeError(f"104 weeks at scale took {sent} requests, over {BOUNDS['rt_metrics']}")

                raise_read_timeout(SCALE_READ_TIMEOUT_SECONDS)  # for the tables made from here on
                figures.measure("26 weeks at scale", read_26)
                figures.measure("104 weeks at scale", read_104)
            finally:
                from chalicelib.runtime import install

                install(None)
        finally:
            aws.stop()
            log.close()
    if figures.failed:
        raise RuntimeError(f"{len(figures.failed)} failed ({', '.join(figures.failed)}); the others were reported")


if __name__ == "__main__":
    main()
