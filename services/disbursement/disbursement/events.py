"""disbursement's event door: the declared consumers bound to their use cases; a scheduled
payment wakes the payment worker once it is committed."""
from relief_shared.contract import Envelope
from relief_shared.contract.approval import CaseApproved, CaseRevoked
from relief_shared.contract.consumers import DISBURSEMENT_APPROVED, DISBURSEMENT_ROSTER
from relief_shared.contract.status import StatusChanged
from relief_shared.inbox import Subscription
from relief_shared.runtime import Runtime

from disbursement import payroll, service
from disbursement.store import UnitOfWork
from disbursement.terms import PaymentTerms


def subscriptions(runtime: Runtime) -> list[Subscription]:
    terms = PaymentTerms(runtime.packs, runtime.calendar)

    async def on_approval(event: Envelope[CaseApproved | CaseRevoked], uow: UnitOfWork) -> None:
        if isinstance(event.data, CaseRevoked):
            await service.cancel_on_revocation(event, uow)  # type: ignore[arg-type]
        elif await service.schedule_payment(event, uow, terms):  # type: ignore[arg-type]
            uow.after_commit(runtime.extras["payments_due"].set)

    async def on_status(event: Envelope[StatusChanged], uow: UnitOfWork) -> None:
        await payroll.apply_status(event, uow)

    return [Subscription(DISBURSEMENT_APPROVED, on_approval), Subscription(DISBURSEMENT_ROSTER, on_status)]
