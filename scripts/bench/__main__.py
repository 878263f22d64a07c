"""`make bench`: run every benchmark module in this package.

Each module has a `main()` that prints one line per figure: `bench: <name> <value> <unit>`.
Pass module names to run only those: `python -m bench hub`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(argv: list[str]) -> None:
    names = argv or sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
