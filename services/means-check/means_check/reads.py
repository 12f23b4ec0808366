"""Reads that are not one case's: the sources' health, the access log, its chain check."""
from __future__ import annotations

from typing import Any

from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI
from relief_shared.runtime import Runtime

from means_check.privacy import digest
from means_check.sources.catalog import CATALOG


async def sources(runtime: Runtime) -> list[dict[str, Any]]:
    """From the breakers alone, no query: the page stays cheap however many requests wait."""
    breakers = runtime.extras["breakers"]
    return [{"code": s.code, "name": s.name, "department": s.department, "state": b.state, "calls": b.calls,
             "errors": b.errors, "last_error": b.last_error, "in_flight": b.in_flight}
            for s in CATALOG for b in [breakers[s.code]]]


async def access_log(runtime: Runtime, auditor: Principal, *, case_id: str | None, id_number: str | None,
                     after: int, limit: int) -> list[dict[str, Any]]:
    key = runtime.settings.access_log_key  # type: ignore[attr-defined]
    async with runtime.db.reading() as uow:
        rows = await uow.access_log.find(region=auditor.region, case_id=case_id,
                                         person_digest=digest(id_number, key) if id_number else None,
                                         limit=limit, after=after)
    return [{**r, "at": r["at"].astimezone(SHANGHAI).isoformat()} for r in rows]


async def chain(runtime: Runtime) -> dict[str, Any]:
    async with runtime.db.reading() as uow:
        report = await uow.access_log.verify()
    return {"rows": report.rows, "intact": report.intact, "first_broken": report.first_broken,
            "reason": report.reason}
