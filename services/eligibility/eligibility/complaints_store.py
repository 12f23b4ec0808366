"""The complaints and tip-offs table (LF-COMPLAINT): each one recorded with whom it is assigned
to, its verification and its answer. The complainant's contact stays in this row alone."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from relief_shared.db import UtcDateTime
from sqlalchemy import JSON, Boolean, Column, Index, String, Table, Text, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from eligibility.store import metadata

complaints = Table(
    "complaints", metadata,
    Column("complaint_id", String(64), primary_key=True),
    Column("region", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # complaint | tip_off
    Column("channel", String(32), nullable=False),
    Column("channel_ref", String(100)),
    Column("status", String(16), nullable=False),  # assigned | verified | answered
    Column("assigned_to", String(128)),  # an org unit; None: the district
    Column("case_id", String(64)),
    Column("subject", String(200), nullable=False),
    Column("detail", Text, nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("complainant", JSON),  # {"name", "phone"}; None when anonymous
    Column("received_by", String(128), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("history", JSON, nullable=False),  # [{"at", "action", "by", ...}]: who assigned, verified, answered
    Column("verification", JSON),  # {"substantiated", "finding", "by", "at"}
    Column("answer", JSON),  # {"text", "channel", "by", "at"}
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_complaints_region_status", "region", "status"),
)


class Complaints:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, row: dict[str, Any]) -> None:
        await self.conn.execute(insert(complaints), row)

    async def get(self, complaint_id: str, *, region: str) -> Any:
        return (await self.conn.execute(select(complaints).where(complaints.c.complaint_id == complaint_id,
                                                                 complaints.c.region == region))).first()

    async def change(self, complaint_id: str, *, was: datetime, **values: Any) -> bool:
        """Compare-and-set on `updated_at`: False when another request changed it first."""
        result = await self.conn.execute(update(complaints).where(complaints.c.complaint_id == complaint_id,
                                                                  complaints.c.updated_at == was).values(**values))
        return result.rowcount == 1

    async def page(self, *, region: str, status: str | None, assigned_to: str | None, page: int,
                   size: int) -> tuple[list[Any], int]:
        t = complaints
        where = [t.c.region == region]
        if status:
            where.append(t.c.status == status)
        if assigned_to:
            where.append(t.c.assigned_to == assigned_to)
        total = await self.conn.scalar(select(func.count()).select_from(t).where(*where))
        rows = (await self.conn.execute(select(t).where(*where).order_by(t.c.received_at.desc(), t.c.complaint_id)
                                        .limit(size).offset((page - 1) * size))).all()
        return rows, total
