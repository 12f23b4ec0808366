"""means-check's event door: the declared consumers bound to their use cases."""
from functools import partial

from relief_shared.contract.consumers import MEANS_CHECK_CLASSIFIED, MEANS_CHECK_HOUSEHOLD
from relief_shared.inbox import Subscription
from relief_shared.runtime import Runtime

from means_check import service


def subscriptions(runtime: Runtime) -> list[Subscription]:
    household = partial(service.on_verification_needed, packs=runtime.packs, calendar=runtime.calendar)
    return [Subscription(MEANS_CHECK_CLASSIFIED, partial(service.on_case_classified, packs=runtime.packs)),
            Subscription(MEANS_CHECK_HOUSEHOLD, household)]
