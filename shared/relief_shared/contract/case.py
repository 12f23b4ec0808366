"""Events of a case's intake and classification (eligibility, policy.md §2, §6)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from relief_shared.contract.fields import PERSONAL_MARK, Actor, Amount, BankAccount, Instant, LocalDate, Payload, Person
from relief_shared.contract.registry import event

Channel = Literal["window", "hotline", "active_discovery", "online"]
AppliesFor = Literal["temporary_assistance", "dibao", "tekun", "marginal"]
HouseholdStatus = Literal["dibao", "tekun", "marginal", "low_income", "registered_poor", "none"]
CaseType = Literal["emergency", "expenditure", "referral_only"]
EventKind = Literal[
    "fire", "traffic_accident", "injury", "drowning", "sudden_illness", "chronic_illness", "schooling",
    "business_failure", "job_loss", "safety_incident", "despair", "disaster", "vagrancy", "other",
]
Severity = Literal["light", "moderate", "serious", "severe"]
ExpenseCategory = Literal["medical_inpatient", "medical_outpatient", "education", "housing", "other"]


@event("case.received", 1, publisher="eligibility",
       summary="A request was accepted at the window, the 12345 hotline, by active discovery or online "
               "(ONE-WINDOW). Carries no personal data: the request itself stays in eligibility.")
class CaseReceived(Payload):
    org_unit: str = Field(description="the town/street that accepted it, `<region>/<pinyin>`")
    channel: Channel
    applies_for: AppliesFor
    accepted_on: LocalDate = Field(description="the day of acceptance in Asia/Shanghai; amounts are as of it")
    by: Actor = Field(description="the clerk who accepted it (first-inquiry owner)")


class Classification(Payload):
    type: CaseType
    household_category: HouseholdStatus
    rules: list[str] = Field(description="rule IDs of policy.md that decided it")
    reasons: list[str] = Field(description="each rule's reason with its clause")
    route_out_to: list[str] = Field(default_factory=list, description="where a referral-only case goes")
    flags: list[str] = Field(default_factory=list, description="what the approver must see, each with its rule "
                                                               "(ANY-SINGLE, ANY-EXIT, the tekun definition)")
    aid_class: Literal["A", "B", "C"] | None = Field(None, description="Chongqing's temporary-aid class "
                                                                      "(CQ-CLASS-B: registered poor at B)")


class HouseholdFacts(Payload):
    """What the calculation needs of a household: no member is named."""

    status: HouseholdStatus
    size: int = Field(ge=1, description="members living together (n of policy.md §3)")
    monthly_income_per_capita: Amount | None = None
    registered_in_region: bool
    member_keys: list[str] = Field(default_factory=list, max_length=50,
                                   description="one pseudonymous key per member (relief_shared.kin.member_key: HMAC-SHA256 "
                                               "under the suite's kin secret; bare SHA-256 in cases keyed before), so "
                                               "approval can match the register of staff's relatives (LF-KIN) "
                                               "without the members' ID numbers")


class SituationEvent(Payload):
    kind: EventKind
    occurred_on: LocalDate


class Expense(Payload):
    category: ExpenseCategory
    amount: Amount
    incurred_from: LocalDate | None = None
    incurred_to: LocalDate | None = None


class SituationFacts(Payload):
    """The stated trouble without its free-text descriptions (they may hold health facts)."""

    events: list[SituationEvent]
    severity: Severity | None = None
    expenses: list[Expense] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list)


@event("case.classified", 1, publisher="eligibility",
       summary="The case's type (emergency, expenditure, referral-only) with the rules that decided it "
               "(CLS-EMG, CLS-EXP, CLS-ROUTE-OUT), and the facts the means check and the calculation need.",
       id_number_reason="benefit-calc hands the applicant on as the payee of the amount it calculates "
                        "and checks what the person was paid this year (LF-CAP); only the applicant, "
                        "never the other members")
class CaseClassified(Payload):
    org_unit: str
    applies_for: AppliesFor
    classification: Classification
    applicant: Person
    household: HouseholdFacts
    situation: SituationFacts
    accepted_on: LocalDate
    accepted_by: Actor
    by: Actor
    accepted_at: Instant | None = Field(None, description="when the case was accepted: time limits run from it")
    bank_account: BankAccount | None = Field(None, description="the applicant's own account as given at intake: "
                                                               "approval pays to it (FX-PAY-CHANNEL)",
                                             json_schema_extra={PERSONAL_MARK: "bank_account"})
