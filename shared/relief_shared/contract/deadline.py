"""Deadlines (限时办结, policy.md §4.3, §4.6, §6, §7, §8): one durable clock mechanism every service
that owns a time limit runs (`relief_shared.deadlines`).

Every event of a deadline carries its whole state at that moment with a `revision` that grows
with each change, so a reader keeps the highest revision it has seen and never depends on the
order of arrival. No personal data: a deadline names its case (in the envelope), its rule and
clause, its org unit and its instants, nothing about the people.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from relief_shared.contract.fields import Instant, Payload
from relief_shared.contract.registry import event

OWNERS = ("disbursement", "eligibility", "means-check", "benefit-calc")
DeadlineState = Literal["open", "met", "breached", "calendar_incomplete"]


class DeadlineFacts(Payload):
    deadline_id: str
    limit: str = Field(description="the region pack's time limit, e.g. CQ-ADV or CQ-ADV-ENTRY")
    rule: str = Field(description="the rule ID of policy.md it implements")
    name: str
    clause: str = Field(description="the source clause, e.g. `seed 001 Yubei notice 三`")
    service: str = Field(description="the service that owns the limit and runs its scheduler")
    org_unit: str | None
    watches: str = Field(description="the step it waits for, e.g. `approval task 3f2…`")
    unit: Literal["working_days", "calendar_days", "clock_hours", "day_of_month"]
    amount: int = Field(description="in `unit`; for day_of_month the day before which it is due")
    started_at: Instant
    due: Instant = Field(description="while calendar_complete is false: counted on weekends and fixed-date "
                                     "holidays only, recounted once the year's notice is loaded")
    warn_at: Instant
    state: DeadlineState
    met: bool | None = Field(description="true/false once it can be known; null while open and not late")
    late_by_seconds: int | None = Field(description="how late the step that closed it was; null if on time or open")
    warned_at: Instant | None
    breached_at: Instant | None
    closed_at: Instant | None
    calendar_complete: bool
    calendar_version: str = Field(description="the holiday data the due instant was counted with")
    revision: int = Field(ge=1)
    escalate_to: str = Field(description="the role a breach is escalated to (town → district)")


@event("deadline.opened", 1, publisher="approval", also_published_by=OWNERS,
       summary="A time limit started with the step that starts it: its rule, clause and due instant.")
class DeadlineOpened(DeadlineFacts):
    pass


@event("deadline.due_soon", 1, publisher="approval", also_published_by=OWNERS,
       summary="A deadline's warning time passed while its step is still open; exactly once per deadline.")
class DeadlineDueSoon(DeadlineFacts):
    pass


@event("deadline.breached", 1, publisher="approval", also_published_by=OWNERS,
       summary="A deadline passed with its step still open; exactly once per deadline. The next level "
               "(district) gets a task.")
class DeadlineBreached(DeadlineFacts):
    pass


@event("deadline.closed", 1, publisher="approval", also_published_by=OWNERS,
       summary="The step that satisfies a deadline happened: on time (met) or late (late_by_seconds).")
class DeadlineClosed(DeadlineFacts):
    pass


@event("deadline.rescheduled", 1, publisher="approval", also_published_by=OWNERS,
       summary="A deadline's due instant was counted again: the year's holiday notice was loaded "
               "(calendar_incomplete ends) or the limit was extended (e.g. DT-MEANS-15D).")
class DeadlineRescheduled(DeadlineFacts):
    pass
