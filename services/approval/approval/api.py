from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from approval import domain, payloads, service, store
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.money import Yuan
from relief_shared.problems import Conflict, Forbidden, NotFound, Problem, Unprocessable
from relief_shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1", tags=["approval"])
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]

PROBLEMS: dict[type[domain.DomainError], type[Problem]] = {
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


@router.get("/tasks")
async def list_tasks(runtime: RuntimeDep, principal: Staff) -> list[dict]:
    """The caller's inbox: open tasks for their roles, in their org unit (the district: its region)."""
    async with runtime.db.engine.connect() as conn:
        items = await store.open_tasks(conn, roles=list(principal.roles), region=principal.region,
                                       org_unit=principal.org_unit)
    return [payloads.inbox_item(item) for item in items]


@router.post("/cases/{case_id}/decisions", status_code=201)
async def decide(case_id: str, body: DecisionIn, principal: Staff, runtime: RuntimeDep,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """Approve or reject the open task of `step`. The case's handler, and anyone who acted on
    another step of the case, may not decide (DT-SOD, 409). An amount above the ceiling is 422:
    more than the ceiling needs case-by-case deliberation."""
    actor = domain.Actor(principal.sub, principal.name, frozenset(principal.roles), principal.region,
                         principal.org_unit)
    cmd = service.Decide(case_id, body.step, body.decision, body.amount, body.comment, actor,
                         idempotency_key, body.model_dump(mode="json"))
    try:
        async with runtime.db.uow() as uow:
            status, response = await service.decide(cmd, uow, calendar=runtime.calendar,
                                                    now=datetime.now(timezone.utc))
    except domain.DomainError as exc:
        raise _problem(exc) from exc
    return JSONResponse(response, status_code=status)


@router.get("/approvals/{case_id}")
async def get_approval(case_id: str, runtime: RuntimeDep, principal: Staff) -> dict:
    """The route with its rules and sources, each step with its actor, and the deadlines."""
    async with runtime.db.engine.connect() as conn:
        approval = await store.get(conn, case_id)
    if approval is None:
        raise NotFound(f"no approval for case {case_id}")
    principal.require_region(approval.region)
    return payloads.approval_view(approval, datetime.now(timezone.utc))


def _problem(exc: domain.DomainError) -> Problem:
    problem = PROBLEMS[type(exc)](str(exc))
    if isinstance(exc, domain.DutyConflict):
        problem.extra["rule"] = "DT-SOD"
    return problem
