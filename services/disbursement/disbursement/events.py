"""Consumed: relief.case.approved (durable `disbursement-approved`). Published through the
outbox by the use cases: payment.scheduled, payment.sent, payment.paid, payment.failed."""
from disbursement import service
from relief_shared.db import UnitOfWork
from relief_shared.events import Envelope
from relief_shared.inbox import Subscription
from relief_shared.runtime import Runtime


def subscriptions(runtime: Runtime) -> list[Subscription]:
    terms = service.PaymentTerms(runtime.packs, runtime.calendar)

    async def on_case_approved(event: Envelope, uow: UnitOfWork) -> None:
        if await service.schedule_payment(event, uow, terms):
            uow.after_commit(runtime.extras["payments_due"].set)

    return [Subscription("disbursement-approved", "RELIEF", ["relief.case.approved"], on_case_approved)]
