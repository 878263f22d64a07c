"""Browser figure: what axe-core finds serious or critical, over every kind of page.

- axe_serious_violations: the number of axe violations (a rule failing on a page, whatever its
  number of elements) with impact serious or critical, summed over every page kind of
  scripts/a11y.py, in the wide and the narrow layout, with JavaScript and without, on the whole
  dev stack, signed in, with posts on the pages. The issue's budget is 0.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import a11y
from bench import report
from bench.feed import build_hub, signed_in, start_stack

SPACE = "engineering"


def serious_violations(url: str, handle: str, mention: str) -> int:
    from playwright.sync_api import sync_playwright

    total = 0
    with sync_playwright() as playwright:
        browser, context, _page = signed_in(playwright, url, "/", handle)
        seeded = a11y.seed(context, url, SPACE, handle, mention)
        state = {"cookies": context.cookies(), "origins": []}
        context.close()
        for name, kind in a11y.KINDS.items():
            for layout in a11y.LAYOUTS:
                for javascript in a11y.modes(kind):
                    found = a11y.check(browser, seeded, state, name, layout, javascript)
                    for violation in found:
                        mode = "JavaScript" if javascript else "no JavaScript"
                        print(f"axe: {name}, {layout}, {mode}: {violation}", file=sys.stderr)
                    total += len(found)
        browser.close()
    return total


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="commons-bench-axe-") as tmp:
        work = Path(tmp)
        hub = work / "hub"
        build_hub(hub)
        people = sorted(json.loads((hub / "directory.json").read_text())["people"])
        proc, url = start_stack(hub, work)
        try:
            value = serious_violations(url, people[0], people[1])
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    report("axe_serious_violations", value, "count")


if __name__ == "__main__":
    main()
