"""means-check's HTTP door. Routes parse, call one use case, and leave errors to the mapping below."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.problems import DomainProblems, NotFound
from relief_shared.runtime import RuntimeDep

from means_check import service

router = APIRouter(prefix="/v1", tags=["means-check"])
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]

PROBLEMS: DomainProblems = {service.NoSuchCheck: NotFound}


class Check(BaseModel):
    case_id: str
    region: str
    status: str
    scope: str
    rules: list[str]
    reason: str
    recorded_at: str


class Source(BaseModel):
    code: str
    name: str
    state: str


@router.get("/checks/{case_id}", response_model=Check)
async def get_check(case_id: Annotated[str, Path(max_length=64)], runtime: RuntimeDep, principal: Staff) -> dict:
    """What verification a case of the caller's region needs or skipped, with the rule that decided it."""
    return await service.recorded_check(case_id, principal, runtime.db.reading())


@router.get("/sources", response_model=list[Source])
async def list_sources(_: Staff) -> list[dict]:
    """The departments' data sources (ANY-MEANS-SOURCES). None is connected yet."""
    return []
