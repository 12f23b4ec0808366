"""The referrals table and its repository: one row per case and department, with the
department's acknowledgement, its answer and whether it was overdue or reported late.

Every change is a compare-and-set (`… WHERE acknowledged_at IS NULL`, `… WHERE completed_at IS
NULL`, `… WHERE overdue_at IS NULL`), so an event is owed exactly once however often a partner
retries or a scheduler replica claims. Reads always name the region, and a partner's reads also
its department, in the query: another department's referral is simply not there.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from relief_shared.db import UtcDateTime
from sqlalchemy import (JSON, Boolean, Column, Date, Index, MetaData, String, Table, Text, UniqueConstraint, select,
                        update)
from sqlalchemy.ext.asyncio import AsyncConnection

LIST_STATES = ("open", "requested", "acknowledged", "completed", "overdue")


def referrals_table(metadata: MetaData) -> Table:
    return Table(
        "referrals", metadata,
        Column("id", String(36), primary_key=True),
        Column("case_id", String(64), nullable=False),
        Column("region", String(64), nullable=False),
        Column("org_unit", String(128), nullable=False),
        Column("department", String(32), nullable=False),
        Column("rules", JSON, nullable=False),
        Column("reasons", JSON, nullable=False),
        Column("needs", JSON, nullable=False),
        Column("requested_at", UtcDateTime(), nullable=False),
        Column("due", UtcDateTime()),
        Column("acknowledged_at", UtcDateTime()),
        Column("acknowledged_by", String(200)),
        Column("completed_at", UtcDateTime()),  # when the result was reported
        Column("outcome", String(20)),
        Column("detail", Text),
        Column("finished_on", Date),
        Column("answered_by", String(200)),
        Column("feedback_due", UtcDateTime()),
        Column("late_feedback", Boolean),
        Column("overdue_at", UtcDateTime()),
        UniqueConstraint("case_id", "department"),
        Index("ix_referrals_region_department_requested_at", "region", "department", "requested_at"),
    )


def state_of(row: Any) -> str:
    if row.completed_at is not None:
        return "completed"
    return "acknowledged" if row.acknowledged_at is not None else "requested"


class Referrals:
    def __init__(self, conn: AsyncConnection, table: Table):
        self.conn, self.t = conn, table

    async def add(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.conn.execute(self.t.insert(), rows)

    async def of_case(self, case_id: str) -> list[Any]:
        t = self.t
        return (await self.conn.execute(select(t).where(t.c.case_id == case_id).order_by(t.c.requested_at,
                                                                                         t.c.department))).all()

    async def for_partner(self, *, region: str, department: str, state: str) -> list[Any]:
        t = self.t
        where = [t.c.region == region, t.c.department == department]
        where += {
            "open": [t.c.completed_at.is_(None)],
            "requested": [t.c.acknowledged_at.is_(None), t.c.completed_at.is_(None)],
            "acknowledged": [t.c.acknowledged_at.is_not(None), t.c.completed_at.is_(None)],
            "completed": [t.c.completed_at.is_not(None)],
            "overdue": [t.c.overdue_at.is_not(None), t.c.completed_at.is_(None)],
        }[state]
        return (await self.conn.execute(select(t).where(*where).order_by(t.c.requested_at, t.c.id))).all()

    async def get(self, referral_id: str, *, region: str, department: str) -> Any:
        t = self.t
        return (await self.conn.execute(select(t).where(t.c.id == referral_id, t.c.region == region,
                                                        t.c.department == department))).first()

    async def acknowledge(self, referral_id: str, *, at: datetime, by: str) -> bool:
        t = self.t
        result = await self.conn.execute(update(t).where(t.c.id == referral_id, t.c.acknowledged_at.is_(None),
                                                         t.c.completed_at.is_(None))
                                         .values(acknowledged_at=at, acknowledged_by=by))
        return result.rowcount == 1

    async def complete(self, referral_id: str, *, at: datetime, by: str, outcome: str, detail: str,
                       finished_on: date, feedback_due: datetime | None, late: bool | None) -> bool:
        t = self.t
        result = await self.conn.execute(update(t).where(t.c.id == referral_id, t.c.completed_at.is_(None)).values(
            completed_at=at, answered_by=by, outcome=outcome, detail=detail, finished_on=finished_on,
            feedback_due=feedback_due, late_feedback=late))
        if result.rowcount == 1:  # a result is an acknowledgement too, when none came before
            await self.conn.execute(update(t).where(t.c.id == referral_id, t.c.acknowledged_at.is_(None))
                                    .values(acknowledged_at=at, acknowledged_by=by))
        return result.rowcount == 1

    async def mark_overdue(self, case_id: str, department: str, at: datetime) -> Any:
        """The referral, if this call marked it overdue (it was open and not marked before)."""
        t = self.t
        rows = await self.conn.execute(update(t).where(t.c.case_id == case_id, t.c.department == department,
                                                       t.c.overdue_at.is_(None), t.c.completed_at.is_(None))
                                       .values(overdue_at=at).returning(*t.c))
        return rows.first()

    async def requested_between(self, region: str, start: datetime, end: datetime) -> list[Any]:
        t = self.t
        return (await self.conn.execute(select(t).where(t.c.region == region, t.c.requested_at >= start,
                                                        t.c.requested_at < end)
                                         .order_by(t.c.department, t.c.requested_at))).all()
