"""Durable deadlines: the one clock mechanism every service that owns a time limit uses.

A deadline is a row, written by the step that starts it in that step's own transaction: its
limit and rule, the clause, what it watches, the due instant, when to warn, and the holiday data
it was counted with. The same service's scheduler (`DeadlineScheduler`) claims the rows whose
time has come and records `deadline.due_soon`, then `deadline.breached`, through the outbox;
the step that satisfies a deadline closes it in its own transaction (`deadline.closed`, with how
late it was). Every change is a compare-and-set in SQL (`… WHERE warned_at IS NULL`, `…
WHERE revision = :seen`) whose RETURNING says who won, so each event exists once however many
replicas run, and a kill at any point loses nothing: what was committed is in the outbox, what
was not is claimed again.

`next_at` is the next instant the scheduler must act on a row (its warning, then its due, then
nothing), so finding work, and the time to sleep until, is one indexed lookup.

A deadline counted into a year whose holiday notice is not loaded, or only provisionally, is
`calendar_complete = false`: its due instant is counted on weekends and the fixed-date
holidays, and it is counted again (`deadline.rescheduled`) when the year is loaded.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (Boolean, Column, Index, Integer, MetaData, String, Table, UniqueConstraint, and_, bindparam,
                        case, func, select, update)
from sqlalchemy.ext.asyncio import AsyncConnection

from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.contract import Envelope
from relief_shared.contract import deadline as events
from relief_shared.db import NAMING, UtcDateTime, insert_if_absent
from relief_shared.timelimits import Span, TimeLimit, due

ESCALATE_TO = "district"  # the next level above a town/street (policy.md §4.1)
SIGNAL = "deadlines"


class DeadlineTable:
    """The `deadlines` table on a service's own metadata; the service's migration creates it
    with `create_deadlines_v1(op)`."""

    def __init__(self, metadata: MetaData):
        self.table = Table(
            "deadlines", metadata,
            Column("id", String(36), primary_key=True),
            Column("case_id", String(64), nullable=False),
            Column("region", String(64), nullable=False),
            Column("org_unit", String(100)),
            Column("limit_id", String(40), nullable=False),
            Column("rule", String(40), nullable=False),
            Column("name", String(200), nullable=False),
            Column("clause", String(300), nullable=False),
            Column("watches", String(200), nullable=False),
            Column("stop", String(200), nullable=False),  # the events that close it, comma-separated
            Column("unit", String(20), nullable=False),
            Column("amount", Integer, nullable=False),
            Column("lead_unit", String(20), nullable=False),
            Column("lead_amount", Integer, nullable=False),
            Column("started_at", UtcDateTime(), nullable=False),
            Column("due", UtcDateTime(), nullable=False),
            Column("warn_at", UtcDateTime(), nullable=False),
            Column("next_at", UtcDateTime()),
            Column("calendar_complete", Boolean, nullable=False),
            Column("calendar_version", String(200), nullable=False),
            Column("warned_at", UtcDateTime()),
            Column("breached_at", UtcDateTime()),
            Column("closed_at", UtcDateTime()),
            Column("correlation_id", String(64)),
            Column("revision", Integer, nullable=False),
            UniqueConstraint("case_id", "limit_id"),
            Index("ix_deadlines_next_at", "next_at"),
            Index("ix_deadlines_calendar_complete_closed_at", "calendar_complete", "closed_at"),
        )
        t = self.table
        # built once: every decision and payment asks, and building a statement costs more than running it
        self.open_of_case = select(t.c.id, t.c.stop).where(t.c.case_id == bindparam("b_case_id"),
                                                           t.c.closed_at.is_(None))
        self.close_ids = (update(t).where(t.c.id.in_(bindparam("b_ids", expanding=True)), t.c.closed_at.is_(None))
                          .values(closed_at=bindparam("v_closed_at"), next_at=None, revision=t.c.revision + 1)
                          .returning(*t.c))


def create_deadlines_v1(op) -> None:  # noqa: ANN001 - alembic's op proxy
    """The service's migration that adds deadlines. Version 1 of the table: a change is a new
    step, never an edit of this one."""
    metadata = MetaData(naming_convention=NAMING)
    DeadlineTable(metadata)
    metadata.create_all(op.get_bind())


@dataclass(frozen=True)
class Deadline:
    id: str
    case_id: str
    region: str
    org_unit: str | None
    limit_id: str
    rule: str
    name: str
    clause: str
    watches: str
    stop: tuple[str, ...]
    span: Span
    warn_before: Span
    started_at: datetime
    due: datetime
    warn_at: datetime
    calendar_complete: bool
    calendar_version: str
    warned_at: datetime | None
    breached_at: datetime | None
    closed_at: datetime | None
    correlation_id: str | None
    revision: int

    @property
    def late_by(self) -> timedelta | None:
        if self.closed_at is None or self.closed_at <= self.due:
            return None
        return self.closed_at - self.due

    @property
    def met(self) -> bool | None:
        if self.closed_at is not None:
            return self.closed_at <= self.due
        return False if self.breached_at is not None else None

    @property
    def state(self) -> str:
        if self.closed_at is not None:
            return "met" if self.closed_at <= self.due else "breached"
        if self.breached_at is not None:
            return "breached"
        return "open" if self.calendar_complete else "calendar_incomplete"

    @classmethod
    def from_row(cls, row: Any) -> Deadline:
        r = row._mapping if hasattr(row, "_mapping") else row
        return cls(id=r["id"], case_id=r["case_id"], region=r["region"], org_unit=r["org_unit"],
                   limit_id=r["limit_id"], rule=r["rule"], name=r["name"], clause=r["clause"], watches=r["watches"],
                   stop=tuple(r["stop"].split(",")), span=Span(r["amount"], r["unit"]),
                   warn_before=Span(r["lead_amount"], r["lead_unit"]), started_at=r["started_at"], due=r["due"],
                   warn_at=r["warn_at"], calendar_complete=bool(r["calendar_complete"]),
                   calendar_version=r["calendar_version"], warned_at=r["warned_at"], breached_at=r["breached_at"],
                   closed_at=r["closed_at"], correlation_id=r["correlation_id"], revision=r["revision"])


class Deadlines:
    """The repository a service's unit of work carries as `uow.deadlines`."""

    def __init__(self, conn: AsyncConnection, table: DeadlineTable, *, on_change: Any = None):
        self.conn, self.t, self._statements = conn, table.table, table
        self._on_change = on_change or (lambda: None)

    async def open(self, *, case_id: str, region: str, org_unit: str | None, limit: TimeLimit, started_at: datetime,
                   watches: str, calendar: WorkingCalendar, correlation_id: str | None = None) -> Deadline | None:
        """Start `limit` for the case; None (nothing written) if the case has it already."""
        counted = due(limit.span, started_at, limit.warn_before, calendar)
        row = {"id": str(uuid.uuid4()), "case_id": case_id, "region": region, "org_unit": org_unit,
               "limit_id": limit.id, "rule": limit.rule, "name": limit.name, "clause": limit.source[:300],
               "watches": watches[:200], "stop": ",".join(limit.stop), "unit": limit.unit, "amount": limit.amount,
               "lead_unit": limit.warn_before.unit, "lead_amount": limit.warn_before.amount,
               "started_at": started_at, "due": counted.at, "warn_at": counted.warn_at, "next_at": counted.warn_at,
               "calendar_complete": counted.calendar_complete, "calendar_version": counted.calendar_version,
               "warned_at": None, "breached_at": None, "closed_at": None, "correlation_id": correlation_id,
               "revision": 1}
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, self.t), row)
        if result.rowcount != 1:
            return None
        self._on_change()
        return Deadline.from_row(row)

    async def of_case(self, case_id: str) -> list[Deadline]:
        rows = await self.conn.execute(select(self.t).where(self.t.c.case_id == case_id).order_by(self.t.c.started_at,
                                                                                                  self.t.c.limit_id))
        return [Deadline.from_row(r) for r in rows]

    async def close(self, case_id: str, *, stopped_by: str, at: datetime) -> list[Deadline]:
        """Close the case's open deadlines that `stopped_by` (an event type) satisfies, at `at`."""
        open_ = await self.conn.execute(self._statements.open_of_case, {"b_case_id": case_id})
        ids = [r.id for r in open_ if stopped_by in r.stop.split(",")]
        if not ids:
            return []
        rows = await self.conn.execute(self._statements.close_ids, {"b_ids": ids, "v_closed_at": at})
        return [Deadline.from_row(r) for r in rows]

    async def reassign(self, case_id: str, org_unit: str | None) -> list[Deadline]:
        """Hand the case's open deadlines to another org unit (a complaint the district assigns
        elsewhere): what they fire later names the unit that now answers for them."""
        t = self.t
        rows = await self.conn.execute(
            update(t).where(t.c.case_id == case_id, t.c.closed_at.is_(None), t.c.org_unit.is_distinct_from(org_unit))
            .values(org_unit=org_unit, revision=t.c.revision + 1).returning(*t.c))
        return [Deadline.from_row(r) for r in rows]

    async def extend(self, case_id: str, limit: TimeLimit, condition_length: int,
                     calendar: WorkingCalendar) -> Deadline | None:
        """Apply the limit's extension (e.g. DT-MEANS-15D: verification took `condition_length`
        days): the deadline is counted again with the extended amount, never beyond it."""
        amount = limit.extended(condition_length)
        row = (await self.conn.execute(select(self.t).where(self.t.c.case_id == case_id,
                                                            self.t.c.limit_id == limit.id))).first()
        if row is None or row.closed_at is not None or row.amount == amount:
            return None
        return await self._recount(Deadline.from_row(row), Span(amount, limit.unit), calendar)

    async def recount_incomplete(self, calendar: WorkingCalendar) -> list[Deadline]:
        """Count again every open deadline counted on an incomplete calendar; those whose holiday
        data changed are updated (compare-and-set on their revision) and returned."""
        rows = await self.conn.execute(select(self.t).where(self.t.c.calendar_complete.is_(False),
                                                            self.t.c.closed_at.is_(None)))
        changed = []
        for row in rows.all():
            d = Deadline.from_row(row)
            recounted = await self._recount(d, d.span, calendar)
            if recounted is not None:
                changed.append(recounted)
        return changed

    async def _recount(self, d: Deadline, span: Span, calendar: WorkingCalendar) -> Deadline | None:
        counted = due(span, d.started_at, d.warn_before, calendar)
        if counted.calendar_version == d.calendar_version and span == d.span:
            return None
        t = self.t
        next_at = None if d.breached_at else (counted.warn_at if d.warned_at is None else counted.at)
        result = await self.conn.execute(
            update(t).where(t.c.id == d.id, t.c.revision == d.revision)
            .values(due=counted.at, warn_at=counted.warn_at, next_at=next_at, amount=span.amount,
                    calendar_complete=counted.calendar_complete, calendar_version=counted.calendar_version,
                    revision=t.c.revision + 1).returning(*t.c))
        row = result.first()
        if row is None:
            return None
        self._on_change()
        return Deadline.from_row(row)

    async def claim(self, now: datetime, batch: int) -> list[tuple[str, Deadline]]:
        """Claim what is due at `now`: warnings first, then breaches (so a case's `due_soon` is
        always recorded before its `breached`). Only rows this call changed come back."""
        t = self.t
        claimed: list[tuple[str, Deadline]] = []
        warn = await self.conn.execute(_warn(t, self.conn.dialect.name), {"b_now": now, "b_batch": batch})
        claimed += [("due_soon", Deadline.from_row(r)) for r in warn]
        breach = await self.conn.execute(_breach(t, self.conn.dialect.name), {"b_now": now, "b_batch": batch})
        claimed += [("breached", Deadline.from_row(r)) for r in breach]
        return claimed

    async def next_at(self) -> datetime | None:
        return await self.conn.scalar(select(func.min(self.t.c.next_at)))

    async def incomplete_summary(self) -> dict[str, Any]:
        """For the ops alert: how many open deadlines wait for holiday data, by holiday data."""
        t = self.t
        rows = await self.conn.execute(
            select(t.c.calendar_version, func.count()).where(t.c.calendar_complete.is_(False), t.c.closed_at.is_(None))
            .group_by(t.c.calendar_version))
        return {version: count for version, count in rows}


def _pending(t: Table, dialect: str, *conditions: Any) -> Any:
    query = (select(t.c.id).where(t.c.next_at <= bindparam("b_now"), *conditions)
             .order_by(t.c.next_at).limit(bindparam("b_batch")))
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)  # two replicas take different rows
    return query.scalar_subquery()


def _warn(t: Table, dialect: str) -> Any:
    return (update(t).where(t.c.id.in_(_pending(t, dialect, t.c.warned_at.is_(None))), t.c.warned_at.is_(None),
                            t.c.closed_at.is_(None))
            .values(warned_at=bindparam("b_now"), next_at=case((t.c.breached_at.is_(None), t.c.due), else_=None),
                    revision=t.c.revision + 1)
            .returning(*t.c))


def _breach(t: Table, dialect: str) -> Any:
    ready = and_(t.c.warned_at.is_not(None), t.c.breached_at.is_(None))
    return (update(t).where(t.c.id.in_(_pending(t, dialect, ready)), ready, t.c.closed_at.is_(None),
                            t.c.due <= bindparam("b_now"))
            .values(breached_at=bindparam("b_now"), next_at=None, revision=t.c.revision + 1)
            .returning(*t.c))


PAYLOADS = {"opened": events.DeadlineOpened, "due_soon": events.DeadlineDueSoon,
            "breached": events.DeadlineBreached, "closed": events.DeadlineClosed,
            "rescheduled": events.DeadlineRescheduled}


def envelope(kind: str, d: Deadline, *, service: str, cause: Envelope[Any] | None = None) -> Envelope[Any]:
    """The deadline's event of `kind` (opened, due_soon, breached, closed, rescheduled)."""
    late = d.late_by
    payload = PAYLOADS[kind](
        deadline_id=d.id, limit=d.limit_id, rule=d.rule, name=d.name, clause=d.clause, service=service,
        org_unit=d.org_unit, watches=d.watches, unit=d.span.unit, amount=d.span.amount,
        started_at=_local(d.started_at), due=_local(d.due), warn_at=_local(d.warn_at), state=d.state, met=d.met,
        late_by_seconds=int(late.total_seconds()) if late else None, warned_at=_local(d.warned_at),
        breached_at=_local(d.breached_at), closed_at=_local(d.closed_at), calendar_complete=d.calendar_complete,
        calendar_version=d.calendar_version, revision=d.revision, escalate_to=ESCALATE_TO)
    return Envelope.new(payload, case_id=d.case_id, region=d.region, source=service, cause=cause,
                        correlation_id=None if cause else d.correlation_id)


def _local(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(SHANGHAI)
