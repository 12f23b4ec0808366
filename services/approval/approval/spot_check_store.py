"""The spot checks' tables (DT-SPOT): each month's draw per street and programme with its seed and
population, and the district's review task for each drawn case."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, and_, func, select,
                        update)
from sqlalchemy.ext.asyncio import AsyncConnection

from approval.schema import metadata
from relief_shared.db import UtcDateTime, insert_if_absent

spot_checks = Table(
    "spot_checks", metadata,
    Column("id", String(36), primary_key=True),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100), nullable=False),
    Column("month", String(7), nullable=False),
    Column("programme", String(32), nullable=False),
    Column("rate", String(10), nullable=False),
    Column("seed", String(128), nullable=False),
    Column("algorithm", String(300), nullable=False),
    Column("population", Text, nullable=False),  # JSON: the sorted case ids
    Column("sample", Text, nullable=False),  # JSON: the drawn case ids, sorted
    Column("drawn_at", UtcDateTime(), nullable=False),
    Column("drawn_by_id", String(100), nullable=False),
    Column("drawn_by_name", String(100), nullable=False),
    UniqueConstraint("region", "org_unit", "month", "programme"),  # once per month, street and programme
)

spot_check_reviews = Table(
    "spot_check_reviews", metadata,
    Column("id", String(36), primary_key=True),
    Column("spot_check_id", String(36), ForeignKey("spot_checks.id"), nullable=False),
    Column("case_id", String(64), nullable=False),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100), nullable=False),
    Column("role", String(32), nullable=False),
    Column("status", String(20), nullable=False),  # open | done
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("outcome", String(20)),  # confirmed | irregular
    Column("comment", Text),
    Column("actor_id", String(100)),
    Column("actor_name", String(100)),
    Column("decided_at", UtcDateTime()),
    UniqueConstraint("spot_check_id", "case_id"),
    Index("ix_spot_check_reviews_inbox", "status", "role", "region"),
)


@dataclass(frozen=True)
class SpotCheck:
    id: str
    region: str
    org_unit: str
    month: str
    programme: str
    rate: Decimal
    seed: str
    algorithm: str
    population: tuple[str, ...]
    sample: tuple[str, ...]
    drawn_at: datetime
    drawn_by: dict[str, str]


@dataclass(frozen=True)
class Review:
    id: str
    spot_check_id: str
    case_id: str
    region: str
    org_unit: str
    role: str
    status: str
    opened_at: datetime
    outcome: str | None
    comment: str | None
    actor: dict[str, str] | None
    decided_at: datetime | None
    month: str | None = None


class SpotChecks:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def population(self, *, region: str, org_unit: str, start: datetime, end: datetime,
                         approvals: Table, tasks: Table) -> list[tuple[str, str]]:
        """(case id, case type) of the street's cases approved within [start, end): the last
        approving decision falls in the month (Interpretation of 新增对象, in the region pack)."""
        last = func.max(tasks.c.decided_at)
        query = (select(approvals.c.case_id, approvals.c.type)
                 .join(tasks, tasks.c.case_id == approvals.c.case_id)
                 .where(approvals.c.region == region, approvals.c.org_unit == org_unit,
                        approvals.c.status == "approved", tasks.c.status == "approved")
                 .group_by(approvals.c.case_id, approvals.c.type)
                 .having(and_(last >= start, last < end)))
        return [(r.case_id, r.type) for r in await self.conn.execute(query)]

    async def add(self, check: SpotCheck, *, role: str) -> bool:
        """The draw and a review task per drawn case; False (nothing written) if the month's draw
        for this street and programme exists already."""
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, spot_checks), dict(
            id=check.id, region=check.region, org_unit=check.org_unit, month=check.month, programme=check.programme,
            rate=str(check.rate), seed=check.seed, algorithm=check.algorithm,
            population=json.dumps(list(check.population)), sample=json.dumps(list(check.sample)),
            drawn_at=check.drawn_at, drawn_by_id=check.drawn_by["id"], drawn_by_name=check.drawn_by["name"]))
        if result.rowcount != 1:
            return False
        if check.sample:
            await self.conn.execute(spot_check_reviews.insert(), [dict(
                id=str(uuid.uuid4()), spot_check_id=check.id, case_id=case_id, region=check.region,
                org_unit=check.org_unit, role=role, status="open", opened_at=check.drawn_at)
                for case_id in check.sample])
        return True

    async def find(self, *, region: str, month: str | None = None, org_unit: str | None = None,
                   programme: str | None = None, check_id: str | None = None) -> list[SpotCheck]:
        c = spot_checks.c
        conditions = [c.region == region]
        for column, value in ((c.month, month), (c.org_unit, org_unit), (c.programme, programme), (c.id, check_id)):
            if value is not None:
                conditions.append(column == value)
        rows = await self.conn.execute(select(spot_checks).where(*conditions)
                                       .order_by(c.month, c.org_unit, c.programme))
        return [_check(r) for r in rows.mappings()]

    async def reviews(self, check_ids: list[str]) -> list[Review]:
        if not check_ids:
            return []
        rows = await self.conn.execute(select(spot_check_reviews).where(spot_check_reviews.c.spot_check_id.in_(check_ids))
                                       .order_by(spot_check_reviews.c.case_id))
        return [_review(r) for r in rows.mappings()]

    async def open_reviews(self, *, roles: list[str], region: str) -> list[Review]:
        r = spot_check_reviews.c
        rows = await self.conn.execute(
            select(spot_check_reviews, spot_checks.c.month).join(spot_checks, spot_checks.c.id == r.spot_check_id)
            .where(r.status == "open", r.region == region, r.role.in_(roles)).order_by(r.opened_at, r.case_id))
        return [_review(row) for row in rows.mappings()]

    async def finish_review(self, check_id: str, case_id: str, *, outcome: str, comment: str, actor: dict[str, str],
                            at: datetime) -> bool:
        r = spot_check_reviews.c
        result = await self.conn.execute(update(spot_check_reviews).where(
            r.spot_check_id == check_id, r.case_id == case_id, r.status == "open").values(
            status="done", outcome=outcome, comment=comment, actor_id=actor["id"], actor_name=actor["name"],
            decided_at=at))
        return result.rowcount == 1


def _check(row: Any) -> SpotCheck:
    return SpotCheck(id=row["id"], region=row["region"], org_unit=row["org_unit"], month=row["month"],
                     programme=row["programme"], rate=Decimal(row["rate"]), seed=row["seed"],
                     algorithm=row["algorithm"], population=tuple(json.loads(row["population"])),
                     sample=tuple(json.loads(row["sample"])), drawn_at=row["drawn_at"],
                     drawn_by={"id": row["drawn_by_id"], "name": row["drawn_by_name"]})


def _review(row: Any) -> Review:
    actor = {"id": row["actor_id"], "name": row["actor_name"]} if row["actor_id"] else None
    return Review(id=row["id"], spot_check_id=row["spot_check_id"], case_id=row["case_id"], region=row["region"],
                  org_unit=row["org_unit"], role=row["role"], status=row["status"], opened_at=row["opened_at"],
                  outcome=row["outcome"], comment=row["comment"], actor=actor, decided_at=row["decided_at"],
                  month=row.get("month"))
