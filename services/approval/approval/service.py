"""Use cases: route a calculated case, decide a step. Both doors (api, events) call these."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from approval import payloads, policy, store
from approval.domain import Actor, Approval, CaseApproved, CaseRejected, Event, NoSuchCase, Payee, Person, TaskOpened
from approval.policy import Route
from relief_shared import idempotency
from relief_shared.calendar import CalendarDataMissing, WorkingCalendar
from relief_shared.db import UnitOfWork
from relief_shared.events import Envelope
from relief_shared.inbox import Poison
from relief_shared.money import Money, from_wire
from relief_shared.regions import MissingParameter, RegionPack, RegionPacks, UnknownRegion

SOURCE = "approval"
SYSTEM = {"id": "system:approval", "name": "approval"}


@dataclass(frozen=True)
class Decide:
    case_id: str
    step: str
    decision: str
    amount: Money | None
    comment: str
    actor: Actor
    idempotency_key: str | None = None
    body: dict | None = None


async def on_benefit_calculated(event: Envelope, uow: UnitOfWork, *, packs: RegionPacks,
                                calendar: WorkingCalendar) -> None:
    """Store the case's route and open its first task; a payload that cannot be routed is parked."""
    approval = _new_approval(event, packs)
    try:
        approval.start(calendar)
    except CalendarDataMissing as exc:
        raise Poison(str(exc)) from exc
    if not await store.add_unless_routed(uow.conn, approval):
        raise Poison(f"case {approval.case_id} is already routed; re-routing a recalculated case is not supported")
    uow.record(*_envelopes(approval, approval.events, cause=event))


async def decide(cmd: Decide, uow: UnitOfWork, *, calendar: WorkingCalendar, now: datetime) -> tuple[int, dict]:
    """One decision on one step, its events and its idempotency key in one transaction."""
    scope = f"decisions:{cmd.case_id}:{cmd.actor.id}"
    body_hash = idempotency.request_hash(cmd.body) if cmd.idempotency_key else ""
    table = store.plumbing.idempotency
    if cmd.idempotency_key:
        replayed = await idempotency.replay(uow.conn, table, scope, cmd.idempotency_key, body_hash)
        if replayed:
            return replayed
    approval = await store.get(uow.conn, cmd.case_id)
    if approval is None:
        raise NoSuchCase(f"no approval for case {cmd.case_id}")
    task = approval.decide(cmd.actor, cmd.step, cmd.decision, cmd.amount, cmd.comment, now=now, calendar=calendar)
    await store.save_decision(uow.conn, approval, task)
    uow.record(*_envelopes(approval, approval.events, by=_by(cmd.actor.person)))
    response = payloads.decision(approval, task, cmd.decision)
    if cmd.idempotency_key:
        await idempotency.remember(uow.conn, table, scope, cmd.idempotency_key, body_hash, 201, response)
    await uow.commit()
    return 201, response


def _new_approval(event: Envelope, packs: RegionPacks) -> Approval:
    data = event.data
    try:
        ceiling = from_wire(data["ceiling"])
        as_of = date.fromisoformat(data["as_of"])
        applicant, accepted_by = data["applicant"], data["accepted_by"]
        if data.get("needs_deliberation"):
            raise Poison("the case needs case-by-case deliberation (DT-CASE), which is not supported yet")
        route = _route(packs.get(event.region), data["type"], ceiling, as_of)
        return Approval(
            case_id=event.case_id, region=event.region, org_unit=str(data["org_unit"]), type=data["type"],
            ceiling=ceiling, payee=Payee(str(applicant["id_number"]), str(applicant["name"])),
            accepted_by=Person(str(accepted_by["id"]), str(accepted_by["name"])), route=route,
            received_at=event.occurred_at, correlation_id=event.correlation_id,
        )
    except (KeyError, TypeError, ValueError, UnknownRegion, MissingParameter) as exc:
        raise Poison(f"benefit.calculated cannot be routed: {exc!r}") from exc


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


def _envelopes(approval: Approval, events: list[Event], *, cause: Envelope | None = None,
               by: dict | None = None) -> list[Envelope]:
    def envelope(type_: str, data: dict) -> Envelope:
        return Envelope.new(type_, case_id=approval.case_id, region=approval.region, source=SOURCE,
                            data=data, cause=cause, correlation_id=approval.correlation_id)

    out = []
    for event in events:
        if isinstance(event, TaskOpened):
            out.append(envelope("approval.requested", payloads.requested(approval, event.task, SYSTEM)))
        elif isinstance(event, CaseApproved):
            out.append(envelope("case.approved", payloads.approved(approval, event, by or SYSTEM)))
        elif isinstance(event, CaseRejected):
            out.append(envelope("case.rejected", payloads.rejected(approval, event, by or SYSTEM)))
    return out


def _by(person: Person) -> dict:
    return {"id": person.id, "name": person.name}
