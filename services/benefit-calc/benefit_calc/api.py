"""benefit-calc's HTTP door: calculations (single and batch), a case's recorded calculation,
and the region packs. Routes parse, call one use case, and leave errors to the mapping below."""
from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from relief_shared.auth import STAFF_ROLES, Principal, check_bearer, require
from relief_shared.calendar import SHANGHAI
from relief_shared.fastlane import LaneRequest
from relief_shared.problems import DomainProblems, NotFound, Problem, Unprocessable
from relief_shared.regions import UnknownRegion
from relief_shared.runtime import RuntimeDep

from benefit_calc import service
from benefit_calc.schemas import CalculationIn, CalculationOut, Parameters, Region, StoredCalculation

router = APIRouter(prefix="/v1", tags=["benefit-calc"])
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]
RegionCode = Annotated[str, Path(max_length=64)]

PROBLEMS: DomainProblems = {
    service.CalculationRefused: Unprocessable,
    service.NoSuchCalculation: NotFound,
    UnknownRegion: NotFound,
}


@router.post("/calculations", response_model=CalculationOut)
async def calculate(body: CalculationIn, runtime: RuntimeDep, principal: Staff) -> JSONResponse:
    """The ceiling and recommended amount for a case, with every rule, source and input used.

    Stateless: nothing is stored. A region or parameter value missing for `as_of` is a 422
    naming what is missing; an operator must load it, no value is ever assumed.
    """
    # the document is JSON already (strings, lists, dicts): answering it directly skips a second
    # validation against CalculationOut, which documents the shape and is held to it by the tests
    return JSONResponse(service.calculate_many([body], runtime.packs, principal, batch=False)[0])


async def calculate_in_lane(request: LaneRequest) -> bytes | None:
    """`calculate` without the framework (relief_shared.fastlane), for the day a standard changes
    and every street recalculates: a staff token, a JSON body valid as CalculationIn and a region
    the caller works for get the route's own 200 answer; anything else returns None, and the
    route above answers it, refusal and all."""
    if not request.is_json():
        return None
    runtime = request.app.state.runtime
    try:
        principal = check_bearer(request.authorization, runtime.settings.jwt_secret, STAFF_ROLES)
        body = CalculationIn.model_validate(json.loads(request.body))
        document = service.calculate_many([body], runtime.packs, principal, batch=False)[0]
    except (Problem, ValueError):  # a bad token, region or body (ValidationError, JSONDecodeError), a refusal
        return None
    return orjson.dumps(document)  # the bytes JSONResponse would render (UTF-8, compact), 8× faster


LANES = {("POST", "/v1/calculations"): calculate_in_lane}


@router.post("/calculations/batch", response_model=list[CalculationOut])
async def calculate_batch(body: list[CalculationIn], runtime: RuntimeDep, principal: Staff) -> list[dict[str, Any]]:
    """The same calculation for a list of bodies; results in the same order. One bad item makes
    the whole batch a 422 whose `errors` fields start with the item's index."""
    return service.calculate_many(body, runtime.packs, principal, batch=True)


@router.get("/calculations/{case_id}", response_model=StoredCalculation)
async def get_calculation(case_id: Annotated[str, Path(max_length=64)], runtime: RuntimeDep,
                          principal: Staff) -> dict[str, Any]:
    """The calculation made for a classified case of the caller's region when it reached benefit-calc."""
    return await service.recorded_calculation(case_id, principal, runtime.db.reading())


@router.get("/regions", response_model=list[Region])
async def list_regions(runtime: RuntimeDep, _: Staff) -> list[dict[str, Any]]:
    """The region packs in force, with their version, source documents, towns and streets, and
    the rules that apply in each region."""
    return [service.region_document(runtime.packs.get(code)) for code in runtime.packs.codes()]


@router.get("/regions/{code}", response_model=Region)
async def get_region(code: RegionCode, runtime: RuntimeDep, _: Staff) -> dict[str, Any]:
    """One region pack: version, documents, towns and streets, and the rules that apply there."""
    return service.region_document(runtime.packs.get(code))


@router.get("/regions/{code}/parameters", response_model=Parameters)
async def region_parameters(code: RegionCode, runtime: RuntimeDep, _: Staff, as_of: date | None = None) -> dict[str, Any]:
    """Each parameter's value in force on `as_of` (default: today in Asia/Shanghai), with its
    unit, validity, rule, source and whether it is only a sample value."""
    pack = runtime.packs.get(code)
    day = as_of or datetime.now(SHANGHAI).date()
    return {"region": pack.code, "as_of": day.isoformat(), "pack_version": pack.pack_version,
            "parameters": {name: p.describe() for name, p in pack.parameters(day).items()}}
