"""The README's HR import example is real: its export, run on the sample organisation, reports what it shows."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hub import validate
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def example(name: str) -> str:
    block = re.search(rf"<!-- example: {re.escape(name)} -->\n```\w+\n(.*?)```", README, re.S)
    assert block is not None, f"the README has no '{name}' example"
    return block[1]


MAKE_SAYS = re.compile(r"make(\[\d+\])?: ")


def test_the_readme_hr_example_runs_as_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "site", repo / "site", ignore=shutil.ignore_patterns("overrides"))
    (repo / ".github").mkdir()
    shutil.copy(REPO / ".github" / "CODEOWNERS", repo / ".github")
    export = tmp_path / "hr-export.csv"
    export.write_text(example("hr-export.csv"), encoding="utf-8")
    command = re.search(r"`(make import-hr FILE=hr-export\.csv [^`]*)`", README)
    assert command is not None
    aisha = (repo / "site" / "people" / "aisha.khan.yml").read_text(encoding="utf-8")

    result = subprocess.run(
        [
            *command[1].replace("FILE=hr-export.csv", f"FILE={export}").split(),
            f"CONTENT={repo / 'site'}",
            "--no-print-directory",
            "-s",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # make's own lines ("make: ***", or "make[1]: ***" when `make test` runs this) are not the report.
    report = [line for line in result.stderr.splitlines(keepends=True) if not MAKE_SAYS.match(line)]
    assert "".join(report).replace(str(export), "hr-export.csv") == example("hr import report")
    assert result.returncode != 0  # the unknown manager is a problem to fix in HR
    assert (repo / "site" / "teams" / "data.md").read_text(encoding="utf-8") == example("draft team page")
    removed, added = (line[1:] for line in example("hr import diff").splitlines())
    assert (repo / "site" / "people" / "aisha.khan.yml").read_text(encoding="utf-8") == aisha.replace(removed, added)
    # CODEOWNERS and the people pass: anything left to say is about what the draft still needs.
    validate.main([str(repo / "site")])
    assert [line for line in capsys.readouterr().out.splitlines() if "/teams/data.md:" not in line] == []
