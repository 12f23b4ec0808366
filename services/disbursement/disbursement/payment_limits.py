"""The region's payment limits (DT-PAY-3WD, DT-ADV-PAY) on the durable clock, one set per
instalment.

The pack's limit runs from the approval and stops at `payment.paid`. A staged plan's
instalment falls due on its own day, weeks or months later: its limit runs from that day (never
before the approval) and stops only at its own payment, so paying the first instalment does not
close the second's, and a second instalment the bank never pays still breaches and escalates.
A revoked approval cancels what is unpaid, and the limits of what was cancelled close with it:
nothing is left to pay, so nothing may breach. (Interpretation: the texts set the limit for
"the approval"; the suite applies it to each instalment from the day the approver set for it.)
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from disbursement.domain import Payment
from disbursement.records import SOURCE
from disbursement.store import UnitOfWork
from relief_shared import deadlines
from relief_shared.calendar import WorkingCalendar
from relief_shared.contract import Envelope
from relief_shared.timelimits import TimeLimit

PAID = "payment.paid"


def stopped_by(payment: Payment) -> str:
    """What stops the instalment's limits: the pack's own event for the first, a token of its
    own for each later one."""
    return PAID if payment.instalment == 1 else f"{PAID}#{payment.instalment}"


def of_instalment(limits: list[TimeLimit], payment: Payment) -> list[TimeLimit]:
    if payment.instalment == 1:
        return limits
    return [replace(limit, id=f"{limit.id}#{payment.instalment}", stop=(stopped_by(payment),)) for limit in limits]


async def open_for(uow: UnitOfWork, payments: list[Payment], limits: list[TimeLimit], event: Envelope,
                   calendar: WorkingCalendar) -> None:
    """Start each instalment's limits from the later of the approval and the instalment's day."""
    opened = []
    for payment in payments:
        started = max(event.occurred_at, payment.not_before) if payment.not_before else event.occurred_at
        for limit in of_instalment(limits, payment):
            d = await uow.deadlines.open(case_id=payment.case_id, region=payment.region, org_unit=payment.org_unit,
                                         limit=limit, started_at=started, watches=f"payment {payment.id}",
                                         calendar=calendar, correlation_id=event.correlation_id)
            if d is not None:
                opened.append(d)
    uow.record(*(deadlines.envelope("opened", d, service=SOURCE, cause=event) for d in opened))


async def close_for(uow: UnitOfWork, payment: Payment, at: datetime, cause: Envelope | None = None) -> None:
    """The instalment was paid (or cancelled): its limits are over."""
    closed = await uow.deadlines.close(payment.case_id, stopped_by=stopped_by(payment), at=at)
    uow.record(*(deadlines.envelope("closed", d, service=SOURCE, cause=cause) for d in closed))
