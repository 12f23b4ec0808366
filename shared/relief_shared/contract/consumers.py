"""Every durable consumer of the suite: its name, its service and what it reads.

A service's `events.py` binds its handlers to these names, and a test checks that every
service subscribes exactly as declared here, so the AsyncAPI document's `receive` operations
are the consumers that run.
"""
from __future__ import annotations

from relief_shared.contract.registry import consumer

PAYMENT_EVENTS = [(f"payment.{kind}", 1) for kind in ("scheduled", "sent", "paid", "failed")]

ELIGIBILITY_INTAKE = consumer(
    "eligibility-intake", service="eligibility", events=[("case.received", 1)],
    purpose="classifies each accepted request (CLS-EMG, CLS-EXP, CLS-ROUTE-OUT) into case.classified")
ELIGIBILITY_CASE_VIEW = consumer(
    "eligibility-case-view", service="eligibility",
    events=[("means.skipped", 1), ("means.requested", 1), ("means.verified", 1), ("benefit.calculated", 1),
            ("approval.requested", 1), ("case.approved", 1), ("case.rejected", 1), ("approval.returned", 1),
            ("approval.deliberated", 1), ("approval.paperwork_completed", 1), ("approval.filed", 1),
            ("case.revoked", 1), ("status.changed", 1), *PAYMENT_EVENTS],
    purpose="folds every other service's event into the case view and its timeline (an application's "
            "status.changed moves its case to approved, a termination to closed)")
MEANS_CHECK_CLASSIFIED = consumer(
    "means-check-classified", service="means-check", events=[("case.classified", 1)],
    purpose="records whether the case needs a means check and of what scope (ADV-SKIP, CQ-EXP-ONLY)")
MEANS_CHECK_HOUSEHOLD = consumer(
    "means-check-household", service="means-check", events=[("case.verification_needed", 1)],
    purpose="starts the household's verification with the members and consent eligibility recorded at intake "
            "(the only reader of the members' ID numbers)")
BENEFIT_CALC_CLASSIFIED = consumer(
    "benefit-calc-classified", service="benefit-calc", events=[("case.classified", 1)],
    purpose="calculates the amount of an emergency or expenditure case")
APPROVAL_CALCULATED = consumer(
    "approval-calculated", service="approval", events=[("benefit.calculated", 1)],
    purpose="routes the calculated case and opens its first task")
DISBURSEMENT_APPROVED = consumer(
    "disbursement-approved", service="disbursement", events=[("case.approved", 1), ("case.revoked", 1)],
    purpose="schedules the instalments of an approval, exactly once; a revocation cancels the unpaid ones and "
            "opens a recovery of fraudulently obtained money (ANY-RECOVER)")
DISBURSEMENT_ROSTER = consumer(
    "disbursement-roster", service="disbursement", events=[("status.changed", 1)],
    purpose="keeps the monthly payroll's roster: who is dibao or dispersed tekun, for how much (DT-PAY-10TH)")
DEADLINE_EVENTS = [(f"deadline.{kind}", 1) for kind in ("opened", "due_soon", "breached", "closed", "rescheduled")]
ELIGIBILITY_DEADLINES = consumer(
    "eligibility-deadlines", service="eligibility", events=DEADLINE_EVENTS,
    purpose="folds every service's deadlines into the case view, its timeline and the district overview")
APPROVAL_ESCALATIONS = consumer(
    "approval-escalations", service="approval", events=[("deadline.breached", 1), ("deadline.closed", 1)],
    purpose="raises a district task for each breached deadline (town → district) and closes it once the "
            "late step happens")
APPROVAL_MEANS_VERIFIED = consumer(
    "approval-means-verified", service="approval", events=[("means.verified", 1)],
    purpose="extends the case's decision period (DT-20D) when its verification took over 15 days (DT-MEANS-15D), "
            "never beyond the limit's extension")
APPROVAL_DEADLINE_STOPS = consumer(
    "approval-deadline-stops", service="approval", events=[("payment.paid", 1)],
    purpose="closes the approval-owned limits that a payment satisfies (CQ-EMG-3WD, DT-ADV)")
ELIGIBILITY_STATUS_REGISTER = consumer(
    "eligibility-status-register", service="eligibility", events=[("status.changed", 1)],
    purpose="keeps each person's current dibao / marginal / tekun status per region for the no-paper status "
            "lookup (DT-NO-PAPER) and pushes each entry and exit to the education bureau, effective the first "
            "day of the next month (DT-EDU-NEXT-MONTH)")
APPROVAL_CLASSIFIED = consumer(
    "approval-classified", service="approval", events=[("case.classified", 1)],
    purpose="keeps the subject's facts for the approval record (FX-RECORD) and starts the procedure of a dibao, "
            "tekun or marginal application (DT-20D)")
