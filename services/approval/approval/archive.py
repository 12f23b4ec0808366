"""Use cases of the approval record (FX-RECORD, FX-LEDGER): the record of a case as JSON,
added to the approval view, and as the printable page for the paper archive."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from approval import record, service
from approval.domain import NoSuchCase
from approval.store import UnitOfWork
from relief_shared.auth import Principal
from relief_shared.regions import RegionPacks


async def approval_with_record(case_id: str, principal: Principal, uow: UnitOfWork, *, packs: RegionPacks,
                               now: datetime) -> dict[str, Any]:
    """The approval view (route, steps, history, actors, deadlines) and, additively, its `record`."""
    view = await service.approval_view(case_id, principal, uow, now=now)
    view["record"] = await _record(case_id, principal, uow, packs=packs, now=now, view=view)
    return view


async def record_of(case_id: str, principal: Principal, uow: UnitOfWork, *, packs: RegionPacks,
                    now: datetime) -> dict[str, Any]:
    """The record alone, for the printable page."""
    view = await service.approval_view(case_id, principal, uow, now=now)
    return await _record(case_id, principal, uow, packs=packs, now=now, view=view)


async def _record(case_id: str, principal: Principal, uow: UnitOfWork, *, packs: RegionPacks, now: datetime,
                  view: dict[str, Any]) -> dict[str, Any]:
    async with uow:
        approval = await uow.approvals.get(case_id, region=principal.region)
        facts = await uow.facts.get(case_id, region=principal.region)
    if approval is None:
        raise NoSuchCase(f"no approval for case {case_id} in region {principal.region}")
    units = packs.get(approval.region).org_units if approval.region in packs else {}
    return record.build(approval, facts, unit_name=units.get(approval.org_unit, approval.org_unit), view=view)
