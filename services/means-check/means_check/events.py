"""means-check's event door: the declared consumer bound to its use case."""
from functools import partial

from relief_shared.contract.consumers import MEANS_CHECK_CLASSIFIED
from relief_shared.inbox import Subscription
from relief_shared.runtime import Runtime

from means_check import service


def subscriptions(runtime: Runtime) -> list[Subscription]:
    return [Subscription(MEANS_CHECK_CLASSIFIED, partial(service.on_case_classified, packs=runtime.packs))]
