"""Eligibility's use cases: accept a request, classify it, fold every event into the case view,
and read cases. Each opens and commits its own unit of work, except the event-driven ones,
which run inside the inbox's transaction (the inbox row must commit with their effect)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.contract import Actor, Envelope, Person, system
from relief_shared.contract.case import (CaseClassified, CaseReceived, Classification, Expense, HouseholdFacts,
                                         SituationEvent, SituationFacts)
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.inbox import Poison
from relief_shared.kin import member_key
from relief_shared.regions import MissingParameter, RegionPacks, UnknownRegion

from eligibility import intake_rules, projection, referral_service
from eligibility.domain import InvalidRequest, NoSuchCase, OutsideJurisdiction, deadline_entry
from eligibility.complaints import is_complaint
from eligibility.means_request import verification_needed
from eligibility.policy import Member, Request, classify
from eligibility.referrals import UnknownDepartment, suggest_applications
from eligibility.schemas import CaseIn
from eligibility.store import UnitOfWork, timeline_document, view_of

SOURCE = "eligibility"


@dataclass(frozen=True)
class SubmitCase:
    body: CaseIn
    clerk: Principal
    request: IdempotentRequest | None = None


@dataclass(frozen=True)
class DeadlineQuery:
    region: str
    state: str
    org_unit: str | None
    page: int
    size: int


@dataclass(frozen=True)
class CaseQuery:
    region: str
    org_unit: str | None
    status: str | None
    page: int
    size: int


def new_case_id(now: datetime) -> str:
    return f"TA-{now.astimezone(SHANGHAI):%Y%m%d}-{uuid.uuid4().hex[:10]}"


async def submit_case(cmd: SubmitCase, uow: UnitOfWork, packs: RegionPacks, *, now: datetime | None = None) -> Reply:
    """ONE-WINDOW: the case row, `case.received` and the Idempotency-Key's reply commit together,
    or nothing does. The request's personal data stays in this service's own row. `now` is the
    suite clock's time: the case is accepted "today" as the suite sees it."""
    body, clerk = cmd.body, cmd.clerk
    now = now or datetime.now(timezone.utc)
    check_jurisdiction(body, clerk, packs)
    intake_rules.check(body, today=now.astimezone(SHANGHAI).date())
    check_programme(body, packs, now)
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        case_id = new_case_id(now)
        await uow.cases.add(case_id=case_id, region=body.region, org_unit=body.org_unit, channel=body.channel,
                            applies_for=body.applies_for, accepted_by=clerk.sub,
                            applicant_id_number=body.applicant.id_number, request=body.model_dump(mode="json"),
                            at=now, accepted_by_name=clerk.name, channel_ref=body.channel_ref)
        received = Envelope.new(CaseReceived(
            org_unit=body.org_unit, channel=body.channel, applies_for=body.applies_for,
            accepted_on=now.astimezone(SHANGHAI).date(), by=Actor(id=clerk.sub, name=clerk.name),
        ), case_id=case_id, region=body.region, source=SOURCE, at=now)
        uow.record(received)
        await projection.put_on_timeline([received], uow)  # the new row's status and time are already this event's
        reply = Reply(201, {"case_id": case_id, "status": "received", "channel": body.channel,
                            "channel_ref": body.channel_ref,
                            "first_inquiry_owner": {"id": clerk.sub, "name": clerk.name, "org_unit": body.org_unit},
                            "links": {"self": f"/v1/cases/{case_id}"}})
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


def check_programme(body: CaseIn, packs: RegionPacks, now: datetime) -> None:
    """A dibao, tekun or marginal application is decided by its region's procedure (DT-20D, the
    pack's `procedure_<applies_for>`): where the pack has none, the window says so at once rather
    than accept a case that no step of the suite could ever decide."""
    if body.applies_for == "temporary_assistance":
        return
    try:
        packs.get(body.region).parameter(f"procedure_{body.applies_for}", now.astimezone(SHANGHAI).date())
    except MissingParameter as exc:
        raise InvalidRequest(f"region {body.region} has no {body.applies_for} procedure in its pack", errors=[
            {"field": "applies_for", "message": f"{body.applies_for} applications are not decided through the "
                                                f"suite in {body.region} ({exc}); record the request on paper or "
                                                f"apply for temporary assistance"}]) from exc


def check_jurisdiction(body: CaseIn, clerk: Principal, packs: RegionPacks) -> None:
    """Unknown region or org unit names the field; another region's or town's case is refused."""
    if body.region not in packs:
        raise InvalidRequest(f"unknown region {body.region!r}", errors=[
            {"field": "region", "message": f"unknown region; known: {', '.join(packs.codes())}"}])
    if not packs.get(body.region).has_org_unit(body.org_unit):
        raise InvalidRequest(f"unknown org unit {body.org_unit!r} in {body.region}", errors=[
            {"field": "org_unit", "message": "not a town/street of this region"}])
    clerk.require_region(body.region)
    if clerk.org_unit and clerk.org_unit != body.org_unit:
        raise OutsideJurisdiction(f"{clerk.sub} accepts requests for {clerk.org_unit}, not {body.org_unit}")


async def classify_received(events: Sequence[Envelope[CaseReceived]], uow: UnitOfWork, *, packs: RegionPacks,
                            kin_secret: str, calendar: WorkingCalendar | None = None) -> None:
    """CLS-*: classify each accepted request from its stored body by its region's rules and tell
    the chain; the classification is the case's, with its reasons. REF-DETECT: the referrals the
    request needs are opened in the same transaction, each with its department's handling limit.
    A region or value missing for the day of acceptance parks the event with the reason (ops load
    the value and replay it)."""
    calendar = calendar or WorkingCalendar.load()
    requests = await uow.cases.requests([e.case_id for e in events])
    classified, households, referred, opened = [], [], [], []
    for event in events:
        request = requests.get(event.case_id)
        if request is None:
            raise Poison(f"case.received for {event.case_id}, which this service never accepted")
        body = CaseIn.model_validate(request)
        try:
            payload = classified_payload(event.data, body, packs, accepted_at=event.occurred_at, region=event.region,
                                         kin_secret=kin_secret)
        except (UnknownRegion, MissingParameter) as exc:
            raise Poison(f"cannot classify case {event.case_id}: {exc}") from exc
        classified.append(Envelope.new(payload, case_id=event.case_id, region=event.region, source=SOURCE,
                                       cause=event))
        households.append(verification_needed(classified[-1], body, packs.get(event.region), SOURCE))
        try:
            found, clocks = await referral_service.open_referrals(classified[-1], body, packs.get(event.region), uow,
                                                                  calendar)
        except (MissingParameter, UnknownDepartment) as exc:
            raise Poison(f"cannot refer case {event.case_id}: {exc}") from exc
        referred += found
        opened += clocks
    uow.record(*classified, *(h for h in households if h is not None), *referred, *opened)
    await fold([*classified, *referred], uow)


def classified_payload(received: CaseReceived, request: CaseIn, packs: RegionPacks, *, kin_secret: str,
                       accepted_at: datetime | None = None, region: str | None = None) -> CaseClassified:
    """What means-check and benefit-calc need of the case, and the applicant as the payee: no
    other member is named, no free text travels."""
    household, situation = request.household, request.situation
    classification = classify(packs.get(region or request.region), classification_request(request),
                              received.accepted_on)
    return CaseClassified(
        org_unit=received.org_unit, applies_for=received.applies_for,
        classification=Classification(**classification.as_dict()),
        applicant=Person(id_number=request.applicant.id_number, name=request.applicant.name),
        household=HouseholdFacts(status=household.status, size=len(household.members),
                                 monthly_income_per_capita=household.monthly_income_per_capita,
                                 registered_in_region=household.registered_in_region,
                                 member_keys=[member_key(m.id_number, kin_secret) for m in household.members]),
        situation=SituationFacts(
            events=[SituationEvent(kind=e.kind, occurred_on=e.occurred_on) for e in situation.events],
            severity=situation.severity, needs=list(situation.needs),
            expenses=[Expense(category=e.category, amount=e.amount, incurred_from=e.incurred_from,
                              incurred_to=e.incurred_to) for e in situation.expenses]),
        accepted_on=received.accepted_on, accepted_by=received.by, by=system(SOURCE), accepted_at=accepted_at,
        bank_account=request.applicant.bank_account,
    )


def classification_request(request: CaseIn) -> Request:
    household, situation = request.household, request.situation
    return Request(
        event_kinds=tuple(e.kind for e in situation.events), status=household.status,
        registered_in_region=household.registered_in_region,
        expense_categories=tuple(e.category for e in situation.expenses), applies_for=request.applies_for,
        members=tuple(Member(m.birth_date, m.relation, m.disabled, m.seriously_ill, m.able_to_work)
                      for m in household.members),
        income_per_capita=household.monthly_income_per_capita, residence_permit=household.residence_permit,
        employed=household.employed, employment_costs_per_capita=household.employment_costs_per_capita)


async def fold(events: Sequence[Envelope[Any]], uow: UnitOfWork) -> None:
    """Put events on their cases' timelines, with what the view takes from each, and move the
    statuses forward. Once per event: eligibility folds its own events in the transaction that
    records them, the case-view consumer (deduplicated by its inbox) folds everyone else's, a
    fetched batch at a time."""
    unknown = {e.case_id for e in events} - await uow.cases.known({e.case_id for e in events})
    if unknown:  # an imported recipient's status.changed names no case here: the register alone keeps it
        events = [e for e in events if e.case_id not in unknown or e.type != "status.changed"]
        unknown = {e.case_id for e in events} & unknown
    if unknown:
        raise LookupError(f"cases not known here yet: {', '.join(sorted(unknown))}")  # transient: retried
    await _fold_known(events, uow)


async def _fold_known(events: Sequence[Envelope[Any]], uow: UnitOfWork) -> None:
    if not events:
        return
    entries = [projection.timeline_entry(e) for e in events]
    await uow.cases.advance([(entry.case_id, status) for status, entry in entries], datetime.now(timezone.utc))
    await uow.timeline.add([entry for _, entry in entries])


async def fold_deadlines(events: Sequence[Envelope[Any]], uow: UnitOfWork) -> None:
    """Deadline events of every service: on the case's timeline and view, and in the district
    overview (the highest revision of each deadline wins, in any order of arrival). A deadline
    whose id names no case here — a complaint's (LF-COMPLAINT), a payroll run's (DT-PAY-10TH) —
    goes to the overview alone: every case is recorded at intake before anything about it is
    published, so an unknown id is never a case arriving early."""
    cases = {e.case_id for e in events if not is_complaint(e.case_id)}
    known = await uow.cases.known(cases) if cases else set()
    of_cases = [e for e in events if e.case_id in known]
    await _fold_known(of_cases, uow)
    await uow.deadlines.upsert([(e.case_id, e.region, deadline_entry(e.data.model_dump(mode="json")), e.data.org_unit)
                                for e in events])


async def deadline_overview(query: DeadlineQuery, reader: Principal, uow: UnitOfWork) -> dict[str, Any]:
    """A page of the region's deadlines in one state, most urgent first; only the reader's region."""
    reader.require_region(query.region)
    async with uow:
        rows, total = await uow.deadlines.page(region=query.region, state=query.state, org_unit=query.org_unit,
                                               page=query.page, size=query.size)
    return {"items": rows, "page": query.page, "total": total}


async def case_document(case_id: str, reader: Principal, uow: UnitOfWork,
                        packs: RegionPacks | None = None) -> dict[str, Any]:
    """The whole case as the window sees it, if it is in the reader's region."""
    async with uow:
        row = await uow.cases.get(case_id, region=reader.region)
        if row is None:
            raise NoSuchCase(f"no case {case_id} in region {reader.region}")
        timeline = await uow.timeline.of(case_id)
        referrals = await uow.referrals.of_case(case_id)
    view = view_of(row, timeline)
    suggested = _suggested_applications(row, packs)
    return {
        "case_id": row.case_id, "region": row.region, "org_unit": row.org_unit, "status": row.status,
        "channel": row.channel, "applies_for": row.applies_for, "accepted_by": row.accepted_by,
        "first_inquiry_owner": {"id": row.accepted_by, "name": row.accepted_by_name, "org_unit": row.org_unit},
        "channel_ref": row.channel_ref,
        "classification": view.classification, "benefit": view.benefit, "approval": view.approval,
        "payments": list(view.payments.values()), "referrals": [referral_service.referral_document(r) for r in referrals],
        "suggested_applications": suggested,
        "deadlines": view.deadlines,
        "timeline": timeline_document(timeline),
        "created_at": row.created_at.astimezone(SHANGHAI).isoformat(),
        "updated_at": row.updated_at.astimezone(SHANGHAI).isoformat(),
    }


def _suggested_applications(row: Any, packs: RegionPacks | None) -> list[dict[str, str]]:
    """REF-DETECT's dibao/tekun suggestion, from the stored request by the region's rules (read-time:
    the window's own advice, nothing is owed to anyone)."""
    if packs is None or row.region not in packs:
        return []
    return suggest_applications(packs.get(row.region),
                                referral_service.detection_facts(CaseIn.model_validate(row.request)))


async def list_cases(query: CaseQuery, reader: Principal, uow: UnitOfWork) -> dict[str, Any]:
    """A page of the region's cases, newest first; only the reader's own region."""
    reader.require_region(query.region)
    async with uow:
        rows, total = await uow.cases.page(region=query.region, org_unit=query.org_unit, status=query.status,
                                           page=query.page, size=query.size)
    items = [{"case_id": r.case_id, "region": r.region, "org_unit": r.org_unit, "status": r.status,
              "channel": r.channel, "created_at": r.created_at.astimezone(SHANGHAI).isoformat()} for r in rows]
    return {"items": items, "page": query.page, "total": total}
