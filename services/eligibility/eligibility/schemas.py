"""The intake body of contract.md as a pydantic model: the window's first line of defence.

Every invalid field is reported by name in the problem document; nothing is stored until the
whole body is valid. The shape is checked here (strict booleans, enums and dates, money that is
neither negative nor absurd, bounded lists and strings); rules that need "today" or compare
fields live in `intake_rules`.

Why these bounds: what a request says travels on in events (`case.received`, `case.classified`:
the body, or facts taken from it), each a NATS message that the broker refuses above its max
payload (1 MiB by default). Serialised with pydantic, a character costs at most 4 bytes (UTF-8;
control characters other than line breaks and tabs are refused, those cost 2 as escapes), so
the largest accepted body, serialised whole, is:

    events    10 x (2,000-character description x 4 B + ~100 B of kind, date, keys) ~  81 KB
    members   30 x (100-character name x 4 B + ~190 B of ID number, dates, flags)  ~  18 KB
    expenses  50 x ~110 B (category, amount, two dates)                            ~   6 KB
    needs, applicant, org unit, consent                                            ~   1 KB
                                                                                   ---------
                                                                                   ~ 105 KB

and no event built from it is bigger than that plus its envelope (under 1 KB): a tenth of the
max payload (measured in the tests). On the wire the same body is ~105 KB as UTF-8 and ~150 KB with its
Chinese text as ASCII escapes (6 B a character, Python's `json.dumps` default), both under the
256 KiB request limit (`relief_shared.limits`) that refuses anything bigger before it is
parsed; so even a field bound raised by mistake could not push an event past the broker's limit.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator
from relief_shared.money import yuan_up_to

from eligibility.citizen_id import problem_with

MAX_MEMBERS = 30
MAX_EVENTS = 10
MAX_EXPENSES = 50
MAX_DESCRIPTION = 2000

HouseholdStatus = Literal["dibao", "tekun", "marginal", "low_income", "registered_poor", "none"]
EventKind = Literal[
    "fire", "traffic_accident", "injury", "drowning", "sudden_illness", "chronic_illness", "schooling",
    "business_failure", "job_loss", "safety_incident", "despair", "disaster", "vagrancy", "other",
]
Need = Literal["education", "housing", "employment", "medical", "legal", "funeral", "disability", "charity", "power"]


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _one_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must be one line without control characters")
    return value


def _text(value: str) -> str:
    if _CONTROL_BUT_LINE_BREAKS.search(value):
        raise ValueError("must not contain control characters other than line breaks and tabs")
    return value


def _iso_day(value: Any) -> Any:
    # pydantic's lax date takes 0 or 1700000000 as a Unix time; a window writes dates as dates
    if not isinstance(value, str) or not _ISO_DAY.match(value.strip()):
        raise ValueError("a date is a string YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]
Name = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_one_line)]
Income = yuan_up_to("1000000.00")  # per person and month
Cost = yuan_up_to("10000000.00")


def _citizen_id(value: str) -> str:
    problem = problem_with(value)
    if problem:
        raise ValueError(f"ID number {problem}")
    return value


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Applicant(_Body):
    id_number: str
    name: Name
    phone: Annotated[str, Field(max_length=30), AfterValidator(_one_line)] | None = None
    bank_account: Annotated[str, Field(pattern=r"^[0-9]{8,32}$", description="the applicant's own bank card or "
                                       "passbook number, 8-32 digits: the default channel is then `bank`, else "
                                       "`cash` (FX-PAY-CHANNEL)")] | None = None

    _id = field_validator("id_number")(_citizen_id)


class Member(_Body):
    id_number: str
    name: Name
    relation: Literal["self", "spouse", "child", "parent", "other"]
    birth_date: Day
    disabled: StrictBool = False
    seriously_ill: StrictBool = False
    able_to_work: StrictBool = True

    _id = field_validator("id_number")(_citizen_id)


class Household(_Body):
    status: HouseholdStatus
    members: list[Member] = Field(min_length=1, max_length=MAX_MEMBERS)
    monthly_income_per_capita: Income | None = None
    registered_in_region: StrictBool
    residence_permit: StrictBool = Field(False, description="holds a residence permit (居住证) here: where the region "
                                                            "allows it, applies where they live (ANY-RESIDENCE)")
    employed: StrictBool = Field(False, description="a member works: with employment costs, ANY-EXIT's gradual exit")
    employment_costs_per_capita: Income | None = Field(None, description="necessary employment costs a person and "
                                                                         "month, deducted from income (ANY-EXIT)")


class SituationEvent(_Body):
    kind: EventKind
    occurred_on: Day
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION), AfterValidator(_text)] = ""


class Expense(_Body):
    category: Literal["medical_inpatient", "medical_outpatient", "education", "housing", "other"]
    amount: Cost
    incurred_from: Day
    incurred_to: Day


class Situation(_Body):
    """The trouble stated. Temporary assistance names at least one event, an emergency its
    severity (intake_rules); an application for dibao, marginal or tekun status may state none."""

    events: list[SituationEvent] = Field(default_factory=list, max_length=MAX_EVENTS)
    severity: Literal["light", "moderate", "serious", "severe"] | None = Field(
        None, description="required for an emergency (a sudden event of CLS-EMG), optional otherwise")
    expenses: list[Expense] = Field(default_factory=list, max_length=MAX_EXPENSES)
    needs: list[Need] = Field(default_factory=list, max_length=len(get_args(Need)))


class Consent(_Body):
    means_check: StrictBool
    signed_on: Day


class CaseIn(_Body):
    region: str = Field(min_length=1, max_length=64)
    org_unit: str = Field(min_length=1, max_length=128)
    channel: Literal["window", "hotline", "active_discovery", "online"]
    channel_ref: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_one_line)] | None = Field(
        None, description="the channel's own reference, e.g. the 12345 work-order number")
    applies_for: Literal["temporary_assistance", "dibao", "tekun", "marginal"] = "temporary_assistance"
    applicant: Applicant
    household: Household
    situation: Situation
    consent: Consent




class Owner(BaseModel):
    id: str
    name: str | None
    org_unit: str


class CaseCreated(BaseModel):
    """The receipt: the case, and who owns the first inquiry (首问负责制)."""

    case_id: str
    status: str
    channel: str | None = None
    channel_ref: str | None = None
    first_inquiry_owner: Owner | None = None
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
    first_inquiry_owner: Owner | None = None
    channel_ref: str | None = None
    classification: dict[str, Any] | None
    benefit: dict[str, Any] | None
    approval: dict[str, Any]
    payments: list[dict[str, Any]]
    referrals: list[dict[str, Any]]
    suggested_applications: list[dict[str, str]] = Field(
        default_factory=list, description="REF-DETECT: the window's own programmes the household may apply for "
                                          "(a registered-poor household: dibao, tekun)")
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
