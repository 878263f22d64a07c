"""`python -m devstack` (or `python scripts/devstack`): the dev server, as `make dev` runs it."""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:
    # Run by path: import the package from scripts/, not its files as top-level modules.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from devstack.server import main

if __name__ == "__main__":
    main()
