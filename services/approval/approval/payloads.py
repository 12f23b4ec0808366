"""What the service hands out: typed event payloads (the contract registry) and API views
(contract.md). Money leaves as a string, times leave in Asia/Shanghai with their offset."""
from __future__ import annotations

from datetime import datetime

from approval import policy
from approval.domain import Approval, CaseApproved, CaseRejected, Person, Task
from approval.store import InboxItem
from relief_shared import contract
from relief_shared.calendar import SHANGHAI
from relief_shared.contract import approval as contract_approval
from relief_shared.contract.approval import ApprovalRequested, RouteSummary
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


def approval_view(approval: Approval, now: datetime) -> dict:
    """The route as planned, each step as it stands, and the deadlines with whether they were met."""
    tasks = {t.step: t for t in approval.tasks}
    steps = [_step(plan, tasks.get(plan.step), approval) for plan in approval.route.steps]
    deadlines = [{"name": t.step, "due": local(t.due), "met": policy.deadline_met(t.due, t.decided_at, now)}
                 for t in approval.tasks if t.due is not None]
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
    return {"rules": list(r.rules), "skipped": list(r.skipped), "sources": list(r.sources)}


def rules(approval: Approval) -> list[str]:
    return [*approval.route.rules, SOD_RULE]


def person(p: Person | None) -> dict | None:
    return None if p is None else {"id": p.id, "name": p.name}


def money(m: Money | None) -> str | None:
    return None if m is None else str(m)


def local(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(SHANGHAI).isoformat()
