"""Use cases of paying through the bank: claim due payments (counting the yearly caps at
payment), record the bank's answers, issue a refused payment again.

The order is what keeps money safe: a payment is marked `sent` (and committed) before the bank
is called, so a crash can only leave a payment the bank may have; such a payment is never sent
fresh, the bank is asked first, and a repeat carries the same reference, which the bank books
at most once. No answer is never "not paid": it is `unknown`, asked again with back-off.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from disbursement import payment_limits, reserve
from disbursement.bank import BankReceipt
from disbursement.domain import ADVANCE, FAILED, PAYROLL, SCHEDULED, SENT, NoSuchPayment, Payment, WrongState
from disbursement.policy import CAP_RULE, CHANNEL_RULE, FUND_RULE, cap_decision, fund_allowance
from disbursement.records import BY, SOURCE, open_task, paid_line, record_for
from disbursement.store import UnitOfWork
from disbursement.terms import PaymentTerms
from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI
from relief_shared.contract.payment import PaymentFailed, PaymentPaid, PaymentSent
from relief_shared.money import Money


@dataclass(frozen=True)
class Answer:
    """What came back for one payment: a receipt, or no answer (the reason and when to ask again)."""

    payment: Payment
    receipt: BankReceipt | None = None
    no_answer: str | None = None
    retry_in: timedelta | None = None


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def release_in_flight(uow: UnitOfWork) -> int:
    """After a restart, transfers in flight become `unknown`: the bank is asked before anything is sent."""
    async with uow:
        released = await uow.payments.release_in_flight(_now())
        await uow.commit()
    return released


async def claim_due(uow: UnitOfWork, terms: PaymentTerms | None = None, *, limit: int, lease: timedelta,
                    business_now: datetime | None = None) -> list[Payment]:
    """Claim up to `limit` due payments; a scheduled one becomes `sent` and says so, after its
    yearly caps are counted (LF-CAP: reduced, or refused without calling the bank).

    Returns what to send, each payment as it was before the claim (its status tells the caller
    whether the bank may already have it); one another worker took first is left out.
    """
    async with uow:
        now = _now()
        due = await uow.payments.due(now, business_now or now, limit)
        fresh = [p for p in due if p.status == SCHEDULED]
        won = await uow.payments.claim_scheduled([p.id for p in fresh], now, now + lease)
        taken = []
        for payment in fresh:
            if payment.id not in won:
                continue
            payment = await within_caps(uow, payment, terms, now)
            if payment is None:
                continue
            record_for(uow, payment, PaymentSent(payment_id=payment.id, amount=payment.amount,
                                                 bank_reference=payment.bank_reference, by=BY))
            taken.append(payment)
        for payment in due:
            if payment.status != SCHEDULED and await uow.payments.claim_again(payment, now, now + lease):
                taken.append(payment)
        await uow.commit()
    return taken


async def within_caps(uow: UnitOfWork, payment: Payment, terms: PaymentTerms | None,
                      now: datetime) -> Payment | None:
    """Count the payment against the limits at payment, atomically (their rows are locked, so
    two payments counted at once see each other): the person's and household's yearly caps
    (LF-CAP: reduced to what is left, or refused) and, for a dibao recipient, the share of the
    dibao funds' year-end balance temporary aid may use (LF-FUND: refused above it). None:
    refused (and settled so, with its event)."""
    if terms is None or payment.kind == PAYROLL or payment.approved_on is None:
        return payment
    year = payment.approved_on.year
    caps = terms.caps(payment.region, payment.approved_on)
    pay, subjects = payment.amount, _subjects(payment)
    if caps is not None:
        used = await uow.caps.lock(payment.region, subjects, year)
        household = used.get(subjects[1]) if len(subjects) > 1 else None
        decision = cap_decision(payment.amount, caps, used[subjects[0]], household)
        if decision.pay <= Money.zero():
            return await _refuse(uow, payment, decision.reason or "", CAP_RULE)
        pay = decision.pay
    share = terms.dibao_fund(payment.region, payment.approved_on)
    if share is not None and await _is_dibao(uow, payment):
        refusal = await _draw_dibao_fund(uow, payment, pay, share, year)
        if refusal:
            return await _refuse(uow, payment, refusal, FUND_RULE)
    if caps is not None:
        if pay < payment.amount:
            await uow.payments.reduce(payment.id, pay, payment.amount, CAP_RULE)
            payment = payment.reduced_to(pay, CAP_RULE)
        await uow.caps.add(payment.region, subjects, year, pay)
    return payment


async def _refuse(uow: UnitOfWork, payment: Payment, reason: str, rule: str) -> None:
    await uow.payments.settle(payment.id, status=FAILED, bank_transaction=None, reason=reason, rule=rule,
                              from_states=(SENT,))
    record_for(uow, payment, PaymentFailed(payment_id=payment.id, amount=payment.amount, reason=reason,
                                           retryable=False, rule=rule, by=BY))
    return None


async def _is_dibao(uow: UnitOfWork, payment: Payment) -> bool:
    entry = await uow.roster.get(payment.payee.id_number)
    return entry is not None and entry.status == "dibao"


async def _draw_dibao_fund(uow: UnitOfWork, payment: Payment, pay: Money, share, year: int) -> str | None:  # noqa: ANN001
    """LF-FUND: temporary aid to a dibao recipient is counted against the share of last year's
    dibao year-end balance; the reason it is refused, or None (counted)."""
    balance = await uow.dibao_fund.balance(payment.region, year - 1)
    if balance is None:
        return (f"the recipient is on dibao: temporary aid for them comes from the dibao funds' year-end balance, "
                f"and none is recorded for {year - 1} ({FUND_RULE}, {share.source})")
    allowance = fund_allowance(balance, share)
    used = (await uow.caps.lock(payment.region, [FUND_SUBJECT], year))[FUND_SUBJECT]
    if used + pay > allowance:
        return (f"{pay} would pass the {share.share:.0%} of the {year - 1} dibao year-end balance ({balance}) that "
                f"may go to temporary aid for dibao recipients: {allowance - used} is left ({FUND_RULE}, "
                f"{share.source})")
    await uow.caps.add(payment.region, [FUND_SUBJECT], year, pay)
    return None


FUND_SUBJECT = "dibao-fund"


def _subjects(payment: Payment) -> list[str]:
    subjects = [f"person:{payment.payee.id_number}"]
    if payment.payee.household_id:
        subjects.append(f"household:{payment.payee.household_id}")
    return subjects


async def record_answers(uow: UnitOfWork, answers: list[Answer], terms: PaymentTerms | None = None, *,
                         now: datetime | None = None) -> None:
    """Paid or refused, once: a late second answer for the same payment changes nothing. No
    answer is never "not paid": the payment is `unknown` and asked about again later. A payment
    paid closes the case's payment limits at `now` (the suite clock)."""
    async with uow:
        booked = [a for a in answers if a.receipt is not None and a.receipt.booked]
        await _settle_paid(uow, booked, terms, now or _now())
        for answer in answers:
            if answer.receipt is not None and answer.receipt.outcome == "refused":
                await _refused(uow, answer.payment, answer.receipt, terms, now or _now())
            elif answer.receipt is None or not answer.receipt.answered:
                await uow.payments.mark_unknown(answer.payment.id, retry_at=_now() + (answer.retry_in or timedelta()),
                                                reason=answer.no_answer or "the bank answered: outcome unknown")
        await uow.commit()


async def _settle_paid(uow: UnitOfWork, booked: list[Answer], terms: PaymentTerms | None, now: datetime) -> None:
    if not booked:
        return
    by_at: dict[datetime, list[Answer]] = defaultdict(list)
    for a in booked:
        by_at[a.receipt.at].append(a)  # type: ignore[union-attr]
    won: set[str] = set()
    for at, group in by_at.items():  # a batch file's items share their booking time: one statement
        won |= await uow.payments.settle_paid([a.payment.id for a in group], at)
    booked = [a for a in booked if a.payment.id in won]
    await uow.payments.set_transactions({a.payment.id: a.receipt.transaction_id for a in booked})  # type: ignore[union-attr]
    await uow.ledger.add(*(paid_line(a.payment, a.receipt.at, f"paid through the bank ({a.receipt.transaction_id})")  # type: ignore[union-attr]
                           for a in booked))
    for a in booked:
        receipt = a.receipt
        assert receipt is not None
        if a.payment.kind == PAYROLL:
            continue
        record_for(uow, a.payment, PaymentPaid(
            payment_id=a.payment.id, amount=a.payment.amount, paid_at=receipt.at.astimezone(SHANGHAI),
            bank_reference=a.payment.bank_reference, bank_transaction=receipt.transaction_id,
            reduced_from=a.payment.approved, rules=[a.payment.rule] if a.payment.rule else [], by=BY))
        if _may_close(terms, a.payment.region):
            await payment_limits.close_for(uow, a.payment, now)


def _may_close(terms: PaymentTerms | None, region: str) -> bool:
    """Whether a payment here can close a limit: where the region has none, nothing is open to
    look up (one query less per payment on the hot path)."""
    pack = terms.pack(region) if terms is not None else None
    return pack is None or pack.stops_a_limit(SOURCE, "payment.paid")


async def _refused(uow: UnitOfWork, payment: Payment, receipt: BankReceipt, terms: PaymentTerms | None,
                   now: datetime) -> None:
    reason = receipt.reason or "refused by the bank"
    if not await uow.payments.settle(payment.id, status=FAILED, reason=reason, bank_transaction=receipt.transaction_id):
        return
    if payment.approved_on is not None and terms is not None and payment.kind != PAYROLL:
        back = Money(-payment.amount.fen)
        if terms.caps(payment.region, payment.approved_on):
            await uow.caps.add(payment.region, _subjects(payment), payment.approved_on.year, back)
        if terms.dibao_fund(payment.region, payment.approved_on) and await _is_dibao(uow, payment):
            await uow.caps.add(payment.region, [FUND_SUBJECT], payment.approved_on.year, back)
    if payment.kind == ADVANCE and terms is not None:
        await reserve.give_back(uow, payment, terms, now, reason)
    record_for(uow, payment, PaymentFailed(payment_id=payment.id, amount=payment.amount, reason=reason,
                                           retryable=True, rule=CHANNEL_RULE, by=BY))
    await open_task(uow, kind="correct_account", role="clerk", region=payment.region, org_unit=payment.org_unit,
                    case_id=payment.case_id, payment_id=payment.id,
                    detail=f"the bank refused payment {payment.id}: {reason}; correct the recipient's account and "
                           f"issue it again", rules=[CHANNEL_RULE], dedup=f"correct_account:{payment.reference}",
                    at=now, correlation_id=payment.correlation_id)


@dataclass(frozen=True)
class Reissue:
    payment_id: str
    bank_account: str | None
    principal: Principal


async def reissue(cmd: Reissue, uow: UnitOfWork, terms: PaymentTerms, *, now: datetime) -> Payment:
    """Issue a refused payment again under a new reference: with a corrected account (the bank's
    refusal), or once the reserve fund can cover it (an advance payment it could not)."""
    async with uow:
        payment = await uow.payments.get(cmd.payment_id, region=cmd.principal.region)
        if payment is None:
            raise NoSuchPayment(f"no payment {cmd.payment_id} in region {cmd.principal.region}")
        if payment.status != FAILED or payment.rule == CAP_RULE:
            raise WrongState(f"payment {payment.id} is {payment.status}"
                             + (" (refused by the yearly cap)" if payment.rule == CAP_RULE else "")
                             + ": only a payment the bank or the reserve fund refused can be issued again")
        if payment.kind == ADVANCE and payment.rule in ("DT-RESERVE", "FX-RESERVE"):
            if not await reserve.draw_again(uow, payment, terms, now):
                raise WrongState(f"the reserve fund of {payment.org_unit} still cannot cover {payment.amount}",
                                 rule=payment.rule)
        await uow.payments.reissue(payment, bank_account=cmd.bank_account)
        await uow.tasks.close_for_payment(payment.id, "correct_account", now)
        await uow.tasks.close_for_payment(payment.id, "reserve_shortfall", now)
        again = await uow.payments.get(payment.id)
        assert again is not None
        await uow.commit()
    return again


__all__ = ["Answer", "Reissue", "claim_due", "record_answers", "release_in_flight", "reissue"]
