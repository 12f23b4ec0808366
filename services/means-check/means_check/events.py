from relief_shared.inbox import Subscription
from relief_shared.runtime import Runtime

from means_check import service


def subscriptions(_: Runtime) -> list[Subscription]:
    return [Subscription("means-check-classified", "RELIEF", ["relief.case.classified"], service.on_case_classified)]
