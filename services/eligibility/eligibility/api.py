"""Eligibility's HTTP door: intake at the window, the case view, the case list, the AsyncAPI
document. Routes parse, call one use case, and leave errors to the mapping below."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse
from relief_shared.auth import Principal, require
from relief_shared.contract.asyncapi import document as asyncapi_document
from relief_shared.idempotency import IdempotentRequest
from relief_shared.problems import Conflict, DomainProblems, Forbidden, NotFound, Unprocessable
from relief_shared.runtime import RuntimeDep

from eligibility import service
from eligibility.referral_service import NoSuchReferral, NotAPartner, ReferralClosed
from eligibility.domain import STATUS_RANK, InvalidRequest, NoSuchCase, OutsideJurisdiction
from eligibility.schemas import CaseCreated, CaseDocument, CaseIn, CasePage, DeadlinePage

router = APIRouter(tags=["eligibility"])
Clerk = Annotated[Principal, Depends(require("clerk"))]
CaseReader = Annotated[Principal, Depends(require("clerk", "reviewer", "approver", "district", "auditor"))]
Overseer = Annotated[Principal, Depends(require("district", "auditor"))]
Status = Literal[tuple(STATUS_RANK)]  # type: ignore[valid-type]

PROBLEMS: DomainProblems = {
    InvalidRequest: Unprocessable,
    OutsideJurisdiction: Forbidden,
    NoSuchCase: NotFound,
    NoSuchReferral: NotFound,
    ReferralClosed: Conflict,
    NotAPartner: Forbidden,
}


@router.post("/v1/cases", status_code=201, response_model=CaseCreated)
async def submit_case(body: CaseIn, clerk: Clerk, runtime: RuntimeDep,
                      idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                                                    max_length=200)] = None) -> JSONResponse:
    """Accept one request (window, 12345 hotline, active discovery, online). The case then moves
    through the chain asynchronously; poll `GET /v1/cases/{case_id}`. Send `Idempotency-Key` to
    retry safely."""
    request = IdempotentRequest.of(f"cases:{clerk.sub}", idempotency_key, body.model_dump(mode="json"))
    reply = await service.submit_case(service.SubmitCase(body, clerk, request), runtime.db.uow(), runtime.packs,
                                      now=runtime.clock.now())
    return JSONResponse(reply.body, status_code=reply.status)


@router.get("/v1/cases/{case_id}", response_model=CaseDocument)
async def get_case(case_id: str, reader: CaseReader,
                   runtime: RuntimeDep) -> dict[str, Any]:
    """The whole case as the window sees it: status, classification, amount with its rules and
    trace, approval, payments, deadlines, and a timeline of every step with who did it. A case of
    another region is not found."""
    return await service.case_document(case_id, reader, runtime.db.reading(), runtime.packs)


@router.get("/v1/cases", response_model=CasePage)
async def list_cases(reader: CaseReader, runtime: RuntimeDep,
                     region: Annotated[str | None, Query(max_length=64)] = None,
                     org_unit: Annotated[str | None, Query(max_length=128)] = None,
                     status: Status | None = None,
                     page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> dict[str, Any]:
    """Paged list for window staff, newest first, within the caller's region."""
    query = service.CaseQuery(region or reader.region, org_unit, status, page, runtime.settings.page_size)
    return await service.list_cases(query, reader, runtime.db.reading())


@router.get("/v1/deadlines", response_model=DeadlinePage)
async def list_deadlines(reader: Overseer, runtime: RuntimeDep,
                         state: Literal["due_soon", "breached", "open", "met", "calendar_incomplete"],
                         region: Annotated[str | None, Query(max_length=64)] = None,
                         org_unit: Annotated[str | None, Query(max_length=128)] = None,
                         page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> dict[str, Any]:
    """The district overview of every service's deadlines in the caller's region: `due_soon`
    (warned, still open), `breached` (open or closed late), and also `open`, `met` or
    `calendar_incomplete` (counted without the year's official holiday notice). Most urgent first."""
    query = service.DeadlineQuery(region or reader.region, state, org_unit, page, runtime.settings.page_size)
    return await service.deadline_overview(query, reader, runtime.db.reading())


@router.get("/asyncapi.json", tags=["meta"])
async def asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3 document of the suite's events, generated from the contract registry."""
    return asyncapi_document()
