"""Use cases of an approval's money: schedule its instalments, cancel them on revocation, and
read payments. Every step is one unit of work: the state change, its ledger line and its events
commit together, so an event is never published for a step that did not happen, nor a step
taken without its event. Event-driven use cases run inside the inbox's transaction."""
from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import date, datetime, time, timezone

from disbursement import payment_limits, policy, recovery, reserve
from disbursement.domain import ADVANCE, BANK, FAILED, SCHEDULED, TEMPORARY, Payee, Payment
from disbursement.policy import CHANNEL_RULE, KIND_RULE, STAGED_RULE, PlanInvalid, approval_day, start_of
from disbursement.records import BY, record_for
from disbursement.store import UnitOfWork
from disbursement.terms import PaymentTerms
from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI
from relief_shared.contract import Envelope
from relief_shared.contract.approval import CaseApproved, CaseRevoked
from relief_shared.contract.payment import PaymentCancelled, PaymentFailed, PaymentScheduled
from relief_shared.inbox import Poison
from relief_shared.money import Money

from disbursement.paying import Answer, claim_due, record_answers, release_in_flight  # noqa: E402 - the payer's use cases, here too

__all__ = ["Answer", "PaymentTerms", "cancel_on_revocation", "claim_due", "paid_this_year", "payments_of",
           "record_answers", "release_in_flight", "schedule_payment"]
log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _instalments(event: Envelope[CaseApproved]) -> list[tuple[Money, date | None]]:
    data = event.data
    try:
        return policy.plan(data.amount, [(i.amount, i.due) for i in data.instalments or []])
    except PlanInvalid as exc:
        raise Poison(f"case.approved with an unpayable plan: {exc}") from exc


async def schedule_payment(event: Envelope[CaseApproved], uow: UnitOfWork, terms: PaymentTerms) -> Payment | None:
    """The instalments of an approval, each its own row keyed by (case, task, instalment number):
    a second case.approved for the same task creates nothing. The region's payment limits
    (DT-PAY-3WD, or DT-ADV-PAY for advance aid) start here, in the same transaction; advance aid
    is drawn from the street's reserve fund, or refused with a district task."""
    data = event.data
    if data.amount <= Money.zero():
        raise Poison(f"case.approved with nothing payable: amount {data.amount}")
    advance = policy.is_advance(data.rules)
    limits = terms.limits(event.region, event.occurred_at, advance=advance)
    first_due = terms.due(limits, event.occurred_at)
    channel = data.channel or BANK
    payee = Payee(data.payee.name, data.payee.id_number, data.bank_account, data.household_id)
    plan = _instalments(event)
    staged = len(plan) > 1
    made = [Payment(id=str(uuid.uuid4()), case_id=event.case_id, task_id=data.task_id, region=event.region,
                    org_unit=data.org_unit, amount=amount, payee=payee, channel=channel, status=SCHEDULED,
                    due=day or first_due, attempts=0, correlation_id=event.correlation_id, instalment=n,
                    kind=ADVANCE if advance else TEMPORARY, not_before=start_of(day) if day else None,
                    approved_on=approval_day(event.occurred_at))
            for n, (amount, day) in enumerate(plan, start=1)]
    if await uow.payments.of_task(event.case_id, data.task_id):
        return None
    refusal = await reserve.draw_for_advance(uow, made, terms, cause=event) if advance else None
    if refusal is not None:
        made = [replace(p, status=FAILED, last_error=refusal.reason, rule=refusal.rule) for p in made]
    now = _now()
    if not await uow.payments.add_unless_present(made[0], now):
        # another delivery scheduled it between our look and our insert: roll back (the drawdown
        # too) and let the redelivery find it
        raise RuntimeError(f"approval {data.task_id} of case {event.case_id} was scheduled concurrently")
    for payment in made[1:]:
        await uow.payments.add_unless_present(payment, now)
    rules = [CHANNEL_RULE if channel == BANK else KIND_RULE] + ([STAGED_RULE] if staged else [])
    rules += [limit.rule for limit in limits]
    for payment in made:
        record_for(uow, payment, PaymentScheduled(payment_id=payment.id, amount=payment.amount, channel=channel,
                                                  due=payment.due, rules=rules, by=BY), cause=event)
        if refusal is not None:
            record_for(uow, payment, PaymentFailed(payment_id=payment.id, amount=payment.amount,
                                                   reason=refusal.reason, retryable=True, rule=refusal.rule, by=BY),
                       cause=event)
    if refusal is None and limits:
        await payment_limits.open_for(uow, made, limits, event, terms.calendar)
    return made[0]


async def cancel_on_revocation(event: Envelope[CaseRevoked], uow: UnitOfWork) -> list[Payment]:
    """A revoked approval: what is unpaid is cancelled (what the bank has settles as the bank
    says); money obtained by fraud becomes a receivable (ANY-RECOVER), unless ANY-NO-CLAWBACK."""
    data = event.data
    reason = f"approval revoked: {data.reason}"
    cancelled = await uow.payments.cancel_unpaid(event.case_id, data.task_id, reason)
    for payment in cancelled:
        record_for(uow, payment, PaymentCancelled(payment_id=payment.id, amount=payment.amount, reason=reason,
                                                  rules=[STAGED_RULE, *data.rules], by=BY), cause=event)
        await payment_limits.close_for(uow, payment, event.occurred_at, cause=event)
    if data.fraudulent:
        await recovery.open_on_revocation(event, uow)
    return cancelled


async def payments_of(principal: Principal, case_id: str | None, uow: UnitOfWork) -> list[Payment]:
    """The instalments of a case (or of the caller's region), oldest first; only the caller's region."""
    async with uow:
        return await uow.payments.listing(region=principal.region, case_id=case_id)


async def paid_this_year(principal: Principal, id_number: str, year: int,
                         uow: UnitOfWork) -> tuple[Money, Money | None]:
    """Temporary assistance the caller's region paid to the person, and to their household, in a
    calendar year (Asia/Shanghai), for LF-CAP; the household is None where none is known."""
    start, end = (datetime.combine(date(y, 1, 1), time(), SHANGHAI).astimezone(timezone.utc) for y in (year, year + 1))
    async with uow:
        person = await uow.payments.paid_to(region=principal.region, id_number=id_number, start=start, end=end)
        household_id = await uow.payments.household_of(region=principal.region, id_number=id_number)
        household = (await uow.payments.paid_to(region=principal.region, household_id=household_id, start=start,
                                                end=end) if household_id else None)
    return person, household
