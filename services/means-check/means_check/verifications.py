"""Repositories of verifications, their members, their per-source requests and the figures
that came back."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

SETTLED = ("answered", "not_found", "failed", "not_asked", "abandoned")
CALLABLE = ("pending", "waiting")


class Verifications:
    def __init__(self, conn: AsyncConnection, table: Table):
        self.conn, self.t = conn, table

    async def add(self, row: dict[str, Any]) -> None:
        await self.conn.execute(self.t.insert(), row)

    async def get(self, verification_id: str, *, region: str | None) -> dict[str, Any] | None:
        query = select(self.t).where(self.t.c.id == verification_id)
        if region is not None:
            query = query.where(self.t.c.region == region)
        row = (await self.conn.execute(query)).mappings().first()
        return dict(row) if row else None

    async def many(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        rows = await self.conn.execute(select(self.t).where(self.t.c.id.in_(list(ids))))
        return {r["id"]: dict(r) for r in rows.mappings()}

    async def of_case(self, case_id: str, *, region: str) -> list[dict[str, Any]]:
        rows = await self.conn.execute(select(self.t.c.id, self.t.c.status, self.t.c.started_at)
                                       .where(self.t.c.case_id == case_id, self.t.c.region == region)
                                       .order_by(self.t.c.started_at))
        return [dict(r) for r in rows.mappings()]

    async def finish(self, verification_id: str, *, status: str, result: str, at: datetime) -> bool:
        """Compare-and-set: only a verification still running is finished, and only once."""
        done = await self.conn.execute(update(self.t).where(self.t.c.id == verification_id,
                                                            self.t.c.status == "verifying")
                                       .values(status=status, result=result, finished_at=at))
        return done.rowcount == 1

    async def overdue(self, now: datetime, limit: int) -> list[str]:
        rows = await self.conn.execute(select(self.t.c.id).where(self.t.c.status == "verifying",
                                                                 self.t.c.deadline_at <= now)
                                       .order_by(self.t.c.deadline_at).limit(limit))
        return list(rows.scalars())

    async def expired(self, before: datetime, limit: int) -> list[str]:
        rows = await self.conn.execute(select(self.t.c.id).where(self.t.c.finished_at <= before,
                                                                 self.t.c.purged_at.is_(None)).limit(limit))
        return list(rows.scalars())

    async def purge(self, ids: list[str], at: datetime) -> None:
        await self.conn.execute(update(self.t).where(self.t.c.id.in_(ids)).values(result=None, purged_at=at))


class Members:
    def __init__(self, conn: AsyncConnection, table: Table):
        self.conn, self.t = conn, table

    async def add(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.conn.execute(self.t.insert(), rows)

    async def of(self, verification_ids: Iterable[str]) -> dict[tuple[str, int], dict[str, Any]]:
        rows = await self.conn.execute(select(self.t).where(self.t.c.verification_id.in_(list(verification_ids))))
        return {(r["verification_id"], r["position"]): dict(r) for r in rows.mappings()}

    async def forget(self, verification_ids: list[str]) -> None:
        await self.conn.execute(update(self.t).where(self.t.c.verification_id.in_(verification_ids))
                                .values(id_number=None))


class Requests:
    def __init__(self, conn: AsyncConnection, table: Table):
        self.conn, self.t = conn, table

    async def add(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.conn.execute(self.t.insert(), rows)

    async def claim(self, *, now: datetime, real_now: datetime, lease_until: datetime, claim: str,
                    batch: int) -> list[dict[str, Any]]:
        """Take the requests due at `now` (and in-flight ones whose lease ran out: their caller
        died) for this process; only rows this statement changed come back."""
        taken: list[dict[str, Any]] = []
        for statement in _claims(self.t, self.conn.dialect.name):
            rows = await self.conn.execute(statement, {"b_now": now, "b_real": real_now, "b_batch": batch - len(taken),
                                                       "b_lease": lease_until, "b_claim": claim})
            taken += [dict(r) for r in rows.mappings()]
            if len(taken) >= batch:
                break
        return taken

    async def release(self, ids: list[int], next_at: datetime) -> None:
        """Hand back claimed requests that were not called (their source's breaker is open)."""
        t = self.t
        for status, has_ticket in (("waiting", t.c.ticket.is_not(None)), ("pending", t.c.ticket.is_(None))):
            await self.conn.execute(update(t).where(t.c.id.in_(ids), has_ticket)
                                    .values(status=status, next_at=next_at, claim=None, lease_until=None))

    async def settle(self, request_id: int, claim: str, values: dict[str, Any]) -> bool:
        """Write a call's outcome, unless the request was taken from this caller meanwhile."""
        t = self.t
        done = await self.conn.execute(update(t).where(t.c.id == request_id, t.c.claim == claim,
                                                       t.c.status == "in_flight")
                                       .values(claim=None, lease_until=None, **values))
        return done.rowcount == 1

    async def settle_many(self, outcomes: list[dict[str, Any]]) -> set[int]:
        """Write many calls' outcomes (each a full set of OUTCOME_COLUMNS with `id` and `claim`),
        skipping requests taken from this caller meanwhile; returns the ids written."""
        t = self.t
        if not outcomes:
            return set()
        held = set(await self.conn.scalars(select(t.c.id).where(
            t.c.id.in_([o["id"] for o in outcomes]), t.c.status == "in_flight",
            t.c.claim.in_({o["claim"] for o in outcomes}))))
        mine = [{f"b_{k}": v for k, v in o.items()} for o in outcomes if o["id"] in held]
        if mine:
            await self.conn.execute(_settle(t), mine)
        return {o["id"] for o in outcomes if o["id"] in held}

    async def of(self, verification_id: str) -> list[dict[str, Any]]:
        rows = await self.conn.execute(select(self.t).where(self.t.c.verification_id == verification_id)
                                       .order_by(self.t.c.source, self.t.c.position))
        return [dict(r) for r in rows.mappings()]

    async def unsettled(self, verification_ids: Iterable[str]) -> dict[str, int]:
        t = self.t
        rows = await self.conn.execute(select(t.c.verification_id, func.count())
                                       .where(t.c.verification_id.in_(list(verification_ids)),
                                              t.c.status.not_in(SETTLED)).group_by(t.c.verification_id))
        return {vid: n for vid, n in rows}

    async def abandon(self, verification_id: str, at: datetime) -> None:
        t = self.t
        await self.conn.execute(update(t).where(t.c.verification_id == verification_id, t.c.status.not_in(SETTLED))
                                .values(status="abandoned", settled_at=at, next_at=None, claim=None,
                                        lease_until=None))

    async def forget(self, verification_ids: list[str]) -> None:
        await self.conn.execute(update(self.t).where(self.t.c.verification_id.in_(verification_ids))
                                .values(ticket=None))


@functools.cache
def _claims(t: Table, dialect: str) -> tuple[Any, ...]:
    """Due pending rows, due waiting rows, then in-flight rows whose lease ran out; one status at
    a time, so each is a range of the (status, next_at) index. No ORDER BY: the index gives the
    oldest first, and a planner whose statistics still see an empty table (a burst of new
    verifications) would otherwise sort every due row for each claim. Built once: building a
    statement costs more than running it."""
    due = [select(t.c.id).where(t.c.status == status, t.c.next_at <= bindparam("b_now")) for status in CALLABLE]
    stale = select(t.c.id).where(t.c.status == "in_flight", t.c.lease_until < bindparam("b_real"))
    statements = []
    for candidates in (*due, stale):
        subquery = candidates.limit(bindparam("b_batch"))
        if dialect == "postgresql":
            subquery = subquery.with_for_update(skip_locked=True)
        statements.append(update(t).where(t.c.id.in_(subquery.scalar_subquery()))
                          .values(status="in_flight", lease_until=bindparam("b_lease"), claim=bindparam("b_claim"))
                          .returning(*t.c))
    return tuple(statements)


OUTCOME_COLUMNS = ("status", "reference", "settled_at", "attempts", "error", "ticket", "next_at")


@functools.cache
def _settle(t: Table) -> Any:
    return (update(t).where(t.c.id == bindparam("b_id"), t.c.claim == bindparam("b_claim"))
            .values(claim=None, lease_until=None, **{c: bindparam(f"b_{c}") for c in OUTCOME_COLUMNS}))


class Figures:
    def __init__(self, conn: AsyncConnection, table: Table):
        self.conn, self.t = conn, table

    async def add(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.conn.execute(self.t.insert(), rows)

    async def of(self, verification_id: str) -> list[dict[str, Any]]:
        rows = await self.conn.execute(select(self.t).where(self.t.c.verification_id == verification_id)
                                       .order_by(self.t.c.id))
        return [dict(r) for r in rows.mappings()]

    async def delete(self, verification_ids: list[str]) -> None:
        await self.conn.execute(delete(self.t).where(self.t.c.verification_id.in_(verification_ids)))



