"""Eligibility's tables, and the repositories its unit of work carries; nothing else touches SQL."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from relief_shared import db
from relief_shared.calendar import SHANGHAI
from relief_shared.db import UtcDateTime, new_metadata
from relief_shared.deadlines import SIGNAL, Deadline, DeadlineTable, Deadlines
from relief_shared.plumbing import Plumbing, SeqId
from sqlalchemy import (JSON, Boolean, Column, Index, Integer, String, Table, bindparam, case, func, insert,
                        literal_column, select, update)
from sqlalchemy.ext.asyncio import AsyncConnection

from eligibility.domain import STATUS_RANK, CaseView
from eligibility.referral_store import Referrals, referrals_table

metadata = new_metadata()
plumbing = Plumbing(metadata)

cases = Table(
    "cases", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(128), nullable=False),
    Column("status", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("applies_for", String(32), nullable=False),
    Column("accepted_by", String(128), nullable=False),
    Column("applicant_id_number", String(18), nullable=False),
    Column("accepted_by_name", String(128)),  # the first-inquiry owner (首问负责制), on the receipt and the view
    Column("channel_ref", String(64)),  # e.g. the 12345 work-order number
    Column("request", JSON, nullable=False),
    Column("view", JSON, nullable=False),  # the view before its timeline rows with facts (see domain)
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_cases_region_org_status", "region", "org_unit", "status"),
)

timeline = Table(
    "timeline", metadata,
    Column("id", SeqId, primary_key=True, autoincrement=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("by_id", String(128), nullable=False),
    Column("by_name", String(128), nullable=False),
    Column("summary", String(500), nullable=False),
    Column("facts", JSON),  # what the case view takes from the event; None: nothing (or folded into `view`)
)

# The district overview (GET /v1/deadlines): every service's deadlines, the latest state of each.
deadline_overview = Table(
    "deadline_overview", metadata,
    Column("deadline_id", String(36), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(128)),
    Column("state", String(24), nullable=False),
    Column("due_soon", Boolean, nullable=False),
    Column("due", UtcDateTime(), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("entry", JSON, nullable=False),
    Index("ix_deadline_overview_region_state_due", "region", "state", "due"),
)


# The durable clocks of the limits eligibility owns (DT-FEEDBACK-1WD, LF-COMPLAINT): its deadline
# scheduler runs on this table. (`uow.deadlines` is the district overview of every service's.)
clocks = DeadlineTable(metadata)
referrals = referrals_table(metadata)


# Built once: a statement's construction costs more than running it (hot paths bind values).
_insert_case = insert(cases)
_select_case = select(cases).where(cases.c.case_id == bindparam("b_case_id"), cases.c.region == bindparam("b_region"))
_select_requests = select(cases.c.case_id, cases.c.request).where(cases.c.case_id.in_(bindparam("b_ids", expanding=True)))
_known_cases = select(cases.c.case_id).where(cases.c.case_id.in_(bindparam("b_ids", expanding=True)))
# The rank of the stored status, spelled out in SQL from our own constants (bound parameters
# would be ~20 per row of an executemany for the same effect).
_stored_rank = literal_column(f"CASE status {' '.join(f'WHEN {s!r} THEN {r}' for s, r in STATUS_RANK.items())} END")
_advance_case = update(cases).where(cases.c.case_id == bindparam("b_case_id")).values(
    status=case((_stored_rank < bindparam("b_rank"), bindparam("b_status")), else_=cases.c.status),
    updated_at=bindparam("b_at"),
)
_insert_timeline = insert(timeline)
_select_timeline = (select(timeline).where(timeline.c.case_id == bindparam("b_case_id"))
                    .order_by(timeline.c.at, timeline.c.id))


def _view_json(view: CaseView) -> dict[str, Any]:
    return {"classification": view.classification, "benefit": view.benefit, "approval": view.approval,
            "payments": view.payments, "deadlines": view.deadlines}


def view_of(row: Any, timeline_rows: list[Any]) -> CaseView:
    """The case row's view with every timeline row's facts folded in, in the order they happened."""
    view = CaseView(status=row.status, **row.view)
    for entry in timeline_rows:
        if entry.facts is not None:
            view.apply(entry.event, entry.facts, entry.at)
    view.status = row.status
    return view


@dataclass(frozen=True)
class TimelineEntry:
    case_id: str
    event_id: str
    event: str
    at: datetime
    by_id: str
    by_name: str
    summary: str
    facts: dict[str, Any] | None  # what the case view takes from the event; None: nothing


class Cases:
    """The cases as eligibility keeps them; reads take the caller's region into the query."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, *, case_id: str, region: str, org_unit: str, channel: str, applies_for: str,
                  accepted_by: str, applicant_id_number: str, request: dict, at: datetime,
                  accepted_by_name: str | None = None, channel_ref: str | None = None) -> None:
        await self.conn.execute(_insert_case, dict(
            case_id=case_id, region=region, org_unit=org_unit, status="received", channel=channel,
            applies_for=applies_for, accepted_by=accepted_by, applicant_id_number=applicant_id_number,
            accepted_by_name=accepted_by_name, channel_ref=channel_ref,
            request=request, view=_view_json(CaseView("received")), created_at=at, updated_at=at,
        ))

    async def get(self, case_id: str, *, region: str) -> Any:
        """The case row if it is in `region`; None otherwise (another region's case is not there)."""
        return (await self.conn.execute(_select_case, {"b_case_id": case_id, "b_region": region})).first()

    async def requests(self, case_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored intake bodies: the only copy of the applicant's and household's personal data."""
        rows = await self.conn.execute(_select_requests, {"b_ids": case_ids})
        return {row.case_id: row.request for row in rows}

    async def known(self, case_ids: set[str]) -> set[str]:
        return set(await self.conn.scalars(_known_cases, {"b_ids": list(case_ids)}))

    async def advance(self, moves: list[tuple[str, str | None]], at: datetime) -> None:
        """Each (case, status): the status moves forward to it, never back; `updated_at` is `at`."""
        await self.conn.execute(_advance_case, [
            {"b_case_id": case_id, "b_rank": STATUS_RANK[status] if status else -1, "b_status": status or "",
             "b_at": at} for case_id, status in moves])

    async def page(self, *, region: str, org_unit: str | None, status: str | None, page: int,
                   size: int) -> tuple[list[Any], int]:
        where = [cases.c.region == region]
        if org_unit:
            where.append(cases.c.org_unit == org_unit)
        if status:
            where.append(cases.c.status == status)
        total = await self.conn.scalar(select(func.count()).select_from(cases).where(*where))
        rows = (await self.conn.execute(select(cases).where(*where)
                                        .order_by(cases.c.created_at.desc(), cases.c.case_id)
                                        .limit(size).offset((page - 1) * size))).all()
        return rows, total


class Timeline:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, entries: list[TimelineEntry]) -> None:
        await self.conn.execute(_insert_timeline, [
            dict(case_id=e.case_id, event_id=e.event_id, event=e.event, at=e.at, by_id=e.by_id, by_name=e.by_name,
                 summary=e.summary[:500], facts=e.facts) for e in entries])

    async def of(self, case_id: str) -> list[Any]:
        return (await self.conn.execute(_select_timeline, {"b_case_id": case_id})).all()


class DeadlineOverview:
    """The latest state of each deadline, by region: a higher revision replaces a lower one, a
    lower one arriving late changes nothing."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def upsert(self, items: list[tuple[str, str, dict[str, Any], str | None]]) -> None:
        if self.conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        t = deadline_overview
        statement = dialect_insert(t)
        statement = statement.on_conflict_do_update(
            index_elements=[t.c.deadline_id],
            set_={name: statement.excluded[name]
                  for name in ("org_unit", "state", "due_soon", "due", "revision", "entry")},
            where=t.c.revision < statement.excluded.revision)
        for case_id, region, entry, org_unit in items:
            await self.conn.execute(statement, dict(
                deadline_id=entry["id"], case_id=case_id, region=region, org_unit=org_unit, state=entry["state"],
                due_soon=entry["due_soon"], due=datetime.fromisoformat(entry["due"]), revision=entry["revision"],
                entry={**entry, "case_id": case_id, "region": region, "org_unit": org_unit}))

    async def move(self, moved: list[Deadline]) -> None:
        """The district's view follows a reassignment at once (the clock's next event would too)."""
        t = deadline_overview
        for d in moved:
            row = (await self.conn.execute(select(t.c.entry).where(t.c.deadline_id == d.id))).first()
            if row is not None:
                await self.conn.execute(update(t).where(t.c.deadline_id == d.id).values(
                    org_unit=d.org_unit, entry={**row.entry, "org_unit": d.org_unit}))

    async def page(self, *, region: str, state: str, org_unit: str | None, page: int,
                   size: int) -> tuple[list[dict[str, Any]], int]:
        t = deadline_overview
        where = [t.c.region == region, t.c.due_soon.is_(True) if state == "due_soon" else t.c.state == state]
        if org_unit:
            where.append(t.c.org_unit == org_unit)
        total = await self.conn.scalar(select(func.count()).select_from(t).where(*where))
        rows = await self.conn.execute(select(t.c.entry).where(*where).order_by(t.c.due, t.c.deadline_id)
                                       .limit(size).offset((page - 1) * size))
        return [row.entry for row in rows], total


class UnitOfWork(db.UnitOfWork):
    cases: Cases
    timeline: Timeline
    deadlines: DeadlineOverview  # every service's deadlines as the district sees them
    clocks: Deadlines  # eligibility's own durable clocks (the scheduler fires them)
    referrals: Referrals

    def bind(self, conn: AsyncConnection) -> None:
        self.cases, self.timeline, self.deadlines = Cases(conn), Timeline(conn), DeadlineOverview(conn)
        self.clocks = Deadlines(conn, clocks, on_change=lambda: self.signal_after_commit(SIGNAL))
        self.referrals = Referrals(conn, referrals)
        self.register = register_store.StatusRegister(conn)
        self.lookups = register_store.StatusLookups(conn)
        self.complaints = complaints_store.Complaints(conn)


def timeline_document(rows: list[Any]) -> list[dict[str, Any]]:
    return [{"at": r.at.astimezone(SHANGHAI).isoformat(), "event": r.event, "by": {"id": r.by_id, "name": r.by_name},
             "summary": r.summary} for r in rows]


# The status register's and the complaints' tables hang on `metadata` from their own modules,
# which import it from here: imported last, so that `metadata` is whole for whoever reads it (the
# schema test, Alembic) however this module was reached.
from eligibility import complaints_store, register_store  # noqa: E402
