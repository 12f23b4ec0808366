"""The payments table and every query on it.

Each state change is a compare-and-set (`UPDATE … WHERE status = …`) whose row count says
whether this caller won; two workers, or a worker and a restarted one, never both act on one
step. SQLite hands back naive datetimes, so everything is written in UTC and read back as UTC.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (BigInteger, Column, Date, Index, Integer, String, Table, Text,
                        UniqueConstraint, and_, bindparam, func, or_, select, update)
from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.domain import IN_FLIGHT, PAID, SCHEDULED, SENT, UNKNOWN, Payee, Payment
from relief_shared import db
from relief_shared.db import UtcDateTime, insert_if_absent, new_metadata
from relief_shared.deadlines import SIGNAL, DeadlineTable, Deadlines
from relief_shared.money import Money
from relief_shared.plumbing import Plumbing

metadata = new_metadata()
plumbing = Plumbing(metadata)

payments = Table(
    "payments", metadata,
    Column("id", String(36), primary_key=True),
    Column("case_id", String(64), nullable=False),
    Column("task_id", String(64), nullable=False),
    Column("region", String(64), nullable=False),
    Column("org_unit", String(100), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("channel", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("payee_name", String(200), nullable=False),
    Column("payee_id_number", String(32), nullable=False),
    Column("due", Date),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime()),
    Column("last_error", Text),
    Column("bank_transaction", String(64)),
    Column("correlation_id", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("paid_at", UtcDateTime()),
    UniqueConstraint("case_id", "task_id"),
    Index("ix_payments_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_payments_payee_id_number", "payee_id_number"),
)
p = payments.c
deadlines = DeadlineTable(metadata)

_due = (select(payments).where(or_(p.status == SCHEDULED, and_(p.status.in_(IN_FLIGHT), p.next_attempt_at <= bindparam("b_now"))))
        .order_by(p.created_at).limit(bindparam("b_limit")))
_claim_scheduled = (update(payments).where(p.id == bindparam("b_id"), p.status == SCHEDULED)
                    .values(attempts=p.attempts + 1))
_claim_again = (update(payments).where(p.id == bindparam("b_id"), p.status == bindparam("b_status"),
                                       p.next_attempt_at <= bindparam("b_now"))
                .values(attempts=p.attempts + 1))
_settle = update(payments).where(p.id == bindparam("b_id"), p.status.in_(IN_FLIGHT))


def _payment(row) -> Payment:  # noqa: ANN001 - a Row
    return Payment(id=row.id, case_id=row.case_id, task_id=row.task_id, region=row.region, org_unit=row.org_unit,
                   amount=Money(row.amount_fen), payee=Payee(row.payee_name, row.payee_id_number),
                   channel=row.channel, status=row.status, due=row.due, attempts=row.attempts,
                   correlation_id=row.correlation_id, paid_at=row.paid_at)


class Payments:
    """Every instalment and its state; each step a compare-and-set whose row count says who won."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add_unless_scheduled(self, payment: Payment, now: datetime) -> bool:
        """Insert the payment; False (nothing written) if its approval already has one."""
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, payments), dict(
            id=payment.id, case_id=payment.case_id, task_id=payment.task_id, region=payment.region,
            org_unit=payment.org_unit, amount_fen=payment.amount.fen, channel=payment.channel, status=payment.status,
            payee_name=payment.payee.name, payee_id_number=payment.payee.id_number, due=payment.due,
            attempts=payment.attempts, correlation_id=payment.correlation_id, created_at=now,
        ))
        return result.rowcount == 1

    async def due(self, now: datetime, limit: int) -> list[Payment]:
        """Scheduled payments, and in-flight ones whose lease or back-off has run out."""
        return [_payment(row) for row in await self.conn.execute(_due, {"b_now": now, "b_limit": limit})]

    async def claim(self, payment: Payment, now: datetime, lease_until: datetime) -> bool:
        """Take the next step on a payment; False if another worker took it first."""
        values = {"b_id": payment.id, "next_attempt_at": lease_until}
        if payment.status == SCHEDULED:
            result = await self.conn.execute(_claim_scheduled, {**values, "status": SENT, "sent_at": now})
        else:
            result = await self.conn.execute(_claim_again, {**values, "b_status": payment.status, "b_now": now})
        return result.rowcount == 1

    async def settle(self, payment_id: str, *, status: str, bank_transaction: str,
                     paid_at: datetime | None = None, reason: str | None = None) -> bool:
        result = await self.conn.execute(_settle, dict(
            b_id=payment_id, status=status, bank_transaction=bank_transaction, paid_at=paid_at, last_error=reason,
            next_attempt_at=None,
        ))
        return result.rowcount == 1

    async def mark_unknown(self, payment_id: str, *, retry_at: datetime, reason: str) -> None:
        await self.conn.execute(update(payments).where(p.id == payment_id, p.status.in_(IN_FLIGHT)).values(
            status=UNKNOWN, next_attempt_at=retry_at, last_error=reason[:2000],
        ))

    async def release_in_flight(self, now: datetime) -> int:
        """After a restart nobody is waiting on a `sent` transfer: make it `unknown` and due now."""
        result = await self.conn.execute(update(payments).where(p.status == SENT).values(
            status=UNKNOWN, next_attempt_at=now, last_error="process restarted before the bank replied",
        ))
        return result.rowcount

    async def listing(self, *, region: str, case_id: str | None, limit: int = 500) -> list[Payment]:
        query = select(payments).where(p.region == region).order_by(p.created_at).limit(limit)
        if case_id is not None:
            query = query.where(p.case_id == case_id)
        return [_payment(row) for row in await self.conn.execute(query)]

    async def paid_to_person(self, *, region: str, id_number: str, start: datetime, end: datetime) -> Money:
        total = await self.conn.scalar(select(func.coalesce(func.sum(p.amount_fen), 0)).where(
            p.region == region, p.payee_id_number == id_number, p.status == PAID, p.paid_at >= start, p.paid_at < end))
        return Money(int(total))


class UnitOfWork(db.UnitOfWork):
    payments: Payments
    deadlines: Deadlines

    def bind(self, conn: AsyncConnection) -> None:
        self.payments = Payments(conn)
        self.deadlines = Deadlines(conn, deadlines, on_change=lambda: self.signal_after_commit(SIGNAL))
