"""Use cases: schedule a payment for an approval, claim due payments, record the bank's answers,
and read payments. Every step is one unit of work: the state change and its event commit
together, so an event is never published for a step that did not happen, nor a step taken
without its event. The worker calls the bank between them and never commits itself."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from disbursement.bank import BankReceipt
from disbursement.domain import FAILED, PAID, SCHEDULED, SETTLED, Payee, Payment
from disbursement.policy import CHANNEL_BANK, CHANNEL_RULE, approval_day, payment_limits
from disbursement.store import UnitOfWork
from relief_shared import deadlines, timelimits
from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI, WorkingCalendar
from relief_shared.contract import Envelope, system
from relief_shared.contract.approval import CaseApproved
from relief_shared.contract.payment import PaymentFailed, PaymentPaid, PaymentScheduled, PaymentSent
from relief_shared.inbox import Poison
from relief_shared.money import Money
from relief_shared.regions import RegionPacks, UnknownRegion
from relief_shared.timelimits import TimeLimit

SOURCE = "disbursement"
BY = system(SOURCE)


@dataclass(frozen=True)
class PaymentTerms:
    packs: RegionPacks
    calendar: WorkingCalendar

    def limits(self, region: str, approved_at: datetime) -> list[TimeLimit]:
        try:
            return payment_limits(self.packs.get(region), approval_day(approved_at))
        except UnknownRegion:
            return []

    def due(self, limits: list[TimeLimit], approved_at: datetime) -> date | None:
        """Pay by this day: the earliest due of the limits an approval starts (DT-PAY-3WD)."""
        dues = [timelimits.due(limit.span, approved_at, limit.warn_before, self.calendar).at for limit in limits]
        return min(dues).astimezone(SHANGHAI).date() if dues else None


@dataclass(frozen=True)
class Answer:
    """What came back for one payment: a receipt, or no answer (the reason and when to ask again)."""

    payment: Payment
    receipt: BankReceipt | None = None
    no_answer: str | None = None
    retry_in: timedelta | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def schedule_payment(event: Envelope[CaseApproved], uow: UnitOfWork, terms: PaymentTerms) -> Payment | None:
    """One payment per approval: a second case.approved for the same task creates nothing. The
    region's payment limits (DT-PAY-3WD) start here, in the same transaction."""
    data = event.data
    if data.amount <= Money.zero():
        raise Poison(f"case.approved with nothing payable: amount {data.amount}")
    limits = terms.limits(event.region, event.occurred_at)
    payment = Payment(id=str(uuid.uuid4()), case_id=event.case_id, task_id=data.task_id, region=event.region,
                      org_unit=data.org_unit, amount=data.amount, payee=Payee(data.payee.name, data.payee.id_number),
                      channel=CHANNEL_BANK, status=SCHEDULED, due=terms.due(limits, event.occurred_at),
                      attempts=0, correlation_id=event.correlation_id)
    if not await uow.payments.add_unless_scheduled(payment, _now()):
        return None
    opened = []
    for limit in limits:
        d = await uow.deadlines.open(case_id=event.case_id, region=event.region, org_unit=data.org_unit, limit=limit,
                                     started_at=event.occurred_at, watches=f"payment {payment.id}",
                                     calendar=terms.calendar, correlation_id=event.correlation_id)
        if d is not None:
            opened.append(d)
    rules = [CHANNEL_RULE] + [limit.rule for limit in limits]
    uow.record(_event(PaymentScheduled(payment_id=payment.id, amount=payment.amount, channel=payment.channel,
                                       due=payment.due, rules=rules, by=BY), payment, cause=event))
    uow.record(*(deadlines.envelope("opened", d, service=SOURCE, cause=event) for d in opened))
    return payment


async def release_in_flight(uow: UnitOfWork) -> int:
    """After a restart, transfers in flight become `unknown`: the bank is asked before anything is sent."""
    async with uow:
        released = await uow.payments.release_in_flight(_now())
        await uow.commit()
    return released


async def claim_due(uow: UnitOfWork, *, limit: int, lease: timedelta) -> list[Payment]:
    """Claim up to `limit` due payments; a scheduled one becomes `sent` and says so.

    Returns each payment as it was before the claim (its status tells the caller whether the
    bank may already have it); one another worker took first is left out.
    """
    async with uow:
        now = _now()
        taken = []
        for payment in await uow.payments.due(now, limit):
            if payment.status in SETTLED or not await uow.payments.claim(payment, now, now + lease):
                continue
            if payment.status == SCHEDULED:
                uow.record(_event(PaymentSent(payment_id=payment.id, amount=payment.amount,
                                              bank_reference=payment.bank_reference, by=BY), payment))
            taken.append(payment)
        await uow.commit()
    return taken


async def record_answers(uow: UnitOfWork, answers: list[Answer], *, now: datetime | None = None) -> None:
    """Paid or refused, once: a late second answer for the same payment changes nothing. No
    answer is never "not paid": the payment is `unknown` and asked about again later. A payment
    paid closes the case's payment limits at `now` (the suite clock)."""
    async with uow:
        for answer in answers:
            if answer.receipt is not None:
                await _settle(uow, answer.payment, answer.receipt, now or _now())
            else:
                await uow.payments.mark_unknown(answer.payment.id, retry_at=_now() + (answer.retry_in or timedelta()),
                                                reason=answer.no_answer or "no answer")
        await uow.commit()


async def _settle(uow: UnitOfWork, payment: Payment, receipt: BankReceipt, now: datetime) -> None:
    if receipt.booked:
        settled = await uow.payments.settle(payment.id, status=PAID, paid_at=receipt.at,
                                            bank_transaction=receipt.transaction_id)
        payload: PaymentPaid | PaymentFailed = PaymentPaid(
            payment_id=payment.id, amount=payment.amount, paid_at=receipt.at.astimezone(SHANGHAI),
            bank_reference=payment.bank_reference, bank_transaction=receipt.transaction_id, by=BY)
    else:
        settled = await uow.payments.settle(payment.id, status=FAILED, reason=receipt.reason,
                                            bank_transaction=receipt.transaction_id)
        payload = PaymentFailed(payment_id=payment.id, amount=payment.amount,
                                reason=receipt.reason or "refused by the bank", retryable=False, by=BY)
    if settled:
        uow.record(_event(payload, payment))
    if settled and receipt.booked and payment.due is not None:  # a payment with a limit has its due day
        closed = await uow.deadlines.close(payment.case_id, stopped_by="payment.paid", at=now)
        uow.record(*(deadlines.envelope("closed", d, service=SOURCE) for d in closed))


async def payments_of(principal: Principal, case_id: str | None, uow: UnitOfWork) -> list[Payment]:
    """The instalments of a case (or of the caller's region), oldest first; only the caller's region."""
    async with uow:
        return await uow.payments.listing(region=principal.region, case_id=case_id)


async def paid_this_year(principal: Principal, id_number: str, year: int, uow: UnitOfWork) -> Money:
    """What the caller's region paid to the person in a calendar year (Asia/Shanghai), for LF-CAP."""
    start, end = (datetime.combine(date(y, 1, 1), time(), SHANGHAI).astimezone(timezone.utc) for y in (year, year + 1))
    async with uow:
        return await uow.payments.paid_to_person(region=principal.region, id_number=id_number, start=start, end=end)


def _event(payload: PaymentScheduled | PaymentSent | PaymentPaid | PaymentFailed, payment: Payment, *,
           cause: Envelope[CaseApproved] | None = None) -> Envelope[object]:
    return Envelope.new(payload, case_id=payment.case_id, region=payment.region, source=SOURCE, cause=cause,
                        correlation_id=payment.correlation_id)
