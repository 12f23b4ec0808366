"""The payments table and every query on it.

Each state change is a compare-and-set (`UPDATE … WHERE status = …`) whose row count says
whether this caller won; two workers, or a worker and a restarted one, never both act on one
step. Claims of many payments at once are one statement (`… WHERE id IN (…) AND status = …
RETURNING id`), so the payroll's million rows move in batches, not one statement each.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.domain import BANK, IN_FLIGHT, PAID, PAYROLL, SCHEDULED, SENT, UNKNOWN, Payee, Payment
from disbursement.tables import payments
from relief_shared.db import insert_if_absent
from relief_shared.money import Money

p = payments.c

# Two statements, each on its own index, so a million scheduled payroll rows are never sorted.
_due_again = (select(payments).where(p.status.in_(IN_FLIGHT), p.next_attempt_at <= bindparam("b_now"))
              .order_by(p.next_attempt_at).limit(bindparam("b_limit")))
_due_scheduled = (select(payments).where(p.status == SCHEDULED, p.channel == BANK,
                                         or_(p.not_before.is_(None), p.not_before <= bindparam("b_business_now")))
                  .order_by(p.created_at).limit(bindparam("b_limit")))
_claim_again = (update(payments).where(p.id == bindparam("b_id"), p.status == bindparam("b_status"),
                                       p.next_attempt_at <= bindparam("b_now"))
                .values(attempts=p.attempts + 1))
_set_transaction = update(payments).where(p.id == bindparam("b_id"))
# built once too: every approval asks for its task's payments, every bank batch claims and settles
_of_case = select(payments).where(p.case_id == bindparam("b_case_id"), p.payroll_month.is_(None)).order_by(p.instalment)
_of_task = (select(payments).where(p.case_id == bindparam("b_case_id"), p.payroll_month.is_(None),
                                   p.task_id == bindparam("b_task_id")).order_by(p.instalment))
_claim_scheduled = (update(payments).where(p.id.in_(bindparam("b_ids", expanding=True)), p.status == SCHEDULED)
                    .values(status=SENT, sent_at=bindparam("v_now"), next_attempt_at=bindparam("v_lease_until"),
                            attempts=p.attempts + 1).returning(p.id))
_settle_paid = (update(payments).where(p.id.in_(bindparam("b_ids", expanding=True)), p.status.in_(IN_FLIGHT))
                .values(status=PAID, paid_at=bindparam("v_at"), last_error=None, next_attempt_at=None).returning(p.id))


_AT = {column.name: n for n, column in enumerate(payments.c)}  # rows of `select(payments)` by position: fast


def payment_of(row: Any) -> Payment:
    r, at = tuple(row), _AT
    approved = r[at["approved_fen"]]
    return Payment(id=r[at["id"]], case_id=r[at["case_id"]], task_id=r[at["task_id"]], region=r[at["region"]],
                   org_unit=r[at["org_unit"]], amount=Money(r[at["amount_fen"]]),
                   payee=Payee(r[at["payee_name"]], r[at["payee_id_number"]], r[at["bank_account"]],
                               r[at["household_id"]]),
                   channel=r[at["channel"]], status=r[at["status"]], due=r[at["due"]], attempts=r[at["attempts"]],
                   correlation_id=r[at["correlation_id"]], paid_at=r[at["paid_at"]], instalment=r[at["instalment"]],
                   kind=r[at["kind"]], not_before=r[at["not_before"]],
                   approved=Money(approved) if approved is not None else None, approved_on=r[at["approved_on"]],
                   reference=r[at["reference"]], reissues=r[at["reissues"]], payroll_month=r[at["payroll_month"]],
                   last_error=r[at["last_error"]], rule=r[at["rule"]])


def row_of(payment: Payment, now: datetime) -> dict[str, Any]:
    return dict(
        id=payment.id, case_id=payment.case_id, task_id=payment.task_id, region=payment.region,
        org_unit=payment.org_unit, amount_fen=payment.amount.fen, channel=payment.channel, status=payment.status,
        payee_name=payment.payee.name, payee_id_number=payment.payee.id_number, due=payment.due,
        attempts=payment.attempts, correlation_id=payment.correlation_id, created_at=now,
        instalment=payment.instalment, kind=payment.kind, not_before=payment.not_before,
        approved_fen=payment.approved.fen if payment.approved else None, approved_on=payment.approved_on,
        household_id=payment.payee.household_id, bank_account=payment.payee.bank_account,
        reference=payment.reference, reissues=payment.reissues, payroll_month=payment.payroll_month,
        last_error=payment.last_error, rule=payment.rule, next_attempt_at=None, bank_transaction=None,
        sent_at=None, paid_at=payment.paid_at,
    )


class Payments:
    """Every instalment and its state; each step a compare-and-set whose row count says who won."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add_unless_present(self, payment: Payment, now: datetime) -> bool:
        """Insert the payment; False (nothing written) if its natural key is taken."""
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, payments), row_of(payment, now))
        return result.rowcount == 1

    async def add_many(self, batch: list[Payment], now: datetime) -> int:
        """Insert many (the payroll); those whose key is taken are left out. Returns how many went in."""
        if not batch:
            return 0
        result = await self.conn.execute(insert_if_absent(self.conn.dialect.name, payments),
                                         [row_of(payment, now) for payment in batch])
        return result.rowcount

    async def get(self, payment_id: str, *, region: str | None = None) -> Payment | None:
        query = select(payments).where(p.id == payment_id)
        if region is not None:
            query = query.where(p.region == region)
        row = (await self.conn.execute(query)).first()
        return payment_of(row) if row else None

    async def of_task(self, case_id: str, task_id: str | None) -> list[Payment]:
        if task_id is None:
            rows = await self.conn.execute(_of_case, {"b_case_id": case_id})
        else:
            rows = await self.conn.execute(_of_task, {"b_case_id": case_id, "b_task_id": task_id})
        return [payment_of(row) for row in rows]

    async def due(self, now: datetime, business_now: datetime, limit: int) -> list[Payment]:
        """Scheduled bank payments whose day has come, and in-flight ones whose lease or back-off
        has run out."""
        again = [payment_of(row) for row in await self.conn.execute(_due_again, {"b_now": now, "b_limit": limit})]
        if len(again) >= limit:
            return again
        fresh = await self.conn.execute(_due_scheduled, {"b_business_now": business_now, "b_limit": limit - len(again)})
        return again + [payment_of(row) for row in fresh]

    async def claim_scheduled(self, ids: list[str], now: datetime, lease_until: datetime) -> set[str]:
        """Mark scheduled payments `sent` in one statement; the ids this call won come back."""
        if not ids:
            return set()
        result = await self.conn.execute(_claim_scheduled, {"b_ids": ids, "v_now": now, "v_lease_until": lease_until})
        return set(result.scalars())

    async def claim_again(self, payment: Payment, now: datetime, lease_until: datetime) -> bool:
        result = await self.conn.execute(_claim_again, {"b_id": payment.id, "next_attempt_at": lease_until,
                                                        "b_status": payment.status, "b_now": now})
        return result.rowcount == 1

    async def reduce(self, payment_id: str, amount: Money, approved: Money, rule: str) -> None:
        await self.conn.execute(update(payments).where(p.id == payment_id).values(
            amount_fen=amount.fen, approved_fen=approved.fen, rule=rule))

    async def settle(self, payment_id: str, *, status: str, bank_transaction: str | None,
                     paid_at: datetime | None = None, reason: str | None = None, rule: str | None = None,
                     from_states: Iterable[str] = IN_FLIGHT) -> bool:
        values = dict(status=status, bank_transaction=bank_transaction, paid_at=paid_at, last_error=reason,
                      next_attempt_at=None)
        if rule is not None:
            values["rule"] = rule
        result = await self.conn.execute(update(payments).where(p.id == payment_id, p.status.in_(list(from_states)))
                                         .values(**values))
        return result.rowcount == 1

    async def settle_paid(self, ids: list[str], at: datetime) -> set[str]:
        """Mark in-flight payments paid at `at` in one compare-and-set; the ids this call won."""
        result = await self.conn.execute(_settle_paid, {"b_ids": ids, "v_at": at})
        return set(result.scalars())

    async def set_transactions(self, transactions: dict[str, str]) -> None:
        """The bank's transaction ids of payments this caller just settled."""
        if transactions:
            await self.conn.execute(_set_transaction, [{"b_id": k, "bank_transaction": v}
                                                       for k, v in transactions.items()])

    async def mark_unknown(self, payment_id: str, *, retry_at: datetime, reason: str) -> None:
        await self.conn.execute(update(payments).where(p.id == payment_id, p.status.in_(IN_FLIGHT)).values(
            status=UNKNOWN, next_attempt_at=retry_at, last_error=reason[:2000],
        ))

    async def mark_unknown_many(self, ids: list[str], *, retry_at: datetime, reason: str) -> None:
        if ids:
            await self.conn.execute(update(payments).where(p.id.in_(ids), p.status.in_(IN_FLIGHT)).values(
                status=UNKNOWN, next_attempt_at=retry_at, last_error=reason[:2000]))

    async def release_in_flight(self, now: datetime) -> int:
        """After a restart nobody is waiting on a `sent` transfer: make it `unknown` and due now."""
        result = await self.conn.execute(update(payments).where(p.status == SENT).values(
            status=UNKNOWN, next_attempt_at=now, last_error="process restarted before the bank replied",
        ))
        return result.rowcount

    async def cancel_unpaid(self, case_id: str, task_id: str | None, reason: str) -> list[Payment]:
        """Cancel the case's scheduled instalments (in-flight ones are the bank's: they settle)."""
        query = update(payments).where(p.case_id == case_id, p.status == SCHEDULED, p.payroll_month.is_(None))
        if task_id is not None:
            query = query.where(p.task_id == task_id)
        rows = await self.conn.execute(query.values(status="cancelled", last_error=reason[:2000]).returning(*p))
        return [payment_of(row) for row in rows]

    async def reissue(self, payment: Payment, *, bank_account: str | None) -> bool:
        """A refused payment goes out again under a new reference (the old one booked nothing)."""
        reissues = payment.reissues + 1
        values: dict[str, Any] = dict(status=SCHEDULED, reissues=reissues, reference=f"{payment.id}.{reissues}",
                                      last_error=None, rule=None, next_attempt_at=None, bank_transaction=None)
        if bank_account is not None:
            values["bank_account"] = bank_account
        if payment.approved is not None:  # a cap may allow more now: count it again at payment
            values.update(amount_fen=payment.approved.fen, approved_fen=None)
        result = await self.conn.execute(update(payments).where(p.id == payment.id, p.status == "failed")
                                         .values(**values))
        return result.rowcount == 1

    async def listing(self, *, region: str, case_id: str | None, limit: int = 500) -> list[Payment]:
        query = select(payments).where(p.region == region).order_by(p.created_at, p.instalment).limit(limit)
        if case_id is not None:
            query = query.where(p.case_id == case_id)
        return [payment_of(row) for row in await self.conn.execute(query)]

    async def paid_to(self, *, region: str, id_number: str | None = None, household_id: str | None = None,
                      start: datetime, end: datetime) -> Money:
        """Temporary assistance paid in [start, end) to a person or a household (the payroll is not
        temporary assistance and does not count toward LF-CAP)."""
        query = select(func.coalesce(func.sum(p.amount_fen), 0)).where(
            p.region == region, p.status == PAID, p.kind != PAYROLL, p.paid_at >= start, p.paid_at < end)
        if id_number is not None:
            query = query.where(p.payee_id_number == id_number)
        if household_id is not None:
            query = query.where(p.household_id == household_id)
        return Money(int(await self.conn.scalar(query)))

    async def household_of(self, *, region: str, id_number: str) -> str | None:
        return await self.conn.scalar(select(p.household_id).where(
            p.region == region, p.payee_id_number == id_number, p.household_id.is_not(None))
            .order_by(p.created_at.desc()).limit(1))

    async def paid_to_person_total(self, *, region: str, id_number: str) -> Money:
        total = await self.conn.scalar(select(func.coalesce(func.sum(p.amount_fen), 0)).where(
            p.region == region, p.payee_id_number == id_number, p.status == PAID, p.kind != PAYROLL))
        return Money(int(total))

    async def run_counts(self, month: str, region: str) -> dict[str, int]:
        rows = await self.conn.execute(select(p.status, func.count()).where(
            p.payroll_month == month, p.region == region).group_by(p.status))
        return {status: count for status, count in rows}

    async def run_paid_total(self, month: str, region: str) -> Money:
        total = await self.conn.scalar(select(func.coalesce(func.sum(p.amount_fen), 0)).where(
            p.payroll_month == month, p.region == region, p.status == PAID))
        return Money(int(total))

    async def bank_paid_between(self, start: datetime, end: datetime, *, after: str,
                                limit: int) -> list[tuple[str, str, int, str | None]]:
        """Bank payments paid in [start, end) as (reference, id, amount_fen, account), by reference,
        after `after`: one page of a streaming merge, light enough for a million rows."""
        # byte order on both backends, as the bank's statement is sorted (PostgreSQL's locale would not be)
        reference = p.reference.collate("C") if self.conn.dialect.name == "postgresql" else p.reference
        rows = await self.conn.execute(select(p.reference, p.id, p.amount_fen, p.bank_account).where(
            p.channel == BANK, p.status == PAID, p.paid_at >= start, p.paid_at < end,
            reference > after).order_by(reference).limit(limit))
        return [tuple(row) for row in rows]  # type: ignore[misc]

    async def by_ids(self, ids: list[str]) -> dict[str, Payment]:
        if not ids:
            return {}
        return {row.id: payment_of(row) for row in await self.conn.execute(select(payments).where(p.id.in_(ids)))}

    async def by_references(self, references: list[str]) -> dict[str, Payment]:
        if not references:
            return {}
        rows = await self.conn.execute(select(payments).where(p.reference.in_(references)))
        return {row.reference: payment_of(row) for row in rows}
