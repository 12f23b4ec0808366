"""A payment (one instalment of an approval) and the states it moves through.

`sent` means we may have asked the bank; `unknown` means we asked and got no answer. Neither
is ever turned into a fresh transfer: the bank is asked first, and any repeat carries the same
reference, so the bank books it once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from relief_shared.money import Money

SCHEDULED, SENT, PAID, FAILED, UNKNOWN, CANCELLED = "scheduled", "sent", "paid", "failed", "unknown", "cancelled"
IN_FLIGHT = (SENT, UNKNOWN)
SETTLED = (PAID, FAILED, CANCELLED)


@dataclass(frozen=True)
class Payee:
    name: str
    id_number: str


@dataclass(frozen=True)
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

    @property
    def bank_reference(self) -> str:
        """The reference the bank de-duplicates on: stable for the payment's whole life."""
        return self.id
