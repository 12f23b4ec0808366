"""Referral use cases (policy.md §6): open the referrals a classified request needs, let each
partner department list, acknowledge and answer its own, mark the unanswered ones overdue when
their handling limit passes, and show all of it on the case.

Each state change commits with the event it owes (outbox) and its timeline row; the handling
limit is a durable clock (`relief_shared.deadlines`) run by eligibility's deadline scheduler, so a
referral is overdue exactly once, on the suite clock, and the breach reaches the district like
every other deadline's (`GET /v1/deadlines?state=breached`, approval's district escalation tasks).
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from relief_shared import deadlines
from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.contract import Actor, Envelope, Person
from relief_shared.contract import referral as contract
from relief_shared.contract.case import CaseClassified
from relief_shared.deadlines import Deadline
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.regions import RegionPack
from relief_shared.timelimits import Span, TimeLimit, due

from eligibility import projection
from eligibility import referrals as detection
from eligibility.domain import DomainError, InvalidRequest
from eligibility.referral_store import state_of
from eligibility.schemas import CaseIn
from eligibility.store import UnitOfWork

SOURCE = "eligibility"
LIMIT_PREFIX = "REF-"
FEEDBACK_RULE = "DT-FEEDBACK-1WD"


class NoSuchReferral(DomainError):
    """Not a referral of the caller's department in the caller's region (404: never "forbidden",
    which would tell that it exists)."""


class ReferralClosed(DomainError):
    """The referral was answered already (409)."""


class NotAPartner(DomainError):
    """A partner token without a `department` claim of the contract's list (403)."""


# -- opening -------------------------------------------------------------------------------------

def handling_limit(pack: RegionPack, department: str, as_of: date) -> TimeLimit:
    """The department's handling limit (限时办结) from the region's `referral_departments`."""
    value = pack.parameter("referral_departments", as_of)
    spec = detection.departments(pack, as_of)[department]
    return TimeLimit(id=f"{LIMIT_PREFIX}{department}", rule=FEEDBACK_RULE, name=f"{department} handles the referral",
                     span=Span(int(spec["amount"]), spec["unit"]), start=f"referral.{department}.requested",
                     stop=(f"referral.{department}.completed",), owner=SOURCE, source=value.source,
                     warn_before=Span(1, "working_days"), valid_from=value.valid_from)


def detection_facts(body: CaseIn) -> detection.Facts:
    household, situation = body.household, body.situation
    return detection.Facts(
        needs=tuple(situation.needs), event_kinds=tuple(e.kind for e in situation.events),
        expense_categories=tuple(e.category for e in situation.expenses), status=household.status,
        members=tuple(detection.Member(m.birth_date, m.disabled, m.able_to_work) for m in household.members),
        employed=household.employed, applies_for=body.applies_for)


async def open_referrals(classified: Envelope[CaseClassified], body: CaseIn, pack: RegionPack, uow: UnitOfWork,
                         calendar: WorkingCalendar) -> tuple[list[Envelope[Any]], list[Envelope[Any]]]:
    """The referral rows, their clocks and events for a classified case: (referral events, which
    go on the timeline here, and deadline events, which eligibility's deadline consumer folds)."""
    data, at = classified.data, classified.occurred_at
    found = detection.detect(pack, detection_facts(body), data.accepted_on)
    requested, opened, rows = [], [], []
    for referral in found:
        limit = handling_limit(pack, referral.department, data.accepted_on)
        clock = await uow.clocks.open(case_id=classified.case_id, region=classified.region, org_unit=data.org_unit,
                                      limit=limit, started_at=at, watches=f"referral to {referral.department}",
                                      calendar=calendar, correlation_id=classified.correlation_id)
        if clock is None:
            continue  # this case's referral to the department exists already
        referral_id = str(uuid.uuid4())
        rows.append(dict(id=referral_id, case_id=classified.case_id, region=classified.region, org_unit=data.org_unit,
                         department=referral.department, rules=referral.rules,
                         reasons=[r.__dict__ for r in referral.reasons], needs=referral.needs, requested_at=at,
                         due=clock.due))
        who = ({"person_name": body.applicant.name} if referral.department in contract.NO_ID_NUMBER else
               {"person": Person(id_number=body.applicant.id_number, name=body.applicant.name)})
        payload = contract.REQUESTED[referral.department](
            referral_id=referral_id, department=referral.department, org_unit=data.org_unit,
            reasons=[contract.Reason(**r.__dict__) for r in referral.reasons], needs=referral.needs,
            channel=body.channel, requested_at=at.astimezone(SHANGHAI), due=clock.due.astimezone(SHANGHAI),
            first_inquiry_owner=data.accepted_by, **who)
        requested.append(Envelope.new(payload, case_id=classified.case_id, region=classified.region, source=SOURCE,
                                      cause=classified, at=at))
        opened.append(deadlines.envelope("opened", clock, service=SOURCE, cause=classified))
    await uow.referrals.add(rows)
    return requested, opened


# -- partners ------------------------------------------------------------------------------------

def department_of(partner: Principal) -> str:
    if partner.department not in contract.DEPARTMENTS:
        raise NotAPartner(f"{partner.sub} names no partner department of the contract "
                          f"({', '.join(contract.DEPARTMENTS)})")
    return partner.department


def referral_document(row: Any, *, for_partner: bool = False) -> dict[str, Any]:
    """A referral as the case view (and, without the window's notes, its department) sees it."""
    def local(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(SHANGHAI).isoformat()

    answer = None if row.completed_at is None else {
        "outcome": row.outcome, "detail": row.detail, "finished_on": row.finished_on.isoformat(),
        "reported_at": local(row.completed_at), "by": row.answered_by, "feedback_due": local(row.feedback_due),
        "late_feedback": row.late_feedback}
    doc = {"id": row.id, "case_id": row.case_id, "region": row.region, "org_unit": row.org_unit,
           "department": row.department, "state": state_of(row), "overdue": row.overdue_at is not None,
           "rules": row.rules, "reasons": row.reasons, "needs": row.needs, "requested_at": local(row.requested_at),
           "due": local(row.due), "acknowledged_at": local(row.acknowledged_at),
           "acknowledged_by": row.acknowledged_by, "overdue_at": local(row.overdue_at), "answer": answer}
    if for_partner:
        doc["links"] = {"acknowledge": f"/v1/referrals/{row.id}/acknowledge", "result": f"/v1/referrals/{row.id}/result"}
    return doc


async def list_for_partner(partner: Principal, state: str, uow: UnitOfWork) -> list[dict[str, Any]]:
    department = department_of(partner)
    async with uow:
        rows = await uow.referrals.for_partner(region=partner.region, department=department, state=state)
    return [referral_document(r, for_partner=True) for r in rows]


@dataclass(frozen=True)
class Answer:
    outcome: str
    detail: str
    finished_on: date


async def acknowledge(referral_id: str, partner: Principal, uow: UnitOfWork, *, now: datetime,
                      request: IdempotentRequest | None = None) -> Reply:
    """The department has it. Acknowledging again changes nothing and owes no second event."""
    department = department_of(partner)
    async with uow:
        earlier = await uow.idempotency.replay(request)
        if earlier:
            return earlier
        row = await _own_referral(uow, referral_id, partner, department)
        if await uow.referrals.acknowledge(referral_id, at=now, by=partner.sub):
            payload = contract.ACKNOWLEDGED[department](
                referral_id=referral_id, department=department, org_unit=row.org_unit,
                acknowledged_at=now.astimezone(SHANGHAI), by=Actor(id=partner.sub, name=partner.name))
            event = Envelope.new(payload, case_id=row.case_id, region=row.region, source=SOURCE, at=now)
            uow.record(event)
            await projection.put_on_timeline([event], uow)
        reply = await _answer_partner(uow, referral_id, partner, department, request)
        await uow.commit()
    return reply


async def _own_referral(uow: UnitOfWork, referral_id: str, partner: Principal, department: str) -> Any:
    """The department's own referral in its region; another's is not there for it (404)."""
    row = await uow.referrals.get(referral_id, region=partner.region, department=department)
    if row is None:
        raise NoSuchReferral(f"no referral {referral_id} for {department} in {partner.region}")
    return row


async def _answer_partner(uow: UnitOfWork, referral_id: str, partner: Principal, department: str,
                          request: IdempotentRequest | None) -> Reply:
    """The referral as it now stands, remembered under the request's key in the caller's transaction."""
    row = await uow.referrals.get(referral_id, region=partner.region, department=department)
    reply = Reply(200, referral_document(row, for_partner=True))
    await uow.idempotency.remember(request, reply)
    return reply


def feedback_due(pack: RegionPack, finished_on: date, calendar: WorkingCalendar) -> tuple[datetime, str] | None:
    """DT-FEEDBACK-1WD: the instant by which a result finished on `finished_on` must be reported,
    by the region's time limit of that name (counted from the start of that day); None where the
    region has no such limit."""
    limit = pack.time_limit(FEEDBACK_RULE, finished_on)
    if limit is None:
        return None
    start = datetime.combine(finished_on, time(0, 0), tzinfo=SHANGHAI)
    return due(limit.span, start, limit.warn_before, calendar).at, limit.source


async def report_result(referral_id: str, answer: Answer, partner: Principal, uow: UnitOfWork, pack_of: Any, *,
                        now: datetime, calendar: WorkingCalendar, request: IdempotentRequest | None = None) -> Reply:
    """The department's answer: closes the handling limit, flags a late report (DT-FEEDBACK-1WD)
    and tells the chain. A referral is answered once; the same answer again (Idempotency-Key)
    replays, another answer is a conflict."""
    department = department_of(partner)
    today = now.astimezone(SHANGHAI).date()
    async with uow:
        earlier = await uow.idempotency.replay(request)
        if earlier:
            return earlier
        row = await _own_referral(uow, referral_id, partner, department)
        if row.completed_at is not None:
            raise ReferralClosed(f"referral {referral_id} was answered on {row.completed_at.isoformat()}")
        requested_on = row.requested_at.astimezone(SHANGHAI).date()
        if answer.finished_on > today or answer.finished_on < requested_on:
            raise InvalidRequest("finished_on out of range", errors=[{
                "field": "finished_on", "message": f"must lie between the referral's day {requested_on} and today "
                                                   f"{today}"}])
        feedback = feedback_due(pack_of(row.region), answer.finished_on, calendar)
        due_at = feedback[0] if feedback else None
        late = None if due_at is None else now > due_at
        await uow.referrals.complete(referral_id, at=now, by=partner.sub, outcome=answer.outcome, detail=answer.detail,
                                     finished_on=answer.finished_on, feedback_due=due_at, late=late)
        payload = contract.COMPLETED[department](
            referral_id=referral_id, department=department, org_unit=row.org_unit, outcome=answer.outcome,
            detail=answer.detail, finished_on=answer.finished_on, reported_at=now.astimezone(SHANGHAI),
            feedback_due=None if due_at is None else due_at.astimezone(SHANGHAI), late_feedback=late,
            by=Actor(id=partner.sub, name=partner.name))
        completed = Envelope.new(payload, case_id=row.case_id, region=row.region, source=SOURCE, at=now)
        closed = await uow.clocks.close(row.case_id, stopped_by=completed.type, at=now)
        uow.record(completed, *(deadlines.envelope("closed", d, service=SOURCE, cause=completed) for d in closed))
        await projection.put_on_timeline([completed], uow)
        reply = await _answer_partner(uow, referral_id, partner, department, request)
        await uow.commit()
    return reply


# -- overdue -------------------------------------------------------------------------------------

async def on_deadlines(uow: UnitOfWork, claimed: Sequence[tuple[str, Deadline]]) -> None:
    """The scheduler's hook, in its transaction: a breached handling limit makes its referral
    overdue, once (the breach itself is claimed once, and the row is a compare-and-set too)."""
    overdue = []
    for kind, d in claimed:
        if kind != "breached" or not d.limit_id.startswith(LIMIT_PREFIX):
            continue
        department = d.limit_id.removeprefix(LIMIT_PREFIX)
        row = await uow.referrals.mark_overdue(d.case_id, department, d.breached_at)
        if row is None:
            continue
        payload = contract.OVERDUE[department](
            referral_id=row.id, department=department, org_unit=row.org_unit,
            requested_at=row.requested_at.astimezone(SHANGHAI), due=d.due.astimezone(SHANGHAI),
            overdue_at=d.breached_at.astimezone(SHANGHAI), rule=d.rule, clause=d.clause,
            escalate_to=deadlines.ESCALATE_TO)
        overdue.append(Envelope.new(payload, case_id=d.case_id, region=d.region, source=SOURCE, at=d.breached_at,
                                    correlation_id=d.correlation_id))
    if overdue:
        uow.record(*overdue)
        await projection.put_on_timeline(overdue, uow)


