"""benefit-calc's table and the repository its unit of work carries."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import BigInteger, Column, String, Table, Text, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from benefit_calc.policy import Calculation
from relief_shared import db
from relief_shared.db import UtcDateTime, new_metadata
from relief_shared.plumbing import Plumbing

metadata = new_metadata()
plumbing = Plumbing(metadata)

calculations = Table(
    "calculations", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("region", String(64), nullable=False),
    Column("type", String(20), nullable=False),
    Column("ceiling_fen", BigInteger, nullable=False),
    Column("recommended_fen", BigInteger, nullable=False),
    Column("result", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)


_insert = insert(calculations)
_exists = select(calculations.c.case_id).where(calculations.c.case_id == bindparam("b_case_id"))
_select = select(calculations).where(calculations.c.case_id == bindparam("b_case_id"),
                                     calculations.c.region == bindparam("b_region"))


class Calculations:
    """One calculation per case, as it was when the case reached benefit-calc."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, *, case_id: str, region: str, calculation: Calculation, result: dict[str, Any]) -> None:
        await self.conn.execute(_insert, dict(
            case_id=case_id, region=region, type=calculation.type, ceiling_fen=calculation.ceiling.fen,
            recommended_fen=calculation.recommended.fen, result=json.dumps(result, ensure_ascii=False),
            created_at=datetime.now(timezone.utc),
        ))

    async def exists(self, case_id: str) -> bool:
        return await self.conn.scalar(_exists, {"b_case_id": case_id}) is not None

    async def get(self, case_id: str, *, region: str) -> dict[str, Any] | None:
        row = (await self.conn.execute(_select, {"b_case_id": case_id, "b_region": region})).mappings().first()
        if row is None:
            return None
        return {"case_id": row["case_id"], "region": row["region"], **json.loads(row["result"]),
                "calculated_at": row["created_at"].isoformat()}


class UnitOfWork(db.UnitOfWork):
    calculations: Calculations

    def bind(self, conn: AsyncConnection) -> None:
        self.calculations = Calculations(conn)
