"""Payment tasks: what a clerk or the district must act on. One open task per thing (`dedup`),
so a redelivered event or a second reconciliation run raises nothing twice."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.domain import Task
from disbursement.tables import tasks
from relief_shared.db import insert_if_absent

t = tasks.c


class Tasks:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def open(self, task: Task, dedup: str) -> bool:
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, tasks), dict(
            id=task.id, kind=task.kind, role=task.role, region=task.region, org_unit=task.org_unit,
            case_id=task.case_id, payment_id=task.payment_id, dedup=dedup[:120], detail=task.detail,
            rules=",".join(task.rules), opened_at=task.opened_at, closed_at=None))
        return result.rowcount == 1

    async def close_for_payment(self, payment_id: str, kind: str, at: datetime) -> int:
        result = await self.conn.execute(update(tasks).where(t.payment_id == payment_id, t.kind == kind,
                                                             t.closed_at.is_(None)).values(closed_at=at))
        return result.rowcount

    async def open_for(self, *, region: str, roles: list[str], org_unit: str | None, limit: int = 500) -> list[Task]:
        query = select(tasks).where(t.region == region, t.role.in_(roles), t.closed_at.is_(None))
        if org_unit is not None and "district" not in roles:
            query = query.where(t.org_unit == org_unit)
        rows = await self.conn.execute(query.order_by(t.opened_at).limit(limit))
        return [Task(r.id, r.kind, r.role, r.region, r.org_unit, r.case_id, r.payment_id, r.detail,
                     tuple(r.rules.split(",")) if r.rules else (), r.opened_at, r.closed_at) for r in rows]
