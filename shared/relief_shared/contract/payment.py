"""Payments of approved assistance (disbursement, policy.md §7)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from relief_shared.contract.fields import Actor, Amount, Instant, LocalDate, Payload
from relief_shared.contract.registry import event


class _Payment(Payload):
    payment_id: str
    amount: Amount
    by: Actor


@event("payment.scheduled", 1, publisher="disbursement", summary="An instalment of an approval is due to be paid.")
class PaymentScheduled(_Payment):
    channel: Literal["bank", "cash", "in_kind"]
    due: LocalDate | None = Field(description="pay by this day; null where the region sets no deadline")
    rules: list[str]


@event("payment.sent", 1, publisher="disbursement", summary="The transfer is being handed to the bank.")
class PaymentSent(_Payment):
    bank_reference: str = Field(description="the bank's idempotency key: the payment id")


@event("payment.paid", 1, publisher="disbursement",
       summary="The bank booked the transfer, or the cash or goods were handed over against a receipt.")
class PaymentPaid(_Payment):
    paid_at: Instant
    bank_reference: str = Field(description="bank: the reference the bank de-duplicates on; cash and in kind "
                                            "(the channel of payment.scheduled): the payment id")
    bank_transaction: str = Field(description="bank: its transaction id; cash and in kind: the receipt id")
    reduced_from: Amount | None = Field(None, description="the instalment's amount before a yearly cap reduced it")
    rules: list[str] = Field(default_factory=list, description="rules applied at payment, e.g. LF-CAP")


@event("payment.failed", 1, publisher="disbursement",
       summary="The bank refused the transfer, or a rule refused the payment (a yearly cap, the reserve fund).")
class PaymentFailed(_Payment):
    reason: str
    retryable: bool = Field(description="true where correcting something (the account) lets it be paid")
    rule: str | None = Field(None, description="the rule that refused it, where one did")


@event("payment.cancelled", 1, publisher="disbursement",
       summary="An unpaid instalment was cancelled because its approval was revoked.")
class PaymentCancelled(_Payment):
    reason: str
    rules: list[str]


@event("payment.task_opened", 1, publisher="disbursement",
       summary="Someone must act on a payment: correct an account, settle a reconciliation break, fund an "
               "advance payment the reserve fund could not cover.")
class PaymentTaskOpened(Payload):
    task_id: str
    kind: Literal["correct_account", "reconciliation_break", "reserve_shortfall"]
    role: Literal["clerk", "district"]
    org_unit: str | None
    payment_id: str | None
    detail: str
    rules: list[str]
    by: Actor


@event("payment.reserve_below_floor", 1, publisher="disbursement",
       summary="A street's reserve fund fell below the floor it must keep (DT-RESERVE).")
class ReserveBelowFloor(Payload):
    org_unit: str
    balance: Amount
    floor: Amount
    rules: list[str]
    by: Actor


@event("payment.payroll_month_opened", 1, publisher="disbursement",
       summary="The month's dibao and dispersed tekun payroll was produced: one payment per recipient, due before "
               "the 10th (DT-PAY-10TH).")
class PayrollMonthOpened(Payload):
    run_id: str
    month: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$")
    recipients: int
    total: Amount
    skipped: int = Field(description="on the roster but with no monthly amount decided: not paid, listed in the run")
    due: LocalDate
    by: Actor


@event("payment.payroll_completed", 1, publisher="disbursement",
       summary="Every payment of the month's payroll is settled (paid or refused).")
class PayrollCompleted(Payload):
    run_id: str
    month: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$")
    paid: int
    failed: int
    total_paid: Amount
    by: Actor
