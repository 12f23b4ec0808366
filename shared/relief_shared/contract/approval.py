"""Approval tasks and decisions (approval, policy.md §4)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from relief_shared.contract.fields import PERSONAL_MARK, Actor, Amount, BankAccount, Instant, LocalDate, Payload, Person
from relief_shared.contract.registry import event


class Instalment(Payload):
    amount: Amount
    due: LocalDate


class RouteSummary(Payload):
    rules: list[str]
    skipped: list[str] = Field(description="stages the route skips, e.g. means_check under ADV-SKIP")
    sources: list[str]
    pack_version: str = Field("", description="the region pack the route was made from: the case keeps it")
    procedure: str = Field("", description="the version of the region's procedure the case follows "
                                           "(procedures.toml); empty for a plain route")


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
    channel: Literal["bank", "cash", "in_kind"] | None = Field(
        None, description="how it is paid (FX-PAY-CHANNEL, CQ-PAY-KIND); null: bank")
    instalments: list[Instalment] | None = Field(
        None, description="a staged plan (STAGED): amounts adding up to `amount`, each with the day it falls due; "
                          "null: one instalment, due at once")
    household_id: str | None = Field(None, max_length=64,
                                      description="the payee's household, for the household's yearly cap (LF-CAP)")
    bank_account: BankAccount | None = Field(None, description="the payee's own account (FX-PAY-CHANNEL)",
                                             json_schema_extra={PERSONAL_MARK: "bank_account"})


@event("case.revoked", 1, publisher="approval",
       summary="An approval was revoked: its unpaid instalments are cancelled; money obtained by fraud is "
               "recovered (ANY-RECOVER), except after a dibao or tekun recipient's death (ANY-NO-CLAWBACK).")
class CaseRevoked(Payload):
    task_id: str | None = Field(None, description="the approval revoked; null: every approval of the case")
    reason: str = Field(max_length=2000)
    fraudulent: bool = Field(description="obtained by fraud (冒领, 骗取): what was paid is to be recovered")
    recover: Amount | None = Field(None, description="the amount to recover; null: everything paid")
    recovery_instalments: list[Instalment] | None = Field(None, description="how the debtor repays")
    rules: list[str]
    by: Actor


@event("case.rejected", 1, publisher="approval", summary="A step of the case's route rejected it.")
class CaseRejected(Payload):
    task_id: str
    step: str
    rejected_by: Actor
    comment: str
    rules: list[str]
    by: Actor


@event("approval.returned", 1, publisher="approval",
       summary="A step sent the case back to an earlier step, which must redo its work (and every step after it); "
               "the earlier decisions stay in the case's history.")
class ApprovalReturned(Payload):
    task_id: str = Field(description="the reopened step's new task")
    step: str = Field(description="the step that must redo its work")
    round: int = Field(ge=1, description="the how-many-th opening of that step")
    reason: str
    by: Actor


class DeliberationVote(Payload):
    in_favour: int = Field(ge=0)
    against: int = Field(ge=0)
    abstain: int = Field(0, ge=0)


@event("approval.deliberated", 1, publisher="approval",
       summary="A case-by-case deliberation (一事一议) was held and its minutes recorded: reported to the district "
               "bureau as the basis of the approval (FX-CASE-MIN, DT-CASE). Names no participant.")
class ApprovalDeliberated(Payload):
    task_id: str
    org_unit: str
    held_on: LocalDate
    participants: int = Field(ge=1, description="distinct appraisers")
    participant_roles: dict[str, int] = Field(description="how many of each role")
    observer_unit: str | None = Field(None, description="the discipline committee's observer's unit")
    vote: DeliberationVote | None = None
    decided_amount: Amount
    amount_ceiling: Amount = Field(description="the formula's ceiling the decided amount replaces")
    minutes_sha256: str = Field(description="digest of the minutes text and attached file, for the archive")
    rules: list[str]
    by: Actor


@event("approval.paperwork_completed", 1, publisher="approval",
       summary="The paperwork of advance assistance (subject, reason, amount, signatures, seal) was completed "
               "and entered (FX-ADV, CQ-ADV: before the 25th of the approval month).")
class PaperworkCompleted(Payload):
    task_id: str
    amount: Amount
    signatures: int = Field(ge=0)
    sealed: bool
    rules: list[str]
    by: Actor


@event("approval.filed", 1, publisher="approval",
       summary="The district bureau filed the advance assistance's paperwork (CQ-ADV: within 5 working days of entry).")
class PaperworkFiled(Payload):
    task_id: str
    rules: list[str]
    by: Actor
