"""The README's examples are real: each file example validates in the sample organisation."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from hub.content import load_org
from hub.validate import check
from tests.conftest import REPO

EXAMPLE = re.compile(r"<!-- example: (?P<path>[\w.-]+/[\w./-]+) -->\n```\w+\n(?P<body>.*?)```", re.S)


def examples() -> list[tuple[str, str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return [(m["path"], m["body"]) for m in EXAMPLE.finditer(text)]


def test_the_readme_has_file_examples() -> None:
    paths = [path for path, _ in examples()]
    assert "people/jo.bloggs.yml" in paths
    assert "teams/data-guild.md" in paths


@pytest.mark.parametrize(("path", "body"), examples(), ids=[p for p, _ in examples()])
def test_readme_example_is_valid_content(path: str, body: str, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(REPO / "site", site, ignore=shutil.ignore_patterns("overrides"))
    target = site / path
    assert not target.exists(), "the example should add a file, not replace one"
    target.write_text(body, encoding="utf-8")
    org = load_org(site)
    assert check(org) == []
    assert target.stem in org.people or target.stem in org.spaces


def test_readme_import_commands_run(tmp_path: Path) -> None:
    """Each `make import-…` line of the README, run against a copy of the sample content."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- example: shell -->\n```sh\n(.*?)```", text, re.S)
    assert block is not None
    commands = [line for line in block[1].splitlines() if line.startswith("make import-")]
    assert len(commands) == 2
    fixtures = REPO / "tests" / "unit" / "fixtures" / "readme"
    site = tmp_path / "site"
    shutil.copytree(REPO / "site", site, ignore=shutil.ignore_patterns("overrides"))
    before = sorted(p.name for p in (site / "people").iterdir())
    for command in commands:
        argv = shlex.split(command.replace("export.csv", str(fixtures / "export.csv")))
        argv = [arg.replace("catalog.yaml", str(fixtures / "catalog.yaml")) for arg in argv]
        result = subprocess.run(
            [*argv, f"CONTENT={site}", "--no-print-directory", "-s"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert "1 added" in result.stderr and "dry run: nothing written" in result.stderr
    # Dry runs write nothing.
    assert sorted(p.name for p in (site / "people").iterdir()) == before


def test_readme_strict_drafts_example_is_what_validate_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"where it says `draft: true`:\n\n```text\n(.*?)\n```", text, re.S)
    assert shown is not None
    site = tmp_path / "site"
    shutil.copytree(REPO / "site", site, ignore=shutil.ignore_patterns("overrides"))
    (site / "teams" / "data-platform.md").write_text(dict(examples())["teams/data-platform.md"], encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    org = load_org(site)
    assert check(org) == []
    assert [str(problem) for problem in check(org, strict_drafts=True)] == shown.group(1).splitlines()
