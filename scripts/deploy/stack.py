"""The stage's one CloudFormation stack, changed only through change sets.

A change set shows what an update would add, modify or replace before anything happens; `DRY_RUN`
stops there and deletes it. A stack in a state that can't take an update is refused with how to
recover, before anything is uploaded.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deploy.errors import DeployError

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
READY = frozenset(
    {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"}
)
# A stack made by a change set that was never executed (a dry run cut short): it holds nothing.
REVIEW = "REVIEW_IN_PROGRESS"
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed", "No changes")


@dataclass(frozen=True)
class Change:
    action: str  # Add, Modify, Remove, Import, Dynamic
    logical_id: str
    resource_type: str
    replacement: str  # True, False, Conditional, or "" when not a Modify

    def line(self) -> str:
        label = {"Add": "add", "Remove": "remove", "Import": "import"}.get(self.action, "modify")
        if self.action == "Modify" and self.replacement == "True":
            label = "REPLACE"
        elif self.action == "Modify" and self.replacement == "Conditional":
            label = "modify (may replace)"
        return f"  {label:<20} {self.logical_id} ({self.resource_type})"


@dataclass(frozen=True)
class ChangeSet:
    stack: str
    name: str
    kind: str  # CREATE or UPDATE
    changes: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        return not self.changes


def status(cloudformation: Any, stack: str) -> str | None:
    """The stack's status, or None when there is no such stack."""
    from botocore.exceptions import ClientError

    try:
        stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    return str(stacks[0]["StackStatus"]) if stacks else None


def check_ready(stack: str, current: str | None, region: str) -> None:
    """Refuse a stack that can't take a change set now, saying how to recover."""
    if current is None or current == REVIEW or current in READY:
        return
    where = f"--stack-name {stack} --region {region}"
    if current in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"):
        raise DeployError(
            f"stack {stack} is {current}: its first create failed and it can't be updated. See why with "
            f"`aws cloudformation describe-stack-events {where}`, delete it with "
            f"`aws cloudformation delete-stack {where}` (its table and bucket are kept and, being new, empty: "
            "delete them too), then deploy again"
        )
    if current == "UPDATE_ROLLBACK_FAILED":
        raise DeployError(
            f"stack {stack} is UPDATE_ROLLBACK_FAILED: fix what `aws cloudformation describe-stack-events {where}` "
            f"names, run `aws cloudformation continue-update-rollback {where}`, then deploy again"
        )
    if current in ("DELETE_FAILED", "DELETE_IN_PROGRESS"):
        raise DeployError(
            f"stack {stack} is {current}: it is being deleted; finish with `aws cloudformation delete-stack {where}` "
            "before deploying it again"
        )
    if current.endswith("_IN_PROGRESS"):
        raise DeployError(f"stack {stack} is {current}: another change is running; wait for it, then deploy again")
    raise DeployError(f"stack {stack} is {current}, which this command does not know how to update")


def outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    found = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {item["OutputKey"]: item["OutputValue"] for item in found.get("Outputs") or []}


def parameters(cloudformation: Any, stack: str) -> dict[str, str]:
    found = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {item["ParameterKey"]: item.get("ParameterValue", "") for item in found.get("Parameters") or []}


def create_change_set(
    cloudformation: Any,
    stack: str,
    *,
    kind: str,
    values: Mapping[str, str],
    template_url: str | None = None,
    template_body: str | None = None,
    keep: frozenset[str] = frozenset(),
    tags: Mapping[str, str] | None = None,
    role_arn: str = "",
    poll_seconds: float = 5,
) -> ChangeSet:
    """Make a change set and wait for it. Without a template URL or body it reuses the stack's; `keep`
    names parameters that keep their current values. An update that changes nothing comes back
    with no changes, and its change set is already deleted."""
    from botocore.exceptions import ClientError

    name = f"commons-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{time.time_ns() % 1_000_000:06d}"
    arguments: dict[str, Any] = {
        "StackName": stack,
        "ChangeSetName": name,
        "ChangeSetType": kind,
        "Capabilities": CAPABILITIES,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]
        + [{"ParameterKey": k, "UsePreviousValue": True} for k in sorted(keep)],
        "Description": "made by make deploy",
    }
    if template_url is not None:
        arguments["TemplateURL"] = template_url
    elif template_body is not None:
        arguments["TemplateBody"] = template_body
    else:
        arguments["UsePreviousTemplate"] = True
    if role_arn:
        arguments["RoleARN"] = role_arn
    if tags:
        arguments["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    try:
        cloudformation.create_change_set(**arguments)
    except ClientError as exc:
        if any(text in str(exc) for text in _NO_CHANGES):
            return ChangeSet(stack, name, kind, ())
        raise
    described = _wait_for_change_set(cloudformation, stack, name, poll_seconds)
    if described["Status"] == "FAILED":
        reason = str(described.get("StatusReason", ""))
        cloudformation.delete_change_set(StackName=stack, ChangeSetName=name)
        if any(text in reason for text in _NO_CHANGES):
            return ChangeSet(stack, name, kind, ())
        raise DeployError(f"CloudFormation refused the change set for {stack}: {reason}")
    return ChangeSet(stack, name, kind, tuple(_changes(cloudformation, stack, name)))


def _wait_for_change_set(cloudformation: Any, stack: str, name: str, poll_seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + 600
    while True:
        described: dict[str, Any] = cloudformation.describe_change_set(StackName=stack, ChangeSetName=name)
        if described["Status"] in ("CREATE_COMPLETE", "FAILED"):
            return described
        if time.monotonic() > deadline:
            raise DeployError(f"change set {name} for {stack} was not ready after 10 minutes")
        time.sleep(poll_seconds)


def _changes(cloudformation: Any, stack: str, name: str) -> list[Change]:
    changes: list[Change] = []
    token: str | None = None
    while True:
        page = cloudformation.describe_change_set(
            StackName=stack, ChangeSetName=name, **({"NextToken": token} if token else {})
        )
        for item in page.get("Changes", []):
            resource = item.get("ResourceChange", {})
            changes.append(
                Change(
                    action=str(resource.get("Action", "")),
                    logical_id=str(resource.get("LogicalResourceId", "")),
                    resource_type=str(resource.get("ResourceType", "")),
                    replacement=str(resource.get("Replacement", "")),
                )
            )
        token = page.get("NextToken")
        if not token:
            return changes


def discard(cloudformation: Any, change_set: ChangeSet) -> None:
    """Delete an unexecuted change set, and the empty stack a CREATE change set made."""
    if change_set.empty:
        return
    cloudformation.delete_change_set(StackName=change_set.stack, ChangeSetName=change_set.name)
    if change_set.kind == "CREATE" and status(cloudformation, change_set.stack) == REVIEW:
        cloudformation.delete_stack(StackName=change_set.stack)


def execute(cloudformation: Any, change_set: ChangeSet, *, poll_seconds: float = 15) -> str:
    """Run the change set and wait until the stack settles; the final status, or a DeployError
    naming the first resource that failed."""
    cloudformation.execute_change_set(StackName=change_set.stack, ChangeSetName=change_set.name)
    deadline = time.monotonic() + 3600
    while True:
        current = status(cloudformation, change_set.stack) or "DELETE_COMPLETE"
        if not current.endswith("_IN_PROGRESS") or current == REVIEW:
            break
        if time.monotonic() > deadline:
            raise DeployError(f"stack {change_set.stack} is still {current} after an hour; watch it in the console")
        time.sleep(poll_seconds)
    if current in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        return current
    raise DeployError(f"stack {change_set.stack} ended {current}: {first_failure(cloudformation, change_set.stack)}")


def first_failure(cloudformation: Any, stack: str) -> str:
    from botocore.exceptions import ClientError

    try:
        events = cloudformation.describe_stack_events(StackName=stack).get("StackEvents", [])
    except ClientError:
        return "its events could not be read"
    failed = [e for e in events if str(e.get("ResourceStatus", "")).endswith("_FAILED")]
    if not failed:
        return "no resource reported a failure; see the stack's events"
    event = failed[-1]  # events come newest first: the last failure listed happened first
    return f"{event.get('LogicalResourceId')}: {event.get('ResourceStatusReason', 'no reason given')}"
