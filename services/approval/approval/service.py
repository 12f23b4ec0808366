"""Use cases: route a calculated case, decide a step, read the inbox and an approval. Both doors
(api, events) call these; each opens and commits its own unit of work, except the event-driven
one, which runs inside the inbox's transaction (the inbox row must commit with its effect)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from approval import facts, payloads, policy, spot_check_service
from approval.domain import (Actor, Approval, CaseApproved, CaseRejected, Event, NoSuchCase, Payee, Person,
                             TaskOpened)
from approval.store import Escalation, UnitOfWork
from relief_shared import deadlines
from relief_shared.auth import Principal
from relief_shared.calendar import WorkingCalendar
from relief_shared.contract import Envelope, system
from relief_shared.contract.benefit import BenefitCalculated
from relief_shared.contract.deadline import DeadlineBreached, DeadlineClosed
from relief_shared.contract.means import MeansVerified
from relief_shared.contract.payment import PaymentPaid
from relief_shared.deadlines import Deadline
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.inbox import Poison
from relief_shared.money import Money
from relief_shared.regions import MissingParameter, RegionPack, RegionPacks, UnknownRegion
from relief_shared.timelimits import TimeLimit

SOURCE = "approval"
SYSTEM = system(SOURCE)


@dataclass(frozen=True)
class Decide:
    case_id: str
    step: str
    decision: str
    amount: Money | None
    comment: str
    actor: Actor
    request: IdempotentRequest | None = None


async def on_benefit_calculated(event: Envelope[BenefitCalculated], uow: UnitOfWork, *, packs: RegionPacks,
                                calendar: WorkingCalendar) -> None:
    """Store the case's route, open its first task and start the region's time limits for it,
    all in this one transaction; a case that cannot be routed is parked."""
    approval = _new_approval(event, packs)
    limits = _limits(packs.get(event.region), approval.route.steps[0].time_limits, approval.type, event.data.as_of)
    started_at = event.data.accepted_at or event.occurred_at  # the limits run from acceptance
    task_id = approval.start().id
    opened = []
    for limit in limits:
        d = await uow.deadlines.open(case_id=approval.case_id, region=approval.region, org_unit=approval.org_unit,
                                     limit=limit, started_at=started_at, watches=f"approval task {task_id}",
                                     calendar=calendar, correlation_id=approval.correlation_id)
        if d is not None:
            opened.append(d)
    approval.tasks[0].due = next((d.due for d in opened if "case.approved" in d.stop), None)
    if not await uow.approvals.add_unless_routed(approval):
        raise Poison(f"case {approval.case_id} is already routed; re-routing a recalculated case is not supported")
    await uow.facts.put(case_id=approval.case_id, region=approval.region, org_unit=approval.org_unit,
                        at=event.occurred_at, reason=facts.reason_of(event))  # FX-RECORD: why this amount
    uow.record(*_envelopes(approval, approval.events, cause=event))
    uow.record(*(deadlines.envelope("opened", d, service=SOURCE, cause=event) for d in opened))


def _limits(pack: RegionPack, ids: tuple[str, ...], case_type: str, as_of: date) -> list[TimeLimit]:
    """The region's limits the route names that apply to this kind of case; an id the pack does
    not define is an error in the pack, not a limit to skip silently."""
    limits = []
    for limit_id in ids:
        limit = pack.time_limit(limit_id, as_of)
        if limit is None:
            raise Poison(f"region {pack.code} names time limit {limit_id!r}, which it does not define on {as_of}")
        if not limit.applies_to or case_type in limit.applies_to:
            limits.append(limit)
    return limits


async def on_payment_paid(event: Envelope[PaymentPaid], uow: UnitOfWork, *, packs: RegionPacks) -> None:
    """A payment satisfies the approval-owned limits that run to it (CQ-EMG-3WD, DT-ADV)."""
    if event.region not in packs or not packs.get(event.region).stops_a_limit(SOURCE, "payment.paid"):
        return  # the region has no such limit: nothing can be open
    closed = await uow.deadlines.close(event.case_id, stopped_by="payment.paid", at=event.occurred_at)
    uow.record(*(deadlines.envelope("closed", d, service=SOURCE, cause=event) for d in closed))


async def on_means_verified(event: Envelope[MeansVerified], uow: UnitOfWork, *, packs: RegionPacks,
                            calendar: WorkingCalendar) -> None:
    """DT-MEANS-15D: a verification that took over 15 days extends the case's decision period
    (DT-20D) on its durable row, to the limit's extension and never further; a case without
    that deadline open has nothing to extend."""
    pack = packs.get(event.region)
    for period in event.data.decision_periods:
        limit = pack.time_limit(period.limit, event.data.started_at.date())
        if limit is None or not period.extended:
            continue
        extended = await uow.deadlines.extend(event.case_id, limit, event.data.took_days, calendar)
        if extended is not None:
            uow.record(deadlines.envelope("rescheduled", extended, service=SOURCE, cause=event))


async def on_deadline(event: Envelope[DeadlineBreached | DeadlineClosed], uow: UnitOfWork) -> None:
    """Escalation: a breached deadline, whoever owns it, becomes a task of the next level
    (town → district); the task closes when the late step happens. Once per deadline."""
    data = event.data
    if isinstance(data, DeadlineClosed):
        if not await uow.escalations.close(data.deadline_id, data.closed_at) and data.breached_at is not None:
            await uow.escalations.add(_escalation(event), closed_at=data.closed_at)  # the breach comes later
        return
    await uow.escalations.add(_escalation(event))


def _escalation(event: Envelope[DeadlineBreached | DeadlineClosed]) -> Escalation:
    d = event.data
    return Escalation(deadline_id=d.deadline_id, case_id=event.case_id, region=event.region, org_unit=d.org_unit,
                      role=d.escalate_to, service=d.service, limit_id=d.limit, rule=d.rule, name=d.name,
                      clause=d.clause, due=d.due, raised_at=d.breached_at or event.occurred_at, status="open")


async def decide(cmd: Decide, uow: UnitOfWork, *, now: datetime, packs: RegionPacks) -> Reply:
    """One decision on one step, its events and its idempotency key in one transaction."""
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        approval = await uow.approvals.get(cmd.case_id, region=cmd.actor.region)
        if approval is None:
            raise NoSuchCase(f"no approval for case {cmd.case_id} in region {cmd.actor.region}")
        task = approval.decide(cmd.actor, cmd.step, cmd.decision, cmd.amount, cmd.comment, now=now)
        await uow.approvals.save_decision(approval, task)
        uow.record(*_envelopes(approval, approval.events, by=payloads.actor(cmd.actor.person)))
        stop = f"case.{approval.status}"
        if approval.status in ("approved", "rejected") and packs.get(approval.region).stops_a_limit(SOURCE, stop):
            closed = await uow.deadlines.close(approval.case_id, stopped_by=stop, at=now)  # the limits it stops
            uow.record(*(deadlines.envelope("closed", d, service=SOURCE)
                         for d in closed))
        reply = Reply(201, payloads.decision(approval, task, cmd.decision))
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


async def inbox(principal: Principal, uow: UnitOfWork) -> list[dict[str, Any]]:
    """The caller's open tasks: their roles, their org unit (the district: its whole region),
    and for the district the escalations of breached deadlines."""
    async with uow:
        items = await uow.approvals.open_tasks(roles=list(principal.roles), region=principal.region,
                                               org_unit=principal.org_unit)
        raised = await uow.escalations.open_for(roles=list(principal.roles), region=principal.region)
        drawn = await uow.spot_checks.open_reviews(roles=list(principal.roles), region=principal.region)
    return [payloads.inbox_item(item) for item in items] + [payloads.escalation_item(e) for e in raised] + \
        [spot_check_service.inbox_item(r) for r in drawn]  # DT-SPOT: the district's review of each drawn case


async def approval_view(case_id: str, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
    async with uow:
        approval = await uow.approvals.get(case_id, region=principal.region)
        limits: list[Deadline] = await uow.deadlines.of_case(case_id) if approval else []
    if approval is None:
        raise NoSuchCase(f"no approval for case {case_id} in region {principal.region}")
    return payloads.approval_view(approval, limits)


def _new_approval(event: Envelope[BenefitCalculated], packs: RegionPacks) -> Approval:
    data = event.data
    if data.needs_deliberation:
        raise Poison("the case needs case-by-case deliberation (DT-CASE), which is not supported yet")
    try:
        route = policy.route_for(packs.get(event.region), data.type, data.ceiling, data.as_of)
    except (UnknownRegion, MissingParameter, ValueError) as exc:
        raise Poison(f"benefit.calculated cannot be routed: {exc!r}") from exc
    return Approval(
        case_id=event.case_id, region=event.region, org_unit=data.org_unit, type=data.type, ceiling=data.ceiling,
        payee=Payee(data.applicant.id_number, data.applicant.name),
        accepted_by=Person(data.accepted_by.id, data.accepted_by.name), route=route,
        received_at=event.occurred_at, correlation_id=event.correlation_id,
    )


def _envelopes(approval: Approval, events: list[Event], *, cause: Envelope[Any] | None = None,
               by: Any = None) -> list[Envelope[Any]]:
    out = []
    for event in events:
        if isinstance(event, TaskOpened):
            payload: Any = payloads.requested(approval, event.task, SYSTEM)
        elif isinstance(event, CaseApproved):
            payload = payloads.approved(approval, event, by or SYSTEM)
        elif isinstance(event, CaseRejected):
            payload = payloads.rejected(approval, event, by or SYSTEM)
        else:
            continue
        out.append(Envelope.new(payload, case_id=approval.case_id, region=approval.region, source=SOURCE,
                                cause=cause, correlation_id=approval.correlation_id))
    return out
