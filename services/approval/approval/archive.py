"""Use cases of the approval record (FX-RECORD, FX-LEDGER): the record of a case as JSON,
added to the approval view, and as the printable page for the paper archive."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from approval import payloads, record, service
from approval.domain import NoSuchCase
from approval.store import UnitOfWork
from relief_shared.auth import Principal
from relief_shared.regions import RegionPacks


async def approval_with_record(case_id: str, principal: Principal, uow: UnitOfWork, *, packs: RegionPacks,
                               now: datetime) -> dict[str, Any]:
    """The approval view (route, steps, actors, deadlines) and, additively, its `record`."""
    view = await service.approval_view(case_id, principal, uow)
    view["record"] = await record_of(case_id, principal, uow, packs=packs, now=now, deadlines=view["deadlines"])
    return view


async def record_of(case_id: str, principal: Principal, uow: UnitOfWork, *, packs: RegionPacks, now: datetime,
                    deadlines: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    async with uow:
        approval = await uow.approvals.get(case_id, region=principal.region)
        facts = await uow.facts.get(case_id, region=principal.region)
        if approval is not None and deadlines is None:
            deadlines = [payloads.deadline(d) for d in await uow.deadlines.of_case(case_id)]
    if approval is None:
        raise NoSuchCase(f"no approval for case {case_id} in region {principal.region}")
    units = packs.get(approval.region).org_units if approval.region in packs else {}
    return record.build(approval, facts, unit_name=units.get(approval.org_unit, approval.org_unit),
                        deadlines=deadlines or [], generated_at=now)
