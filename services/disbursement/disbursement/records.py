"""What every use case records beside its state change: the payment's events, its ledger line,
the tasks it opens. Kept in one place so each is written the same way by each use case."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from disbursement.domain import PAYROLL, Movement, Payment, Task
from disbursement.store import UnitOfWork
from relief_shared.contract import Envelope, system
from relief_shared.contract.payment import PaymentTaskOpened

SOURCE = "disbursement"
BY = system(SOURCE)


def event(payload: Any, payment: Payment, *, cause: Envelope[Any] | None = None) -> Envelope[Any]:
    return Envelope.new(payload, case_id=payment.case_id, region=payment.region, source=SOURCE, cause=cause,
                        correlation_id=payment.correlation_id)


def record_for(uow: UnitOfWork, payment: Payment, payload: Any, *, cause: Envelope[Any] | None = None) -> None:
    """A payment's event, except the payroll's: a month's million payments have no case to show
    them on; the run's events (`payroll.*`) and the ledger carry them."""
    if payment.kind != PAYROLL:
        uow.record(event(payload, payment, cause=cause))


def paid_line(payment: Payment, at: datetime, note: str) -> Movement:
    return Movement(at=at, region=payment.region, org_unit=payment.org_unit, kind="payment", amount=payment.amount,
                    note=note, channel=payment.channel, payment_id=payment.id, case_id=payment.case_id,
                    reference=payment.reference, id_number=payment.payee.id_number)


async def open_task(uow: UnitOfWork, *, kind: str, role: str, region: str, org_unit: str | None, case_id: str,
                    payment_id: str | None, detail: str, rules: list[str], dedup: str, at: datetime,
                    correlation_id: str | None = None) -> Task | None:
    """Open a task once per `dedup` and say so on the bus; None if it was open already."""
    task = Task(str(uuid.uuid4()), kind, role, region, org_unit, case_id, payment_id, detail, tuple(rules), at)
    if not await uow.tasks.open(task, dedup):
        return None
    uow.record(Envelope.new(PaymentTaskOpened(task_id=task.id, kind=kind, role=role, org_unit=org_unit,  # type: ignore[arg-type]
                                              payment_id=payment_id, detail=detail, rules=rules, by=BY),
                            case_id=case_id, region=region, source=SOURCE, correlation_id=correlation_id))
    return task
