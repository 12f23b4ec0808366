"""What the service hands out: typed event payloads (the contract registry) and API views
(contract.md). Money leaves as a string, times leave in Asia/Shanghai with their offset."""
from __future__ import annotations

from datetime import datetime

from approval import policy
import json
from datetime import date
from typing import Any

from approval.domain import (AdvanceRevoked, Approval, CaseApproved, CaseRejected, Deliberated, PaperworkCompleted,
                             PaperworkFiled, Person, StepReturned, Task)
from approval.store import Escalation, InboxItem, Objection
from relief_shared import contract
from relief_shared.calendar import SHANGHAI
from relief_shared.contract import approval as contract_approval
from relief_shared.contract.approval import ApprovalRequested, Instalment, RouteSummary
from relief_shared.deadlines import Deadline
from relief_shared.money import Money

SOD_RULE = "DT-SOD"
KIN_RULE = "LF-KIN"


def requested(approval: Approval, task: Task, by: contract.Actor) -> ApprovalRequested:
    return ApprovalRequested(task_id=task.id, step=task.step, role=task.role, org_unit=task.org_unit,
                             due=task.due.astimezone(SHANGHAI) if task.due else None,
                             amount_ceiling=approval.ceiling, route=RouteSummary(**route(approval)), by=by)


def approved(approval: Approval, event: CaseApproved, by: contract.Actor) -> contract_approval.CaseApproved:
    task = event.task
    return contract_approval.CaseApproved(
        task_id=task.id, step=task.step, amount=event.amount, approved_by=actor(task.actor),
        org_unit=approval.org_unit, payee=contract.Person(id_number=approval.payee.id_number, name=approval.payee.name),
        rules=rules(approval) + (["STAGED"] if approval.instalments else []) + (
            [KIN_RULE] if any(f.get("rule") == KIN_RULE for f in approval.flags) else []),
        comment=task.comment, by=by,
        channel=approval.payment_channel, bank_account=approval.bank_account,
        instalments=[Instalment(amount=i.amount, due=i.due) for i in approval.instalments]
        if approval.instalments else None)


def returned(approval: Approval, event: StepReturned, by: contract.Actor) -> contract_approval.ApprovalReturned:
    reason = (approval.details.get("returns") or [{}])[-1].get("reason", "")
    return contract_approval.ApprovalReturned(task_id=event.task.id, step=event.to_step, round=event.task.round,
                                              reason=reason, by=by)


def deliberated(approval: Approval, event: Deliberated, record: dict[str, Any], held_on: date, digest: str,
                by: contract.Actor) -> contract_approval.ApprovalDeliberated:
    roles: dict[str, int] = {}
    for p in {(p["name"].strip(), p["role"]) for p in record.get("participants", [])}:
        roles[p[1]] = roles.get(p[1], 0) + 1
    vote = record.get("vote")
    return contract_approval.ApprovalDeliberated(
        task_id=event.task.id, org_unit=approval.org_unit, held_on=held_on, participants=sum(roles.values()),
        participant_roles=roles, observer_unit=(record.get("observer") or {}).get("unit"),
        vote=contract_approval.DeliberationVote(**vote) if vote else None, decided_amount=event.amount,
        amount_ceiling=approval.ceiling, minutes_sha256=digest,
        rules=[r for r in approval.route.rules if r in ("DT-CASE", "FX-CASE-MIN", "FX-CASE")] or ["DT-CASE"], by=by)


def paperwork_completed(approval: Approval, event: PaperworkCompleted,
                        by: contract.Actor) -> contract_approval.PaperworkCompleted:
    report = event.task.report or {}
    return contract_approval.PaperworkCompleted(task_id=event.task.id, amount=Money.yuan(report.get("amount", "0")),
                                                signatures=len(report.get("signatures", [])),
                                                sealed=bool(report.get("seal")), rules=_advance_rules(approval), by=by)


def filed(approval: Approval, event: PaperworkFiled, by: contract.Actor) -> contract_approval.PaperworkFiled:
    return contract_approval.PaperworkFiled(task_id=event.task.id, rules=_advance_rules(approval), by=by)


def revoked(approval: Approval, event: AdvanceRevoked, by: contract.Actor) -> contract_approval.CaseRevoked:
    """Refused paperwork of an advance: the unpaid part is cancelled and what was paid is recovered
    (ANY-RECOVER) by disbursement, which acts on `fraudulent`."""
    return contract_approval.CaseRevoked(
        task_id=event.approved_task_id, reason=f"the paperwork of the advance was refused: {event.task.comment}",
        fraudulent=True, recover=None, rules=[*_advance_rules(approval), "ANY-RECOVER"], by=by)


def _advance_rules(approval: Approval) -> list[str]:
    return [r for r in approval.route.rules if r in policy.ADVANCE_RULES] or list(approval.route.rules[:1])


def objection(o: Objection) -> dict:
    return {"id": o.id, "case_id": o.case_id, "objector": {"name": o.objector_name, "phone": o.objector_phone},
            "reason": o.reason, "received_on": str(o.received_on), "status": o.status, "resolution": o.resolution,
            "resolved_by": o.resolved_by, "resolved_at": local(o.resolved_at), "recorded_by": o.recorded_by,
            "recorded_at": local(o.recorded_at)}


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
            "decided_at": local(task.decided_at), "status": approval.status, "round": task.round,
            "open_steps": [t.step for t in approval.tasks if t.status == "open"]}


def inbox_item(item: InboxItem) -> dict:
    task = item.task
    return {"id": task.id, "case_id": task.case_id, "step": task.step, "role": task.role,
            "org_unit": task.org_unit, "due": local(task.due), "amount_ceiling": str(item.ceiling),
            "type": item.type, "opened_at": local(task.opened_at), "round": task.round}


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


def approval_view(approval: Approval, limits: list[Deadline], *, now: datetime, objections: list[Objection] = (),
                  deliberations: list[dict] = ()) -> dict:
    """The route as planned, each step as it stands (every open step: steps run in parallel), the
    whole history of decisions with returns, and the durable deadlines of the case."""
    steps = [_step(plan, approval.latest(plan.step), approval, now) for plan in approval.route.steps]
    deadlines = [deadline(d) for d in limits]
    return {"case_id": approval.case_id, "region": approval.region, "org_unit": approval.org_unit,
            "type": approval.type, "status": approval.status, "amount_ceiling": str(approval.ceiling),
            "amount": money(approval.amount), "route": route(approval), "steps": steps,
            "open_steps": [t.step for t in approval.tasks if t.status == "open"],
            "history": [_task_view(t) for t in sorted(approval.tasks, key=lambda t: (t.opened_at, t.round))],
            "deadlines": deadlines, "accepted_by": person(approval.accepted_by), "rules": rules(approval),
            "flags": approval.flags, "findings": approval.details.get("findings"),
            "returns": approval.details.get("returns", []),
            "deliberated_amount": approval.details.get("deliberated_amount"),
            "channel": approval.payment_channel, "bank_account_given": bool(approval.bank_account),
            "instalments": approval.details.get("instalments"),
            "objections": [objection(o) for o in objections],
            "deliberations": [_minutes(m) for m in deliberations]}


def _minutes(m: dict) -> dict:
    record = json.loads(m["record"])
    return {"id": m["id"], "task_id": m["task_id"], "held_on": str(m["held_on"]), **record,
            "decided_amount": str(Money(m["decided_amount_fen"])), "recorded_by": m["recorded_by"],
            "recorded_at": local(m["recorded_at"]),
            "minutes_file": {"filename": m["minutes_file_name"], "content_type": m["minutes_file_type"],
                             "size_base64": len(m["minutes_file"] or "")} if m["minutes_file"] else None}


def _task_view(task: Task) -> dict:
    return {"task_id": task.id, "step": task.step, "round": task.round, "role": task.role, "status": task.status,
            "actor": person(task.actor), "amount": money(task.amount), "comment": task.comment,
            "opened_at": local(task.opened_at), "decided_at": local(task.decided_at), "due": local(task.due),
            "report": task.report, "superseded": task.superseded_by is not None}


def _step(plan: policy.StepPlan, task: Task | None, approval: Approval, now: datetime) -> dict:
    base = {"step": plan.step, "role": plan.role, "duty": plan.duty_name, "rule": plan.rule or None,
            "after": list(plan.after) if plan.after is not None else None, "only_above": money(plan.only_above)}
    if task is None or not task.current:
        skipped = approval.amount is not None and not plan.needed_for(approval.amount)
        status = "not_required" if skipped or approval.status != "pending" else "planned"
        return {**base, "status": status, "task_id": None, "actor": None, "due": None}
    status = task.status
    if plan.step == "public_notice" and task.status == "approved" and task.report:
        status = "running" if approval.notice_running(now) else "approved"
    return {**base, "status": status, "task_id": task.id, "round": task.round,
            "org_unit": task.org_unit, "actor": person(task.actor), "due": local(task.due),
            "amount": money(task.amount), "comment": task.comment, "decided_at": local(task.decided_at),
            "report": task.report}


def route(approval: Approval) -> dict:
    r = approval.route
    return {"rules": list(r.rules), "skipped": list(r.skipped), "sources": list(r.sources),
            "pack_version": r.pack_version, "procedure": r.procedure}


def rules(approval: Approval) -> list[str]:
    return list(dict.fromkeys([*approval.route.rules, SOD_RULE]))


def person(p: Person | None) -> dict | None:
    return None if p is None else {"id": p.id, "name": p.name}


def money(m: Money | None) -> str | None:
    return None if m is None else str(m)


def local(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(SHANGHAI).isoformat()
