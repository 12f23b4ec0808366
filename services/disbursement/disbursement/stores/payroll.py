"""The payroll's roster (from `status.changed`) and its monthly runs.

A run is produced in chunks of the roster ordered by ID number; each chunk's payments and the
run's cursor commit together, so a crash resumes after the last committed chunk and the
payments' (month, person) key keeps anybody from being written twice.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.tables import payroll_runs, roster
from relief_shared.db import insert_if_absent

r, run = roster.c, payroll_runs.c


@dataclass(frozen=True)
class RosterEntry:
    id_number: str
    key: str
    region: str
    org_unit: str | None
    case_id: str
    name: str
    status: str
    dispersed: bool | None
    since: date
    monthly_fen: int | None
    bank_account: str | None
    deceased_on: date | None
    paid_status: str | None


@dataclass(frozen=True)
class Run:
    id: str
    region: str
    month: str
    status: str
    cursor: str
    produced: int
    skipped: int
    total_fen: int
    due: date
    rule: str
    created_at: datetime
    produced_at: datetime | None
    completed_at: datetime | None


def _entry(row: Any) -> RosterEntry:
    return RosterEntry(row.id_number, row.key, row.region, row.org_unit, row.case_id, row.name, row.status,
                       row.dispersed, row.since, row.monthly_fen, row.bank_account, row.deceased_on, row.paid_status)


def _run(row: Any) -> Run:
    return Run(row.id, row.region, row.month, row.status, row.cursor, row.produced, row.skipped, row.total_fen,
               row.due, row.rule, row.created_at, row.produced_at, row.completed_at)


class Roster:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def get(self, id_number: str) -> RosterEntry | None:
        row = (await self.conn.execute(select(roster).where(r.id_number == id_number))).first()
        return _entry(row) if row else None

    async def apply(self, values: dict[str, Any]) -> bool:
        """Insert or update a person's entry from an event; an older event than the one applied
        (redelivered out of order) changes nothing."""
        inserted = await self.conn.execute(insert_if_absent(self.conn.dialect.name, roster),
                                           {**values, "key": str(uuid.uuid4())})
        if inserted.rowcount == 1:
            return True
        changes = {k: v for k, v in values.items() if k != "id_number"}
        result = await self.conn.execute(update(roster).where(r.id_number == values["id_number"],
                                                              r.event_at <= values["event_at"]).values(**changes))
        return result.rowcount == 1

    async def add_many(self, rows: list[dict[str, Any]]) -> None:
        """Bulk load (benchmarks, ops imports)."""
        await self.conn.execute(insert_if_absent(self.conn.dialect.name, roster), rows)

    async def has_region(self, region: str) -> bool:
        return (await self.conn.execute(select(r.id_number).where(r.region == region).limit(1))).first() is not None

    async def chunk(self, region: str, after: str, limit: int) -> list[RosterEntry]:
        rows = await self.conn.execute(select(roster).where(r.region == region, r.id_number > after)
                                       .order_by(r.id_number).limit(limit))
        return [_entry(row) for row in rows]


class Runs:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, values: dict[str, Any]) -> bool:
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, payroll_runs), values)
        return result.rowcount == 1

    async def get(self, run_id: str, *, region: str | None = None) -> Run | None:
        query = select(payroll_runs).where(run.id == run_id)
        if region is not None:
            query = query.where(run.region == region)
        row = (await self.conn.execute(query)).first()
        return _run(row) if row else None

    async def of_month(self, region: str, month: str) -> Run | None:
        row = (await self.conn.execute(select(payroll_runs).where(run.region == region, run.month == month))).first()
        return _run(row) if row else None

    async def in_state(self, status: str) -> list[Run]:
        return [_run(row) for row in await self.conn.execute(
            select(payroll_runs).where(run.status == status).order_by(run.created_at))]

    async def advance(self, run_id: str, *, cursor_was: str, cursor: str, produced: int, skipped: int,
                      total_fen: int) -> bool:
        """Move the cursor past a chunk: compare-and-set on the cursor, so two producers never both
        count one chunk."""
        result = await self.conn.execute(update(payroll_runs).where(run.id == run_id, run.cursor == cursor_was,
                                                                    run.status == "producing").values(
            cursor=cursor, produced=run.produced + produced, skipped=run.skipped + skipped,
            total_fen=run.total_fen + total_fen))
        return result.rowcount == 1

    async def set_status(self, run_id: str, *, was: str, status: str, **values: Any) -> bool:
        result = await self.conn.execute(update(payroll_runs).where(run.id == run_id, run.status == was)
                                         .values(status=status, **values))
        return result.rowcount == 1
