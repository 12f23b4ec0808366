"""Complaints and tip-offs over HTTP (LF-COMPLAINT): file from any channel, list, read, assign,
verify, answer."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from relief_shared.auth import Principal, require
from relief_shared.idempotency import IdempotentRequest
from relief_shared.problems import Conflict, DomainProblems, NotFound
from relief_shared.runtime import RuntimeDep

from eligibility import complaints
from eligibility.complaints import AnswerIn, AssignIn, ComplaintIn, VerifyIn

router = APIRouter(tags=["complaints"])
Taker = Annotated[Principal, Depends(require("clerk", "reviewer", "approver", "district"))]
Handler = Annotated[Principal, Depends(require("clerk", "reviewer", "approver", "district"))]
District = Annotated[Principal, Depends(require("district"))]
Reader = Annotated[Principal, Depends(require("clerk", "reviewer", "approver", "district", "auditor"))]
Status = Literal["assigned", "verified", "answered"]



class ComplaintCreated(BaseModel):
    complaint_id: str
    status: str
    assigned_to: str = Field(description="the org unit, or `district`")
    due: str | None = Field(description="when it must be answered (LF-COMPLAINT, the region's limit)")
    links: dict[str, str]


PROBLEMS: DomainProblems = {complaints.NoSuchComplaint: NotFound, complaints.ComplaintClosed: Conflict}


@router.post("/v1/complaints", status_code=201, response_model=ComplaintCreated)
async def file_complaint(body: ComplaintIn, taker: Taker, runtime: RuntimeDep,
                         idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                                                       max_length=200)] = None) -> JSONResponse:
    """Record a complaint or tip-off from any channel (window, hotline, online, letter, visit,
    active discovery); anonymous allowed (`anonymous: true`, no complainant). It is assigned at
    once — to the case's town/street, else the one it names, else the district — and the
    region's limit (LF-COMPLAINT, `complaints.toml`) starts on the durable clock."""
    request = IdempotentRequest.of(f"complaints:{taker.sub}", idempotency_key, body.model_dump(mode="json"))
    reply = await complaints.file_complaint(complaints.FileComplaint(body, taker, request), runtime.db.uow(),
                                            runtime.packs, runtime.calendar, now=runtime.clock.now())
    return JSONResponse(reply.body, status_code=reply.status)


@router.get("/v1/complaints")
async def list_complaints(reader: Reader, runtime: RuntimeDep,
                          region: Annotated[str | None, Query(max_length=64)] = None,
                          status: Status | None = None,
                          assigned_to: Annotated[str | None, Query(max_length=128)] = None,
                          page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> dict[str, Any]:
    """The region's complaints, newest first (district, auditor); town staff see their unit's."""
    query = complaints.ComplaintQuery(region or reader.region, status, assigned_to, page, runtime.settings.page_size)
    return await complaints.list_complaints(query, reader, runtime.db.reading())


@router.get("/v1/complaints/{complaint_id}")
async def get_complaint(complaint_id: str, reader: Reader, runtime: RuntimeDep) -> dict[str, Any]:
    """One complaint: its assignment, verification, answer, history and its deadline."""
    return await complaints.complaint_document(complaint_id, reader, runtime.db.reading())


@router.post("/v1/complaints/{complaint_id}/assign")
async def assign(complaint_id: str, body: AssignIn, district: District, runtime: RuntimeDep) -> dict[str, Any]:
    """The district assigns the complaint to a town/street (`org_unit`), or to itself (null)."""
    await complaints.assign(complaint_id, body, district, runtime.db.uow(), runtime.packs, now=runtime.clock.now())
    return await complaints.complaint_document(complaint_id, district, runtime.db.reading())


@router.post("/v1/complaints/{complaint_id}/verify")
async def verify(complaint_id: str, body: VerifyIn, handler: Handler, runtime: RuntimeDep) -> dict[str, Any]:
    """The assigned unit (or the district) records its verification: substantiated or not, and what it found."""
    await complaints.verify(complaint_id, body, handler, runtime.db.uow(), now=runtime.clock.now())
    return await complaints.complaint_document(complaint_id, handler, runtime.db.reading())


@router.post("/v1/complaints/{complaint_id}/answer")
async def answer(complaint_id: str, body: AnswerIn, handler: Handler, runtime: RuntimeDep) -> dict[str, Any]:
    """The answer to the complainant, after verification; it closes the complaint's limit (late if past due)."""
    await complaints.answer(complaint_id, body, handler, runtime.db.uow(), now=runtime.clock.now())
    return await complaints.complaint_document(complaint_id, handler, runtime.db.reading())
