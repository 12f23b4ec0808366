"""`status.changed` of an application's approval and of a termination: the person, the status
from when, the monthly amount and, for tekun, the care arrangement the home visit assessed."""
from __future__ import annotations

from datetime import date
from typing import Any

from approval.domain import Approval, CaseApproved, ProcedureCompleted
from relief_shared import contract
from relief_shared.calendar import SHANGHAI
from relief_shared.contract.status import StatusChanged
from relief_shared.money import Money


def approved(approval: Approval, event: CaseApproved | ProcedureCompleted, by: contract.Actor) -> StatusChanged:
    """The status from the day of the decision (a procedure without an amount: a status only)."""
    app = approval.details.get("application", {})
    findings = approval.details.get("findings") or {}
    task = event.task
    decided = getattr(event, "amount", None)
    amount = decided if decided is not None and decided.fen > 0 else None
    since = (task.decided_at or approval.received_at).astimezone(SHANGHAI).date()
    actor = task.actor
    reason = (f"{approval.type} application approved at step {task.step!r} by {actor.name if actor else 'the approver'}"
              f" ({', '.join(approval.route.rules)}; procedure {approval.route.procedure or approval.route.pack_version})"
              + (f"; monthly amount {amount}: {app.get('ceiling_note', '')}" if amount else ""))
    tekun = approval.type == "tekun"
    return StatusChanged(
        person=contract.Person(id_number=approval.payee.id_number, name=approval.payee.name),
        status=approval.type, previous=app.get("previous", "none"), since=since,
        household_size=1 if tekun else app.get("household_size"), monthly_amount=amount,
        dispersed=findings.get("dispersed") if tekun else None,
        self_care=findings.get("self_care") if tekun else None,
        reason=reason[:2000], rules=_rules(approval, app), by=by, org_unit=approval.org_unit,
        bank_account=approval.bank_account)


def terminated(approval: Approval, *, reason: str, since: date, deceased_on: date | None, by: contract.Actor,
               rules: list[str]) -> StatusChanged:
    app = approval.details.get("application", {})
    return StatusChanged(
        person=contract.Person(id_number=approval.payee.id_number, name=approval.payee.name),
        status="none", previous=approval.type, since=since, household_size=app.get("household_size"),
        monthly_amount=None, reason=reason, rules=rules, by=by, org_unit=approval.org_unit, deceased_on=deceased_on)


def _rules(approval: Approval, app: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys([*approval.route.rules, *([app["ceiling_rule"]] if app.get("ceiling_rule") else []),
                               "DT-SOD"]))


def money(m: Money | None) -> str | None:
    return None if m is None else str(m)
