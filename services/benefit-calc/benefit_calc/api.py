from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from benefit_calc import service, store
from benefit_calc.policy import MissingInput
from benefit_calc.schemas import CalculationIn
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.calendar import SHANGHAI
from relief_shared.problems import NotFound, Unprocessable
from relief_shared.regions import MissingParameter, RegionPacks, UnknownRegion
from relief_shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1", tags=["benefit-calc"])
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]


@router.post("/calculations")
async def calculate(body: CalculationIn, runtime: RuntimeDep, principal: Staff) -> dict[str, Any]:
    """The ceiling and recommended amount for a case, with every rule, source and input used.

    Stateless: nothing is stored. A region or parameter value missing for `as_of` is a 422
    naming what is missing; an operator must load it, no value is ever assumed.
    """
    return _calculate_all([body], runtime.packs, principal, batch=False)[0]


@router.post("/calculations/batch")
async def calculate_batch(body: list[CalculationIn], runtime: RuntimeDep, principal: Staff) -> list[dict[str, Any]]:
    """The same calculation for a list of bodies; results in the same order. One bad item makes
    the whole batch a 422 whose `errors` fields start with the item's index."""
    return _calculate_all(body, runtime.packs, principal, batch=True)


@router.get("/calculations/{case_id}")
async def get_calculation(case_id: str, runtime: RuntimeDep, principal: Staff) -> dict[str, Any]:
    """The calculation made for a classified case when it reached benefit-calc."""
    async with runtime.db.engine.connect() as conn:
        found = await store.get_calculation(conn, case_id)
    if found is None:
        raise NotFound(f"no calculation recorded for case {case_id}")
    principal.require_region(found["region"])
    return found


@router.get("/regions")
async def list_regions(runtime: RuntimeDep, _: Staff) -> list[dict[str, Any]]:
    """The region packs loaded, with their version and source documents."""
    packs = [runtime.packs.get(code) for code in runtime.packs.codes()]
    return [{"code": p.code, "name": p.name, "pack_version": p.pack_version, "documents": p.documents} for p in packs]


@router.get("/regions/{code}/parameters")
async def region_parameters(code: str, runtime: RuntimeDep, _: Staff, as_of: date | None = None) -> dict[str, Any]:
    """Each parameter's value in force on `as_of` (default: today in Asia/Shanghai), with its
    unit, validity, rule, source and whether it is only a sample value."""
    try:
        pack = runtime.packs.get(code)
    except UnknownRegion as exc:
        raise NotFound(str(exc)) from exc
    day = as_of or datetime.now(SHANGHAI).date()
    return {"region": pack.code, "as_of": day.isoformat(), "pack_version": pack.pack_version,
            "parameters": {name: p.describe() for name, p in pack.parameters(day).items()}}


def _calculate_all(bodies: list[CalculationIn], packs: RegionPacks, principal: Principal, *,
                   batch: bool) -> list[dict[str, Any]]:
    results, errors = [], []
    for index, body in enumerate(bodies):
        prefix = f"{index}." if batch else ""
        if body.region in packs:
            principal.require_region(body.region)
        try:
            results.append(service.calculate_for(packs, body))
        except (UnknownRegion, MissingParameter, MissingInput) as exc:
            errors.append(_error(exc, prefix))
    if errors:
        raise Unprocessable("; ".join(e["message"] for e in errors), errors=errors)
    return results


def _error(exc: Exception, prefix: str) -> dict[str, str]:
    if isinstance(exc, UnknownRegion):
        return {"field": f"{prefix}region", "message": f"{exc}: no policy pack is loaded for it"}
    if isinstance(exc, MissingParameter):
        return {"field": f"{prefix}as_of", "message": f"{exc}: the parameter {exc.name!r} must be loaded",
                "parameter": exc.name}
    assert isinstance(exc, MissingInput)
    return {"field": f"{prefix}{exc.field}", "message": str(exc)}
