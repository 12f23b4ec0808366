"""Complaints and tip-offs (LF-COMPLAINT, Linfen 二(一): 件件有核实，事事有回音): each one is recorded
from any channel (anonymous allowed), assigned, verified and answered within the limit its region
sets (`complaints.toml`, working days), on the durable clocks: the limit's deadline row opens
with the complaint in its transaction, eligibility's scheduler warns and breaches it (approval
raises the district's task for a breach), and the answer closes it, late or not.

Assignment: to the org unit of the case it is about, else to the town/street it names, else to
the district. The district may assign it elsewhere; the assigned unit (or the district) verifies
and answers it; an answer needs a verification first, and is final.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from relief_shared import deadlines
from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.regions import RegionPacks

from eligibility.domain import DomainError, InvalidRequest, OutsideJurisdiction
from eligibility.store import TimelineEntry, UnitOfWork

SOURCE = "eligibility"
LIMIT = "LF-COMPLAINT"
PREFIX = "CP-"
ANSWERED_BY = "complaint.answered"  # the stop event of the region's limit (complaints.toml)
DISTRICT = "district"
CHANNELS = Literal["window", "hotline", "online", "letter", "visit", "active_discovery"]
STATUSES = ("assigned", "verified", "answered")


class NoSuchComplaint(DomainError):
    """No such complaint for this reader (another region's, or another town's, is not there)."""


class ComplaintClosed(DomainError):
    """The complaint's state does not allow it (answered, or not yet verified)."""


class Complainant(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=100)
    phone: str | None = Field(None, max_length=30, pattern=r"^[0-9+\- ]{3,30}$")


class ComplaintIn(BaseModel):
    """A complaint or tip-off as the window, the hotline or an online form takes it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    region: str = Field(max_length=64)
    kind: Literal["complaint", "tip_off"] = "complaint"
    channel: CHANNELS
    channel_ref: str | None = Field(None, max_length=100, description="e.g. the 12345 work-order number")
    org_unit: str | None = Field(None, max_length=128, description="the town/street it concerns, if known")
    case_id: str | None = Field(None, max_length=64, description="the case it concerns, if any")
    subject: str = Field(min_length=1, max_length=200)
    detail: str = Field(min_length=1, max_length=5000)
    anonymous: bool = False
    complainant: Complainant | None = None

    @model_validator(mode="after")
    def _who(self) -> ComplaintIn:
        if self.anonymous and self.complainant is not None:
            raise ValueError("an anonymous complaint names no complainant")
        if not self.anonymous and self.complainant is None:
            raise ValueError("complainant is required unless anonymous is true")
        return self


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org_unit: str | None = Field(None, max_length=128, description="the town/street; null: the district itself")
    note: str | None = Field(None, max_length=500)


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    substantiated: bool
    finding: str = Field(min_length=1, max_length=5000)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    text: str = Field(min_length=1, max_length=5000)
    channel: Literal["phone", "letter", "in_person", "online", "sms", "none"] = Field(
        description="how the answer reached the complainant; `none` when anonymous and unreachable")


@dataclass(frozen=True)
class FileComplaint:
    body: ComplaintIn
    by: Principal
    request: IdempotentRequest | None = None


def new_complaint_id(now: datetime) -> str:
    return f"{PREFIX}{now.astimezone(SHANGHAI):%Y%m%d}-{uuid.uuid4().hex[:10]}"


def is_complaint(case_id: str) -> bool:
    """Whether a deadline's `case_id` is a complaint's (its clock lives in eligibility's table)."""
    return case_id.startswith(PREFIX)


def _entry(action: str, by: Principal, at: datetime, **facts: Any) -> dict[str, Any]:
    return {"at": at.astimezone(SHANGHAI).isoformat(), "action": action, "by": {"id": by.sub, "name": by.name},
            **facts}


async def file_complaint(cmd: FileComplaint, uow: UnitOfWork, packs: RegionPacks, calendar: WorkingCalendar, *,
                         now: datetime) -> Reply:
    """Record, assign and start the region's limit, in one transaction with the key's reply."""
    body, by = cmd.body, cmd.by
    if body.region not in packs:
        raise InvalidRequest(f"unknown region {body.region!r}", errors=[{"field": "region", "message": "unknown region"}])
    by.require_region(body.region)
    pack = packs.get(body.region)
    if body.org_unit and not pack.has_org_unit(body.org_unit):
        raise InvalidRequest(f"unknown org unit {body.org_unit!r}", errors=[
            {"field": "org_unit", "message": "not a town/street of this region"}])
    limit = pack.time_limit(LIMIT, now.astimezone(SHANGHAI).date())
    if limit is None:
        raise InvalidRequest(f"region {body.region} sets no complaint time limit", errors=[
            {"field": "region", "message": f"the region pack has no [time_limits.{LIMIT}] (complaints.toml)"}])
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        assigned_to = body.org_unit
        if body.case_id:
            case = await uow.cases.get(body.case_id, region=body.region)
            if case is None:
                raise InvalidRequest(f"no case {body.case_id} in {body.region}", errors=[
                    {"field": "case_id", "message": "no such case in this region"}])
            assigned_to = case.org_unit
        complaint_id = new_complaint_id(now)
        await uow.complaints.add(dict(
            complaint_id=complaint_id, region=body.region, kind=body.kind, channel=body.channel,
            channel_ref=body.channel_ref, status="assigned", assigned_to=assigned_to, case_id=body.case_id,
            subject=body.subject, detail=body.detail, anonymous=body.anonymous,
            complainant=body.complainant.model_dump() if body.complainant else None, received_by=by.sub,
            received_at=now, verification=None, answer=None, updated_at=now,
            history=[_entry("received", by, now, channel=body.channel),
                     _entry("assigned", by, now, to=assigned_to or DISTRICT, automatic=True)]))
        opened = await uow.clocks.open(case_id=complaint_id, region=body.region, org_unit=assigned_to, limit=limit,
                                       started_at=now, watches=f"{body.kind} {complaint_id}", calendar=calendar)
        if body.case_id:
            due = f", answer due {opened.due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if opened else ""
            await uow.timeline.add([_on_case(body.case_id, complaint_id, "received", by, now,
                                             f"{body.kind.replace('_', '-')} {complaint_id} received ({body.channel}), "
                                             f"assigned to {assigned_to or DISTRICT}{due} ({LIMIT})")])
        if opened is not None:
            uow.record(deadlines.envelope("opened", opened, service=SOURCE))
        reply = Reply(201, {"complaint_id": complaint_id, "status": "assigned", "assigned_to": assigned_to or DISTRICT,
                            "due": opened.due.astimezone(SHANGHAI).isoformat() if opened else None,
                            "links": {"self": f"/v1/complaints/{complaint_id}"}})
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


def _may_handle(row: Any, who: Principal) -> bool:
    if DISTRICT in who.roles:
        return True
    return who.org_unit is not None and who.org_unit == row.assigned_to


def _may_read(row: Any, who: Principal) -> bool:
    return "auditor" in who.roles or _may_handle(row, who)


async def _handled(complaint_id: str, who: Principal, uow: UnitOfWork) -> Any:
    row = await uow.complaints.get(complaint_id, region=who.region)
    if row is None or not _may_read(row, who):
        raise NoSuchComplaint(f"no complaint {complaint_id} for {who.sub}")
    if not _may_handle(row, who):
        raise OutsideJurisdiction(f"{who.sub} may not handle complaint {complaint_id}")
    if row.status == "answered":
        raise ComplaintClosed(f"complaint {complaint_id} is answered; its answer is final")
    return row


async def assign(complaint_id: str, body: AssignIn, who: Principal, uow: UnitOfWork, packs: RegionPacks, *,
                 now: datetime) -> None:
    """The district hands the complaint to a town/street (or keeps it)."""
    if DISTRICT not in who.roles:
        raise OutsideJurisdiction("only the district assigns complaints")
    if body.org_unit and not packs.get(who.region).has_org_unit(body.org_unit):
        raise InvalidRequest(f"unknown org unit {body.org_unit!r}", errors=[
            {"field": "org_unit", "message": "not a town/street of this region"}])
    async with uow:
        row = await _handled(complaint_id, who, uow)
        history = [*row.history, _entry("assigned", who, now, to=body.org_unit or DISTRICT, note=body.note)]
        await _change(uow, row, assigned_to=body.org_unit, history=history, updated_at=now)
        await uow.deadlines.move(await uow.clocks.reassign(complaint_id, body.org_unit))
        await uow.commit()


async def verify(complaint_id: str, body: VerifyIn, who: Principal, uow: UnitOfWork, *, now: datetime) -> None:
    """件件有核实: the assigned unit (or the district) records what it found."""
    async with uow:
        row = await _handled(complaint_id, who, uow)
        verification = {"substantiated": body.substantiated, "finding": body.finding,
                        "by": {"id": who.sub, "name": who.name}, "at": now.astimezone(SHANGHAI).isoformat()}
        history = [*row.history, _entry("verified", who, now, substantiated=body.substantiated)]
        await _change(uow, row, status="verified", verification=verification, history=history, updated_at=now)
        await uow.commit()


async def answer(complaint_id: str, body: AnswerIn, who: Principal, uow: UnitOfWork, *, now: datetime) -> None:
    """事事有回音: the answer is recorded and closes the limit (late, if it is past due)."""
    async with uow:
        row = await _handled(complaint_id, who, uow)
        if row.status != "verified":
            raise ComplaintClosed(f"complaint {complaint_id} is not verified yet: verify it before answering")
        reply = {"text": body.text, "channel": body.channel, "by": {"id": who.sub, "name": who.name},
                 "at": now.astimezone(SHANGHAI).isoformat()}
        history = [*row.history, _entry("answered", who, now, channel=body.channel)]
        await _change(uow, row, status="answered", answer=reply, history=history, updated_at=now)
        closed = await uow.clocks.close(complaint_id, stopped_by=ANSWERED_BY, at=now)
        uow.record(*(deadlines.envelope("closed", d, service=SOURCE) for d in closed))
        if row.case_id:
            late = " late" if any(d.late_by for d in closed) else ""
            await uow.timeline.add([_on_case(row.case_id, complaint_id, "answered", who, now,
                                             f"{row.kind.replace('_', '-')} {complaint_id} answered{late} "
                                             f"({body.channel}); substantiated: "
                                             f"{'yes' if (row.verification or {}).get('substantiated') else 'no'}")])
        await uow.commit()


async def _change(uow: UnitOfWork, row: Any, **values: Any) -> None:
    if not await uow.complaints.change(row.complaint_id, was=row.updated_at, **values):
        raise ComplaintClosed(f"complaint {row.complaint_id} changed meanwhile; read it again")


def _on_case(case_id: str, complaint_id: str, action: str, by: Principal, at: datetime, summary: str) -> TimelineEntry:
    """The complained-of case's timeline names the complaint, never the complainant or the text:
    staff reading the case learn that one was received and answered, and where to read it."""
    return TimelineEntry(case_id=case_id, event_id=f"{complaint_id}:{action[0]}", event=f"complaint.{action}",
                         at=at, by_id=by.sub, by_name=by.name, summary=summary, facts=None)


def _deadline(d: deadlines.Deadline | None) -> dict[str, Any] | None:
    if d is None:
        return None
    late = d.late_by
    return {"rule": d.rule, "name": d.name, "clause": d.clause, "limit": f"{d.span.amount} {d.span.unit}",
            "due": d.due.astimezone(SHANGHAI).isoformat(), "state": d.state, "met": d.met,
            "late_by_seconds": int(late.total_seconds()) if late else None,
            "warned_at": d.warned_at.astimezone(SHANGHAI).isoformat() if d.warned_at else None,
            "breached_at": d.breached_at.astimezone(SHANGHAI).isoformat() if d.breached_at else None,
            "calendar_complete": d.calendar_complete}


def _document(row: Any, d: deadlines.Deadline | None, reader: Principal) -> dict[str, Any]:
    """The complaint as its handlers see it; an auditor sees everything but who complained."""
    complainant = row.complainant if _may_handle(row, reader) else (
        None if row.complainant is None else {"name": "(withheld)", "phone": None})
    return {"complaint_id": row.complaint_id, "region": row.region, "kind": row.kind, "channel": row.channel,
            "channel_ref": row.channel_ref, "status": row.status, "assigned_to": row.assigned_to or DISTRICT,
            "case_id": row.case_id, "subject": row.subject, "detail": row.detail, "anonymous": bool(row.anonymous),
            "complainant": complainant, "received_by": row.received_by,
            "received_at": row.received_at.astimezone(SHANGHAI).isoformat(), "verification": row.verification,
            "answer": row.answer, "deadline": _deadline(d), "history": row.history}


async def complaint_document(complaint_id: str, reader: Principal, uow: UnitOfWork) -> dict[str, Any]:
    async with uow:
        row = await uow.complaints.get(complaint_id, region=reader.region)
        if row is None or not _may_read(row, reader):
            raise NoSuchComplaint(f"no complaint {complaint_id} for {reader.sub}")
        found = [d for d in await uow.clocks.of_case(complaint_id) if d.limit_id == LIMIT]
    return _document(row, found[0] if found else None, reader)


@dataclass(frozen=True)
class ComplaintQuery:
    region: str
    status: str | None
    assigned_to: str | None
    page: int
    size: int


async def list_complaints(query: ComplaintQuery, reader: Principal, uow: UnitOfWork) -> dict[str, Any]:
    """The region's complaints, newest first; town staff see their own unit's alone."""
    reader.require_region(query.region)
    assigned_to = query.assigned_to
    if not ({DISTRICT, "auditor"} & set(reader.roles)):
        if reader.org_unit is None or (assigned_to and assigned_to != reader.org_unit):
            raise OutsideJurisdiction(f"{reader.sub} sees the complaints of {reader.org_unit} alone")
        assigned_to = reader.org_unit
    async with uow:
        rows, total = await uow.complaints.page(region=query.region, status=query.status, assigned_to=assigned_to,
                                                page=query.page, size=query.size)
    items = [{"complaint_id": r.complaint_id, "kind": r.kind, "channel": r.channel, "status": r.status,
              "assigned_to": r.assigned_to or DISTRICT, "case_id": r.case_id, "subject": r.subject,
              "received_at": r.received_at.astimezone(SHANGHAI).isoformat()} for r in rows]
    return {"items": items, "page": query.page, "total": total}
