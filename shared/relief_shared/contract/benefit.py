"""The calculated amount with its reasons (benefit-calc, policy.md §3)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from relief_shared.contract.fields import PERSONAL_MARK, Actor, Amount, BankAccount, Instant, LocalDate, Payload, Person
from relief_shared.contract.registry import event


class TraceStep(Payload):
    rule: str = Field(description="rule ID of policy.md")
    source: str = Field(description="the clause it comes from, e.g. `seed 000 三(一)`")
    inputs: dict[str, Any] = Field(description="the facts and parameter values the rule used")
    result: Amount
    note: str


class CapApplied(Payload):
    rule: str
    scope: Literal["person", "household"]
    limit: Amount
    remaining: Amount
    applied: bool


@event("benefit.calculated", 1, publisher="benefit-calc",
       summary="The ceiling and recommended amount of an emergency or expenditure case, as of its "
               "acceptance, with every rule, clause and input used.",
       id_number_reason="approval names the payee in the approval it records (FX-RECORD) and hands the "
                        "payee to disbursement; only the applicant")
class BenefitCalculated(Payload):
    org_unit: str
    type: Literal["emergency", "expenditure"]
    as_of: LocalDate
    ceiling: Amount
    recommended: Amount
    rules: list[str]
    trace: list[TraceStep]
    caps: list[CapApplied] = Field(default_factory=list)
    needs_deliberation: bool = Field(description="no formula gives an amount: case by case (FX-CASE)")
    decision: str = Field("", description="which rule gave the amount, and why it won over the others")
    pack_version: str = Field("", description="the region pack the amount was calculated with")
    parameters: dict[str, Any] = Field(default_factory=dict,
                                       description="every pack value the amount used, as it was then "
                                                   "(value, valid_from, source, sample)")
    applicant: Person
    accepted_by: Actor = Field(description="the clerk who accepted the case: may not approve it (DT-SOD)")
    by: Actor
    accepted_at: Instant | None = Field(None, description="when the case was accepted: time limits run from it")
    household_member_keys: list[str] = Field(default_factory=list, max_length=50,
                                             description="the household's member keys from case.classified, for "
                                                         "approval's LF-KIN check")
    bank_account: BankAccount | None = Field(None, description="the applicant's own account as given at intake: "
                                                               "approval pays to it (FX-PAY-CHANNEL)",
                                             json_schema_extra={PERSONAL_MARK: "bank_account"})
