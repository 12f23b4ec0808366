"""The partner departments' door (role partner, their own `department` only) and the district's
department report. Another department's referral is 404 and never listed: the query names the
caller's region and department, so there is nothing else to leak."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from relief_shared.auth import Principal, require
from relief_shared.calendar import SHANGHAI
from relief_shared.idempotency import IdempotentRequest
from relief_shared.regions import MissingParameter
from relief_shared.problems import Unprocessable
from relief_shared.runtime import RuntimeDep

from eligibility import department_report, referral_service
from eligibility.referral_store import LIST_STATES
from eligibility.referrals import departments
from eligibility.schemas import Day

router = APIRouter(tags=["referrals"])
Partner = Annotated[Principal, Depends(require("partner"))]
District = Annotated[Principal, Depends(require("district", "auditor"))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: Literal["granted", "refused", "not_applicable"]
    detail: str = Field(min_length=1, max_length=2000)
    finished_on: Day = Field(description="the day the department finished handling it (YYYY-MM-DD)")


class ReferralAnswer(BaseModel):
    outcome: str
    detail: str
    finished_on: str
    reported_at: str
    by: str | None
    feedback_due: str | None = Field(description="DT-FEEDBACK-1WD: 1 working day after finishing; null where "
                                                 "the region does not declare the rule")
    late_feedback: bool | None


class ReferralOut(BaseModel):
    """A referral as its department (and the case view) sees it."""

    id: str
    case_id: str
    region: str
    org_unit: str
    department: str
    state: Literal["requested", "acknowledged", "completed"]
    overdue: bool
    rules: list[str]
    reasons: list[dict[str, str]]
    needs: list[str]
    requested_at: str
    due: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    overdue_at: str | None
    answer: ReferralAnswer | None
    links: dict[str, str] = Field(default_factory=dict)


@router.get("/v1/referrals", response_model=list[ReferralOut])
async def list_referrals(partner: Partner, runtime: RuntimeDep,
                         status: Literal[LIST_STATES] = "open") -> list[dict[str, Any]]:  # type: ignore[valid-type]
    """The caller's department's referrals in its region: `open` (not answered yet; default),
    `requested`, `acknowledged`, `completed` or `overdue` (past the handling limit, unanswered)."""
    return await referral_service.list_for_partner(partner, status, runtime.db.reading())


@router.post("/v1/referrals/{referral_id}/acknowledge", response_model=ReferralOut)
async def acknowledge(referral_id: str, partner: Partner, runtime: RuntimeDep,
                      idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """The department has taken the referral on; again changes nothing."""
    request = IdempotentRequest.of(f"referral-ack:{partner.sub}", idempotency_key, {"id": referral_id})
    reply = await referral_service.acknowledge(referral_id, partner, runtime.db.uow(), now=runtime.clock.now(),
                                               request=request)
    return JSONResponse(reply.body, status_code=reply.status)


@router.post("/v1/referrals/{referral_id}/result", response_model=ReferralOut)
async def result(referral_id: str, body: ResultIn, partner: Partner, runtime: RuntimeDep,
                 idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """The department's answer, within 1 working day of finishing (DT-FEEDBACK-1WD, where the
    region declares it: a later report is flagged late). Answered once; 409 after."""
    request = IdempotentRequest.of(f"referral-result:{partner.sub}", idempotency_key,
                                   {"id": referral_id, **body.model_dump(mode="json")})
    answer = referral_service.Answer(body.outcome, body.detail, body.finished_on)
    reply = await referral_service.report_result(referral_id, answer, partner, runtime.db.uow(), runtime.packs.get,
                                                 now=runtime.clock.now(), calendar=runtime.calendar, request=request)
    return JSONResponse(reply.body, status_code=reply.status)


@router.get("/v1/reports/departments", responses={200: {"content": {"text/csv": {}}}})
async def department_performance(http: Request, reader: District, runtime: RuntimeDep,
                                 from_: Annotated[Day, Query(alias="from")],
                                 to: Annotated[Day, Query()],
                                 region: Annotated[str | None, Query(max_length=64)] = None) -> Any:
    """DT-DEPT-REPORT: per department, the referrals requested from `from` to `to` (inclusive,
    Asia/Shanghai): requested, acknowledged, completed, overdue, median and worst time to
    acknowledge and to complete, late feedback, and the overdue referrals. JSON, or CSV with
    `Accept: text/csv`."""
    region = region or reader.region
    reader.require_region(region)
    if to < from_:
        raise Unprocessable("`to` is before `from`", errors=[{"field": "to", "message": "before `from`"}])
    start = datetime.combine(from_, time(0, 0), tzinfo=SHANGHAI)
    end = datetime.combine(to + timedelta(days=1), time(0, 0), tzinfo=SHANGHAI)
    async with runtime.db.reading() as uow:
        rows = await uow.referrals.requested_between(region, start, end)
    try:
        listed = list(departments(runtime.packs.get(region), to))
    except MissingParameter:
        listed = []
    doc = department_report.report(region, from_, to, rows, listed)
    if "text/csv" in http.headers.get("accept", ""):
        return Response(department_report.as_csv(doc), media_type="text/csv; charset=utf-8")
    return doc
