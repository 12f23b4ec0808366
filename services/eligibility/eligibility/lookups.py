"""The no-paper status lookup (DT-NO-PAPER) and its log.

A partner department or a staff member asks for a person's status "through shared data" instead
of a paper certificate; the answer is the status, since when, and the region, nothing else. Each
lookup is written to the log (who, which department and org unit, when, why, whether the register
had an entry) and committed BEFORE the answer leaves: an unlogged lookup never answers.

Many lookups arrive at once, and a transaction per lookup would make the log the bottleneck (on
SQLite one writer at a time), so lookups are answered in groups: each request adds its log row
and waits; whoever finds no group running starts one with everything waiting, which reads the
entries of all of them and writes all their log rows in ONE transaction, and answers each once
it is committed. A failed commit fails every lookup in it (503): none answers unlogged.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI
from relief_shared.db import Database

from eligibility import citizen_id
from eligibility.domain import InvalidRequest
from eligibility.register_store import Entry
from eligibility.store import UnitOfWork

RULE = "DT-NO-PAPER"


class LookupLog:
    """Lookups answered in groups: `await answer(row)` reads the person's entry and writes the
    log row in one transaction with every other lookup waiting, and returns once it is committed."""

    def __init__(self, db: Database, *, max_batch: int = 500, parallel: int | None = None):
        self.db, self.max_batch = db, max_batch
        # SQLite has one writer: one group at a time. PostgreSQL commits concurrent transactions
        # together (its own group commit of the WAL flush), so a few groups run side by side.
        self.parallel = parallel or (1 if db.engine.dialect.name == "sqlite" else 4)
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[Entry | None]]] = []
        self._committers: set[asyncio.Task[None]] = set()

    async def answer(self, row: dict[str, Any]) -> Entry | None:
        """`row` is the log row without `found`; the register's entry, or None."""
        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, future))
        running = {task for task in self._committers if not task.done()}  # done: returned with nobody waiting
        if len(running) < self.parallel:
            running.add(asyncio.create_task(self._commit_waiting()))
        self._committers = running
        return await future

    async def _commit_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
            try:
                if self.db.engine.dialect.name == "postgresql":
                    await self._one_statement(batch)
                    continue
                else:
                    async with self.db.uow() as uow:
                        found = await uow.register.answers({(row["id_number"], row["region"]) for row, _ in batch})
                        answers = [found.get((row["id_number"], row["region"])) for row, _ in batch]
                        await uow.lookups.add([{**row, "found": a is not None}
                                               for (row, _), a in zip(batch, answers)])
                        await uow.commit()
            except BaseException as exc:  # noqa: BLE001 - every waiter learns of it, none answers unlogged
                for _, future in batch:
                    if not future.done():
                        future.set_exception(LookupNotLogged(f"the lookup could not be logged: {exc!r}"))
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, future), a in zip(batch, answers):
                if not future.done():
                    future.set_result(a)

    async def _one_statement(self, batch: list[tuple[dict[str, Any], asyncio.Future[Entry | None]]]) -> None:
        """PostgreSQL: read the entries and write the log rows in ONE statement (a data-modifying
        CTE, committed as it returns), one round trip instead of five; the waiters are answered
        before the connection goes back to the pool (its reset is one more round trip)."""
        rows = [row for row, _ in batch]
        async with self.db.engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            columns = [[row[name] for row in rows] for name in _PG_COLUMNS]
            found = await driver.fetch(_PG_LOOKUP, *columns, list(range(len(rows))))
            by_position = {record["n"]: Entry(record["status"], record["since"], record["previous"],
                                              record["previous_since"])
                           for record in found if record["status"] is not None}
            for i, (_, future) in enumerate(batch):
                if not future.done():
                    future.set_result(by_position.get(i))


_PG_COLUMNS = ("at", "region", "id_number", "by_sub", "by_name", "roles", "department", "org_unit", "purpose")
_PG_LOOKUP = """
WITH asks AS (
    SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::text[], $10::int[])
        AS a(at, region, id_number, by_sub, by_name, roles, department, org_unit, purpose, n)
), answered AS (
    SELECT a.*, r.status, r.since, r.previous, r.previous_since FROM asks a
    LEFT JOIN status_register r ON r.id_number = a.id_number AND r.region = a.region
), logged AS (
    INSERT INTO status_lookups (at, region, id_number, by_sub, by_name, roles, department, org_unit, purpose, found)
    SELECT at, region, id_number, by_sub, by_name, roles, department, org_unit, purpose, status IS NOT NULL
    FROM answered
)
SELECT n, status, since, previous, previous_since FROM answered
"""


class LookupNotLogged(RuntimeError):
    """The log could not be written, so the lookup is not answered (transient: 503)."""


@dataclass(frozen=True)
class Lookup:
    id_number: str
    purpose: str
    by: Principal


async def lookup(query: Lookup, log: LookupLog, *, now: datetime) -> dict[str, Any]:
    """The person's status in force today (suite clock) in the caller's region: `{"status",
    "since", "region"}`; a change decided ahead of its day answers the status before it until
    then; a person the register has never seen is `none` with no since-date. Logged before it
    answers."""
    problem = citizen_id.problem_with(query.id_number)
    if problem:
        raise InvalidRequest(f"not a citizen ID number: {problem}", errors=[{"field": "id_number", "message": problem}])
    purpose = query.purpose.strip()
    if not purpose:
        raise InvalidRequest("say why you look the person up", errors=[{"field": "purpose",
                                                                        "message": "required, 1-200 characters"}])
    region, by = query.by.region, query.by
    answer = await log.answer({"at": now, "region": region, "id_number": query.id_number, "by_sub": by.sub[:128],
                               "by_name": by.name[:128], "roles": ",".join(by.roles)[:200],
                               "department": by.department, "org_unit": by.org_unit, "purpose": purpose[:200]})
    status, since = answer.on(now.astimezone(SHANGHAI).date()) if answer is not None else ("none", None)
    return {"status": status, "since": since.isoformat() if isinstance(since, date) else None, "region": region}


@dataclass(frozen=True)
class LogQuery:
    region: str
    id_number: str | None
    by: str | None
    department: str | None
    since: datetime | None
    until: datetime | None
    page: int
    size: int


async def lookup_log(query: LogQuery, reader: Principal, uow: UnitOfWork) -> dict[str, Any]:
    """A page of the region's lookups, newest first: for auditors and the district."""
    reader.require_region(query.region)
    async with uow:
        rows, total = await uow.lookups.page(region=query.region, id_number=query.id_number, by=query.by,
                                             department=query.department, since=query.since, until=query.until,
                                             page=query.page, size=query.size)
    items = [{"at": r.at.astimezone(SHANGHAI).isoformat(), "region": r.region, "id_number": r.id_number,
              "by": {"id": r.by_sub, "name": r.by_name}, "roles": r.roles.split(",") if r.roles else [],
              "department": r.department, "org_unit": r.org_unit, "purpose": r.purpose, "found": bool(r.found)}
             for r in rows]
    return {"items": items, "page": query.page, "total": total}
