"""Use cases: route a calculated case, decide a step, read the inbox and an approval. Both doors
(api, events) call these; each opens and commits its own unit of work, except the event-driven
one, which runs inside the inbox's transaction (the inbox row must commit with its effect)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from approval import payloads, policy
from approval.domain import (Actor, Approval, CaseApproved, CaseRejected, Event, NoSuchCase, Payee, Person,
                             TaskOpened)
from approval.policy import Route
from approval.store import UnitOfWork
from relief_shared.auth import Principal
from relief_shared.calendar import CalendarDataMissing, WorkingCalendar
from relief_shared.contract import Envelope, system
from relief_shared.contract.benefit import BenefitCalculated
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.inbox import Poison
from relief_shared.money import Money
from relief_shared.regions import MissingParameter, RegionPack, RegionPacks, UnknownRegion

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
    """Store the case's route and open its first task; a case that cannot be routed is parked."""
    approval = _new_approval(event, packs)
    try:
        approval.start(calendar)
    except CalendarDataMissing as exc:
        raise Poison(str(exc)) from exc
    if not await uow.approvals.add_unless_routed(approval):
        raise Poison(f"case {approval.case_id} is already routed; re-routing a recalculated case is not supported")
    uow.record(*_envelopes(approval, approval.events, cause=event))


async def decide(cmd: Decide, uow: UnitOfWork, *, calendar: WorkingCalendar, now: datetime) -> Reply:
    """One decision on one step, its events and its idempotency key in one transaction."""
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        approval = await uow.approvals.get(cmd.case_id, region=cmd.actor.region)
        if approval is None:
            raise NoSuchCase(f"no approval for case {cmd.case_id} in region {cmd.actor.region}")
        task = approval.decide(cmd.actor, cmd.step, cmd.decision, cmd.amount, cmd.comment, now=now,
                               calendar=calendar)
        await uow.approvals.save_decision(approval, task)
        uow.record(*_envelopes(approval, approval.events, by=payloads.actor(cmd.actor.person)))
        reply = Reply(201, payloads.decision(approval, task, cmd.decision))
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


async def inbox(principal: Principal, uow: UnitOfWork) -> list[dict[str, Any]]:
    """The caller's open tasks: their roles, their org unit (the district: its whole region)."""
    async with uow:
        items = await uow.approvals.open_tasks(roles=list(principal.roles), region=principal.region,
                                               org_unit=principal.org_unit)
    return [payloads.inbox_item(item) for item in items]


async def approval_view(case_id: str, principal: Principal, uow: UnitOfWork, now: datetime) -> dict[str, Any]:
    async with uow:
        approval = await uow.approvals.get(case_id, region=principal.region)
    if approval is None:
        raise NoSuchCase(f"no approval for case {case_id} in region {principal.region}")
    return payloads.approval_view(approval, now)


def _new_approval(event: Envelope[BenefitCalculated], packs: RegionPacks) -> Approval:
    data = event.data
    if data.needs_deliberation:
        raise Poison("the case needs case-by-case deliberation (DT-CASE), which is not supported yet")
    try:
        route = _route(packs.get(event.region), data.type, data.ceiling, data.as_of)
    except (UnknownRegion, MissingParameter, ValueError) as exc:
        raise Poison(f"benefit.calculated cannot be routed: {exc!r}") from exc
    return Approval(
        case_id=event.case_id, region=event.region, org_unit=data.org_unit, type=data.type, ceiling=data.ceiling,
        payee=Payee(data.applicant.id_number, data.applicant.name),
        accepted_by=Person(data.accepted_by.id, data.accepted_by.name), route=route,
        received_at=event.occurred_at, correlation_id=event.correlation_id,
    )


def _route(pack: RegionPack, case_type: str, ceiling: Money, as_of: date) -> Route:
    if case_type == "emergency":
        advance = pack.parameter("advance_assistance", as_of)
        limit = pack.parameter("town_approval_limit", as_of) if advance.value.get("district_consent_before_payment") else None
        return policy.advance_route(advance.value, advance.source, ceiling=ceiling,
                                    town_limit=Money.yuan(limit.value) if limit else None,
                                    limit_source=limit.source if limit else "")
    if case_type == "expenditure":
        limit = pack.parameter("town_approval_limit", as_of)
        return policy.town_route(ceiling=ceiling, town_limit=Money.yuan(limit.value), source=limit.source)
    raise ValueError(f"no approval route for case type {case_type!r}")


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
