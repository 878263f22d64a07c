"""Metrics figures, in process through the Chalice app (LocalGateway) against moto's server over
HTTP (started here, on loopback only), as bench.posts measures its handlers:

- metrics_api_ms_p50 / _p95: `GET /api/metrics` (26 weeks) after a few weeks' posts, replies,
  reactions and outcome marks, our own work plus the DynamoDB calls to moto;
- metrics_space_api_ms_p50 / _p95: `GET /api/metrics/spaces/{slug}`, the same for one space;
- metrics_api_26_weeks_100k_people_ms_p50 / _p95 and _requests: 26 weeks of the organisation
  whose every week has a sketch of 100,000 active people (written straight to the table, as the
  writes would have left it: 8 shards a week, about 15 KB), read through the route (fewer runs:
  moto parses every set element in Python, and takes seconds where DynamoDB takes milliseconds;
  104 such weeks exceed the client's 10 s read timeout on moto);
- metrics_26_weeks_100k_people_max_error_pct: the sketch's worst error over those weeks;
- rt_metrics, rt_metrics_spaces, rt_metrics_health: DynamoDB requests per read (bounds 3, 2, 3).

The writes' round trips, with the counting in them, are bench.posts' rt_* figures (bound 1 each).

Each figure is measured on its own: one that fails is reported, the others are still measured,
and the module fails at the end.
"""

from __future__ import annotations

import base64
import functools
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import report, report_times
from bench.posts import PEOPLE, Figures, InProcess, _directory, _settings

REPO = Path(__file__).resolve().parents[2]
for _path in (REPO / "functions", REPO / "scripts"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from chalicelib.metrics import rules  # noqa: E402
from devstack import local_aws  # noqa: E402

RUNS = 150
WARM = 10
SCALE_PEOPLE = 100_000
BOUNDS = {"rt_metrics": 3, "rt_metrics_spaces": 2, "rt_metrics_health": 3}


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


def at_scale(inproc: InProcess) -> None:
    """26 weeks of sketches of 100,000 people each, written as the transactions leave them."""
    assert inproc.store is not None
    models = inproc.store.metrics().models()  # type: ignore[attr-defined]
    connection = models.MetricsItem._get_connection()
    shards: list[set[bytes]] = [set() for _ in range(rules.SHARDS)]
    for n in range(SCALE_PEOPLE):
        shard, element = rules.person_element(f"person.{n}")
        shards[shard].add(element)
    for week in rules.last_weeks(time.time(), 26):
        pk, sk = rules.week_item(rules.ORG, week)
        connection.put_item(pk, sk, attributes={"posts": {"N": "500"}, "replies": {"N": "900"}})
        for shard, elements in enumerate(shards):
            pk, sk = rules.people_item(rules.ORG, week, shard)
            connection.put_item(pk, sk, attributes={rules.PEOPLE: {"BS": sorted(elements)}})


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
                    ("rt_metrics_spaces", "/api/metrics/spaces"),
                    ("rt_metrics_health", "/api/metrics/health"),
                ):
                    figures.measure(name, functools.partial(counted, name, path))

                def scale() -> None:
                    inproc.fresh_table()
                    at_scale(inproc)
                    answer: dict[str, Any] = inproc.call("GET", "/api/metrics", reader)
                    people = [w["active_people"] for w in answer["weeks"]]
                    error = max(abs(p - SCALE_PEOPLE) for p in people) / SCALE_PEOPLE * 100
                    report("metrics_26_weeks_100k_people_max_error_pct", round(error, 2), "%")
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

                figures.measure("at scale", scale)
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
