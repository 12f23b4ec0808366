from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from means_check import store
from relief_shared.auth import STAFF_ROLES, Principal, require
from relief_shared.problems import NotFound
from relief_shared.runtime import RuntimeDep

router = APIRouter(prefix="/v1", tags=["means-check"])
Staff = Annotated[Principal, Depends(require(*STAFF_ROLES))]


@router.get("/checks/{case_id}")
async def get_check(case_id: str, runtime: RuntimeDep, principal: Staff) -> dict:
    """What verification a case needs or skipped, with the rule that decided it."""
    async with runtime.db.engine.connect() as conn:
        check = await store.get_check(conn, case_id)
    if check is None:
        raise NotFound(f"no means check recorded for case {case_id}")
    principal.require_region(check["region"])
    return check


@router.get("/sources")
async def list_sources(_: Staff) -> list[dict]:
    """The departments' data sources (ANY-MEANS-SOURCES). None is connected yet."""
    return []
