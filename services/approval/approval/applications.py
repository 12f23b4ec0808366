"""What approval takes from `case.classified`: the subject's facts for the approval record
(FX-RECORD) of every case that can reach a decision, and for a dibao, marginal or tekun
application (`applies_for`) the start of its procedure.

An application is not temporary assistance: benefit-calc prices no one-off amount for it, and
approval routes it here by the region's `procedure_<applies_for>` (Dongtou: DT-20D, decided within
20 days of acceptance on the durable clock, extended to 30 by DT-MEANS-15D when means.verified
says the verification took over 15 days). Its approval emits `status.changed` (the person's new
status, from that day) instead of `case.approved`; a termination emits `status.changed` to none.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from approval import application_payloads, application_policy, facts, payloads, policy, rechecks, service
from approval.domain import Approval, DomainError, NoSuchCase, NotAllowed, Payee, Person
from approval.store import UnitOfWork
from relief_shared import contract, deadlines
from relief_shared.auth import Principal
from relief_shared.calendar import WorkingCalendar
from relief_shared.contract import Envelope
from relief_shared.contract.case import CaseClassified
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.inbox import Poison
from relief_shared.kin import member_key
from relief_shared.regions import MissingParameter, RegionPacks, UnknownRegion

SOURCE = "approval"


class StatusNotActive(DomainError):
    """Only an approved, not yet terminated status can be terminated."""


async def on_case_classified(event: Envelope[CaseClassified], uow: UnitOfWork, *, packs: RegionPacks,
                             calendar: WorkingCalendar, kin_secret: str) -> None:
    data = event.data
    if data.classification.type == "referral_only":
        return
    await uow.facts.put(case_id=event.case_id, region=event.region, org_unit=data.org_unit, at=event.occurred_at,
                        applies_for=data.applies_for, subject=facts.subject_of(event))
    if data.applies_for in application_policy.STATUS_PROGRAMMES:
        await _start_application(event, uow, packs=packs, calendar=calendar, kin_secret=kin_secret)


async def _start_application(event: Envelope[CaseClassified], uow: UnitOfWork, *, packs: RegionPacks,
                             calendar: WorkingCalendar, kin_secret: str) -> None:
    """Route the application by its region's procedure, open its first steps and start DT-20D (where
    the region has it) from the acceptance, in the inbox's transaction; an application the region
    has no procedure or standard for is parked with the reason."""
    data = event.data
    try:
        pack = packs.get(event.region)
        kind = application_policy.procedure_kind(pack, data.applies_for, data.accepted_on)
        ceiling = application_policy.monthly_ceiling(pack, data.applies_for, data.household.size,
                                                     data.household.monthly_income_per_capita, data.accepted_on)
        route = policy.application_route(pack, kind, data.accepted_on)
    except (UnknownRegion, MissingParameter, application_policy.NoApplicationProcedure, ValueError) as exc:
        raise Poison(f"the {data.applies_for} application {event.case_id} cannot be routed: {exc}") from exc
    approval = Approval(
        case_id=event.case_id, region=event.region, org_unit=data.org_unit, type=data.applies_for,
        ceiling=ceiling.amount, payee=Payee(data.applicant.id_number, data.applicant.name),
        accepted_by=Person(data.accepted_by.id, data.accepted_by.name), route=route,
        received_at=event.occurred_at, correlation_id=event.correlation_id,
        details={"as_of": data.accepted_on.isoformat(), "status_only": ceiling.status_only,
                 "bank_account": data.bank_account,
                 "application": {"applies_for": data.applies_for,
                                 "previous": application_policy.previous_status(data.household.status),
                                 "household_size": data.household.size, "ceiling_rule": ceiling.rule,
                                 "ceiling_note": ceiling.note}})
    await service.start_procedure(approval, uow, packs=packs, calendar=calendar, as_of=data.accepted_on,
                                  started_at=data.accepted_at or event.occurred_at,  # DT-20D runs from acceptance
                                  cause=event,
                                  household={member_key(approval.payee.id_number, kin_secret), *data.household.member_keys})
    await uow.facts.put(case_id=approval.case_id, region=approval.region, org_unit=approval.org_unit,
                        at=event.occurred_at, reason={"type": approval.type, "as_of": data.accepted_on.isoformat(),
                                                      "ceiling": str(ceiling.amount), "rules": [ceiling.rule],
                                                      "decision": ceiling.note, "trace": []})


@dataclass(frozen=True)
class Terminate:
    case_id: str
    reason: str
    effective_on: date
    deceased_on: date | None
    principal: Principal
    request: IdempotentRequest | None = None


async def terminate(cmd: Terminate, uow: UnitOfWork, *, now: datetime) -> Reply:
    """End an approved dibao, marginal or tekun status (e.g. after a re-check, or the person's
    death: ANY-NO-CLAWBACK then protects what was paid): `status.changed` to none through the
    outbox, the open re-checks cancelled, in one transaction."""
    p = cmd.principal
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        approval = await uow.approvals.get(cmd.case_id, region=p.region)
        if approval is None:
            raise NoSuchCase(f"no approval for case {cmd.case_id} in region {p.region}")
        if "district" not in p.roles and p.org_unit != approval.org_unit:
            raise NotAllowed(f"{p.sub} works for {p.org_unit}, not {approval.org_unit}")
        if approval.type not in application_policy.STATUS_PROGRAMMES or approval.status != "approved" \
                or approval.details.get("terminated"):
            raise StatusNotActive(f"case {cmd.case_id} holds no active {approval.type} status to terminate "
                                  f"(it is {approval.status}{', terminated' if approval.details.get('terminated') else ''})")
        by = contract.Actor(id=p.sub, name=p.name)
        approval.details["terminated"] = {"reason": cmd.reason, "effective_on": cmd.effective_on.isoformat(),
                                          "deceased_on": cmd.deceased_on.isoformat() if cmd.deceased_on else None,
                                          "by": {"id": p.sub, "name": p.name}, "at": payloads.local(now)}
        await uow.approvals.save(approval)
        closed = await rechecks.cancel(approval, uow, now=now, why=f"status terminated: {cmd.reason}")
        rules = [r for r in ("ANY-NO-CLAWBACK",) if cmd.deceased_on] + list(approval.route.rules)
        payload = application_payloads.terminated(approval, reason=f"terminated: {cmd.reason}",
                                                  since=cmd.effective_on, deceased_on=cmd.deceased_on, by=by,
                                                  rules=rules)
        uow.record(Envelope.new(payload, case_id=approval.case_id, region=approval.region, source=SOURCE,
                                correlation_id=approval.correlation_id))
        uow.record(*(deadlines.envelope("closed", d, service=SOURCE) for d in closed))
        body = {"case_id": approval.case_id, "status": "none", "previous": approval.type,
                "since": cmd.effective_on.isoformat(), "reason": payload.reason, "rules": payload.rules,
                "terminated_by": {"id": p.sub, "name": p.name}, "cancelled_rechecks": len(closed)}
        reply = Reply(201, body)
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply

