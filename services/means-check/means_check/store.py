"""means-check's tables and the repositories its unit of work carries."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (BigInteger, Boolean, Column, Date, Index, Integer, String, Table, Text, bindparam, insert,
                        select)
from sqlalchemy.ext.asyncio import AsyncConnection

from means_check.access_log import AccessLog, access_log, access_log_head
from means_check.policy import Scope
from means_check.verifications import Figures, Members, Requests, Verifications
from relief_shared import db
from relief_shared.db import UtcDateTime, new_metadata
from relief_shared.deadlines import SIGNAL, DeadlineTable, Deadlines
from relief_shared.plumbing import Plumbing

metadata = new_metadata()
plumbing = Plumbing(metadata)
deadlines = DeadlineTable(metadata)

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

verifications = Table(
    "verifications", metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(64), nullable=False, index=True),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(128)),
    Column("applies_for", String(30)),
    Column("scope", String(20), nullable=False),  # full | expenditure
    Column("sources", String(400), nullable=False),
    Column("status", String(20), nullable=False),  # verifying | completed | partial | consent_missing
    Column("origin", String(20), nullable=False),  # intake | request
    Column("purpose", String(200), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("requested_by_name", String(200), nullable=False),
    Column("consent_signed_on", Date),
    Column("consent_scope", String(400), nullable=False),
    Column("household_size", Integer, nullable=False),
    Column("rules", String(200), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("deadline_at", UtcDateTime()),
    Column("finished_at", UtcDateTime()),
    Column("result", Text),
    Column("purged_at", UtcDateTime()),
    Column("correlation_id", String(64)),
    Index("ix_verifications_status_deadline_at", "status", "deadline_at"),
    Index("ix_verifications_finished_at", "finished_at"),
)

verification_members = Table(
    "verification_members", metadata,
    Column("verification_id", String(36), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("id_number", String(18)),  # needed to ask the departments; removed with the results
    Column("masked", String(18), nullable=False),
    Column("relation", String(20), nullable=False),
    Column("adult", Boolean, nullable=False),
)

source_requests = Table(
    "source_requests", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("verification_id", String(36), nullable=False, index=True),
    Column("source", String(40), nullable=False),
    Column("position", Integer, nullable=False),
    # pending | in_flight | waiting (a ticket) | answered | not_found | failed | not_asked | abandoned
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", UtcDateTime()),  # business time: when to call (again)
    Column("lease_until", UtcDateTime()),  # real time: an in-flight call not written back by then is claimed again
    Column("claim", String(36)),
    Column("ticket", String(200)),
    Column("reference", String(100)),
    Column("error", String(300)),
    Column("settled_at", UtcDateTime()),
    Index("ix_source_requests_status_next_at", "status", "next_at"),
)

figures = Table(
    "figures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("verification_id", String(36), nullable=False, index=True),
    Column("source", String(40), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("member", String(18), nullable=False),
    Column("category", String(40), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("monthly_fen", BigInteger),
    Column("value_fen", BigInteger),
    Column("count", Integer),
    Column("note", String(100), nullable=False),
)

access_log(metadata)
access_log_head(metadata)

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
    verifications: Verifications
    members: Members
    requests: Requests
    figures: Figures
    access_log: AccessLog
    deadlines: Deadlines

    def bind(self, conn: AsyncConnection) -> None:
        self.checks = Checks(conn)
        self.verifications = Verifications(conn, verifications)
        self.members = Members(conn, verification_members)
        self.requests = Requests(conn, source_requests)
        self.figures = Figures(conn, figures)
        self.access_log = AccessLog(conn, metadata.tables["access_log"], metadata.tables["access_log_head"])
        self.deadlines = Deadlines(conn, deadlines, on_change=lambda: self.signal_after_commit(SIGNAL))
