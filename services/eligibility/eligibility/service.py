"""Eligibility's use cases: accept a request, classify it, fold every event into the case view."""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI
from relief_shared.db import UnitOfWork
from relief_shared.events import Envelope
from relief_shared.inbox import Poison
from relief_shared.problems import Forbidden, Unprocessable
from relief_shared.regions import RegionPacks

from eligibility import store
from eligibility.domain import actor, status_after, summary, view_facts
from eligibility.policy import classify
from eligibility.schemas import CaseIn

SOURCE = "eligibility"
BY = {"id": "system:eligibility", "name": "eligibility"}


def new_case_id(now: datetime) -> str:
    return f"TA-{now.astimezone(SHANGHAI):%Y%m%d}-{uuid.uuid4().hex[:10]}"


def check_jurisdiction(body: CaseIn, clerk: Principal, packs: RegionPacks) -> None:
    """Unknown region or org unit is a 422 naming the field; another region's case is a 403."""
    if body.region not in packs:
        raise Unprocessable(f"unknown region {body.region!r}", errors=[
            {"field": "region", "message": f"unknown region; known: {', '.join(packs.codes())}"}])
    if not packs.get(body.region).has_org_unit(body.org_unit):
        raise Unprocessable(f"unknown org unit {body.org_unit!r} in {body.region}", errors=[
            {"field": "org_unit", "message": "not a town/street of this region"}])
    clerk.require_region(body.region)
    if clerk.org_unit and clerk.org_unit != body.org_unit:
        raise Forbidden(f"{clerk.sub} accepts requests for {clerk.org_unit}, not {body.org_unit}")


async def submit_case(body: CaseIn, request: dict[str, Any], clerk: Principal, uow: UnitOfWork) -> str:
    """ONE-WINDOW: the case row and `case.received` commit together, or neither does.
    `request` is the body as JSON, as stored and as published."""
    now = datetime.now(timezone.utc)
    case_id = new_case_id(now)
    await store.add_case(uow.conn, case_id=case_id, region=body.region, org_unit=body.org_unit,
                         channel=body.channel, applies_for=body.applies_for, accepted_by=clerk.sub,
                         applicant_id_number=body.applicant.id_number, request=request, at=now)
    received = Envelope.new("case.received", case_id=case_id, region=body.region, source=SOURCE, data={
        **{k: request[k] for k in ("org_unit", "channel", "applies_for", "applicant", "household", "situation",
                                   "consent")},
        "accepted_on": now.astimezone(SHANGHAI).date().isoformat(),
        "by": {"id": clerk.sub, "name": clerk.name},
    })
    uow.record(received)
    await _put_on_timeline([received], uow)  # the new row's status and time are already this event's
    return case_id


async def on_cases_received(events: Sequence[Envelope], uow: UnitOfWork) -> None:
    """CLS-*: classify and tell the chain; the classification is the case's, with its reasons."""
    classified = [_classified(event) for event in events]
    uow.record(*classified)
    await fold(classified, uow)


def _classified(event: Envelope) -> Envelope:
    data = event.data
    try:
        household, situation = data["household"], data["situation"]
        classification = classify([e["kind"] for e in situation["events"]],
                                  [e["category"] for e in situation.get("expenses", [])],
                                  household["status"], household["registered_in_region"])
        return Envelope.new("case.classified", case_id=event.case_id, region=event.region, source=SOURCE,
                            cause=event, data={
            "org_unit": data["org_unit"], "applies_for": data["applies_for"],
            "classification": classification.as_dict(),
            "applicant": {k: data["applicant"][k] for k in ("id_number", "name")},
            "household": household, "situation": situation,
            "accepted_on": data["accepted_on"], "accepted_by": data["by"], "by": BY,
        })
    except (KeyError, TypeError) as exc:
        raise Poison(f"case.received without {exc}") from exc


async def fold(events: Sequence[Envelope], uow: UnitOfWork) -> None:
    """Put events on their cases' timelines, with what the view takes from each, and move the
    statuses forward. Once per event: eligibility folds its own events in the transaction that
    records them, the case-view consumer (deduplicated by its inbox) folds everyone else's, a
    fetched batch at a time."""
    for event in events:
        if event.type.startswith("payment.") and not event.data.get("payment_id"):
            raise Poison(f"{event.type} without payment_id")
    unknown = {e.case_id for e in events} - await store.known_cases(uow.conn, {e.case_id for e in events})
    if unknown:
        raise LookupError(f"cases not known here yet: {', '.join(sorted(unknown))}")  # transient: retried
    await store.advance(uow.conn, [(e.case_id, status_after(e.type, e.data)) for e in events],
                        datetime.now(timezone.utc))
    await _put_on_timeline(events, uow)


async def _put_on_timeline(events: Sequence[Envelope], uow: UnitOfWork) -> None:
    await store.add_timeline_entries(uow.conn, [store.timeline_entry(
        case_id=e.case_id, event_id=e.id, event=e.type, at=e.occurred_at, by=actor(e.data, e.source),
        summary=summary(e.type, e.data), facts=view_facts(e.type, e.data)) for e in events])


async def case_document(conn: Any, case_id: str) -> dict[str, Any] | None:
    row = await store.get_case_row(conn, case_id)
    if row is None:
        return None
    timeline = await store.timeline_rows(conn, case_id)
    view = store.view_of(row, timeline)
    return {
        "case_id": row.case_id, "region": row.region, "org_unit": row.org_unit, "status": row.status,
        "channel": row.channel, "applies_for": row.applies_for, "accepted_by": row.accepted_by,
        "classification": view.classification, "benefit": view.benefit, "approval": view.approval,
        "payments": list(view.payments.values()), "referrals": [], "deadlines": view.deadlines,
        "timeline": store.timeline_document(timeline),
        "created_at": row.created_at.astimezone(SHANGHAI).isoformat(),
        "updated_at": row.updated_at.astimezone(SHANGHAI).isoformat(),
    }
