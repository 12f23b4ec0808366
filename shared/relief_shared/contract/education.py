"""What the education bureau receives on its own subjects (`relief.referral.education.>`, stream
REFERRALS, so its partner user can read it and nothing else): a person entering or leaving
dibao, marginal or tekun status, effective the first day of the next month (DT-EDU-NEXT-MONTH,
policy.md §6, Dongtou 六)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from relief_shared.contract.fields import LocalDate, Payload, Person
from relief_shared.contract.registry import event
from relief_shared.contract.status import Status


@event("referral.education.status_changed", 1, publisher="eligibility",
       summary="A person entered, left or changed dibao, marginal or tekun status: the education bureau grants "
               "or ends education aid from the first day of the next month (DT-EDU-NEXT-MONTH).",
       id_number_reason="the education bureau grants or ends education aid for this very person "
                        "(DT-EDU-NEXT-MONTH) and must name them")
class EducationStatusChanged(Payload):
    person: Person
    change: Literal["entered", "left", "changed"] = Field(
        description="entered: from none into a covered status; left: from a covered status to none; "
                    "changed: from one covered status to another")
    status: Status = Field(description="the status from `since` on (`none`: left every covered status)")
    previous: Status
    since: LocalDate = Field(description="the day the status changed")
    effective_from: LocalDate = Field(description="the first day of the month after `since`: education aid starts "
                                                  "(entered) or ends (left) on this day")
    org_unit: str | None = Field(None, max_length=100, description="the town/street that keeps the person's status")
    rule: Literal["DT-EDU-NEXT-MONTH"] = "DT-EDU-NEXT-MONTH"
    clause: str = Field(max_length=300, description="the region pack's clause for the rule")
