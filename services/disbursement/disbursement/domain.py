"""A payment (one instalment of an approval, or one person's month of the payroll) and the
states it moves through, and the domain errors the API maps to problems.

`sent` means we may have asked the bank; `unknown` means we asked and got no answer. Neither
is ever turned into a fresh transfer: the bank is asked first, and any repeat carries the same
reference, so the bank books it once. Only a refused payment gets a new reference (reissue),
since the bank booked nothing under the old one.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from relief_shared.money import Money

SCHEDULED, SENT, PAID, FAILED, UNKNOWN, CANCELLED = "scheduled", "sent", "paid", "failed", "unknown", "cancelled"
IN_FLIGHT = (SENT, UNKNOWN)
SETTLED = (PAID, FAILED, CANCELLED)
BANK, CASH, IN_KIND = "bank", "cash", "in_kind"
TEMPORARY, ADVANCE, PAYROLL = "temporary", "advance", "payroll"


@dataclass(frozen=True)
class Payee:
    name: str
    id_number: str
    bank_account: str | None = None
    household_id: str | None = None


@dataclass(slots=True)  # not frozen: a frozen init costs a setattr per field, and a payroll reads a million
class Payment:
    id: str
    case_id: str
    task_id: str
    region: str
    org_unit: str
    amount: Money
    payee: Payee
    channel: str
    status: str
    due: date | None
    attempts: int
    correlation_id: str
    paid_at: datetime | None = None
    instalment: int = 1
    kind: str = TEMPORARY
    not_before: datetime | None = None
    approved: Money | None = None  # set where a yearly cap paid less than approved
    approved_on: date | None = None
    reference: str = ""
    reissues: int = 0
    payroll_month: str | None = None
    last_error: str | None = None
    rule: str | None = None

    def __post_init__(self) -> None:
        if not self.reference:
            self.reference = self.id

    @property
    def bank_reference(self) -> str:
        """The reference the bank de-duplicates on: stable for the payment's life, new only when a
        refused payment is issued again (the bank booked nothing under the old one)."""
        return self.reference

    def reduced_to(self, amount: Money, rule: str) -> Payment:
        return replace(self, amount=amount, approved=self.amount, rule=rule)


@dataclass(frozen=True)
class Witness:
    name: str
    id_number: str


@dataclass(frozen=True)
class DeliveredItem:
    name: str
    quantity: int
    unit: str
    value: Money


@dataclass(frozen=True)
class Receipt:
    """Cash handed over against a signature or witnesses, or goods delivered (in kind)."""

    id: str
    payment_id: str
    kind: str
    signed_by_recipient: bool
    witnesses: tuple[Witness, ...]
    items: tuple[DeliveredItem, ...]
    received_by: Witness | None
    value: Money
    paid_on: date
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class Task:
    id: str
    kind: str
    role: str
    region: str
    org_unit: str | None
    case_id: str
    payment_id: str | None
    detail: str
    rules: tuple[str, ...]
    opened_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Movement:
    """One line of the ledger (台账)."""

    at: datetime
    region: str
    org_unit: str
    kind: str  # payment | reversal | recovery | top_up | allocation | drawdown
    amount: Money
    note: str
    channel: str | None = None
    payment_id: str | None = None
    case_id: str | None = None
    reference: str | None = None
    id_number: str | None = None


@dataclass(frozen=True)
class Fund:
    org_unit: str
    region: str
    balance: Money
    below_floor: bool


@dataclass
class Recovery:
    id: str
    case_id: str
    region: str
    org_unit: str
    debtor: Payee
    amount: Money
    recovered: Money
    instalments: list[tuple[Money, date]]
    reason: str
    status: str
    opened_at: datetime
    dedup: str = field(default="")


class PaymentProblem(Exception):
    """A domain refusal; `rule` travels into the problem document."""

    rule: str | None = None

    def __init__(self, message: str, *, rule: str | None = None, errors: list[dict] | None = None):
        super().__init__(message)
        self.rule = rule
        self.errors = errors


class NoSuchPayment(PaymentProblem):
    pass


class WrongState(PaymentProblem):
    pass


class ReceiptRefused(PaymentProblem):
    pass


class NoSuchFund(PaymentProblem):
    pass


class RecoveryRefused(PaymentProblem):
    pass


class NoSuchRecovery(PaymentProblem):
    pass


class PayrollRefused(PaymentProblem):
    pass


class NoSuchRun(PaymentProblem):
    pass


class NoReconciliation(PaymentProblem):
    pass
