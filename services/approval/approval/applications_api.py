"""The HTTP door of the dibao, marginal and tekun statuses: terminating a status, and the
periodic re-checks (ANY-RECHECK, DT-CASE-RECHECK) of a case."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from approval import applications, rechecks
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.idempotency import IdempotentRequest
from relief_shared.problems import Conflict, DomainProblems
from relief_shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1", tags=["statuses"])
CaseId = Annotated[str, Path(max_length=64)]
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]
Deciding = Annotated[Principal, Depends(require("approver", "district"))]
Checking = Annotated[Principal, Depends(require("clerk", "reviewer", "district"))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]

PROBLEMS: DomainProblems = {
    applications.StatusNotActive: Conflict,
    rechecks.RecheckClosed: Conflict,
}


class TerminationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, description="why, with the finding or clause")
    effective_on: date = Field(description="the first day without the status")
    deceased_on: date | None = Field(None, description="the person died: nothing paid is recovered (ANY-NO-CLAWBACK)")


class TerminationOut(BaseModel):
    case_id: str
    status: str
    previous: str
    since: str
    reason: str
    rules: list[str]
    terminated_by: dict[str, str]
    cancelled_rechecks: int


class RecheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["unchanged", "changed"] = Field(
        description="unchanged: the benefit stays as it is (ANY-RECHECK); changed: the approver decides anew or "
                    "terminates")
    comment: str = Field("", max_length=2000)


class RecheckOut(BaseModel):
    id: str
    case_id: str
    rule: str
    clause: str
    role: str
    round: int
    due_on: str
    visible_from: str
    status: str = Field(description="open | done | cancelled")
    outcome: str | None
    comment: str | None
    actor: dict[str, str] | None
    done_at: str | None
    org_unit: str


class RechecksOut(BaseModel):
    case_id: str
    rechecks: list[RecheckOut]


@router.post("/cases/{case_id}/termination", status_code=201, response_model=TerminationOut)
async def terminate(case_id: CaseId, body: TerminationIn, principal: Deciding, runtime: RuntimeDep,
                    idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """End the case's approved dibao, marginal or tekun status: `status.changed` to `none` (the
    status register, the education push and the payroll follow it); its open re-checks are
    cancelled. The approver of the case's unit or the district; a status not active is 409."""
    request = IdempotentRequest.of(f"termination:{case_id}:{principal.sub}", idempotency_key,
                                   body.model_dump(mode="json"))
    cmd = applications.Terminate(case_id, body.reason, body.effective_on, body.deceased_on, principal, request)
    reply = await applications.terminate(cmd, runtime.db.uow(), now=runtime.clock.now())
    return JSONResponse(reply.body, status_code=reply.status)


@router.get("/cases/{case_id}/rechecks", response_model=list[RecheckOut])
async def list_rechecks(case_id: CaseId, principal: Staff, runtime: RuntimeDep) -> list[dict[str, Any]]:
    """The case's periodic re-checks (ANY-RECHECK, DT-CASE-RECHECK), done and to come."""
    return await rechecks.of_case(case_id, principal, runtime.db.reading())


@router.post("/cases/{case_id}/rechecks/{recheck_id}", response_model=RechecksOut)
async def finish_recheck(case_id: CaseId, recheck_id: Annotated[str, Path(max_length=36)], body: RecheckIn,
                         principal: Checking, runtime: RuntimeDep) -> dict[str, Any]:
    """A re-check done by the street (or the district): its deadline closes; ANY-RECHECK schedules
    the next one while the status lasts."""
    return await rechecks.finish(case_id, recheck_id, outcome=body.outcome, comment=body.comment,
                                 principal=principal, uow=runtime.db.uow(), packs=runtime.packs,
                                 calendar=runtime.calendar, now=runtime.clock.now())
