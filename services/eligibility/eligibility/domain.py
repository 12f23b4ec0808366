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
            self._deadline(f"approval:{data.get('step')}", data.get("due"), data.get("route", {}).get("rules", []))
        elif event_type in ("case.approved", "case.rejected"):
            decided_by = data.get("approved_by") or data.get("rejected_by")
            self.approval.update({"decision": event_type.split(".")[1], "amount": data.get("amount"),
                                  "decided_by": decided_by, "decided_at": at.isoformat(),
                                  "comment": data.get("comment")})
            self._meet(f"approval:{data.get('step')}", at)
        elif event_type.startswith("payment.") and data.get("payment_id"):
            payment = self.payments.setdefault(data["payment_id"], {"id": data["payment_id"]})
            payment.update({k: data[k] for k in PAYMENT_FIELDS if k in data})
            status_now = event_type.split(".")[1]
            if PAYMENT_RANK[status_now] >= PAYMENT_RANK.get(payment.get("status", "scheduled"), 0):
                payment["status"] = status_now  # a late `sent` never overwrites `paid`
        if status:
            self.advance(status)

    def _deadline(self, name: str, due: str | None, rules: list[str]) -> None:
        if due and not any(d["name"] == name for d in self.deadlines):
            self.deadlines.append({"name": name, "due": due, "met": None, "rules": rules})

    def _meet(self, name: str, at: datetime) -> None:
        for deadline in self.deadlines:
            if deadline["name"] == name and deadline["met"] is None:
                deadline["met"] = at <= datetime.fromisoformat(deadline["due"])


def status_after(event_type: str, data: dict[str, Any]) -> str | None:
    if event_type == "case.classified" and (data.get("classification") or {}).get("type") == "referral_only":
        return "referred"
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
