"""Use cases: schedule a payment for an approval, and record each step of paying it.

Every step is one unit of work: the state change and its event commit together, so an event
is never published for a step that did not happen, nor a step taken without its event.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from disbursement import store
from disbursement.bank import BankReceipt
from disbursement.domain import FAILED, PAID, SCHEDULED, SETTLED, Payee, Payment
from disbursement.policy import CHANNEL_BANK, CHANNEL_RULE, DEADLINE_RULE, approval_day, due_date
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.db import UnitOfWork
from relief_shared.events import Envelope
from relief_shared.inbox import Poison
from relief_shared.money import Money, from_wire
from relief_shared.regions import MissingParameter, RegionPacks, UnknownRegion

SOURCE = "disbursement"
BY = {"id": "system:disbursement", "name": "disbursement"}


@dataclass(frozen=True)
class PaymentTerms:
    packs: RegionPacks
    calendar: WorkingCalendar

    def due(self, region: str, approved_at: datetime) -> date | None:
        approved_on = approval_day(approved_at)
        try:
            days = int(self.packs.get(region).parameter("payment_working_days", approved_on).value)
        except (UnknownRegion, MissingParameter):
            return None
        return due_date(approved_on, days, self.calendar)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _approved_payment(event: Envelope, terms: PaymentTerms) -> Payment:
    try:
        data = event.data
        amount, payee = from_wire(data["amount"]), Payee(str(data["payee"]["name"]), str(data["payee"]["id_number"]))
        task_id, org_unit = str(data["task_id"]), str(data["org_unit"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Poison(f"case.approved without a valid {exc}") from exc
    if amount <= Money.zero() or not payee.id_number or not payee.name:
        raise Poison(f"case.approved with nothing payable: amount {amount}, payee {payee.name!r}")
    return Payment(id=str(uuid.uuid4()), case_id=event.case_id, task_id=task_id, region=event.region,
                   org_unit=org_unit, amount=amount, payee=payee, channel=CHANNEL_BANK, status=SCHEDULED,
                   due=terms.due(event.region, event.occurred_at), attempts=0, correlation_id=event.correlation_id)


async def schedule_payment(event: Envelope, uow: UnitOfWork, terms: PaymentTerms) -> Payment | None:
    """One payment per approval: a second case.approved for the same task creates nothing."""
    payment = _approved_payment(event, terms)
    if not await store.add_unless_scheduled(uow.conn, payment, _now()):
        return None
    rules = [CHANNEL_RULE] + ([DEADLINE_RULE] if payment.due else [])
    uow.record(_event("payment.scheduled", payment, cause=event, channel=payment.channel,
                      due=payment.due.isoformat() if payment.due else None, rules=rules))
    return payment


async def release_in_flight(uow: UnitOfWork) -> int:
    return await store.release_in_flight(uow.conn, _now())


async def due_payments(uow: UnitOfWork, limit: int) -> list[Payment]:
    return await store.due(uow.conn, _now(), limit)


async def take(uow: UnitOfWork, payment: Payment, lease: timedelta) -> Payment | None:
    """Claim the due payment's next step; a scheduled one becomes `sent` and says so.

    Returns the payment as it was before the claim (its status tells the caller whether the
    bank may already have it), or None when another worker took it first.
    """
    now = _now()
    if payment.status in SETTLED or not await store.claim(uow.conn, payment, now, now + lease):
        return None
    if payment.status == SCHEDULED:
        uow.record(_event("payment.sent", payment, bank_reference=payment.bank_reference))
    return payment


async def record_receipt(uow: UnitOfWork, payment: Payment, receipt: BankReceipt) -> bool:
    """Paid or refused, once: a late second answer for the same payment changes nothing."""
    if receipt.booked:
        settled = await store.settle(uow.conn, payment.id, status=PAID, paid_at=receipt.at,
                                     bank_transaction=receipt.transaction_id)
        event = _event("payment.paid", payment, paid_at=receipt.at.astimezone(SHANGHAI).isoformat(),
                       bank_reference=payment.bank_reference, bank_transaction=receipt.transaction_id)
    else:
        settled = await store.settle(uow.conn, payment.id, status=FAILED, reason=receipt.reason,
                                     bank_transaction=receipt.transaction_id)
        event = _event("payment.failed", payment, reason=receipt.reason or "refused by the bank", retryable=False)
    if settled:
        uow.record(event)
    return settled


async def record_no_answer(uow: UnitOfWork, payment: Payment, reason: str, retry_in: timedelta) -> None:
    await store.mark_unknown(uow.conn, payment.id, retry_at=_now() + retry_in, reason=reason)


def _event(type_: str, payment: Payment, *, cause: Envelope | None = None, **data: object) -> Envelope:
    return Envelope.new(type_, case_id=payment.case_id, region=payment.region, source=SOURCE, cause=cause,
                        correlation_id=payment.correlation_id,
                        data={"payment_id": payment.id, "amount": str(payment.amount), **data, "by": BY})
