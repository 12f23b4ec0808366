"""Approval tasks and decisions (approval, policy.md §4)."""
from __future__ import annotations

from pydantic import Field

from relief_shared.contract.fields import Actor, Amount, Instant, Payload, Person
from relief_shared.contract.registry import event


class RouteSummary(Payload):
    rules: list[str]
    skipped: list[str] = Field(description="stages the route skips, e.g. means_check under ADV-SKIP")
    sources: list[str]
    pack_version: str = Field("", description="the region pack the route was made from: the case keeps it")


@event("approval.requested", 1, publisher="approval",
       summary="A task was opened for a role of an org unit to decide one step of the case's route.")
class ApprovalRequested(Payload):
    task_id: str
    step: str
    role: str
    org_unit: str
    due: Instant | None = Field(description="deadline in Asia/Shanghai; null where the route sets none")
    amount_ceiling: Amount
    route: RouteSummary
    by: Actor


@event("case.approved", 1, publisher="approval",
       summary="The case's last required step approved an amount: pay it.",
       id_number_reason="disbursement must pay the person: the payee's name and ID number go to the bank")
class CaseApproved(Payload):
    task_id: str
    step: str
    amount: Amount
    approved_by: Actor
    org_unit: str
    payee: Person
    rules: list[str]
    comment: str
    by: Actor


@event("case.rejected", 1, publisher="approval", summary="A step of the case's route rejected it.")
class CaseRejected(Payload):
    task_id: str
    step: str
    rejected_by: Actor
    comment: str
    rules: list[str]
    by: Actor
