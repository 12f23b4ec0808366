from functools import partial

from relief_shared.inbox import Subscription
from relief_shared.runtime import Runtime

from benefit_calc import service


def subscriptions(runtime: Runtime) -> list[Subscription]:
    on_classified = partial(service.on_case_classified, packs=runtime.packs)
    return [Subscription("benefit-calc-classified", "RELIEF", ["relief.case.classified"], on_classified)]
