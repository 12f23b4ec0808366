"""Reconciliation with the bank: the day's statement file against our ledger of bank payments,
every break classified and given a task (district).

Both sides are streamed in reference order and merged, so a day of a million credits needs no
more memory than a page of each: a payment paid that day without a credit is `missing_credit`;
a reference credited twice `duplicate_credit`; a credit of another amount `wrong_amount`, to
another account `wrong_account`; a credit under a reference we never sent `never_sent`. A
credit for a payment we still await an answer for (sent, unknown) is pending, not a break: the
status query will settle it. Running a day again records only breaks not yet recorded.
"""
from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from disbursement.bank import Bank, StatementLine, read_statement
from disbursement.domain import IN_FLIGHT, PAID, NoReconciliation
from disbursement.policy import start_of
from disbursement.records import open_task
from disbursement.store import UnitOfWork
from relief_shared.db import Database
from relief_shared.money import Money

PAGE = 5000
KINDS = ("missing_credit", "duplicate_credit", "wrong_amount", "wrong_account", "never_sent")
RULE = "FX-LEDGER"


@dataclass(frozen=True)
class Break:
    reference: str
    kind: str
    payment_id: str | None
    expected: str | None
    found: str | None


@dataclass(frozen=True)
class Ours:
    """Our side of one credit: what the statement must show."""

    reference: str
    payment_id: str
    amount: Money
    account: str


@dataclass
class Tally:
    credits: int = 0
    matched: int = 0
    pending: int = 0


async def _ours(uow: UnitOfWork, day: date) -> AsyncIterator[Ours]:
    start = start_of(day).astimezone(timezone.utc)
    end = start + timedelta(days=1)
    after = ""
    while True:
        page = await uow.payments.bank_paid_between(start, end, after=after, limit=PAGE)
        for reference, payment_id, fen, account in page:
            yield Ours(reference, payment_id, Money(fen), account or "")
        if len(page) < PAGE:
            return
        after = page[-1][0]


def _compare(ours: Ours, lines: list[StatementLine]) -> list[Break]:
    found: list[Break] = []
    ref, pid = ours.reference, ours.payment_id
    if len(lines) > 1:
        found.append(Break(ref, "duplicate_credit", pid, "1 credit", f"{len(lines)} credits: "
                           + ", ".join(line.transaction_id for line in lines)))
    line = lines[0]
    if line.amount != ours.amount:
        found.append(Break(ref, "wrong_amount", pid, str(ours.amount), str(line.amount)))
    if line.account != ours.account:
        found.append(Break(ref, "wrong_account", pid, ours.account, line.account))
    return found


async def _unmatched(uow: UnitOfWork, groups: list[tuple[str, list[StatementLine]]], tally: Tally) -> list[Break]:
    """Credits with no payment of ours paid that day: paid another day, awaited, or never sent."""
    known = await uow.payments.by_references([ref for ref, _ in groups])
    found: list[Break] = []
    for ref, lines in groups:
        payment = known.get(ref)
        if payment is not None and payment.status in IN_FLIGHT:
            tally.pending += 1
        elif payment is not None and payment.status == PAID:
            breaks = _compare(Ours(ref, payment.id, payment.amount, payment.payee.bank_account or ""), lines)
            tally.matched += not breaks
            found += breaks
        else:
            found.append(Break(ref, "never_sent", payment.id if payment else None, None,
                               f"{lines[0].amount} to account {lines[0].account} ({lines[0].transaction_id})"))
    return found


async def find_breaks(uow: UnitOfWork, statement: Path, day: date) -> tuple[list[Break], Tally]:
    tally, found = Tally(), []
    groups: Iterator[tuple[str, list[StatementLine]]] = (
        (ref, list(lines)) for ref, lines in itertools.groupby(read_statement(statement), key=lambda l: l.reference))
    ours = _ours(uow, day)
    o = await anext(ours, None)
    s = next(groups, None)
    strays: list[tuple[str, list[StatementLine]]] = []
    while o is not None or s is not None:
        if s is None or (o is not None and o.reference < s[0]):
            assert o is not None
            found.append(Break(o.reference, "missing_credit", o.payment_id, str(o.amount), None))
            o = await anext(ours, None)
            continue
        tally.credits += 1
        if o is None or s[0] < o.reference:
            strays.append(s)
            if len(strays) >= PAGE:
                found += await _unmatched(uow, strays, tally)
                strays = []
        else:
            breaks = _compare(o, s[1])
            tally.matched += not breaks
            found += breaks
            o = await anext(ours, None)
        s = next(groups, None)
    found += await _unmatched(uow, strays, tally)
    return found, tally


async def reconcile(day: date, db: Database, bank: Bank, *, region: str, now: datetime) -> dict[str, Any]:
    """Fetch the day's statement, find every break, record them with a task each (a credit we
    never sent names no case: its task goes to the district that ran the reconciliation)."""
    statement = await bank.statement(day)
    async with db.reading() as uow:
        found, tally = await find_breaks(uow, statement, day)
    async with db.uow() as uow:
        involved = await uow.payments.by_ids(sorted({b.payment_id for b in found if b.payment_id}))
        for b in found:
            payment = involved.get(b.payment_id) if b.payment_id else None
            added = await uow.reconciliations.add_break(dict(
                day=day, reference=b.reference, kind=b.kind, payment_id=payment.id if payment else None,
                region=payment.region if payment else region, expected=b.expected, found=b.found, task_id=None))
            if added:
                await open_task(uow, kind="reconciliation_break", role="district",
                                region=payment.region if payment else region,
                                org_unit=payment.org_unit if payment else None,
                                case_id=payment.case_id if payment else f"reconciliation-{day}",
                                payment_id=payment.id if payment else None,
                                detail=f"{day}: {b.kind.replace('_', ' ')} for reference {b.reference}: expected "
                                       f"{b.expected or 'no credit'}, the statement shows {b.found or 'none'}",
                                rules=[RULE], dedup=f"recon:{day}:{b.reference}:{b.kind}", at=now,
                                correlation_id=payment.correlation_id if payment else None)
        await uow.reconciliations.record(day, statement=statement.name, credits=tally.credits, matched=tally.matched,
                                         at=now)
        await uow.commit()
    return await view(day, region, db.reading())


async def view(day: date, region: str | None, uow: UnitOfWork) -> dict[str, Any]:
    """The day's reconciliation: every break counted, the caller's region's breaks listed."""
    async with uow:
        found = await uow.reconciliations.get(day)
    if found is None:
        raise NoReconciliation(f"{day} has not been reconciled")
    head, rows = found
    mine = [r for r in rows if region is None or r.region == region]
    by_kind = {k: sum(r.kind == k for r in rows) for k in KINDS}
    return {"date": day.isoformat(), "statement": head.statement, "credits": head.credits, "matched": head.matched,
            "breaks": len(rows), "by_kind": by_kind, "reconciled_at": head.reconciled_at.isoformat(),
            "items": [{"reference": r.reference, "kind": r.kind, "payment_id": r.payment_id, "expected": r.expected,
                       "found": r.found} for r in mine]}


__all__ = ["KINDS", "find_breaks", "reconcile", "view"]
