"""Eligibility's HTTP door: intake at the window and the case view."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse
from relief_shared import idempotency
from relief_shared.auth import Principal, require
from relief_shared.calendar import SHANGHAI
from relief_shared.problems import NotFound
from relief_shared.runtime import RuntimeDep

from eligibility import intake_rules, service, store
from eligibility.domain import STATUS_RANK
from eligibility.schemas import CaseCreated, CaseIn

router = APIRouter(tags=["eligibility"])
Clerk = Annotated[Principal, Depends(require("clerk"))]
CaseReader = Annotated[Principal, Depends(require("clerk", "reviewer", "approver", "district", "auditor"))]
ASYNCAPI = Path(__file__).with_name("asyncapi.json")


@router.post("/v1/cases", status_code=201, response_model=CaseCreated)
async def submit_case(body: CaseIn, clerk: Clerk, runtime: RuntimeDep,
                      idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                                                    max_length=200)] = None) -> JSONResponse:
    """Accept one request (window, 12345 hotline, active discovery). The case then moves through
    the chain asynchronously; poll `GET /v1/cases/{case_id}`. Send `Idempotency-Key` to retry safely."""
    service.check_jurisdiction(body, clerk, runtime.packs)
    intake_rules.check(body, today=datetime.now(SHANGHAI).date())
    request = body.model_dump(mode="json")
    scope = f"cases:{clerk.sub}"
    body_hash = idempotency.request_hash(request) if idempotency_key else ""
    async with runtime.db.uow() as uow:
        if idempotency_key:
            earlier = await idempotency.replay(uow.conn, runtime.plumbing.idempotency, scope, idempotency_key,
                                               body_hash)
            if earlier:
                return JSONResponse(earlier[1], status_code=earlier[0])
        case_id = await service.submit_case(body, request, clerk, uow)
        response = CaseCreated(case_id=case_id, status="received", links={
            "self": f"/v1/cases/{case_id}"}).model_dump()
        if idempotency_key:
            await idempotency.remember(uow.conn, runtime.plumbing.idempotency, scope, idempotency_key, body_hash,
                                       201, response)
        await uow.commit()
    return JSONResponse(response, status_code=201)


@router.get("/v1/cases/{case_id}")
async def get_case(case_id: str, reader: CaseReader, runtime: RuntimeDep) -> dict:
    """The whole case as the window sees it: status, classification, amount with its rules and
    trace, approval, payments, deadlines, and a timeline of every step with who did it."""
    async with runtime.db.engine.connect() as conn:
        document = await service.case_document(conn, case_id)
    if document is None:
        raise NotFound(f"no case {case_id}")
    reader.require_region(document["region"])
    return document


@router.get("/v1/cases")
async def list_cases(reader: CaseReader, runtime: RuntimeDep,
                     region: Annotated[str | None, Query(max_length=64)] = None,
                     org_unit: Annotated[str | None, Query(max_length=128)] = None,
                     status: Literal[tuple(STATUS_RANK)] | None = None,  # type: ignore[valid-type]
                     page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> dict:
    """Paged list for window staff, newest first, within the caller's region."""
    region = region or reader.region
    reader.require_region(region)
    size = runtime.settings.page_size
    async with runtime.db.engine.connect() as conn:
        rows, total = await store.list_cases(conn, region=region, org_unit=org_unit, status=status,
                                             page=page, size=size)
    items = [{"case_id": r.case_id, "region": r.region, "org_unit": r.org_unit, "status": r.status,
              "channel": r.channel, "created_at": r.created_at.astimezone(SHANGHAI).isoformat()} for r in rows]
    return {"items": items, "page": page, "total": total}


@router.get("/asyncapi.json", tags=["meta"])
async def asyncapi() -> dict:
    """The AsyncAPI 3 document of the suite's events."""
    return json.loads(ASYNCAPI.read_text("utf-8"))
