"""means-check's use cases: decide what verification a case needs, start one (from intake or a
clerk's request, only with the household's consent), finish it with its result, and read.
Department calls are never made here: the worker (`worker.py`) makes them between the short
transactions of `progress.py`."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from relief_shared import deadlines as durable
from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.contract import Envelope, system
from relief_shared.contract.case import CaseClassified
from relief_shared.contract.household import CaseVerificationNeeded
from relief_shared.contract.means import MeansRequested, MeansSkipped
from relief_shared.idempotency import Reply
from relief_shared.inbox import Poison
from relief_shared.regions import RegionPacks, UnknownRegion

from means_check import result
from means_check.domain import (PURPOSE, Actor, InvalidRequest, Member, NoConsent, NoSuchCheck, NoSuchVerification,
                                OutsideJurisdiction, StartVerification)
from means_check.policy import scope_for
from means_check.privacy import age_on, mask
from means_check.sources.catalog import ADULT_AGE, BY_CODE, CODES
from means_check.store import UnitOfWork

SOURCE = "means-check"
SIGNAL = "verifications"


async def on_case_classified(event: Envelope[CaseClassified], uow: UnitOfWork, *, packs: RegionPacks) -> None:
    """Record what verification the case needs by its region's rules. Skips (ADV-SKIP, a
    referral) end here; an expenditure-only case (CQ-EXP-ONLY) is verified at once from its
    declared expenditure, with no department query; the full check starts when eligibility
    hands over the household."""
    data = event.data
    try:
        pack = packs.get(event.region)
    except UnknownRegion as exc:
        raise Poison(f"cannot scope the means check of case {event.case_id}: {exc}") from exc
    scope = scope_for(pack, data.classification.type, data.household.status, data.applies_for)
    await uow.checks.add(case_id=event.case_id, region=event.region, scope=scope)
    if scope.status == "skipped":
        uow.record(Envelope.new(MeansSkipped(scope=scope.scope, rules=list(scope.rules), reason=scope.reason,
                                             by=system(SOURCE)),
                                case_id=event.case_id, region=event.region, source=SOURCE, cause=event))
        return
    verified = result.expenditure_only(data, scope, event.occurred_at) if scope.scope == "expenditure" else None
    requested = Envelope.new(MeansRequested(scope=scope.scope, rules=list(scope.rules), reason=scope.reason,
                                            by=system(SOURCE),
                                            verification_id=verified.verification_id if verified else None),
                             case_id=event.case_id, region=event.region, source=SOURCE, cause=event)
    uow.record(requested)
    if verified is not None:
        await uow.verifications.add(result.expenditure_row(event, verified))
        uow.record(Envelope.new(verified, case_id=event.case_id, region=event.region, source=SOURCE, cause=event))


async def on_verification_needed(event: Envelope[CaseVerificationNeeded], uow: UnitOfWork, *, packs: RegionPacks,
                                 calendar: WorkingCalendar) -> None:
    """Start the full check of the household eligibility handed over, under the consent it
    recorded at intake; without that consent the verification is recorded as waiting for it
    and nothing is queried."""
    data = event.data
    consented = data.consent.means_check and bool(data.members)
    cmd = StartVerification(
        case_id=event.case_id, region=event.region, org_unit=data.org_unit, applies_for=data.applies_for,
        members=tuple(Member(m.id_number, m.relation) for m in data.members), sources=CODES,
        consent_signed_on=data.consent.signed_on if consented else None, origin="intake",
        by=Actor(data.requested_by.id, data.requested_by.name), correlation_id=event.correlation_id)
    await start(cmd, uow, packs, calendar, now=event.occurred_at)


async def request_verification(cmd: StartVerification, uow: UnitOfWork, packs: RegionPacks,
                               calendar: WorkingCalendar, *, now: datetime) -> Reply:
    """A clerk's or reviewer's request (a re-check, or a case whose consent was signed later):
    refused before anything is stored or sent without the household's consent."""
    check_request(cmd, packs, today=now.astimezone(SHANGHAI).date())
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        verification_id = await start(cmd, uow, packs, calendar, now=now)
        reply = Reply(202, {"verification_id": verification_id, "status": "verifying",
                            "links": {"self": f"/v1/verifications/{verification_id}"}})
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


def check_request(cmd: StartVerification, packs: RegionPacks, *, today: date) -> None:
    if cmd.consent_signed_on is None:
        raise NoConsent("no recorded consent of the household for this case: nothing was queried",
                        [{"field": "consent", "message": "the household's signed consent (signed_on) is required "
                                                         "before any department is asked (ANY-MEANS-SOURCES)"}])
    if cmd.consent_signed_on > today:
        raise NoConsent("the consent is dated in the future: nothing was queried",
                        [{"field": "consent.signed_on", "message": f"after today ({today.isoformat()})"}])
    errors = []
    if cmd.region not in packs:
        errors.append({"field": "region", "message": f"unknown region; known: {', '.join(packs.codes())}"})
    errors += [{"field": f"scope[{i}]", "message": f"unknown source; known: {', '.join(CODES)}"}
               for i, code in enumerate(cmd.sources) if code not in BY_CODE]
    seen: set[str] = set()
    for i, member in enumerate(cmd.members):
        if member.id_number in seen:
            errors.append({"field": f"members[{i}]", "message": "the same person twice"})
        seen.add(member.id_number)
    if errors:
        raise InvalidRequest(f"invalid fields: {', '.join(e['field'] for e in errors)}", errors)


def jurisdiction(cmd: StartVerification, principal: Principal) -> None:
    if cmd.region != principal.region:
        raise OutsideJurisdiction(f"{principal.sub} works for region {principal.region}, not {cmd.region}")


async def start(cmd: StartVerification, uow: UnitOfWork, packs: RegionPacks, calendar: WorkingCalendar, *,
                now: datetime) -> str:
    """The verification, its members and one request per source and member (a source not asked
    about minors is not sent their ID numbers), and its deadline where the region sets one."""
    verification_id = str(uuid.uuid4())
    today = now.astimezone(SHANGHAI).date()
    consented = cmd.consent_signed_on is not None
    adults = [age_on(m.id_number, today) >= ADULT_AGE for m in cmd.members]
    await uow.members.add([{"verification_id": verification_id, "position": i, "id_number": m.id_number,
                            "masked": mask(m.id_number), "relation": m.relation, "adult": adults[i]}
                           for i, m in enumerate(cmd.members)])
    if consented:
        await uow.requests.add([_request_row(verification_id, code, i, adults[i], now)
                                for code in cmd.sources for i in range(len(cmd.members))])
    deadline_at = await _open_deadlines(cmd, uow, packs, calendar, now) if consented else None
    await uow.verifications.add({
        "id": verification_id, "case_id": cmd.case_id, "region": cmd.region, "org_unit": cmd.org_unit,
        "applies_for": cmd.applies_for, "scope": "full", "sources": ",".join(cmd.sources),
        "status": "verifying" if consented else "consent_missing", "origin": cmd.origin, "purpose": PURPOSE,
        "requested_by": cmd.by.id, "requested_by_name": cmd.by.name, "consent_signed_on": cmd.consent_signed_on,
        "consent_scope": ",".join(cmd.sources) if consented else "", "household_size": len(cmd.members),
        "rules": ",".join(cmd.rules), "started_at": now, "deadline_at": deadline_at, "finished_at": None,
        "result": None, "purged_at": None, "correlation_id": cmd.correlation_id})
    if consented:
        uow.signal_after_commit(SIGNAL)
    return verification_id


def _request_row(verification_id: str, code: str, position: int, adult: bool, now: datetime) -> dict[str, Any]:
    asked = adult or not BY_CODE[code].adults_only
    return {"verification_id": verification_id, "source": code, "position": position, "attempts": 0,
            "status": "pending" if asked else "not_asked", "next_at": now, "settled_at": None if asked else now,
            "error": None if asked else f"not asked: under {ADULT_AGE}"}


async def _open_deadlines(cmd: StartVerification, uow: UnitOfWork, packs: RegionPacks, calendar: WorkingCalendar,
                          now: datetime) -> datetime | None:
    pack = packs.get(cmd.region)
    limits = [lim for lim in pack.limits_owned_by(SOURCE, now.astimezone(SHANGHAI).date())
              if lim.start == "means.requested"]
    due = None
    for limit in limits:
        opened = await uow.deadlines.open(case_id=cmd.case_id, region=cmd.region, org_unit=cmd.org_unit, limit=limit,
                                          started_at=now, watches=f"means verification of case {cmd.case_id}",
                                          calendar=calendar, correlation_id=cmd.correlation_id)
        if opened is not None:
            uow.record(durable.envelope("opened", opened, service=SOURCE))
            running = [opened]
        else:  # a later verification of the same case runs within the case's one limit
            running = [d for d in await uow.deadlines.of_case(cmd.case_id)
                       if d.limit_id == limit.id and d.closed_at is None]
        due = min([d.due for d in running] + ([due] if due else []), default=None)
    return due


async def finish(verification_id: str, uow: UnitOfWork, packs: RegionPacks, *, now: datetime,
                 forced: bool) -> bool:
    """Close the verification with what it has: every answer in, or (`forced`, at its deadline)
    the rest abandoned and named. Records `means.verified`, and closes the deadline."""
    v = await uow.verifications.get(verification_id, region=None)
    if v is None or v.get("status") != "verifying":
        return False
    if forced:
        await uow.requests.abandon(verification_id, now)
    requests = await uow.requests.of(verification_id)
    members = await uow.members.of([verification_id])
    figures = await uow.figures.of(verification_id)
    payload = result.verified(v, requests, members, figures, packs.get(v["region"]), now=now, forced=forced)
    status = "completed" if payload.complete else "partial"
    if not await uow.verifications.finish(verification_id, status=status, result=payload.model_dump_json(), at=now):
        return False
    cause_id = v.get("correlation_id")
    for d in await uow.deadlines.close(v["case_id"], stopped_by="means.verified", at=now):
        uow.record(durable.envelope("closed", d, service=SOURCE))
    uow.record(Envelope.new(payload, case_id=v["case_id"], region=v["region"], source=SOURCE,
                            correlation_id=cause_id, at=now))
    return True


async def recorded_check(case_id: str, reader: Principal, uow: UnitOfWork) -> dict:
    async with uow:
        check = await uow.checks.get(case_id, region=reader.region)
        verifications = await uow.verifications.of_case(case_id, region=reader.region)
    if check is None:
        raise NoSuchCheck(f"no means check recorded for case {case_id} in region {reader.region}")
    return {**check, "verifications": [v["id"] for v in verifications]}


async def verification_document(verification_id: str, reader: Principal, uow: UnitOfWork) -> dict[str, Any]:
    """The verification as staff see it: progress per source and member, the figures that have
    come in so far, and once finished the result. Members are masked."""
    async with uow:
        v = await uow.verifications.get(verification_id, region=reader.region)
        if v is None:
            raise NoSuchVerification(f"no verification {verification_id} in region {reader.region}")
        requests = await uow.requests.of(verification_id)
        members = await uow.members.of([verification_id])
        figures = await uow.figures.of(verification_id)
    return result.document(v, requests, members, figures)
