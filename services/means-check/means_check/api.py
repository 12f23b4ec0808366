"""means-check's HTTP door. Routes parse, call one use case, and leave errors to the mapping below."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.contract.means import MeansVerified, VerifiedFigure
from relief_shared.idempotency import IdempotentRequest
from relief_shared.problems import DomainProblems, Forbidden, NotFound, Unprocessable
from relief_shared.runtime import Runtime, RuntimeDep

from means_check import reads, service
from means_check.domain import (Actor, InvalidRequest, Member, NoSuchCheck, NoSuchVerification, OutsideJurisdiction,
                                StartVerification)
from means_check.sources.catalog import CODES
from means_check.sources.simulator import MODES, Fault, Simulators

router = APIRouter(prefix="/v1", tags=["means-check"])
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]
Requester = Annotated[Principal, Depends(require("clerk", "reviewer"))]
Auditor = Annotated[Principal, Depends(require("auditor"))]
Ops = Annotated[Principal, Depends(require("ops"))]
IdNumberIn = Annotated[str, Field(min_length=18, max_length=18, pattern=r"^\d{17}[\dX]$")]

PROBLEMS: DomainProblems = {NoSuchCheck: NotFound, NoSuchVerification: NotFound, InvalidRequest: Unprocessable,
                            OutsideJurisdiction: Forbidden}


class Check(BaseModel):
    case_id: str
    region: str
    status: str
    scope: str
    rules: list[str]
    reason: str
    recorded_at: str
    verifications: list[str] = []


class ConsentIn(BaseModel):
    signed_on: date = Field(description="the day the household signed its authorisation (授权书)")


class VerificationIn(BaseModel):
    case_id: str = Field(min_length=1, max_length=64)
    region: str = Field(min_length=1, max_length=64)
    members: list[IdNumberIn] = Field(min_length=1, max_length=50, description="every member's ID number")
    scope: list[str] = Field(default_factory=lambda: list(CODES), min_length=1, max_length=len(CODES),
                             description="source codes (GET /v1/sources); all of them by default")
    consent: ConsentIn | None = Field(None, description="required: without it nothing is queried")


class VerificationAccepted(BaseModel):
    verification_id: str
    status: str
    links: dict[str, str]


class MemberOut(BaseModel):
    member: str = Field(description="masked ID number")
    relation: str


class ConsentOut(BaseModel):
    signed_on: date | None
    scope: list[str]


class RequestedBy(BaseModel):
    id: str
    name: str


class RequestOut(BaseModel):
    source: str
    member: str
    status: str = Field(description="pending | in_flight | waiting | answered | not_found | failed | not_asked | "
                                    "abandoned")
    attempts: int
    reference: str | None
    error: str | None


class VerificationOut(BaseModel):
    verification_id: str
    case_id: str
    region: str
    status: str = Field(description="verifying | completed | partial | consent_missing")
    scope: str
    sources: list[str]
    members: list[MemberOut]
    consent: ConsentOut
    requested_by: RequestedBy
    started_at: str
    deadline_at: str | None
    finished_at: str | None
    purged_at: str | None = Field(description="when the results and ID numbers were deleted (retention)")
    requests: list[RequestOut]
    figures: list[VerifiedFigure] = Field(description="what has come in so far, each with its source and reference")
    result: MeansVerified | None = Field(description="once finished: the payload of its means.verified event")


class SourceHealth(BaseModel):
    code: str
    name: str
    department: str
    state: str = Field(description="closed (healthy), open (failing: calls held back) or half_open (one trial)")
    calls: int
    errors: int
    last_error: str
    in_flight: int = Field(description="calls out to it from this process now")


class AccessRow(BaseModel):
    seq: int
    at: str
    actor: str
    actor_name: str
    case_id: str
    verification_id: str
    purpose: str
    source: str
    person: str
    action: str
    summary: str
    prev_hash: str
    hash: str


class ChainCheck(BaseModel):
    rows: int
    intact: bool
    first_broken: int | None
    reason: str


class SimulatorState(BaseModel):
    faults: dict[str, str] = Field(default_factory=dict, description=f"source code → one of {', '.join(MODES)}")
    later_days: int = 20
    queries: dict[str, int] = Field(default_factory=dict, description="calls each department received")


@router.get("/checks/{case_id}", response_model=Check)
async def get_check(case_id: Annotated[str, Path(max_length=64)], runtime: RuntimeDep, principal: Staff) -> dict:
    """What verification a case of the caller's region needs or skipped, with the rule that decided it."""
    return await service.recorded_check(case_id, principal, runtime.db.reading())


@router.post("/verifications", status_code=202, response_model=VerificationAccepted)
async def request_verification(body: VerificationIn, principal: Requester, runtime: RuntimeDep,
                               idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                                                             max_length=200)] = None) -> JSONResponse:
    """Verify a household across the departments' data (ANY-MEANS-SOURCES). Refused (422 naming
    `consent`) without the household's signed consent, and then nothing is sent anywhere. The
    answers come in over minutes to weeks: follow `GET /v1/verifications/{id}`, or the
    `means.verified` event."""
    cmd = StartVerification(
        case_id=body.case_id, region=body.region, org_unit=principal.org_unit, applies_for=None,
        members=tuple(Member(m, "other") for m in body.members), sources=tuple(body.scope),
        consent_signed_on=body.consent.signed_on if body.consent else None, origin="request",
        by=Actor(principal.sub, principal.name),
        request=IdempotentRequest.of(f"verifications:{principal.sub}", idempotency_key, body.model_dump(mode="json")))
    service.jurisdiction(cmd, principal)
    reply = await service.request_verification(cmd, runtime.db.uow(), runtime.packs, runtime.calendar,
                                               now=runtime.clock.now())
    return JSONResponse(reply.body, status_code=reply.status)


@router.get("/verifications/{verification_id}", response_model=VerificationOut)
async def get_verification(verification_id: Annotated[str, Path(max_length=64)], runtime: RuntimeDep,
                           principal: Staff) -> dict[str, Any]:
    """Progress per source and member, the figures in so far (each with its source and reference),
    and once finished the result. Members are shown masked."""
    return await service.verification_document(verification_id, principal, runtime.db.reading())


@router.get("/sources", response_model=list[SourceHealth])
async def list_sources(runtime: RuntimeDep, _: Staff) -> list[dict[str, Any]]:
    """The departments' data sources (ANY-MEANS-SOURCES) and their health as this process sees them."""
    return await reads.sources(runtime)


@router.get("/access-log", response_model=list[AccessRow])
async def access_log(runtime: RuntimeDep, auditor: Auditor,
                     case_id: Annotated[str | None, Query(max_length=64)] = None,
                     id_number: Annotated[str | None, Query(min_length=18, max_length=18,
                                                            pattern=r"^\d{17}[\dX]$")] = None,
                     after: Annotated[int, Query(ge=0)] = 0,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Every lookup of a person's data in the auditor's region — who asked, for which case and
    purpose, which source, when, what came back — by case or by person (the ID number is matched
    by its keyed digest; rows show it masked). Page with `after` (the last `seq` seen)."""
    return await reads.access_log(runtime, auditor, case_id=case_id, id_number=id_number, after=after, limit=limit)


@router.get("/access-log/chain", response_model=ChainCheck)
async def check_chain(runtime: RuntimeDep, _: Auditor) -> dict[str, Any]:
    """Walk the access log's hash chain; a changed, removed or reordered row is named (the first)."""
    return await reads.chain(runtime)


def _simulators(runtime: Runtime) -> Simulators:
    simulators = runtime.extras.get("simulators")
    if runtime.settings.environment == "production" or simulators is None:
        raise NotFound("the department simulators are not available here")
    return simulators


@router.get("/source-simulators", response_model=SimulatorState)
async def simulators(runtime: RuntimeDep, _: Ops) -> SimulatorState:
    """The simulated departments' faults and their own call counters (not in production)."""
    sims = _simulators(runtime)
    return SimulatorState(faults={k: f.mode for k, f in sims.steering.sources.items()},
                          queries={code: sims.queries(code) for code in CODES})


@router.put("/source-simulators", response_model=SimulatorState)
async def steer_simulators(body: SimulatorState, runtime: RuntimeDep, _: Ops) -> SimulatorState:
    """Tell the simulated departments to be slow, hang, fail, fail once, answer malformed data or
    answer days later (`later`, after `later_days`); `ok` or leaving a source out heals it."""
    sims = _simulators(runtime)
    errors = [{"field": f"faults.{k}", "message": f"unknown source or mode {v!r}"}
              for k, v in body.faults.items() if k not in CODES or v not in MODES]
    if errors:
        raise Unprocessable("unknown source or mode", errors=errors)
    sims.steering.sources = {k: Fault(v, body.later_days) for k, v in body.faults.items() if v != "ok"}
    return await simulators(runtime, _)
