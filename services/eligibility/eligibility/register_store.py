"""The status register's tables: each person's current dibao / marginal / tekun status per region
(DT-NO-PAPER), and the log of every lookup of it (who, department, when, purpose)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from relief_shared.db import UtcDateTime, insert_if_absent
from relief_shared.plumbing import SeqId
from sqlalchemy import (Boolean, Column, Date, Index, Integer, String, Table, bindparam, func, insert, select,
                        update)
from sqlalchemy.ext.asyncio import AsyncConnection

from eligibility.store import metadata

status_register = Table(
    "status_register", metadata,
    Column("id_number", String(18), primary_key=True),
    Column("region", String(64), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("status", String(16), nullable=False),  # dibao | marginal | tekun | none
    Column("since", Date, nullable=False),
    Column("org_unit", String(128)),
    Column("event_id", String(36), nullable=False),  # the status.changed this entry comes from
    Column("event_at", UtcDateTime(), nullable=False),  # its occurred_at: the tie-break after `since`
    Column("case_id", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    # the entry it replaced: still in force until `since` when a change is decided ahead of its day
    Column("previous", String(16)),
    Column("previous_since", Date),
)

status_lookups = Table(
    "status_lookups", metadata,
    Column("id", SeqId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("region", String(64), nullable=False),  # the region looked in (the caller's)
    Column("id_number", String(18), nullable=False),  # whom they looked up
    Column("by_sub", String(128), nullable=False),
    Column("by_name", String(128), nullable=False),
    Column("roles", String(200), nullable=False),
    Column("department", String(64)),  # a partner department's `department` claim
    Column("org_unit", String(128)),
    Column("purpose", String(200), nullable=False),
    Column("found", Boolean, nullable=False),  # whether the register had an entry (not what it said)
    Index("ix_status_lookups_region_at", "region", "at"),
    Index("ix_status_lookups_id_number", "id_number"),
)

# Built once: the lookup is the hot path (the benchmark's), and building a statement costs more
# than running it.
_select_entry = select(status_register).where(status_register.c.id_number == bindparam("b_id"),
                                              status_register.c.region == bindparam("b_region"))
_select_answers = select(status_register.c.id_number, status_register.c.region, status_register.c.status,
                         status_register.c.since, status_register.c.previous,
                         status_register.c.previous_since).where(status_register.c.id_number.in_(bindparam("b_ids",
                                                                                                   expanding=True)))
_select_entries = select(status_register).where(status_register.c.id_number.in_(bindparam("b_ids", expanding=True)),
                                                status_register.c.region == bindparam("b_region"))
_insert_entry = insert(status_register)
_update_entry = update(status_register).where(
    status_register.c.id_number == bindparam("b_id"), status_register.c.region == bindparam("b_region"),
    status_register.c.revision == bindparam("b_revision"))
_insert_lookup = insert(status_lookups)


@dataclass(frozen=True)
class Entry:
    """What the lookup needs of an entry: the status from `since`, and before it the previous one."""

    status: str
    since: date
    previous: str | None
    previous_since: date | None

    def on(self, day: date) -> tuple[str, date | None]:
        """The status in force on `day` (a change decided ahead of its day is not in force yet)."""
        if self.since <= day or self.previous is None:
            return self.status, self.since
        return self.previous, self.previous_since


class StaleEntry(RuntimeError):
    """Another writer changed the entry between read and write: the event is retried (transient)."""


class StatusRegister:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def get(self, id_number: str, region: str) -> Any:
        return (await self.conn.execute(_select_entry, {"b_id": id_number, "b_region": region})).first()

    async def entries(self, id_numbers: list[str], region: str) -> dict[str, Any]:
        """The entries of many people of one region, by ID number (chunks keep the IN list short)."""
        found: dict[str, Any] = {}
        for start in range(0, len(id_numbers), 500):
            rows = await self.conn.execute(_select_entries, {"b_ids": id_numbers[start:start + 500], "b_region": region})
            found.update({row.id_number: row for row in rows})
        return found

    async def answers(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Entry]:
        """Many people's entries at once, by (id_number, region)."""
        if not keys:
            return {}
        rows = await self.conn.execute(_select_answers, {"b_ids": sorted({k[0] for k in keys})})
        return {(r.id_number, r.region): Entry(r.status, r.since, r.previous, r.previous_since)
                for r in rows if (r.id_number, r.region) in keys}

    async def put(self, *, seen: Any, id_number: str, region: str, name: str, status: str, since: date,
                  org_unit: str | None, event_id: str, event_at: datetime, case_id: str) -> None:
        """Write the entry over `seen` (the row read in this transaction, or None); StaleEntry when
        another writer got there first (compare-and-set on the revision)."""
        values = dict(name=name, status=status, since=since, org_unit=org_unit, event_id=event_id,
                      event_at=event_at, case_id=case_id, previous=seen.status if seen is not None else None,
                      previous_since=seen.since if seen is not None else None)
        if seen is None:
            result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, status_register),
                                             dict(values, id_number=id_number, region=region, revision=1))
        else:
            result = await self.conn.execute(_update_entry.values(**values, revision=seen.revision + 1),
                                             {"b_id": id_number, "b_region": region, "b_revision": seen.revision})
        if result.rowcount != 1:
            raise StaleEntry(f"status of {id_number[:6]}… in {region} changed meanwhile")

    async def count(self, region: str) -> int:
        return await self.conn.scalar(select(func.count()).select_from(status_register)
                                      .where(status_register.c.region == region))


class StatusLookups:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, rows: list[dict[str, Any]]) -> None:
        await self.conn.execute(_insert_lookup, rows)

    async def page(self, *, region: str, id_number: str | None, by: str | None, department: str | None,
                   since: datetime | None, until: datetime | None, page: int, size: int) -> tuple[list[Any], int]:
        t = status_lookups
        where = [t.c.region == region]
        if id_number:
            where.append(t.c.id_number == id_number)
        if by:
            where.append(t.c.by_sub == by)
        if department:
            where.append(t.c.department == department)
        if since:
            where.append(t.c.at >= since)
        if until:
            where.append(t.c.at < until)
        total = await self.conn.scalar(select(func.count()).select_from(t).where(*where))
        rows = (await self.conn.execute(select(t).where(*where).order_by(t.c.at.desc(), t.c.id.desc())
                                        .limit(size).offset((page - 1) * size))).all()
        return rows, total
