"""`make bench`: run every benchmark module in this package.

Each module has a `main()` that prints one line per figure: `bench: <name> <value> <unit>`.
Pass module names to run only those: `python -m bench hub`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback

import bench


def main(argv: list[str]) -> int:
    """Run each module; one that fails is reported and the others still run. Exit 1 if any failed."""
    names = argv or sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))
    failed = []
    for name in names:
        try:
            importlib.import_module(f"bench.{name}").main()
        except (Exception, SystemExit) as exc:
            failed.append(name)
            print(f"bench: module {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            traceback.print_exc(limit=3)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
