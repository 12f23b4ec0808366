"""Eligibility's event door: the declared consumers bound to their use cases."""
from functools import partial

from relief_shared.contract.consumers import (ELIGIBILITY_CASE_VIEW, ELIGIBILITY_DEADLINES, ELIGIBILITY_INTAKE,
                                              ELIGIBILITY_STATUS_REGISTER)
from relief_shared.inbox import Subscription
from relief_shared.runtime import Runtime

from eligibility import register, service


def subscriptions(runtime: Runtime) -> list[Subscription]:
    return [
        Subscription(ELIGIBILITY_INTAKE, partial(service.classify_received, packs=runtime.packs,
                                                 calendar=runtime.calendar, kin_secret=runtime.settings.kin_secret),
                     takes_batches=True),
        Subscription(ELIGIBILITY_CASE_VIEW, service.fold, takes_batches=True),
        Subscription(ELIGIBILITY_DEADLINES, service.fold_deadlines, takes_batches=True),
        Subscription(ELIGIBILITY_STATUS_REGISTER, partial(register.apply_changes, packs=runtime.packs),
                     takes_batches=True),
    ]
