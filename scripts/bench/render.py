"""Rendering figures: the slowest of the bodies that made python-markdown quadratic or recurse.

- render_worst_ms: for each pathological 5,000-character body, the median CPU time of a few
  renders (Markdown, mentions and nh3, as a post is written); the slowest of those medians.
  Bound: 50 ms (issue 2; before the fix, 5,000 `[` took about 4,500 ms).
- render_worst_body: which body that was, as its index in PATHOLOGICAL (for reading the
  figure). tests/unit/test_rendering_limits.py renders the same bodies under a CPU limit.
- render_ordinary_ms: the same for an ordinary long post (headers, lists, links, code, a table).

CPU time (`time.process_time`), so other processes on the machine count less than in wall time.
A body that fails to render is reported on stderr and the others still run.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

from bench import report

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "functions") not in sys.path:
    sys.path.insert(0, str(REPO / "functions"))

from chalicelib.posts.rendering import MAX_LENGTH, render  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
BOUND_MS = 50


def fill(unit: str, length: int = MAX_LENGTH, tail: str = "") -> str:
    return unit * ((length - len(tail)) // len(unit)) + tail


# The bodies that made python-markdown (or the html.parser it uses) recurse too deep or scan from
# each mark to the end: the issue's, and the families found while fixing them.
PATHOLOGICAL: dict[str, str] = {
    "open brackets": "[" * MAX_LENGTH,
    "close-open": fill("]("),
    "nested emphasis": fill("*_"),
    "emphasis around x": "*_" * 1249 + "x" + "_*" * 1249,
    "link chain": fill("[a](b)"),
    "less-than": "<" * MAX_LENGTH,
    "backticks": "`" * MAX_LENGTH,
    "backtick runs": fill("`` `"),
    "quotes": fill("> "),
    "quotes, no spaces": ">" * MAX_LENGTH,
    "plus lists, as reported": "+ " * 496 + "x",
    "plus lists": fill("+ ", tail="x"),
    "ordered lists, as reported": "1. " * 495,
    "ordered lists": fill("1. "),
    "star lists": fill("* ", tail="x"),
    "quote list mix": fill("> + 1. ", tail="x"),
    "images": fill("!["),
    "unclosed targets": fill("[a]("),
    "unclosed angle targets": fill("[a](<b"),
    "unclosed titles": fill('[a]("'),
    "empty links unclosed": fill("[]("),
    "space paren": fill("[ (]("),
    "parens then brackets": "(" * 2500 + "[" * 2500,
    "nested brackets": "[" * 2500 + "]" * 2500,
    "nested links": "[" * 999 + "x" + "](y)" * 999,
    "references": fill("[a]["),
    "brackets then backticks": "[" * 2500 + "`" * 2500,
    "quotes then brackets": "> " * 1250 + "[" * 2500,
    "mixed": fill("[*_`<"),
    "code in links": fill("[`"),
    "unclosed tags": fill("<a "),
    "unclosed tags on lines": fill("<a \n"),
    "block then unclosed tags": "<div>\n" + fill("<a ", MAX_LENGTH - 6),
    "unclosed attributes": fill('<a x="'),
    "unclosed autolinks": fill("<http://"),
    "cdata": fill("<![CDATA["),
    "comments in inline tags": "<b>" * 800 + "<!---->" * 370,
    "rules": fill("***\n"),
    "setext headers": fill("a\n=\n"),
    "headers": fill("# a\n"),
    "one-column table rows": fill("# a|\n"),
    "backslashes": "\\" * MAX_LENGTH,
}


ORDINARY = (
    "# Weekly notes\n\nThanks @jane.doe for the **deploy** fix; see [the runbook](/teams/platform/runbook/).\n\n"
    "- one item with `code`\n- another with _emphasis_\n    - nested\n\n"
    "| what | when |\n|------|------|\n| deploy | Monday |\n\n```\nmake test\n```\n\n> A quote.\n\n"
) * 12


def median_ms(body: str) -> float:
    times = []
    for _ in range(RUNS):
        start = time.process_time()
        render(body, {"jane.doe"}.__contains__)
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def main() -> None:
    render("warm up", {"jane.doe"}.__contains__)
    worst, worst_at = 0.0, -1
    for at, (name, body) in enumerate(PATHOLOGICAL.items()):
        try:
            took = median_ms(body)
        except Exception as exc:
            print(f"bench: body {name!r} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            continue
        if took > worst:
            worst, worst_at = took, at
    report("render_worst_ms", worst, "ms")
    report("render_worst_body", worst_at, "index")
    report("render_ordinary_ms", median_ms(ORDINARY[:MAX_LENGTH]), "ms")


if __name__ == "__main__":
    main()
