"""Re-checks of approved recipients (ANY-RECHECK, DT-CASE-RECHECK): one row each, with the day it
is due and the day it enters the street's inbox; its durable deadline row (the `deadlines`
table) warns and escalates to the district if it is late."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Column, Date, Index, Integer, String, Table, Text, UniqueConstraint, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from approval.schema import metadata
from relief_shared.db import UtcDateTime

rechecks = Table(
    "rechecks", metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("clause", String(400), nullable=False),
    Column("role", String(32), nullable=False),
    Column("round", Integer, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("visible_from", Date, nullable=False),
    Column("status", String(20), nullable=False),  # open | done | cancelled (the status ended)
    Column("outcome", String(20)),  # unchanged | changed
    Column("comment", Text),
    Column("actor_id", String(100)),
    Column("actor_name", String(100)),
    Column("done_at", UtcDateTime()),
    Column("opened_at", UtcDateTime(), nullable=False),
    UniqueConstraint("case_id", "rule", "round"),
    Index("ix_rechecks_inbox", "status", "region", "org_unit"),
)


@dataclass(frozen=True)
class RecheckRow:
    id: str
    case_id: str
    region: str
    org_unit: str
    rule: str
    clause: str
    role: str
    round: int
    due_on: date
    visible_from: date
    status: str
    outcome: str | None
    comment: str | None
    actor: dict[str, str] | None
    done_at: datetime | None
    opened_at: datetime


class Rechecks:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, row: dict) -> None:
        await self.conn.execute(rechecks.insert(), {**row, "status": "open"})

    async def of_case(self, case_id: str, *, region: str) -> list[RecheckRow]:
        rows = await self.conn.execute(select(rechecks).where(rechecks.c.case_id == case_id, rechecks.c.region == region)
                                       .order_by(rechecks.c.due_on, rechecks.c.round))
        return [_row(r) for r in rows.mappings()]

    async def due_for(self, *, roles: list[str], region: str, org_unit: str | None, today: date) -> list[RecheckRow]:
        """Open re-checks in the caller's inbox: their role, their org unit (the district: the
        region), from the day they become visible."""
        c = rechecks.c
        query = select(rechecks).where(c.status == "open", c.region == region, c.role.in_(roles),
                                       c.visible_from <= today)
        if "district" not in roles:
            query = query.where(c.org_unit == org_unit)
        rows = await self.conn.execute(query.order_by(c.due_on, c.case_id))
        return [_row(r) for r in rows.mappings()]

    async def finish(self, recheck_id: str, *, outcome: str, comment: str, actor: dict[str, str], at: datetime) -> bool:
        result = await self.conn.execute(update(rechecks).where(rechecks.c.id == recheck_id, rechecks.c.status == "open")
                                         .values(status="done", outcome=outcome, comment=comment, actor_id=actor["id"],
                                                 actor_name=actor["name"], done_at=at))
        return result.rowcount == 1

    async def cancel_open(self, case_id: str, *, at: datetime, why: str) -> list[str]:
        open_ids = [r.id for r in await self.of_case_any_region(case_id) if r.status == "open"]
        if open_ids:
            await self.conn.execute(update(rechecks).where(rechecks.c.id.in_(open_ids))
                                    .values(status="cancelled", comment=why, done_at=at))
        return open_ids

    async def of_case_any_region(self, case_id: str) -> list[RecheckRow]:
        rows = await self.conn.execute(select(rechecks).where(rechecks.c.case_id == case_id))
        return [_row(r) for r in rows.mappings()]


def _row(r) -> RecheckRow:  # noqa: ANN001 - a row mapping
    actor = {"id": r["actor_id"], "name": r["actor_name"]} if r["actor_id"] else None
    return RecheckRow(id=r["id"], case_id=r["case_id"], region=r["region"], org_unit=r["org_unit"], rule=r["rule"],
                      clause=r["clause"], role=r["role"], round=r["round"], due_on=r["due_on"],
                      visible_from=r["visible_from"], status=r["status"], outcome=r["outcome"], comment=r["comment"],
                      actor=actor, done_at=r["done_at"], opened_at=r["opened_at"])
