"""docs/deploy.md is true: its stage file and IAM policies are valid, and each `make` command it
shows exists with the variables it passes. (tests/integration/test_deploy.py runs the first-deploy
commands themselves against moto's server.)"""

from __future__ import annotations

import json
import re

import pytest

from deploy.stage import FIELDS, parse_stage
from tests.conftest import REPO

GUIDE = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
EXAMPLE = re.compile(r"<!-- example: (?P<path>[\w./-]+) -->\n```json\n(?P<body>.*?)```", re.S)


def example(path: str) -> str:
    found = {m["path"]: m["body"] for m in EXAMPLE.finditer(GUIDE)}
    return found[path]


def make_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", GUIDE, re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip().startswith("make ")]


def test_the_guides_stage_file_is_a_valid_stage() -> None:
    document = json.loads(example("infra/stages/prod.json"))
    stage = parse_stage("prod", document, "docs/deploy.md")
    assert stage.domain == "hub.example.com" and set(document) <= FIELDS


@pytest.mark.parametrize("path", ["iam/deploy-role-trust.json", "iam/deploy-role-policy.json"])
def test_the_guides_iam_policies_are_policies_without_wildcard_actions(path: str) -> None:
    policy = json.loads(example(path))
    assert policy["Version"] == "2012-10-17" and policy["Statement"]
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions)
        assert statement.get("Resource", "x") != "*"
    if path.endswith("trust.json"):
        condition = policy["Statement"][0]["Condition"]["StringEquals"]
        assert condition["token.actions.githubusercontent.com:sub"].endswith(":environment:prod")


def test_each_make_command_in_the_guide_is_a_target_that_takes_its_variables() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    commands = make_commands()
    assert "make deploy STAGE=prod DRY_RUN=1" in commands and any(c.startswith("make secrets") for c in commands)
    for command in commands:
        target, *assignments = command.split()[1:]
        recipe = re.search(rf"(?ms)^{re.escape(target)}:.*?(?=^\S|\Z)", makefile)
        assert recipe, f"no make target {target!r}"
        for assignment in assignments:
            name = assignment.split("=", 1)[0]
            assert f"$({name})" in recipe[0], f"make {target} ignores {name}"


def test_the_readme_links_the_guide() -> None:
    assert "docs/deploy.md" in (REPO / "README.md").read_text(encoding="utf-8")
