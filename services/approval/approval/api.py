"""approval's HTTP door: the inbox, decisions, the approval record. Routes parse, call one use
case, and leave errors to the mapping below."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from approval import archive, domain, record, service
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.idempotency import IdempotentRequest
from relief_shared.money import Yuan
from relief_shared.problems import Conflict, DomainProblems, Forbidden, NotFound, Unprocessable
from relief_shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1", tags=["approval"])
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]
CaseId = Annotated[str, Path(max_length=64)]

PROBLEMS: DomainProblems = {
    domain.NoSuchCase: NotFound,
    domain.NoSuchStep: NotFound,
    domain.NoOpenTask: Conflict,
    domain.NotAllowed: Forbidden,
    domain.DutyConflict: Conflict,
    domain.AmountRefused: Unprocessable,
    domain.UnsupportedDecision: Unprocessable,
}


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: Literal["review", "approve", "district_consent"]
    decision: Literal["approve", "reject", "return"]
    amount: Yuan | None = Field(None, description='Yuan as a string, e.g. "1500.00"; needed to approve.')
    comment: str = Field("", max_length=2000)


class PersonOut(BaseModel):
    id: str
    name: str


class TaskOut(BaseModel):
    id: str
    case_id: str
    step: str
    role: str
    org_unit: str
    due: str | None = Field(description="ISO 8601, Asia/Shanghai; null where the step has no deadline")
    amount_ceiling: str | None
    type: str | None
    opened_at: str
    rule: str | None = Field(None, description="escalations: the rule of the breached deadline")
    clause: str | None = Field(None, description="escalations: the clause of the breached deadline")
    deadline: dict[str, Any] | None = Field(None, description="escalations: the breached deadline")


class DecisionOut(BaseModel):
    case_id: str
    task_id: str
    step: str
    decision: str
    amount: str | None
    comment: str
    decided_by: PersonOut | None
    decided_at: str | None
    status: str
    open_steps: list[str]


class RouteOut(BaseModel):
    rules: list[str]
    skipped: list[str]
    sources: list[str]
    pack_version: str = Field("", description="the region pack the route was made from: the case keeps it")


class ApprovalOut(BaseModel):
    case_id: str
    region: str
    org_unit: str
    type: str
    status: str
    amount_ceiling: str
    amount: str | None
    route: RouteOut
    steps: list[dict[str, Any]]
    deadlines: list[dict[str, Any]]
    accepted_by: PersonOut | None
    rules: list[str]
    record: dict[str, Any] | None = Field(
        None, description="the approval record (FX-RECORD, FX-LEDGER): the subject's facts, the reason, the amount, "
                          "every actor and decision, the unit; printable with `Accept: text/html` or `?format=html`")


@router.get("/tasks", response_model=list[TaskOut])
async def list_tasks(runtime: RuntimeDep, principal: Staff) -> list[dict[str, Any]]:
    """The caller's inbox: open tasks for their roles, in their org unit (the district: its region,
    and a task `escalation` for every breached deadline of the region's cases)."""
    return await service.inbox(principal, runtime.db.reading())


@router.post("/cases/{case_id}/decisions", status_code=201, response_model=DecisionOut)
async def decide(case_id: CaseId, body: DecisionIn, principal: Staff, runtime: RuntimeDep,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Approve or reject the open task of `step`. The case's handler, and anyone who acted on
    another step of the case, may not decide (DT-SOD, 409). An amount above the ceiling is 422:
    more than the ceiling needs case-by-case deliberation."""
    actor = domain.Actor(principal.sub, principal.name, frozenset(principal.roles), principal.region,
                         principal.org_unit)
    request = IdempotentRequest.of(f"decisions:{case_id}:{principal.sub}", idempotency_key, body.model_dump(mode="json"))
    cmd = service.Decide(case_id, body.step, body.decision, body.amount, body.comment, actor, request)
    reply = await service.decide(cmd, runtime.db.uow(), now=runtime.clock.now(), packs=runtime.packs)
    return JSONResponse(reply.body, status_code=reply.status)


@router.get("/approvals/{case_id}", response_model=ApprovalOut,
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}}},
                             "description": "JSON, or the printable A4 record (FX-RECORD) as HTML"}})
async def get_approval(case_id: CaseId, runtime: RuntimeDep, principal: Staff,
                       format: Annotated[Literal["json", "html"] | None, Query()] = None,  # noqa: A002
                       accept: Annotated[str | None, Header()] = None) -> Any:
    """The route with its rules and sources, each step with its actor, and the case's deadlines
    that approval owns (state, met, late_by, rule, clause), with the approval record (`record`).
    `Accept: text/html` or `?format=html`: the record as a print-ready A4 page for the archive."""
    now = runtime.clock.now()
    if format == "html" or (format is None and _prefers_html(accept)):
        doc = await archive.record_of(case_id, principal, runtime.db.reading(), packs=runtime.packs, now=now)
        return HTMLResponse(record.render_html(doc))
    return await archive.approval_with_record(case_id, principal, runtime.db.reading(), packs=runtime.packs, now=now)


def _prefers_html(accept: str | None) -> bool:
    """HTML only when asked for before JSON (a browser's `text/html, …`; `*/*` stays JSON)."""
    if not accept:
        return False
    kinds = [part.split(";")[0].strip() for part in accept.split(",")]
    html = kinds.index("text/html") if "text/html" in kinds else None
    json_ = kinds.index("application/json") if "application/json" in kinds else None
    return html is not None and (json_ is None or html < json_)
