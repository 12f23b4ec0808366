"""How each event a case sees becomes one row of its timeline: the status it moves the case to,
who did it, a one-line summary naming the amount and rules, and the facts the case view keeps
(least personal data kept twice: never the payee, never an ID number)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from relief_shared.contract import Envelope, Payload
from relief_shared.contract.approval import (ApprovalDeliberated, ApprovalRequested, ApprovalReturned, CaseApproved,
                                            CaseRejected, CaseRevoked, PaperworkCompleted, PaperworkFiled)
from relief_shared.contract.benefit import BenefitCalculated
from relief_shared.contract.case import CaseClassified, CaseReceived
from relief_shared.contract.deadline import (DeadlineBreached, DeadlineClosed, DeadlineDueSoon, DeadlineFacts,
                                             DeadlineOpened, DeadlineRescheduled)
from relief_shared.contract.means import MeansRequested, MeansSkipped, MeansVerified
from relief_shared.contract.payment import PaymentFailed, PaymentPaid, PaymentScheduled, PaymentSent
from relief_shared.contract.status import StatusChanged
from relief_shared.contract.referral import (ReferralAcknowledgedBase, ReferralCompletedBase, ReferralOverdueBase,
                                             ReferralRequestedBase, ReferralRequestedNoId)

from eligibility.domain import status_after
from eligibility.store import TimelineEntry, UnitOfWork

PAYMENT = {"payment_id", "amount", "channel", "due", "paid_at", "bank_reference", "reason"}
VIEW_FIELDS: dict[type[Payload], set[str]] = {
    CaseClassified: {"classification"},
    BenefitCalculated: {"type", "ceiling", "recommended", "rules", "trace", "caps", "needs_deliberation", "as_of"},
    ApprovalRequested: {"route", "step", "role", "due", "task_id"},
    CaseApproved: {"approved_by", "amount", "step", "comment"},
    CaseRejected: {"rejected_by", "step", "comment"},
    ApprovalReturned: {"step", "round", "reason"},
    ApprovalDeliberated: {"held_on", "participants", "decided_amount", "amount_ceiling"},
    CaseRevoked: {"reason", "fraudulent", "recover"},
    StatusChanged: {"status", "previous", "since", "monthly_amount", "household_size"},  # never the person
    **{kind: PAYMENT for kind in (PaymentScheduled, PaymentSent, PaymentPaid, PaymentFailed)},
    **{kind: set(DeadlineFacts.model_fields) for kind in (DeadlineOpened, DeadlineDueSoon, DeadlineBreached,
                                                          DeadlineClosed, DeadlineRescheduled)},
}
DEADLINE_WORDS = {DeadlineOpened: "started", DeadlineDueSoon: "due soon", DeadlineBreached: "breached",
                  DeadlineClosed: "closed", DeadlineRescheduled: "counted again"}


async def put_on_timeline(events: Sequence[Envelope[Any]], uow: UnitOfWork) -> None:
    """Eligibility's own events, on the timeline in the transaction that records them (they move
    no status: the use case that publishes them has set it already)."""
    await uow.timeline.add([timeline_entry(e)[1] for e in events])


def timeline_entry(event: Envelope[Any]) -> tuple[str | None, TimelineEntry]:
    """The status the event moves its case to (None: it does not move it) and its timeline row."""
    data = event.data
    fields = VIEW_FIELDS.get(type(data))
    facts = data.model_dump(mode="json", include=fields) if fields else None
    by = getattr(data, "by", None)
    by_id, by_name = (by.id, by.name) if by else (f"system:{event.source}", event.source)
    return status_after(event.type, facts or {}), TimelineEntry(
        case_id=event.case_id, event_id=event.id, event=event.type, at=event.occurred_at, by_id=by_id,
        by_name=by_name, summary=summary(data), facts=facts)


def summary(data: Payload) -> str:
    """One line for the timeline, naming the amount and the rules where there are any."""
    match data:
        case CaseReceived():
            text, rules = f"request accepted ({data.channel})", []
        case CaseClassified():
            text, rules = f"classified {data.classification.type}", data.classification.rules
        case MeansSkipped():
            text, rules = "means check skipped", data.rules
        case MeansRequested():
            text, rules = f"means check requested ({data.scope})", data.rules
        case MeansVerified():
            state = f"partial, missing {len(data.missing)}" if data.partial else "complete"
            income = f", income {data.monthly_income_per_capita} per person" if data.monthly_income_per_capita else ""
            crossed = [t.name for t in data.thresholds if t.crossed]
            text = f"means verified ({state}){income}" + (f"; above: {', '.join(crossed)}" if crossed else "")
            rules = data.rules
        case BenefitCalculated():
            text, rules = f"ceiling {data.ceiling}, recommended {data.recommended}", data.rules
        case ApprovalRequested():
            due = data.due.isoformat() if data.due else "no deadline"
            text, rules = f"{data.step} task for {data.role}, due {due}", data.route.rules
        case CaseApproved():
            text, rules = f"approved {data.amount}", data.rules
        case CaseRejected():
            text, rules = "rejected", data.rules
        case ApprovalReturned():
            text, rules = f"returned to {data.step} (round {data.round}): {data.reason}", []
        case ApprovalDeliberated():
            text, rules = (f"deliberated by {data.participants} appraisers: {data.decided_amount} "
                           f"(formula ceiling {data.amount_ceiling})"), data.rules
        case PaperworkCompleted():
            text, rules = f"advance-aid paperwork completed for {data.amount}", data.rules
        case PaperworkFiled():
            text, rules = "advance-aid paperwork filed by the district", data.rules
        case CaseRevoked():
            text, rules = f"approval revoked{' (fraud: to be recovered)' if data.fraudulent else ''}", data.rules
        case StatusChanged():
            amount = f", {data.monthly_amount} a month" if data.monthly_amount is not None else ""
            text = (f"status {data.previous} → {data.status} from {data.since.isoformat()}{amount}")
            rules = data.rules
        case PaymentScheduled():
            text, rules = f"payment of {data.amount} scheduled", data.rules
        case PaymentSent():
            text, rules = f"payment of {data.amount} sent to the bank", []
        case PaymentPaid():
            text, rules = f"paid {data.amount}", []
        case PaymentFailed():
            text, rules = f"payment failed: {data.reason}", []
        case DeadlineFacts():
            text = f"deadline {data.name} {DEADLINE_WORDS[type(data)]}, due {data.due.isoformat()}"
            if isinstance(data, DeadlineClosed):
                text += " (met)" if data.met else f" ({data.late_by_seconds} s late)"
            if not data.calendar_complete:
                text += " [calendar incomplete]"
            rules = [data.rule]
        case ReferralRequestedBase() | ReferralRequestedNoId():
            text, rules = (f"referred to {data.department}, due {data.due.isoformat() if data.due else 'no limit'}",
                           [r.rule for r in data.reasons])
        case ReferralAcknowledgedBase():
            text, rules = f"{data.department} acknowledged the referral", []
        case ReferralCompletedBase():
            late = " — reported late" if data.late_feedback else ""
            text = f"{data.department} answered: {data.outcome}, finished {data.finished_on.isoformat()}{late}"
            rules = ["DT-FEEDBACK-1WD"] if data.late_feedback is not None else []
        case ReferralOverdueBase():
            text, rules = f"{data.department} gave no result by {data.due.isoformat()}: overdue", [data.rule]
        case _:
            text, rules = type(data).__name__, []
    return f"{text} ({', '.join(dict.fromkeys(rules))})" if rules else text
