"""Benchmarks run by `make bench`; see __main__."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def report(name: str, value: float, unit: str) -> None:
    """Print one figure in the form every benchmark uses."""
    text = str(int(value)) if float(value).is_integer() else f"{value:.4g}"
    print(f"bench: {name} {text} {unit}", flush=True)


def report_times(action: Callable[[], object], runs: int, *, p50: str, p95: str, warm: int = 10) -> None:
    """Run `action` `warm` times untimed, then `runs` times, and report the median and the 95th
    percentile in milliseconds under the names `p50` and `p95`."""
    timings = []
    for i in range(runs + warm):
        started = time.perf_counter()
        action()
        if i >= warm:
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    report(p50, round(statistics.median(timings), 2), "ms")
    report(p95, round(timings[int(len(timings) * 0.95) - 1], 2), "ms")
