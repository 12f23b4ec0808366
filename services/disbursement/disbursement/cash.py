"""Paying by hand: cash against the recipient's signature or, where they cannot sign, at least
two witnesses (FX-PAY-CHANNEL); goods in kind against a delivery record (CQ-PAY-KIND). The
receipt, the payment's settlement, its ledger line and its event commit together, once per
payment (and once per Idempotency-Key)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from disbursement.domain import (CASH, IN_KIND, PAID, SCHEDULED, DeliveredItem, NoSuchPayment, Payment, Receipt,
                                 ReceiptRefused, Witness, WrongState)
from disbursement import payment_limits
from disbursement.paying import within_caps
from disbursement.policy import CHANNEL_RULE, KIND_RULE, start_of, witness_errors
from disbursement.records import BY, paid_line, record_for
from disbursement.store import UnitOfWork
from disbursement.terms import PaymentTerms
from relief_shared.auth import Principal
from relief_shared.contract.payment import PaymentPaid
from relief_shared.idempotency import IdempotentRequest, Reply
from relief_shared.calendar import SHANGHAI
from relief_shared.money import Money


@dataclass(frozen=True)
class HandOver:
    payment_id: str
    kind: str  # cash | in_kind
    signed_by_recipient: bool
    witnesses: list[Witness]
    items: list[DeliveredItem]
    received_by: Witness | None
    paid_on: date
    principal: Principal
    request: IdempotentRequest | None


def check(cmd: HandOver) -> None:
    if cmd.kind == CASH:
        errors = witness_errors(cmd.signed_by_recipient, [(w.name, w.id_number) for w in cmd.witnesses])
        if errors:
            raise ReceiptRefused(errors[0]["message"], rule=CHANNEL_RULE, errors=errors)
    elif not cmd.items:
        raise ReceiptRefused("an in-kind delivery lists what was delivered", rule=KIND_RULE,
                             errors=[{"field": "items", "message": "at least one item"}])


async def hand_over(cmd: HandOver, uow: UnitOfWork, terms: PaymentTerms, *, now: datetime,
                    render) -> Reply:  # noqa: ANN001 - render(receipt, payment) -> dict, the API's view
    check(cmd)
    async with uow:
        earlier = await uow.idempotency.replay(cmd.request)
        if earlier:
            return earlier
        payment = await uow.payments.get(cmd.payment_id, region=cmd.principal.region)
        if payment is None or (cmd.principal.org_unit not in (None, payment.org_unit)):
            raise NoSuchPayment(f"no payment {cmd.payment_id} for this caller")
        if payment.channel != cmd.kind:
            raise WrongState(f"payment {payment.id} is paid by {payment.channel}, not {cmd.kind}",
                             rule=CHANNEL_RULE if cmd.kind == CASH else KIND_RULE)
        if payment.status != SCHEDULED:
            # the same request from another connection may have committed between our two
            # reads (PostgreSQL, read committed): its reply wins over "already paid"
            earlier = await uow.idempotency.replay(cmd.request)
            if earlier:
                return earlier
            raise WrongState(f"payment {payment.id} is {payment.status}: nothing is left to hand over")
        value = sum((i.value for i in cmd.items), Money.zero()) if cmd.kind == IN_KIND else payment.amount
        if cmd.kind == IN_KIND and value > payment.amount:
            raise ReceiptRefused(f"the goods are worth {value}, more than the instalment's {payment.amount}",
                                 rule=KIND_RULE, errors=[{"field": "items", "message": "worth more than approved"}])
        if not await uow.payments.claim_scheduled([payment.id], now, now):
            # the same request from another connection won, and our claim waited for its commit
            # (PostgreSQL, read committed): its reply is visible now
            earlier = await uow.idempotency.replay(cmd.request)
            if earlier:
                return earlier
            raise WrongState(f"payment {payment.id} was handed over concurrently")
        if value < payment.amount:
            await uow.payments.reduce(payment.id, value, payment.amount, KIND_RULE)
            payment = payment.reduced_to(value, KIND_RULE)
        within = await within_caps(uow, payment, terms, now)
        if within is None:  # refused by a limit at payment: say which and why (nothing is kept: rolled back)
            refused = await uow.payments.get(payment.id)
            raise ReceiptRefused(refused.last_error if refused and refused.last_error else "refused at payment",
                                 rule=refused.rule if refused else None)
        payment = within
        receipt = Receipt(str(uuid.uuid4()), payment.id, cmd.kind, cmd.signed_by_recipient, tuple(cmd.witnesses),
                          tuple(cmd.items), cmd.received_by, payment.amount, cmd.paid_on,
                          f"{cmd.principal.name} ({cmd.principal.sub})", now)
        await uow.receipts.add(receipt)
        paid_at = now if now.astimezone(SHANGHAI).date() == cmd.paid_on else start_of(cmd.paid_on)
        await uow.payments.settle(payment.id, status=PAID, bank_transaction=receipt.id, paid_at=paid_at)
        await uow.ledger.add(paid_line(payment, paid_at, f"{'cash' if cmd.kind == CASH else 'in kind'} handed over, "
                                                          f"receipt {receipt.id}"))
        record_for(uow, payment, PaymentPaid(payment_id=payment.id, amount=payment.amount, paid_at=paid_at,
                                             bank_reference=payment.id, bank_transaction=receipt.id,
                                             reduced_from=payment.approved,
                                             rules=[CHANNEL_RULE if cmd.kind == CASH else KIND_RULE], by=BY))
        await payment_limits.close_for(uow, payment, now)
        reply = Reply(201, render(receipt, payment))
        await uow.idempotency.remember(cmd.request, reply)
        await uow.commit()
    return reply


async def receipt_of(principal: Principal, payment_id: str, uow: UnitOfWork) -> tuple[Receipt, Payment]:
    async with uow:
        payment = await uow.payments.get(payment_id, region=principal.region)
        receipt = await uow.receipts.of_payment(payment_id) if payment else None
    if payment is None or receipt is None:
        raise NoSuchPayment(f"no receipt for payment {payment_id}")
    return receipt, payment


__all__ = ["HandOver", "Payment", "hand_over", "receipt_of"]
