"""The case as the window sees it, folded from the events of every service.

Each event a case sees becomes one timeline row carrying the facts the view needs (see
`projection`); the view is folded from those rows when someone reads the case, so taking an
event in costs one insert and one status update, not a read and rewrite of the view. The
facts are this service's own stored documents, plain JSON, folded here.
Events can arrive late or twice: the timeline keeps one row per event id, and the status only
moves forward, by rank, so a late `benefit.calculated` never drags a paid case back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STATUS_RANK = {
    "received": 0, "classified": 1, "referred": 1, "verifying": 2, "calculated": 3, "pending_approval": 4,
    "approved": 5, "rejected": 5, "paying": 6, "paid": 7, "closed": 8,
}
STATUS_AFTER = {
    "case.received": "received", "case.classified": "classified", "means.requested": "verifying",
    "benefit.calculated": "calculated", "approval.requested": "pending_approval", "case.approved": "approved",
    "case.rejected": "rejected", "payment.scheduled": "paying", "payment.sent": "paying", "payment.paid": "paid",
}
PAYMENT_FIELDS = ("amount", "channel", "due", "paid_at", "bank_reference", "reason")
PAYMENT_RANK = {"scheduled": 0, "sent": 1, "unknown": 2, "paid": 3, "failed": 3, "cancelled": 3}


@dataclass
class CaseView:
    status: str
    classification: dict[str, Any] | None = None
    benefit: dict[str, Any] | None = None
    approval: dict[str, Any] = field(default_factory=dict)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    deadlines: list[dict[str, Any]] = field(default_factory=list)

    def advance(self, status: str) -> None:
        if STATUS_RANK[status] > STATUS_RANK[self.status]:
            self.status = status

    def apply(self, event_type: str, data: dict[str, Any], at: datetime) -> None:
        status = status_after(event_type, data)
        if event_type == "case.classified":
            self.classification = data.get("classification")
        elif event_type == "benefit.calculated":
            self.benefit = dict(data)
        elif event_type == "approval.requested":
            self.approval.update({"route": data.get("route"), "step": data.get("step"), "role": data.get("role"),
                                  "due": data.get("due"), "task_id": data.get("task_id")})
        elif event_type == "status.changed":
            self.approval.update({"decision": "approved" if data.get("status") != "none" else "terminated",
                                  "status": data.get("status"), "since": data.get("since"),
                                  "monthly_amount": data.get("monthly_amount"), "decided_at": at.isoformat()})
        elif event_type == "approval.returned":
            self.approval.update({"returned_to": data.get("step"), "round": data.get("round"),
                                  "reason": data.get("reason")})
        elif event_type in ("case.approved", "case.rejected"):
            decided_by = data.get("approved_by") or data.get("rejected_by")
            self.approval.update({"decision": event_type.split(".")[1], "amount": data.get("amount"),
                                  "decided_by": decided_by, "decided_at": at.isoformat(),
                                  "comment": data.get("comment")})
        elif event_type.startswith("deadline.") and data.get("deadline_id"):
            self._deadline(data)
        elif event_type.startswith("payment.") and data.get("payment_id"):
            payment = self.payments.setdefault(data["payment_id"], {"id": data["payment_id"]})
            payment.update({k: data[k] for k in PAYMENT_FIELDS if k in data})
            status_now = event_type.split(".")[1]
            if PAYMENT_RANK[status_now] >= PAYMENT_RANK.get(payment.get("status", "scheduled"), 0):
                payment["status"] = status_now  # a late `sent` never overwrites `paid`
        if status:
            self.advance(status)

    def _deadline(self, facts: dict[str, Any]) -> None:
        """Every deadline event carries the deadline's whole state and a revision: the highest wins,
        whatever order the events arrive in."""
        entry = deadline_entry(facts)
        for i, known in enumerate(self.deadlines):
            if known.get("id") == entry["id"]:
                if known.get("revision", 0) < entry["revision"]:
                    self.deadlines[i] = entry
                return
        self.deadlines.append(entry)


def deadline_entry(facts: dict[str, Any]) -> dict[str, Any]:
    """A deadline as the case view and the district overview show it (contract.md: name, rule,
    due, met, state, late_by; and the clause, the owner, the holiday data it was counted with)."""
    late = facts.get("late_by_seconds")
    return {"id": facts["deadline_id"], "name": facts["name"], "rule": facts["rule"], "limit": facts["limit"],
            "clause": facts["clause"], "service": facts["service"], "due": facts["due"], "met": facts["met"],
            "state": facts["state"], "late_by": iso_duration(late) if late else None, "late_by_seconds": late,
            "due_soon": bool(facts.get("warned_at")) and not facts.get("breached_at") and not facts.get("closed_at"),
            "warned_at": facts.get("warned_at"), "breached_at": facts.get("breached_at"),
            "closed_at": facts.get("closed_at"), "calendar_complete": facts["calendar_complete"],
            "calendar_version": facts["calendar_version"], "revision": facts["revision"]}


def iso_duration(seconds: int) -> str:
    """ISO 8601 duration, e.g. P1DT2H3M4S."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"P{days}DT{hours}H{minutes}M{secs}S" if days else f"PT{hours}H{minutes}M{secs}S"


def status_after(event_type: str, data: dict[str, Any]) -> str | None:
    if event_type == "case.classified" and (data.get("classification") or {}).get("type") == "referral_only":
        return "referred"
    if event_type == "status.changed":  # an application decided (approved) or a status ended (closed)
        return "closed" if data.get("status") == "none" else "approved"
    return STATUS_AFTER.get(event_type)


class DomainError(Exception):
    """A request the rules refuse; nothing changes."""


class InvalidRequest(DomainError):
    """The request names something that does not exist here; `errors` names each field."""

    def __init__(self, detail: str, errors: list[dict[str, str]]):
        super().__init__(detail)
        self.errors = errors


class OutsideJurisdiction(DomainError):
    """The caller works for another region or town/street."""


class NoSuchCase(DomainError):
    """No such case in the caller's region (another region's case is not there for them)."""
