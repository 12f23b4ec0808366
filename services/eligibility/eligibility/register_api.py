"""The status register's HTTP door: the no-paper lookup (DT-NO-PAPER), its log for auditors, and
the ops import of existing recipients."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from relief_shared.auth import BEARER, Principal, authorize, require
from relief_shared.idempotency import IdempotentRequest, request_hash
from relief_shared.problems import DomainProblems, Problem
from relief_shared.runtime import Runtime, RuntimeDep

from eligibility import lookups, register

router = APIRouter(tags=["status register"])
Asker = Annotated[Principal, Depends(require("partner", "clerk", "reviewer", "approver", "district", "auditor"))]
LogReader = Annotated[Principal, Depends(require("auditor", "district"))]
Importer = Annotated[Principal, Depends(require("ops", "district"))]



class Unavailable(Problem):
    status, type, title = 503, "unavailable", "Service unavailable"


PROBLEMS: DomainProblems = {lookups.LookupNotLogged: Unavailable}


class StatusAnswer(BaseModel):
    status: str
    since: str | None
    region: str


class StatusImported(BaseModel):
    import_id: str
    region: str
    rows: int
    applied: int
    skipped: list[dict[str, Any]]


def lookup_log(runtime: Runtime) -> lookups.LookupLog:
    log = runtime.extras.get("lookup_log")
    if log is None:
        log = runtime.extras["lookup_log"] = lookups.LookupLog(runtime.db)
    return log


ASKERS = frozenset({"partner", "clerk", "reviewer", "approver", "district", "auditor"})


@router.get("/v1/status/{id_number}", response_model=StatusAnswer, openapi_extra=BEARER,
            responses={503: {"description": "the lookup could not be logged, so it is not answered"}})
async def status_of(id_number: str, request: Request,
                    purpose: Annotated[str, Query(min_length=1, max_length=200,
                                                  description="why you look the person up (logged), e.g. "
                                                              "`education aid application 2026-031`")]) -> JSONResponse:
    """DT-NO-PAPER (roles partner, clerk, reviewer, approver, district, auditor): the person's
    current dibao / marginal / tekun status in the caller's region — `status`, `since` and
    `region`, nothing else (`none` with no `since` when the register has never seen them). Every
    lookup is logged (who, department, org unit, when, `purpose`) before it answers; a lookup
    that cannot be logged is not answered (503). The hot path: the token is checked without
    dependency injection (`auth.authorize`)."""
    asker = authorize(request, ASKERS)
    runtime: Runtime = request.app.state.runtime
    query = lookups.Lookup(id_number=id_number, purpose=purpose, by=asker)
    return JSONResponse(await lookups.lookup(query, lookup_log(runtime), now=runtime.clock.now()))


@router.get("/v1/status-lookups")
async def status_lookups(reader: LogReader, runtime: RuntimeDep,
                         region: Annotated[str | None, Query(max_length=64)] = None,
                         id_number: Annotated[str | None, Query(max_length=18)] = None,
                         by: Annotated[str | None, Query(max_length=128, description="the asker's `sub`")] = None,
                         department: Annotated[str | None, Query(max_length=64)] = None,
                         from_: Annotated[datetime | None, Query(alias="from")] = None,
                         to: Annotated[datetime | None, Query()] = None,
                         page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> dict[str, Any]:
    """The log of status lookups in the caller's region, newest first (auditor, district): who
    asked, for which department and org unit, when, why, and whether the register knew the person."""
    query = lookups.LogQuery(region or reader.region, id_number, by, department, from_, to, page,
                             runtime.settings.page_size)
    return await lookups.lookup_log(query, reader, runtime.db.reading())


@router.post("/v1/ops/status-import", status_code=201, response_model=StatusImported, openapi_extra={"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"}, "example": "id_number,name,status,since,org_unit,monthly_amount\n"
                 "330322198001011236,王某,dibao,2025-06-01,wenzhou-dongtou/dongtou,520.00\n"},
    "application/x-ndjson": {"schema": {"type": "string"}}}}})
async def status_import(request: Request, importer: Importer, runtime: RuntimeDep,
                        region: Annotated[str | None, Query(max_length=64)] = None,
                        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                                                      max_length=200)] = None) -> JSONResponse:
    """Seed the status register with existing recipients (role ops, or district for its own
    region): CSV with a header line (`Content-Type: text/csv`) or JSON lines
    (`application/x-ndjson`), columns `id_number, name, status (dibao|marginal|tekun|none), since,
    org_unit, household_size, monthly_amount, dispersed, bank_account`. Each row becomes a
    `status.changed` (so the payroll's roster hears it too) applied to the register, with its
    education push; one bad row refuses the whole import, naming each bad line."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    req = IdempotentRequest.of(f"status-import:{importer.sub}", idempotency_key,
                               {"region": region, "type": content_type, "body": request_hash(body.decode("utf-8", "replace"))})
    cmd = register.StatusImport(region or importer.region, content_type, body, importer, req)
    reply = await register.import_statuses(cmd, runtime.db.uow(), runtime.packs, now=runtime.clock.now())
    return JSONResponse(reply.body, status_code=reply.status)
