"""The case as the window sees it, folded from the events of every service.

Each event a case sees becomes one timeline row carrying the facts the view needs
(`view_facts`); the view is folded from those rows when someone reads the case, so taking
an event in costs one insert and one status update, not a read and rewrite of the view.
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
OWN_EVENTS = ("case.received", "case.classified")
PAYMENT_FIELDS = ("payment_id", "amount", "channel", "due", "paid_at", "bank_reference", "reason")
VIEW_FIELDS: dict[str, tuple[str, ...]] = {
    "case.classified": ("classification",),
    "benefit.calculated": ("type", "ceiling", "recommended", "rules", "trace", "caps", "needs_deliberation", "as_of"),
    "approval.requested": ("route", "step", "role", "due", "task_id"),
    "case.approved": ("approved_by", "amount", "step", "comment"),
    "case.rejected": ("rejected_by", "amount", "step", "comment"),
    **{f"payment.{kind}": PAYMENT_FIELDS for kind in ("scheduled", "sent", "paid", "failed")},
}
PAYMENT_RANK = {"scheduled": 0, "sent": 1, "unknown": 2, "paid": 3, "failed": 3, "cancelled": 3}
VIEW_EVENTS = (
    *OWN_EVENTS, "means.skipped", "means.requested", "benefit.calculated",
    "approval.requested", "case.approved", "case.rejected", "payment.scheduled", "payment.sent",
    "payment.paid", "payment.failed",
)


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
            self.benefit = {k: data.get(k) for k in VIEW_FIELDS[event_type]}
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
            payment.update({k: data[k] for k in PAYMENT_FIELDS if k in data and k != "payment_id"})
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


def view_facts(event_type: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """What of an event the view needs (least personal data kept twice); None if nothing."""
    fields = VIEW_FIELDS.get(event_type)
    return None if fields is None else {k: data[k] for k in fields if k in data}


def actor(data: dict[str, Any], source: str) -> dict[str, str]:
    """Who did it, for the timeline: the event's `by`, else the publishing service."""
    by = data.get("by")
    if isinstance(by, dict) and by.get("id"):
        return {"id": str(by["id"]), "name": str(by.get("name", by["id"]))}
    return {"id": f"system:{source}", "name": source}


def summary(event_type: str, data: dict[str, Any]) -> str:
    """One line for the timeline, naming the amount and rules where there are any."""
    rules = data.get("rules") or (data.get("classification") or {}).get("rules") or []
    parts = {
        "case.received": "request accepted at the window",
        "case.classified": f"classified {(data.get('classification') or {}).get('type')}",
        "means.skipped": "means check skipped",
        "means.requested": "means check requested",
        "benefit.calculated": f"ceiling {data.get('ceiling')}, recommended {data.get('recommended')}",
        "approval.requested": f"{data.get('step')} task for {data.get('role')}, due {data.get('due')}",
        "case.approved": f"approved {data.get('amount')}",
        "case.rejected": "rejected",
        "payment.scheduled": f"payment of {data.get('amount')} scheduled",
        "payment.sent": f"payment of {data.get('amount')} sent to the bank",
        "payment.paid": f"paid {data.get('amount')}",
        "payment.failed": f"payment failed: {data.get('reason')}",
    }
    text = parts.get(event_type, event_type)
    route_rules = (data.get("route") or {}).get("rules") or []
    all_rules = list(dict.fromkeys([*rules, *route_rules]))
    return f"{text} ({', '.join(all_rules)})" if all_rules else text
