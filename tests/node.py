"""Run the pure helpers a hub script exports (`module.exports`) under Node, from Python: each call
is a name and its arguments, and the answers come back as JSON. Node is one of the project's
requirements (the dev identity provider runs on it), so these tests always run."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_HARNESS = """
const module_ = require(process.argv[1]);
const calls = JSON.parse(process.argv[2]);
%s
const answers = calls.map(([name, args]) => (overrides[name] || module_[name])(...args));
process.stdout.write(JSON.stringify(answers));
"""


def call_exports(script: Path, calls: Sequence[tuple[str, list[Any]]], overrides: str = "") -> list[Any]:
    """`overrides` is JavaScript that may define `overrides[name]`, a call that needs arguments
    JSON can't carry (a function), made from `module_` (the script's exports)."""
    harness = _HARNESS % ("const overrides = {};\n" + overrides)
    result = subprocess.run(
        ["node", "-e", harness, str(script), json.dumps(list(calls))],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    answers: list[Any] = json.loads(result.stdout)
    return answers
