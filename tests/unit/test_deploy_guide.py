"""docs/deploy.md is true: its stage file and IAM policies are valid, and each `make` command it
shows exists with the variables it passes. (tests/integration/test_deploy.py runs the first-deploy
commands themselves against moto's server.)"""

from __future__ import annotations

import json
import re

import pytest

from deploy.stage import FIELDS, parse_stage
from deploy.template import load_source
from tests.conftest import REPO

GUIDE = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
# Actions AWS gives no resource-level permission, so `"Resource": "*"`: allowed only for these, and
# only narrowed to the stage's region.
UNSCOPED_ACTIONS = frozenset({"ses:DescribeActiveReceiptRuleSet", "ses:SetActiveReceiptRuleSet"})
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
        if statement.get("Resource") == "*":
            assert set(actions) <= UNSCOPED_ACTIONS, actions
            assert set(statement["Condition"]["StringEquals"]) == {"aws:RequestedRegion"}
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


def section(title: str) -> str:
    return GUIDE.split(f"\n{title}\n", 1)[1].split("\n## ", 1)[0]


def test_the_email_section_names_every_record_to_publish_as_the_stack_outputs_them() -> None:
    email = section("## Email")
    outputs = load_source()["Outputs"]
    for output in ("MailDkimRecord1", "MailMxRecord", "MailFromMxRecord", "MailFromSpfRecord"):
        assert f"`{output}" in email, f"the guide does not say where {output} goes"
        assert output in outputs
    assert "MailDkimRecord1`–`3`" in email and "MailDkimRecord3" in outputs
    assert "`10 inbound-smtp.<region>.amazonaws.com`" in email
    assert outputs["MailMxRecord"]["Value"]["Fn::Sub"].endswith("MX 10 inbound-smtp.${AWS::Region}.amazonaws.com")
    assert '"v=spf1 include:amazonses.com ~all"' in email and "`_dmarc.<mail domain>`" in email
    assert "p=none" in email and "p=reject" in email
    assert "Request production access" in email and "sandbox" in email
    # the queues the alarms name, as outputs an operator can look up
    for output in ("MailDeadLetterQueueUrl", "MailFailedEventsQueueUrl"):
        assert f"`{output}`" in email and output in outputs


def test_the_costs_include_email_with_its_volume_for_both_sizes() -> None:
    costs = section("## What it costs")
    email = costs.split("### Email\n", 1)[1].split("\n### ", 1)[0]
    prose = " ".join(email.split())
    assert "20 emails sent" in prose and "and 2 received" in prose
    for price in ("$0.10 per 1,000", "$0.09 per 1,000 incoming chunks of 256 KB", "$0.16 per 1,000"):
        assert price in costs
    rows = {line.split("|")[1].strip(): line for line in email.splitlines() if line.startswith("| ")}
    assert "200,000 × $0.10/1k = $20.00" in rows["SES emails sent"]
    assert "20,000 × $0.10/1k = $2.00" in rows["SES emails sent"]
    assert "2,000 × $0.09/1k = $0.18" in rows["SES incoming chunks"]


def test_the_email_section_names_each_mail_alarm_and_the_costs_count_them() -> None:
    alarms = [r for r in load_source()["Resources"].values() if r.get("Type") == "AWS::CloudWatch::Alarm"]
    mail = [alarm["Properties"] for alarm in alarms if alarm.get("Condition") == "HasMail"]
    assert mail and len(alarms) > len(mail)
    email = section("## Email")
    functions = [alarm for alarm in mail if alarm["MetricName"] == "Errors"]
    assert functions, "an alarm on each mail function's errors"
    for alarm in functions:
        name = alarm["AlarmName"]["Fn::Sub"].replace("${AWS::StackName}", "commons-prod")
        suffix = name.removeprefix("commons-prod")
        assert f"`{name}`" in email or f"`{suffix}`" in email, f"the guide does not name the alarm {name}"
    words = {4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}
    costs = section("## What it costs").split("### Email\n", 1)[1].split("\n### ", 1)[0]
    assert f"The {words[len(mail)]} mail alarms" in costs
    assert f"| CloudWatch alarms | {len(mail)} × $0.10 = ${len(mail) * 0.10:.2f} |" in costs
