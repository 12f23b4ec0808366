"""The spot checks' HTTP door (DT-SPOT): the district or ops draws a finished month's samples,
staff of the region read them, the district records each drawn case's review."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from approval import spot_check_service as service
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.idempotency import IdempotentRequest
from relief_shared.problems import Conflict, DomainProblems, NotFound, Unprocessable
from relief_shared.regions import MissingParameter, RuleNotDeclared, UnknownRegion
from relief_shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1", tags=["spot checks"])
Drawer = Annotated[Principal, Depends(require("district", "ops"))]
District = Annotated[Principal, Depends(require("district"))]
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (Asia/Shanghai)")]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]

PROBLEMS: DomainProblems = {
    service.MonthNotOver: Unprocessable,
    service.SpotCheckRefused: Unprocessable,
    service.NoSuchSpotCheck: NotFound,
    service.ReviewClosed: Conflict,
    RuleNotDeclared: Unprocessable,
    MissingParameter: Unprocessable,
    UnknownRegion: Unprocessable,  # the body's region: a bad field, not a missing resource
}


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str = Field(max_length=64)
    month: Month
    org_unit: str | None = Field(None, max_length=100, description="one street; omitted: every street of the region")
    seed: str | None = Field(None, min_length=8, max_length=128, pattern=r"^[0-9A-Za-z_-]+$",
                             description="omitted: a random seed is drawn and recorded")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["confirmed", "irregular"]
    comment: str = Field("", max_length=2000)


class ReviewOut(BaseModel):
    id: str
    case_id: str
    role: str
    status: str = Field(description="open | done")
    outcome: str | None = Field(description="confirmed | irregular, once done")
    comment: str | None
    actor: dict[str, str] | None
    opened_at: str
    decided_at: str | None


class SpotCheckOut(BaseModel):
    id: str
    region: str
    org_unit: str
    month: str
    programme: str = Field(description="dibao | marginal | tekun | temporary_assistance")
    rule: str
    rate: str = Field(description="the share drawn, at least (the region pack's spot_check_rates)")
    seed: str
    algorithm: str = Field(description="how to re-draw the sample from the seed and the population")
    population: list[str] = Field(description="the month's new cases of the street and programme, sorted")
    sample: list[str]
    population_size: int
    sample_size: int
    verified: bool = Field(description="a re-draw from the recorded seed and population gives the recorded sample")
    drawn_at: str
    drawn_by: dict[str, str]
    reviews: list[ReviewOut]


class RunOut(BaseModel):
    region: str
    month: str
    rule: str
    clause: str
    rates: dict[str, Any]
    created: int = Field(description="draws made by this run (0: the month was drawn before)")
    spot_checks: list[SpotCheckOut]


@router.post("/spot-checks", status_code=201, response_model=RunOut,
             responses={200: {"model": RunOut, "description": "the month was drawn before: the recorded draws"}})
async def run_spot_checks(body: RunIn, principal: Drawer, runtime: RuntimeDep,
                          idempotency_key: IdempotencyKey = None) -> JSONResponse:
    """DT-SPOT: draw the finished month's samples per street and programme (≥ 30% of the new dibao,
    marginal and tekun cases, ≥ 20% of the new temporary-assistance cases, by the region pack),
    each with its seed and population, and a district review task per drawn case. Once per month,
    street and programme: running it again returns the recorded draws (200)."""
    request = IdempotentRequest.of(f"spot-checks:{principal.sub}", idempotency_key, body.model_dump(mode="json"))
    cmd = service.RunSpotChecks(body.region, body.month, body.org_unit, body.seed, principal, request)
    reply = await service.run(cmd, runtime.db.uow(), packs=runtime.packs, now=runtime.clock.now())
    return JSONResponse(reply.body, status_code=reply.status)


@router.get("/spot-checks", response_model=list[SpotCheckOut])
async def list_spot_checks(principal: Staff, runtime: RuntimeDep,
                           month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
                           org_unit: Annotated[str | None, Query(max_length=100)] = None) -> list[dict[str, Any]]:
    """The region's draws (the caller's region), with their reviews."""
    return await service.listing(principal, runtime.db.reading(), month=month, org_unit=org_unit)


@router.get("/spot-checks/{check_id}", response_model=SpotCheckOut)
async def get_spot_check(check_id: Annotated[str, Path(max_length=36)], principal: Staff,
                         runtime: RuntimeDep) -> dict[str, Any]:
    """One draw: seed, rate, population, sample, the algorithm to re-draw it, `verified`."""
    return await service.one(check_id, principal, runtime.db.reading())


@router.post("/spot-checks/{check_id}/reviews/{case_id}", response_model=SpotCheckOut)
async def review_drawn_case(check_id: Annotated[str, Path(max_length=36)],
                            case_id: Annotated[str, Path(max_length=64)], body: ReviewIn, principal: District,
                            runtime: RuntimeDep) -> dict[str, Any]:
    """The district's finding on a drawn case; its review task leaves the inbox."""
    return await service.review(check_id, case_id, outcome=body.outcome, comment=body.comment, principal=principal,
                                uow=runtime.db.uow(), now=runtime.clock.now())
