"""Use cases: route a calculated case, decide a step, read the inbox and an approval. Both doors
(api, events) call these; each opens and commits its own unit of work, except the event-driven
one, which runs inside the inbox's transaction (the inbox row must commit with its effect)."""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from approval import (application_payloads, application_policy, facts, payloads, policy, rechecks,
                      spot_check_service, store)
from approval.domain import (Actor, AdvanceRevoked, Approval, CaseApproved, CaseRejected, Deliberated, DutyConflict,
                             Event, Instalment, NoOpenTask, NoSuchCase, NotAllowed, PaperworkCompleted,
                             PaperworkFiled, Payee, Person, ProcedureCompleted, Refused, StepReturned,
                             TaskOpened)
from approval.store import Escalation, UnitOfWork
from relief_shared import deadlines
from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.contract import Envelope, system
from relief_shared.contract.benefit import BenefitCalculated
from relief_shared.contract.deadline import DeadlineBreached, DeadlineClosed
from relief_shared.contract.means import MeansVerified
from relief_shared.contract.payment import PaymentPaid
from relief_shared.deadlines import Deadline
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.inbox import Poison
from relief_shared.kin import keys_of, member_key
from relief_shared.money import Money
from relief_shared.regions import MissingParameter, RegionPack, RegionPacks, UnknownRegion
from relief_shared.timelimits import Span, TimeLimit

SOURCE = "approval"
SYSTEM = system(SOURCE)
MEANS_CHECK = Person("system:means-check", "means-check")
KIN_RULE = "LF-KIN"
# the events after which the region's approval-owned limits may close
STOPPING = {CaseApproved: "case.approved", CaseRejected: "case.rejected", PaperworkCompleted:
            "approval.paperwork_completed", PaperworkFiled: "approval.filed", ProcedureCompleted: "case.approved"}


@dataclass(frozen=True)
class Decide:
    case_id: str
    step: str
    decision: str
    amount: Money | None
    comment: str
    actor: Actor
    request: IdempotentRequest | None = None
    return_to: str | None = None
    report: dict[str, Any] | None = None
    channel: str | None = None
    instalments: list[Instalment] | None = None
    roles: tuple[str, ...] = ()


async def on_benefit_calculated(event: Envelope[BenefitCalculated], uow: UnitOfWork, *, packs: RegionPacks,
                                calendar: WorkingCalendar, kin_secret: str) -> None:
    """Store the case's route, open its first steps and start the region's time limits for it,
    all in this one transaction; a case that cannot be routed is parked."""
    approval = _new_approval(event, packs)
    await start_procedure(approval, uow, packs=packs, calendar=calendar, as_of=event.data.as_of,
                          started_at=event.data.accepted_at or event.occurred_at, cause=event,
                          household={member_key(approval.payee.id_number, kin_secret), *event.data.household_member_keys})
    await uow.facts.put(case_id=approval.case_id, region=approval.region, org_unit=approval.org_unit,
                        at=event.occurred_at, reason=facts.reason_of(event))  # FX-RECORD: why this amount


async def start_procedure(approval: Approval, uow: UnitOfWork, *, packs: RegionPacks, calendar: WorkingCalendar,
                          as_of: date, started_at: datetime, cause: Envelope[Any], household: set[str]) -> None:
    """Start a new case's procedure in the caller's transaction: LF-KIN flags from the household's
    member keys, the first steps, the region's limits of the first step (from acceptance,
    `started_at`), each opened step's own clock, a verification already finished, and the
    events. The entry for every kind of case (the dibao/tekun/marginal applications too, DT-20D:
    build the route with `policy.application_route`)."""
    kin = await uow.kin.staff_related_to(approval.region, sorted(household))
    if kin:
        approval.flags.append(_kin_flag(kin))
    limits = _limits(packs.get(approval.region), approval.route.steps[0].time_limits, approval.type, as_of)
    first = approval.start()
    opened = []
    for limit in limits:
        d = await uow.deadlines.open(case_id=approval.case_id, region=approval.region, org_unit=approval.org_unit,
                                     limit=limit, started_at=started_at, watches=f"approval task {first.id}",
                                     calendar=calendar, correlation_id=approval.correlation_id)
        if d is not None:
            opened.append(d)
    first.due = next((d.due for d in opened if "case.approved" in d.stop), None)
    means = await uow.means.of_case(approval.case_id)
    if means is not None:  # the verification finished before the case was routed
        approval.close_by_event("verification", "means.verified", now=cause.occurred_at, by=MEANS_CHECK,
                                report={"verification_id": means["verification_id"], "complete": means["complete"]})
    opened += await _step_clocks(approval, uow, calendar, packs, now=cause.occurred_at, skip=first)
    if not await uow.approvals.add_unless_routed(approval):
        raise Poison(f"case {approval.case_id} is already routed; re-routing a recalculated case is not supported")
    await uow.kin.remember_household(approval.case_id, household)
    uow.record(*_envelopes(approval, approval.events, cause=cause))
    uow.record(*(deadlines.envelope("opened", d, service=SOURCE, cause=cause) for d in opened))


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


async def on_payment_paid(event: Envelope[PaymentPaid], uow: UnitOfWork, *, packs: RegionPacks,
                          calendar: WorkingCalendar | None = None) -> None:
    """A payment satisfies the approval-owned limits that run to it (CQ-EMG-3WD, DT-ADV), and
    opens the paperwork of an advance (FX-ADV, CQ-ADV, DT-ADV, ANY-ADV) where the route has it."""
    if event.region not in packs:
        return
    if packs.get(event.region).stops_a_limit(SOURCE, "payment.paid"):
        closed = await uow.deadlines.close(event.case_id, stopped_by="payment.paid", at=event.occurred_at)
        uow.record(*(deadlines.envelope("closed", d, service=SOURCE, cause=event) for d in closed))
    approval = await uow.approvals.get(event.case_id, region=event.region)
    if approval is None or not any(s.opens_on == "payment.paid" for s in approval.route.steps):
        return
    if not approval.open_after_approval("payment.paid", event.occurred_at):
        return  # opened by an earlier instalment already
    opened = await _step_clocks(approval, uow, calendar, packs, now=event.occurred_at)
    await uow.approvals.save(approval)
    uow.record(*_envelopes(approval, approval.events, cause=event))
    uow.record(*(deadlines.envelope("opened", d, service=SOURCE, cause=event) for d in opened))


async def on_means_verified(event: Envelope[MeansVerified], uow: UnitOfWork, *, packs: RegionPacks,
                            calendar: WorkingCalendar) -> None:
    """DT-MEANS-15D: a verification that took over 15 days extends the case's decision period
    (DT-20D) on its durable row, to the limit's extension and never further; a case without
    that deadline open has nothing to extend."""
    pack = packs.get(event.region)
    await uow.means.remember(event.case_id, event.data.verification_id, event.data.complete, event.data.finished_at)
    approval = await uow.approvals.get(event.case_id, region=event.region)
    if approval is not None and approval.close_by_event(
            "verification", "means.verified", now=event.occurred_at, by=MEANS_CHECK,
            report={"verification_id": event.data.verification_id, "complete": event.data.complete}):
        opened = await _step_clocks(approval, uow, calendar, packs, now=event.occurred_at)
        await uow.approvals.save(approval)
        uow.record(*_envelopes(approval, approval.events, cause=event))
        uow.record(*(deadlines.envelope("opened", d, service=SOURCE, cause=event) for d in opened))
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


async def decide(cmd: Decide, uow: UnitOfWork, *, now: datetime, packs: RegionPacks,
                 calendar: WorkingCalendar | None = None) -> Reply:
    """One decision on one step, its events, its clocks and its idempotency key in one transaction."""
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        approval = await _get(uow, cmd.case_id, cmd.actor)
        await _check_kin(approval, cmd.actor, uow)
        task = approval.decide(cmd.actor, cmd.step, cmd.decision, cmd.amount, cmd.comment, now=now,
                               return_to=cmd.return_to, report=cmd.report, channel=cmd.channel,
                               instalments=cmd.instalments, roles=cmd.roles)
        await _commit_change(approval, uow, packs, calendar, now=now, by=payloads.actor(cmd.actor.person))
        reply = Reply(201, payloads.decision(approval, task, cmd.decision))
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


@dataclass(frozen=True)
class Deliberate:
    case_id: str
    actor: Actor
    record: dict[str, Any]
    held_on: date
    decided_amount: Money
    minutes_file: dict[str, Any] | None
    request: IdempotentRequest | None = None


async def deliberate(cmd: Deliberate, uow: UnitOfWork, *, now: datetime, packs: RegionPacks,
                     calendar: WorkingCalendar | None = None) -> Reply:
    """DT-CASE / FX-CASE-MIN: the case-by-case deliberation with its quorum, observer, vote and
    minutes closes the deliberation step; the minutes are reported to the district
    (`approval.deliberated`) as the basis of the approval."""
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        approval = await _get(uow, cmd.case_id, cmd.actor)
        await _check_kin(approval, cmd.actor, uow)
        approval.check_actor(cmd.actor)
        task = approval.record_deliberation(cmd.actor, {**cmd.record, "held_on": cmd.held_on.isoformat()},
                                            cmd.decided_amount, now)
        f = cmd.minutes_file or {}
        await uow.deliberations.add(dict(
            id=str(uuid.uuid4()), case_id=approval.case_id, task_id=task.id, held_on=cmd.held_on,
            record=json.dumps(cmd.record, ensure_ascii=False), minutes_file_name=f.get("filename"),
            minutes_file_type=f.get("content_type"), minutes_file=f.get("content_base64"),
            decided_amount_fen=cmd.decided_amount.fen, recorded_by=cmd.actor.id, recorded_at=now))
        await _commit_change(approval, uow, packs, calendar, now=now, by=payloads.actor(cmd.actor.person),
                             minutes=(cmd.record, f.get("content_base64") or "", cmd.held_on))
        reply = Reply(201, payloads.decision(approval, task, "deliberated"))
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


@dataclass(frozen=True)
class Objection:
    case_id: str
    actor: Actor
    objector_name: str
    objector_phone: str
    reason: str
    received_on: date
    request: IdempotentRequest | None = None


async def object_to_notice(cmd: Objection, uow: UnitOfWork, *, now: datetime) -> Reply:
    """An objection to the public notice, recorded at the window: it blocks the steps after the
    notice (review, approval, consent) and so the payment, until an investigator resolves it."""
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        approval = await _get(uow, cmd.case_id, cmd.actor)
        approval.check_actor(cmd.actor)
        if cmd.received_on > now.astimezone(SHANGHAI).date():
            raise Refused(f"the objection is dated {cmd.received_on}, after today", field_="received_on")
        if "clerk" not in cmd.actor.roles or cmd.actor.org_unit != approval.org_unit:
            raise NotAllowed(f"objections to case {cmd.case_id}'s notice are recorded at the window of "
                             f"{approval.org_unit} (clerk)")
        notice = approval.latest("public_notice")
        if approval.status != "pending" or notice is None or not notice.current:
            raise NoOpenTask(f"case {cmd.case_id} has no public notice to object to (case is {approval.status})")
        objection = store.Objection(id=str(uuid.uuid4()), case_id=approval.case_id, region=approval.region,
                                    objector_name=cmd.objector_name, objector_phone=cmd.objector_phone,
                                    reason=cmd.reason, received_on=cmd.received_on, recorded_by=cmd.actor.id,
                                    recorded_at=now)
        await uow.objections.add(objection)
        approval.details.setdefault("open_objections", []).append(objection.id)
        await uow.approvals.save(approval)
        reply = Reply(201, payloads.objection(objection))
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


async def resolve_objection(case_id: str, objection_id: str, outcome: str, reason: str, actor: Actor,
                            uow: UnitOfWork, *, now: datetime, packs: RegionPacks,
                            calendar: WorkingCalendar | None = None) -> dict[str, Any]:
    """An investigator resolves an objection: upheld sends the case back to its investigation
    (every later step again); dismissed, with its reasons, lets the procedure go on."""
    async with uow:
        approval = await _get(uow, case_id, actor)
        await _check_kin(approval, actor, uow)
        if "clerk" not in actor.roles or actor.org_unit != approval.org_unit:
            raise NotAllowed(f"objections to case {case_id}'s notice are resolved by an investigator (clerk) of "
                             f"{approval.org_unit}")
        found = next((o for o in await uow.objections.of_case(case_id) if o.id == objection_id), None)
        if found is None:
            raise NoSuchCase(f"case {case_id} has no objection {objection_id}")
        if found.status != "open":
            raise NoOpenTask(f"objection {objection_id} is already {found.status}")
        conflict = approval.duty_conflict(actor.id, approval.route.step("investigation")
                                          or approval.route.steps[0])
        if conflict:
            raise DutyConflict(conflict)
        found.status, found.resolution, found.resolved_by, found.resolved_at = outcome, reason, actor.id, now
        await uow.objections.resolve(found)
        approval.details["open_objections"] = [o for o in approval.details.get("open_objections", [])
                                               if o != objection_id]
        if outcome == "upheld":
            to = "investigation" if approval.route.step("investigation") else approval.route.steps[0].step
            approval.return_to(actor, to, f"objection upheld: {reason}", now)
        await _commit_change(approval, uow, packs, calendar, now=now, by=payloads.actor(actor.person))
        await uow.commit()
    return payloads.objection(found)


@dataclass(frozen=True)
class Paperwork:
    case_id: str
    actor: Actor
    report: dict[str, Any]
    comment: str
    request: IdempotentRequest | None = None


async def complete_paperwork(cmd: Paperwork, uow: UnitOfWork, *, now: datetime, packs: RegionPacks,
                             calendar: WorkingCalendar | None = None) -> Reply:
    """The paperwork of advance assistance (subject, reason, amount, signatures, seal): the
    district then files it, or refuses it and the advance is recovered (ANY-RECOVER)."""
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        approval = await _get(uow, cmd.case_id, cmd.actor)
        await _check_kin(approval, cmd.actor, uow)
        paid = approval.amount
        if paid is not None and cmd.report["amount"] != str(paid):
            raise Refused(f"the paperwork states {cmd.report['amount']}, but {paid} was approved and paid",
                          field_="amount")
        task = approval.decide(cmd.actor, "paperwork", "approve", None, cmd.comment, now=now, report=cmd.report)
        await _commit_change(approval, uow, packs, calendar, now=now, by=payloads.actor(cmd.actor.person))
        reply = Reply(201, payloads.decision(approval, task, "completed"))
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


async def import_kin(region: str, entries: list[dict[str, Any]], by: str, uow: UnitOfWork, *,
                     now: datetime, kin_secret: str) -> dict[str, Any]:
    """LF-KIN: the register of staff and their close relatives; each entry replaces that staff
    member's list. Cases whose household holds a listed relative are flagged at once."""
    async with uow:
        numbers: list[str] = []
        for e in entries:
            relatives = [store.Relative(e["staff_id"], e["staff_name"], r["id_number"], r["name"], r["relation"])
                         for r in e["relatives"]]
            await uow.kin.replace_staff(region, e["staff_id"], relatives, at=now, by=by, secret=kin_secret)
            numbers += [r.id_number for r in relatives]
        flagged = []
        keys = [key for n in numbers for key in keys_of(n, kin_secret)]  # cases keyed before the secret too
        for case_id in await uow.kin.cases_with(region, keys) if keys else []:
            approval = await uow.approvals.get(case_id, region=region)
            if approval is None:
                continue
            kin = await uow.kin.staff_related_to(region, sorted(await uow.kin.household_of(case_id)))
            approval.flags = [f for f in approval.flags if f.get("rule") != KIN_RULE] + ([_kin_flag(kin)] if kin else [])
            await uow.approvals.save(approval)
            flagged.append(case_id)
        await uow.commit()
    return {"region": region, "staff": len(entries), "relatives": len(numbers), "flagged_cases": flagged}


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


async def approval_view(case_id: str, principal: Principal, uow: UnitOfWork, *, now: datetime) -> dict[str, Any]:
    async with uow:
        approval = await uow.approvals.get(case_id, region=principal.region)
        limits: list[Deadline] = await uow.deadlines.of_case(case_id) if approval else []
        objections = await uow.objections.of_case(case_id) if approval else []
        minutes = await uow.deliberations.of_case(case_id) if approval else []
    if approval is None:
        raise NoSuchCase(f"no approval for case {case_id} in region {principal.region}")
    return payloads.approval_view(approval, limits, now=now, objections=objections, deliberations=minutes)


def _new_approval(event: Envelope[BenefitCalculated], packs: RegionPacks) -> Approval:
    data = event.data
    try:
        route = policy.route_for(packs.get(event.region), data.type, data.ceiling, data.as_of,
                                 needs_deliberation=data.needs_deliberation)
    except (UnknownRegion, MissingParameter, ValueError) as exc:
        raise Poison(f"benefit.calculated cannot be routed: {exc!r}") from exc
    return Approval(
        case_id=event.case_id, region=event.region, org_unit=data.org_unit, type=data.type, ceiling=data.ceiling,
        payee=Payee(data.applicant.id_number, data.applicant.name),
        accepted_by=Person(data.accepted_by.id, data.accepted_by.name), route=route,
        received_at=event.occurred_at, correlation_id=event.correlation_id,
        details={"as_of": data.as_of.isoformat(), "bank_account": data.bank_account},
    )


async def _get(uow: UnitOfWork, case_id: str, actor: Actor) -> Approval:
    approval = await uow.approvals.get(case_id, region=actor.region)
    if approval is None:
        raise NoSuchCase(f"no approval for case {case_id} in region {actor.region}")
    return approval


async def _check_kin(approval: Approval, actor: Actor, uow: UnitOfWork) -> None:
    """LF-KIN: a staff member whose registered relative is in the case's household may not act."""
    relatives = await uow.kin.relatives_of(approval.region, actor.id)
    household = await uow.kin.household_of(approval.case_id) if relatives else set()
    approval.check_actor(actor, relatives & household)


def _kin_flag(kin: list[store.Relative]) -> dict[str, Any]:
    return {"rule": KIN_RULE, "staff": sorted({r.staff_id for r in kin}),
            "reason": "the household holds a registered close relative of staff (近亲属备案): they may not act on it"}


async def _commit_change(approval: Approval, uow: UnitOfWork, packs: RegionPacks, calendar: WorkingCalendar | None,
                         *, now: datetime, by: Any, minutes: tuple[dict[str, Any], str, date] | None = None) -> None:
    """Save what a use case changed, with its clocks and its events, in the caller's transaction:
    the decided steps' own deadlines close, the opened steps' start, the region's limits that the
    new events stop close."""
    closed = []
    for task in list(approval.touched.values()):
        if task.status != "open":
            closed += await uow.deadlines.close(approval.case_id, stopped_by=f"task:{task.id}", at=now)
    opened = await _step_clocks(approval, uow, calendar, packs, now=now)
    await uow.approvals.save(approval)
    pack = packs.get(approval.region)
    for event in approval.events:
        stop = STOPPING.get(type(event))
        if stop and pack.stops_a_limit(SOURCE, stop):
            closed += await uow.deadlines.close(approval.case_id, stopped_by=stop, at=now)
    opened += await rechecks.schedule(approval, uow, packs, calendar, now=now)  # ANY-RECHECK, DT-CASE-RECHECK
    uow.record(*_envelopes(approval, approval.events, by=by, minutes=minutes))
    uow.record(*(deadlines.envelope("closed", d, service=SOURCE) for d in closed))
    uow.record(*(deadlines.envelope("opened", d, service=SOURCE) for d in opened))


async def _step_clocks(approval: Approval, uow: UnitOfWork, calendar: WorkingCalendar | None, packs: RegionPacks,
                       *, now: datetime, skip: Any = None) -> list[Deadline]:
    """Durable clocks of the steps this change opened: each step's own `within` (DT-CASE: 5
    working days for the appraisal, 2 for the review) and the region's limits it names (CQ-ADV's
    entry and filing limits); a limit that runs from the approval starts at the approval."""
    if calendar is None:
        return []
    opened: list[Deadline] = []
    pack = packs.get(approval.region)
    as_of = date.fromisoformat(approval.details.get("as_of") or approval.received_at.date().isoformat())
    for event in approval.events:
        if not isinstance(event, TaskOpened):
            continue
        task = event.task
        plan = approval.route.step(task.step)
        if plan is None:
            continue
        limits: list[tuple[TimeLimit, datetime]] = []
        if plan.within is not None:
            limits.append((_step_limit(approval, plan, task), now))
        if task is not skip:  # the route's first task: its limits run from acceptance (the caller's)
            limits += [(limit, _start_of(limit, approval, now))
                       for limit in _limits(pack, plan.time_limits, approval.type, as_of)]
        for limit, start in limits:
            d = await uow.deadlines.open(case_id=approval.case_id, region=approval.region, org_unit=approval.org_unit,
                                         limit=limit, started_at=start, watches=f"approval task {task.id}",
                                         calendar=calendar, correlation_id=approval.correlation_id)
            if d is not None:
                opened.append(d)
                if task.due is None or d.due < task.due:
                    task.due = d.due
    return opened


def _step_limit(approval: Approval, plan: policy.StepPlan, task: Any) -> TimeLimit:
    amount, unit = plan.within
    lead = Span(1, "working_days") if unit == "working_days" else Span(1, "clock_hours") \
        if unit == "clock_hours" else Span(1, "calendar_days")
    return TimeLimit(id=f"{plan.step}#{task.round}"[:40], rule=plan.rule or approval.route.rules[0],
                     name=f"{plan.step} within {amount} {unit.replace('_', ' ')}", span=Span(amount, unit),
                     start="approval.requested", stop=(f"task:{task.id}",), owner=SOURCE,
                     source=approval.route.sources[0], warn_before=lead, valid_from=date.min)


def _start_of(limit: TimeLimit, approval: Approval, now: datetime) -> datetime:
    if limit.start == "case.approved":
        approved = [t.decided_at for t in approval.tasks if t.amount is not None and t.decided_at is not None]
        return max(approved) if approved else now
    return now


def _envelopes(approval: Approval, events: list[Event], *, cause: Envelope[Any] | None = None,
               by: Any = None, minutes: tuple[dict[str, Any], str, date] | None = None) -> list[Envelope[Any]]:
    out = []
    for event in events:
        if isinstance(event, TaskOpened):
            payload: Any = payloads.requested(approval, event.task, SYSTEM)
        elif isinstance(event, (CaseApproved, ProcedureCompleted)) and \
                approval.type in application_policy.STATUS_PROGRAMMES:
            payload = application_payloads.approved(approval, event, by or SYSTEM)  # the status, not a payment
        elif isinstance(event, CaseApproved):
            payload = payloads.approved(approval, event, by or SYSTEM)
        elif isinstance(event, CaseRejected):
            payload = payloads.rejected(approval, event, by or SYSTEM)
        elif isinstance(event, StepReturned):
            payload = payloads.returned(approval, event, by or SYSTEM)
        elif isinstance(event, Deliberated) and minutes is not None:
            record, file_b64, held_on = minutes
            digest = hashlib.sha256((record.get("minutes", "") + file_b64).encode()).hexdigest()
            payload = payloads.deliberated(approval, event, record, held_on, digest, by or SYSTEM)
        elif isinstance(event, PaperworkCompleted):
            payload = payloads.paperwork_completed(approval, event, by or SYSTEM)
        elif isinstance(event, PaperworkFiled):
            payload = payloads.filed(approval, event, by or SYSTEM)
        elif isinstance(event, AdvanceRevoked):
            payload = payloads.revoked(approval, event, by or SYSTEM)
        else:
            continue
        out.append(Envelope.new(payload, case_id=approval.case_id, region=approval.region, source=SOURCE,
                                cause=cause, correlation_id=approval.correlation_id))
    return out
