"""disbursement's event door: the declared consumer bound to its use case; a scheduled payment
wakes the payment worker once it is committed."""
from relief_shared.contract import Envelope
from relief_shared.contract.approval import CaseApproved
from relief_shared.contract.consumers import DISBURSEMENT_APPROVED
from relief_shared.inbox import Subscription
from relief_shared.runtime import Runtime

from disbursement import service
from disbursement.store import UnitOfWork


def subscriptions(runtime: Runtime) -> list[Subscription]:
    terms = service.PaymentTerms(runtime.packs, runtime.calendar)

    async def on_case_approved(event: Envelope[CaseApproved], uow: UnitOfWork) -> None:
        if await service.schedule_payment(event, uow, terms):
            uow.after_commit(runtime.extras["payments_due"].set)

    return [Subscription(DISBURSEMENT_APPROVED, on_case_approved)]
