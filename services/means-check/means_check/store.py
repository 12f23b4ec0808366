"""means-check's table and the repository its unit of work carries."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, String, Table, Text, bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from means_check.policy import Scope
from relief_shared import db
from relief_shared.db import UtcDateTime, new_metadata
from relief_shared.plumbing import Plumbing

metadata = new_metadata()
plumbing = Plumbing(metadata)

means_checks = Table(
    "means_checks", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("region", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("scope", String(200), nullable=False),
    Column("rules", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)


_insert = insert(means_checks)
_select = select(means_checks).where(means_checks.c.case_id == bindparam("b_case_id"),
                                     means_checks.c.region == bindparam("b_region"))


class Checks:
    """What verification each case needs, and the rule that decided it."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, *, case_id: str, region: str, scope: Scope) -> None:
        await self.conn.execute(_insert, dict(
            case_id=case_id, region=region, status=scope.status, scope=scope.scope,
            rules=",".join(scope.rules), reason=scope.reason, recorded_at=datetime.now(timezone.utc),
        ))

    async def get(self, case_id: str, *, region: str) -> dict | None:
        row = (await self.conn.execute(_select, {"b_case_id": case_id, "b_region": region})).mappings().first()
        if row is None:
            return None
        return {**row, "rules": row["rules"].split(","), "recorded_at": row["recorded_at"].isoformat()}


class UnitOfWork(db.UnitOfWork):
    checks: Checks

    def bind(self, conn: AsyncConnection) -> None:
        self.checks = Checks(conn)
