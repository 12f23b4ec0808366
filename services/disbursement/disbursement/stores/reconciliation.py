"""A day's reconciliation and its breaks; re-running a day adds only breaks not yet recorded."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.tables import reconciliation_breaks, reconciliations
from relief_shared.db import insert_if_absent

rc, b = reconciliations.c, reconciliation_breaks.c


class Reconciliations:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def record(self, day: date, *, statement: str, credits: int, matched: int, at: datetime) -> None:
        await self.conn.execute(delete(reconciliations).where(rc.day == day))
        breaks = await self.conn.scalar(select(func.count()).select_from(reconciliation_breaks).where(b.day == day))
        await self.conn.execute(reconciliations.insert().values(day=day, statement=statement, credits=credits,
                                                                matched=matched, breaks=breaks, reconciled_at=at))

    async def add_break(self, row: dict[str, Any]) -> bool:
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, reconciliation_breaks), row)
        return result.rowcount == 1

    async def get(self, day: date) -> tuple[Any, list[Any]] | None:
        head = (await self.conn.execute(select(reconciliations).where(rc.day == day))).first()
        if head is None:
            return None
        rows = (await self.conn.execute(select(reconciliation_breaks).where(b.day == day).order_by(b.id))).all()
        return head, rows
