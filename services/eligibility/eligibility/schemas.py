"""The intake body of contract.md as a pydantic model: the window's first line of defence.

Every invalid field is reported by name in the problem document; nothing is stored until the
whole body is valid.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from relief_shared.money import Yuan

from eligibility.citizen_id import problem_with

HouseholdStatus = Literal["dibao", "tekun", "marginal", "low_income", "registered_poor", "none"]
EventKind = Literal[
    "fire", "traffic_accident", "injury", "drowning", "sudden_illness", "chronic_illness", "schooling",
    "business_failure", "job_loss", "safety_incident", "despair", "disaster", "vagrancy", "other",
]
Need = Literal["education", "housing", "employment", "medical", "legal", "funeral", "disability", "charity"]


def _citizen_id(value: str) -> str:
    problem = problem_with(value)
    if problem:
        raise ValueError(f"ID number {problem}")
    return value


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Applicant(_Body):
    id_number: str
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(default=None, max_length=30)

    _id = field_validator("id_number")(_citizen_id)


class Member(_Body):
    id_number: str
    name: str = Field(min_length=1, max_length=100)
    relation: Literal["self", "spouse", "child", "parent", "other"]
    birth_date: date
    disabled: bool = False
    seriously_ill: bool = False
    able_to_work: bool = True

    _id = field_validator("id_number")(_citizen_id)


class Household(_Body):
    status: HouseholdStatus
    members: list[Member] = Field(min_length=1)
    monthly_income_per_capita: Yuan | None = None
    registered_in_region: bool


class SituationEvent(_Body):
    kind: EventKind
    occurred_on: date
    description: str = Field(default="", max_length=2000)


class Expense(_Body):
    category: Literal["medical_inpatient", "medical_outpatient", "education", "housing", "other"]
    amount: Yuan
    incurred_from: date
    incurred_to: date


class Situation(_Body):
    events: list[SituationEvent] = Field(min_length=1)
    severity: Literal["light", "moderate", "serious", "severe"]
    expenses: list[Expense] = Field(default_factory=list)
    needs: list[Need] = Field(default_factory=list)


class Consent(_Body):
    means_check: bool
    signed_on: date


class CaseIn(_Body):
    region: str = Field(min_length=1, max_length=64)
    org_unit: str = Field(min_length=1, max_length=128)
    channel: Literal["window", "hotline", "active_discovery", "online"]
    applies_for: Literal["temporary_assistance", "dibao", "tekun", "marginal"] = "temporary_assistance"
    applicant: Applicant
    household: Household
    situation: Situation
    consent: Consent




class CaseCreated(BaseModel):
    case_id: str
    status: str
    links: dict[str, str]


class TimelineActor(BaseModel):
    id: str
    name: str


class TimelineItem(BaseModel):
    at: str = Field(description="ISO 8601 with offset, Asia/Shanghai")
    event: str
    by: TimelineActor
    summary: str


class CaseDocument(BaseModel):
    """The case as the window sees it (contract.md, `GET /v1/cases/{case_id}`)."""

    case_id: str
    region: str
    org_unit: str
    status: str
    channel: str
    applies_for: str
    accepted_by: str
    classification: dict[str, Any] | None
    benefit: dict[str, Any] | None
    approval: dict[str, Any]
    payments: list[dict[str, Any]]
    referrals: list[dict[str, Any]]
    deadlines: list[dict[str, Any]]
    timeline: list[TimelineItem]
    created_at: str
    updated_at: str


class CaseSummary(BaseModel):
    case_id: str
    region: str
    org_unit: str
    status: str
    channel: str
    created_at: str


class CasePage(BaseModel):
    items: list[CaseSummary]
    page: int
    total: int


class DeadlineItem(BaseModel):
    """One deadline of the district overview (`GET /v1/deadlines`)."""

    id: str
    case_id: str
    region: str
    org_unit: str | None
    name: str
    rule: str
    limit: str
    clause: str
    service: str
    due: str
    met: bool | None
    state: str
    due_soon: bool
    late_by: str | None
    late_by_seconds: int | None
    warned_at: str | None
    breached_at: str | None
    closed_at: str | None
    calendar_complete: bool
    calendar_version: str


class DeadlinePage(BaseModel):
    items: list[DeadlineItem]
    page: int
    total: int
