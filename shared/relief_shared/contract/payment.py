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


@event("payment.paid", 1, publisher="disbursement", summary="The bank booked the transfer.")
class PaymentPaid(_Payment):
    paid_at: Instant
    bank_reference: str
    bank_transaction: str


@event("payment.failed", 1, publisher="disbursement", summary="The bank refused the transfer.")
class PaymentFailed(_Payment):
    reason: str
    retryable: bool
