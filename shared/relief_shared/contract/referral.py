"""Referrals to the partner departments (一门受理、协同办理, policy.md §6; REF-DETECT, CLS-ROUTE-OUT,
DT-FEEDBACK-1WD): `relief.referral.<department>.requested / .acknowledged / .completed / .overdue`
in stream REFERRALS.

Each department has subjects of its own, so the broker can grant a department its own
referrals alone; each event type is therefore registered once per department (a model of its
own per type, as the registry and the schema names need). Least personal data: only
`.requested` names the person (name and ID number), because it goes to the one department that
must act on them; the acknowledgement, the result and the overdue notice name the referral and
the case, never the person. A charity is not a public body: its request names the person but
carries no ID number. No free-text description of the household's trouble travels.
"""
from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from relief_shared.contract.fields import Actor, Instant, LocalDate, Payload, Person, PersonName
from relief_shared.contract.registry import event

Department = Literal["education", "hrss", "housing", "emergency", "health", "medical_insurance", "disability",
                     "power", "charity", "rescue_station"]
DEPARTMENTS: tuple[str, ...] = get_args(Department)
NO_ID_NUMBER = frozenset({"charity"})  # not a public body: no citizen ID number leaves for it
Outcome = Literal["granted", "refused", "not_applicable"]


class Reason(Payload):
    rule: str = Field(description="the policy.md rule ID that made the referral (REF-DETECT, CLS-ROUTE-OUT)")
    clause: str = Field(description="the clause that makes the rule apply in the region")
    reason: str = Field(description="what in the request triggered it")


class _Referral(Payload):
    referral_id: str = Field(description="the referral's id: the partner acknowledges and answers it over REST")
    department: Department
    org_unit: str = Field(description="the town/street window that referred it (first-inquiry owner's unit)")


class _Requested(_Referral):
    reasons: list[Reason] = Field(description="each rule and clause that made the referral")
    needs: list[str] = Field(description="the stated needs this department is asked about")
    channel: Literal["window", "hotline", "active_discovery", "online"]
    requested_at: Instant
    due: Instant | None = Field(description="the department's handling limit from the region pack "
                                            "(DT-FEEDBACK-1WD counts from it); null where the region sets none")
    first_inquiry_owner: Actor = Field(description="the clerk who accepted the request (首问负责制)")


class ReferralRequestedBase(_Requested):
    person: Person = Field(description="the person the department must act on")


class ReferralRequestedNoId(_Requested):
    person_name: PersonName


class ReferralAcknowledgedBase(_Referral):
    acknowledged_at: Instant
    by: Actor


class ReferralCompletedBase(_Referral):
    outcome: Outcome
    detail: str = Field(max_length=2000, description="the department's answer")
    finished_on: LocalDate = Field(description="the day the department finished handling it")
    reported_at: Instant
    feedback_due: Instant | None = Field(description="DT-FEEDBACK-1WD: report by then (1 working day after "
                                                     "finishing); null where the region does not declare the rule")
    late_feedback: bool | None = Field(description="reported after feedback_due; null where not judged")
    by: Actor


class ReferralOverdueBase(_Referral):
    requested_at: Instant
    due: Instant
    overdue_at: Instant
    rule: str
    clause: str
    escalate_to: str = Field(description="who is told: the district (civil affairs watches who is slow)")


def _camel(department: str) -> str:
    return "".join(part.capitalize() for part in department.split("_"))


REQUESTED: dict[str, type[Payload]] = {}
ACKNOWLEDGED: dict[str, type[Payload]] = {}
COMPLETED: dict[str, type[Payload]] = {}
OVERDUE: dict[str, type[Payload]] = {}

for _dept in DEPARTMENTS:
    _name = _camel(_dept)
    _base = ReferralRequestedNoId if _dept in NO_ID_NUMBER else ReferralRequestedBase
    REQUESTED[_dept] = event(
        f"referral.{_dept}.requested", 1, publisher="eligibility",
        summary=f"The window refers a case to {_dept} (REF-DETECT / CLS-ROUTE-OUT), with the rules and clauses "
                f"that made it and the handling limit.",
        id_number_reason=None if _dept in NO_ID_NUMBER else
        f"{_dept} must act on this person: only this department's own subject carries them")(
        type(f"{_name}ReferralRequested", (_base,), {"__module__": __name__}))
    ACKNOWLEDGED[_dept] = event(
        f"referral.{_dept}.acknowledged", 1, publisher="eligibility",
        summary=f"{_dept} acknowledged the referral (POST /v1/referrals/{{id}}/acknowledge).")(
        type(f"{_name}ReferralAcknowledged", (ReferralAcknowledgedBase,), {"__module__": __name__}))
    COMPLETED[_dept] = event(
        f"referral.{_dept}.completed", 1, publisher="eligibility",
        summary=f"{_dept} reported its result; flagged late when reported more than the region's feedback limit "
                f"after finishing (DT-FEEDBACK-1WD).")(
        type(f"{_name}ReferralCompleted", (ReferralCompletedBase,), {"__module__": __name__}))
    OVERDUE[_dept] = event(
        f"referral.{_dept}.overdue", 1, publisher="eligibility",
        summary=f"{_dept} gave no result within its handling limit; exactly once per referral, and the "
                f"district sees it (DT-FEEDBACK-1WD, DT-DEPT-REPORT).")(
        type(f"{_name}ReferralOverdue", (ReferralOverdueBase,), {"__module__": __name__}))
