"""What the service hands out: typed event payloads (the contract registry) and API views
(contract.md). Money leaves as a string, times leave in Asia/Shanghai with their offset."""
from __future__ import annotations

from datetime import datetime

from approval import policy
from approval.domain import Approval, CaseApproved, CaseRejected, Person, Task
from approval.store import Escalation, InboxItem
from relief_shared import contract
from relief_shared.calendar import SHANGHAI
from relief_shared.contract import approval as contract_approval
from relief_shared.contract.approval import ApprovalRequested, RouteSummary
from relief_shared.deadlines import Deadline
from relief_shared.money import Money

SOD_RULE = "DT-SOD"


def requested(approval: Approval, task: Task, by: contract.Actor) -> ApprovalRequested:
    return ApprovalRequested(task_id=task.id, step=task.step, role=task.role, org_unit=task.org_unit,
                             due=task.due.astimezone(SHANGHAI) if task.due else None,
                             amount_ceiling=approval.ceiling, route=RouteSummary(**route(approval)), by=by)


def approved(approval: Approval, event: CaseApproved, by: contract.Actor) -> contract_approval.CaseApproved:
    task = event.task
    return contract_approval.CaseApproved(
        task_id=task.id, step=task.step, amount=event.amount, approved_by=actor(task.actor),
        org_unit=approval.org_unit, payee=contract.Person(id_number=approval.payee.id_number, name=approval.payee.name),
        rules=rules(approval), comment=task.comment, by=by)


def rejected(approval: Approval, event: CaseRejected, by: contract.Actor) -> contract_approval.CaseRejected:
    task = event.task
    return contract_approval.CaseRejected(task_id=task.id, step=task.step, rejected_by=actor(task.actor),
                                          comment=task.comment, rules=rules(approval), by=by)


def actor(p: Person | None) -> contract.Actor:
    assert p is not None, "a decided task has its actor"
    return contract.Actor(id=p.id, name=p.name)


def decision(approval: Approval, task: Task, decision_: str) -> dict:
    return {"case_id": approval.case_id, "task_id": task.id, "step": task.step, "decision": decision_,
            "amount": money(task.amount), "comment": task.comment, "decided_by": person(task.actor),
            "decided_at": local(task.decided_at), "status": approval.status,
            "open_steps": [t.step for t in approval.tasks if t.status == "open"]}


def inbox_item(item: InboxItem) -> dict:
    task = item.task
    return {"id": task.id, "case_id": task.case_id, "step": task.step, "role": task.role,
            "org_unit": task.org_unit, "due": local(task.due), "amount_ceiling": str(item.ceiling),
            "type": item.type, "opened_at": local(task.opened_at)}


def escalation_item(e: Escalation) -> dict:
    """A breached deadline as a task of the district: what was late, by which rule and clause."""
    return {"id": e.deadline_id, "case_id": e.case_id, "step": "escalation", "role": e.role,
            "org_unit": e.org_unit or "", "due": local(e.due), "amount_ceiling": money(e.ceiling),
            "type": e.type, "opened_at": local(e.raised_at), "rule": e.rule, "clause": e.clause,
            "deadline": {"id": e.deadline_id, "limit": e.limit_id, "name": e.name, "service": e.service}}


def deadline(d: Deadline) -> dict:
    late = d.late_by
    return {"id": d.id, "name": d.name, "limit": d.limit_id, "rule": d.rule, "clause": d.clause,
            "due": local(d.due), "met": d.met, "state": d.state,
            "late_by": _duration(late) if late else None, "late_by_seconds": int(late.total_seconds()) if late else None,
            "calendar_complete": d.calendar_complete, "calendar_version": d.calendar_version,
            "warned_at": local(d.warned_at), "breached_at": local(d.breached_at), "closed_at": local(d.closed_at)}


def _duration(delta) -> str:  # noqa: ANN001 - timedelta
    """ISO 8601 duration, e.g. P1DT2H3M4S."""
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"P{days}DT{hours}H{minutes}M{secs}S" if days else f"PT{hours}H{minutes}M{secs}S"


def approval_view(approval: Approval, limits: list[Deadline]) -> dict:
    """The route as planned, each step as it stands, and the durable deadlines of the case."""
    tasks = {t.step: t for t in approval.tasks}
    steps = [_step(plan, tasks.get(plan.step), approval) for plan in approval.route.steps]
    deadlines = [deadline(d) for d in limits]
    return {"case_id": approval.case_id, "region": approval.region, "org_unit": approval.org_unit,
            "type": approval.type, "status": approval.status, "amount_ceiling": str(approval.ceiling),
            "amount": money(approval.amount), "route": route(approval), "steps": steps,
            "deadlines": deadlines, "accepted_by": person(approval.accepted_by), "rules": rules(approval)}


def _step(plan: policy.StepPlan, task: Task | None, approval: Approval) -> dict:
    if task is None:
        skipped = approval.amount is not None and not plan.needed_for(approval.amount)
        status = "not_required" if skipped or approval.status != "pending" else "planned"
        return {"step": plan.step, "role": plan.role, "status": status, "task_id": None, "actor": None,
                "due": None, "only_above": money(plan.only_above)}
    return {"step": plan.step, "role": plan.role, "status": task.status, "task_id": task.id,
            "org_unit": task.org_unit, "actor": person(task.actor), "due": local(task.due),
            "amount": money(task.amount), "comment": task.comment, "decided_at": local(task.decided_at),
            "only_above": money(plan.only_above)}


def route(approval: Approval) -> dict:
    r = approval.route
    return {"rules": list(r.rules), "skipped": list(r.skipped), "sources": list(r.sources),
            "pack_version": r.pack_version}


def rules(approval: Approval) -> list[str]:
    return [*approval.route.rules, SOD_RULE]


def person(p: Person | None) -> dict | None:
    return None if p is None else {"id": p.id, "name": p.name}


def money(m: Money | None) -> str | None:
    return None if m is None else str(m)


def local(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(SHANGHAI).isoformat()
