"""Use cases of the periodic re-checks (ANY-RECHECK, Anyang 二(二)7; DT-CASE-RECHECK, Dongtou 四).

An approval that starts re-checks writes, in its own transaction, a row per re-check and a
durable deadline row for it (the `deadlines` table: the scheduler warns before it is due and
reports it breached, which the district's escalation picks up). The re-check is a task in the
street's inbox from `visible_from`; finishing it closes its deadline and, for ANY-RECHECK,
schedules the next one while the status lasts. A termination cancels what is open.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from approval import application_policy
from approval.application_policy import Recheck
from approval.domain import Approval, CaseApproved, DomainError, NoSuchCase, NotAllowed, ProcedureCompleted
from approval.payloads import local
from approval.recheck_store import RecheckRow
from approval.store import UnitOfWork
from relief_shared import deadlines
from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.deadlines import Deadline
from relief_shared.regions import RegionPacks
from relief_shared.timelimits import Span, TimeLimit

SOURCE = "approval"


class RecheckClosed(DomainError):
    pass


async def schedule(approval: Approval, uow: UnitOfWork, packs: RegionPacks, calendar: WorkingCalendar | None, *,
                   now: datetime) -> list[Deadline]:
    """The re-checks the approval just given starts (none for a case that did not get approved now)."""
    if not any(isinstance(e, (CaseApproved, ProcedureCompleted)) for e in approval.events):
        return []
    pack = packs.get(approval.region)
    plan = application_policy.rechecks_after_approval(
        pack, applies_for=approval.type, procedure=approval.route.procedure,
        findings=approval.details.get("findings") or {}, approved_on=now.astimezone(SHANGHAI).date())
    return await _add(approval, plan, uow, calendar, now=now)


async def _add(approval: Approval, plan: list[Recheck], uow: UnitOfWork, calendar: WorkingCalendar | None, *,
               now: datetime) -> list[Deadline]:
    opened: list[Deadline] = []
    today = now.astimezone(SHANGHAI).date()
    for r in plan:
        recheck_id = str(uuid.uuid4())
        await uow.rechecks.add(dict(id=recheck_id, case_id=approval.case_id, region=approval.region,
                                    org_unit=approval.org_unit, rule=r.rule, clause=r.clause[:400], role=r.role,
                                    round=r.round, due_on=r.due_on, visible_from=r.visible_from, opened_at=now))
        if calendar is None:
            continue
        lead = max((r.due_on - r.visible_from).days, 1)
        limit = TimeLimit(id=f"{r.rule}#{r.round}", rule=r.rule, name=f"re-check {r.round} ({r.rule})",
                          span=Span(max((r.due_on - today).days, 1), "calendar_days"), start="case.approved",
                          stop=(f"recheck:{recheck_id}",), owner=SOURCE, source=r.clause,
                          warn_before=Span(lead, "calendar_days"), valid_from=date.min)
        d = await uow.deadlines.open(case_id=approval.case_id, region=approval.region, org_unit=approval.org_unit,
                                     limit=limit, started_at=now, watches=f"recheck {recheck_id}", calendar=calendar,
                                     correlation_id=approval.correlation_id)
        if d is not None:
            opened.append(d)
    return opened


async def finish(case_id: str, recheck_id: str, *, outcome: str, comment: str, principal: Principal,
                 uow: UnitOfWork, packs: RegionPacks, calendar: WorkingCalendar, now: datetime) -> dict[str, Any]:
    """A re-check done: `unchanged` leaves the benefit as it is (ANY-RECHECK); `changed` is for the
    approver to act on (a new decision or a termination). Its deadline closes."""
    async with uow:
        approval = await uow.approvals.get(case_id, region=principal.region)
        if approval is None:
            raise NoSuchCase(f"no approval for case {case_id} in region {principal.region}")
        row = next((r for r in await uow.rechecks.of_case(case_id, region=principal.region) if r.id == recheck_id),
                   None)
        if row is None:
            raise NoSuchCase(f"case {case_id} has no re-check {recheck_id}")
        if row.role not in principal.roles or ("district" not in principal.roles and principal.org_unit != row.org_unit):
            raise NotAllowed(f"the re-check is for role {row.role!r} of {row.org_unit}")
        if not await uow.rechecks.finish(recheck_id, outcome=outcome, comment=comment,
                                         actor={"id": principal.sub, "name": principal.name}, at=now):
            raise RecheckClosed(f"re-check {recheck_id} of case {case_id} is {row.status} already")
        closed = await uow.deadlines.close(case_id, stopped_by=f"recheck:{recheck_id}", at=now)
        opened: list[Deadline] = []
        if approval.status == "approved" and not approval.details.get("terminated"):
            following = application_policy.next_recheck(
                packs.get(approval.region), applies_for=approval.type, findings=approval.details.get("findings") or {},
                rule=row.rule, done_on=now.astimezone(SHANGHAI).date(), round_=row.round)
            opened = await _add(approval, following, uow, calendar, now=now)
        uow.record(*(deadlines.envelope("closed", d, service=SOURCE) for d in closed))
        uow.record(*(deadlines.envelope("opened", d, service=SOURCE) for d in opened))
        rows = await uow.rechecks.of_case(case_id, region=principal.region)
        await uow.commit()
    return {"case_id": case_id, "rechecks": [view(r) for r in rows]}


async def of_case(case_id: str, principal: Principal, uow: UnitOfWork) -> list[dict[str, Any]]:
    async with uow:
        rows = await uow.rechecks.of_case(case_id, region=principal.region)
    return [view(r) for r in rows]


async def inbox(principal: Principal, uow: UnitOfWork, *, now: datetime) -> list[dict[str, Any]]:
    """Re-checks as tasks (`step` recheck) of the caller's inbox, once they are visible."""
    async with uow:
        rows = await uow.rechecks.due_for(roles=list(principal.roles), region=principal.region,
                                          org_unit=principal.org_unit, today=now.astimezone(SHANGHAI).date())
    return [{"id": r.id, "case_id": r.case_id, "step": "recheck", "role": r.role, "org_unit": r.org_unit,
             "due": r.due_on.isoformat(), "amount_ceiling": None, "type": None, "opened_at": local(r.opened_at),
             "rule": r.rule, "clause": r.clause, "deadline": None} for r in rows]


async def cancel(approval: Approval, uow: UnitOfWork, *, now: datetime, why: str) -> list[Deadline]:
    """A status ended: its open re-checks are cancelled and their deadlines closed."""
    closed: list[Deadline] = []
    for recheck_id in await uow.rechecks.cancel_open(approval.case_id, at=now, why=why):
        closed += await uow.deadlines.close(approval.case_id, stopped_by=f"recheck:{recheck_id}", at=now)
    return closed


def view(r: RecheckRow) -> dict[str, Any]:
    return {"id": r.id, "case_id": r.case_id, "rule": r.rule, "clause": r.clause, "role": r.role, "round": r.round,
            "due_on": r.due_on.isoformat(), "visible_from": r.visible_from.isoformat(), "status": r.status,
            "outcome": r.outcome, "comment": r.comment, "actor": r.actor, "done_at": local(r.done_at),
            "org_unit": r.org_unit}
