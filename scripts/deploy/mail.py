"""SES receiving for a stage with `mail_domain`. The stack makes the receipt rule set, but
CloudFormation can't make a rule set the active one, so `make deploy` does, after the stack is up.

SES has one active rule set per account and region. A deploy never takes that place from another
rule set (another stage's, another application's): it refuses before it changes anything. When a
stage turns mail off, its rule set stops being the active one before the stack deletes it
(CloudFormation can't delete an active rule set).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from deploy.errors import DeployError
from deploy.stage import Stage

Say = Callable[[str], None]


@dataclass(frozen=True)
class Receiving:
    """What SES receiving needs from this deploy, decided before anything changes."""

    rule_set: str  # the stage's rule set, named after the stack
    active: str | None  # the region's active rule set when the deploy began
    wanted: bool  # the stage has a mail domain

    @property
    def to_activate(self) -> bool:
        return self.wanted and self.active != self.rule_set

    @property
    def to_deactivate(self) -> bool:
        return not self.wanted and self.active == self.rule_set


def active_rule_set(ses: Any) -> str | None:
    """The name of the region's active receipt rule set, or None when none is active."""
    answer = ses.describe_active_receipt_rule_set()
    metadata = answer.get("Metadata") or {}
    name = metadata.get("Name")
    return str(name) if name else None


def check(ses: Any, stage: Stage, *, live_mail_domain: str) -> Receiving | None:
    """What the deploy must do about SES receiving, or None when mail is neither on nor being
    turned off (then SES is not asked at all). `live_mail_domain` is the stack's current one."""
    if not stage.mail_domain and not live_mail_domain:
        return None
    receiving = Receiving(stage.receipt_rule_set, active_rule_set(ses), bool(stage.mail_domain))
    if receiving.wanted and receiving.active not in (None, receiving.rule_set):
        raise DeployError(
            f"SES in {stage.region} already receives mail through receipt rule set {receiving.active}, and a "
            f"region has only one active rule set: deploy mail_domain {stage.mail_domain} in another region, or "
            f"deactivate {receiving.active} yourself (`aws ses set-active-receipt-rule-set --region {stage.region}`) "
            "if nothing needs it; nothing was changed"
        )
    return receiving


def plan(receiving: Receiving, say: Say) -> None:
    """What a dry run says it would do."""
    if receiving.to_activate:
        say(f"mail: would make receipt rule set {receiving.rule_set} the active one, once the stack has it")
    elif receiving.to_deactivate:
        say(f"mail: would deactivate receipt rule set {receiving.rule_set} before the stack removes it")
    elif receiving.wanted:
        say(f"mail: receipt rule set {receiving.rule_set} is already active")


def before_stack(ses: Any, receiving: Receiving, say: Say) -> None:
    """Mail turned off: the rule set stops being active, so that the stack can delete it."""
    if receiving.to_deactivate and active_rule_set(ses) == receiving.rule_set:
        ses.set_active_receipt_rule_set()
        say(f"mail: deactivated receipt rule set {receiving.rule_set}; SES no longer receives mail for the stage")


def after_stack(ses: Any, receiving: Receiving, domain: str, say: Say) -> None:
    """Mail on: activate the stack's rule set, unless it already is (looked up again: the stack
    update took minutes)."""
    if not receiving.wanted:
        return
    active = active_rule_set(ses)
    if active == receiving.rule_set:
        return
    if active is not None:
        raise DeployError(
            f"receipt rule set {active} became active in SES while the stack was updated, so "
            f"{receiving.rule_set} was not activated: see docs/deploy.md, Email"
        )
    ses.set_active_receipt_rule_set(RuleSetName=receiving.rule_set)
    say(f"mail: activated receipt rule set {receiving.rule_set}; SES receives mail for {domain}")
