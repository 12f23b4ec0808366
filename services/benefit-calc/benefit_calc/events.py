"""benefit-calc's event door: the declared consumer bound to its use case."""
from functools import partial

from relief_shared.contract.consumers import BENEFIT_CALC_CLASSIFIED
from relief_shared.inbox import Subscription
from relief_shared.runtime import Runtime

from benefit_calc import service


def subscriptions(runtime: Runtime) -> list[Subscription]:
    ledger = runtime.extras["ledger"]
    return [Subscription(BENEFIT_CALC_CLASSIFIED, partial(service.on_case_classified, packs=runtime.packs),
                         prepare=partial(ledger.paid_for, packs=runtime.packs))]
