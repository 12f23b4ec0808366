"""The intake shapes (contract.md) the calculation reads, for both doors: REST and events.

Only what a rule needs is typed strictly; the rest of the intake form passes through. Money
is `Yuan`: a JSON number is refused.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from benefit_calc.policy import Care, Expense, Facts, Household
from relief_shared.money import Money, Yuan

Severity = Literal["light", "moderate", "serious", "severe"]
Status = Literal["dibao", "tekun", "marginal", "low_income", "registered_poor", "none"]
Category = Literal["medical_inpatient", "medical_outpatient", "education", "housing", "other"]


def _not_negative(value: Money) -> Money:
    if value < Money.zero():
        raise ValueError("an amount cannot be negative")
    return value


Amount = Annotated[Yuan, AfterValidator(_not_negative)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class HouseholdIn(_Open):
    status: Status = "none"
    members: list[dict[str, Any]] = Field(default_factory=list)
    monthly_income_per_capita: Amount | None = None


class ExpenseIn(_Open):
    category: Category
    amount: Amount
    incurred_from: date | None = None
    incurred_to: date | None = None


class SituationIn(_Open):
    severity: Severity | None = None
    expenses: list[ExpenseIn] = Field(default_factory=list)


Kind = Literal["emergency", "expenditure", "dibao", "marginal", "tekun_care"]


class ClassificationIn(_Open):
    type: Kind = Field(description="temporary aid (`emergency`, `expenditure`), or a monthly standard: the dibao "
                                   "payment (ANY-DIBAO-PAY), the marginal standard (DT-MARGINAL), a tekun care fee "
                                   "(DT-CARE)")


class CareIn(BaseModel):
    """DT-CARE: the tekun person's self-care ability, and whether they live dispersed (分散供养)."""

    ability: Literal["fully_lost", "moderate", "mild", "self_caring"]
    dispersed: bool = False


class PaidThisYear(BaseModel):
    person: Amount | None = None
    household: Amount | None = None


class CalculationIn(BaseModel):
    region: str
    as_of: date
    household: HouseholdIn
    situation: SituationIn
    classification: ClassificationIn
    paid_this_year: PaidThisYear | None = None
    care: CareIn | None = None

    @field_validator("classification", mode="before")
    @classmethod
    def _bare_type(cls, value: Any) -> Any:
        """`"classification": "emergency"` means the same as `{"type": "emergency"}`."""
        return {"type": value} if isinstance(value, str) else value


def facts(type_: str, household: HouseholdIn, situation: SituationIn, paid: PaidThisYear | None = None,
          care: CareIn | None = None) -> Facts:
    paid = paid or PaidThisYear()
    return Facts(
        type=type_,
        household=Household(household.status, len(household.members), household.monthly_income_per_capita),
        severity=situation.severity,
        expenses=tuple(Expense(e.category, e.amount, e.incurred_to) for e in situation.expenses),
        paid_person=paid.person,
        paid_household=paid.household,
        care=Care(care.ability, care.dispersed) if care else None,
    )


class UsedParameter(BaseModel):
    value: Any
    valid_from: date
    source: str
    sample: bool


class TraceOut(BaseModel):
    rule: str
    source: str
    inputs: dict[str, Any]
    result: str = Field(description="yuan, two decimals")
    note: str


class CapOut(BaseModel):
    rule: str
    scope: Literal["person", "household"]
    limit: str
    remaining: str
    applied: bool


class CalculationOut(BaseModel):
    """contract.md, `POST /v1/calculations`: the amount with every rule that made it."""

    region: str
    as_of: date
    type: Kind
    ceiling: str = Field(description="yuan, two decimals")
    recommended: str = Field(description="yuan, two decimals")
    rules: list[str]
    trace: list[TraceOut]
    caps: list[CapOut]
    needs_deliberation: bool
    decision: str = Field("", description="which rule gave the amount, and why it won over the others")
    pack_version: str = Field("", description="the region pack the result was calculated with")
    parameters: dict[str, UsedParameter] = Field(default_factory=dict,
                                                 description="every pack value the result used, as it was then")


class StoredCalculation(CalculationOut):
    case_id: str
    calculated_at: str


class OrgUnit(BaseModel):
    code: str
    name: str


class Region(BaseModel):
    code: str
    name: str
    pack_version: str
    documents: dict[str, str]
    org_units: list[OrgUnit] = Field(description="towns and streets; the shipped lists are sample data")
    rules: list[str] = Field(description="the rule IDs of policy.md that apply in the region: no other rule is applied")
    rule_sources: dict[str, str] = Field(description="each declared rule's clause in the region's texts")


class ParameterOut(BaseModel):
    value: Any
    unit: str
    valid_from: date
    valid_to: date | None
    rule: str
    source: str
    sample: bool


class Parameters(BaseModel):
    region: str
    as_of: date
    pack_version: str
    parameters: dict[str, ParameterOut]
