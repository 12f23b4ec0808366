from relief_shared.inbox import Subscription
from relief_shared.runtime import Runtime

from eligibility import service
from eligibility.domain import OWN_EVENTS, VIEW_EVENTS


def subscriptions(_: Runtime) -> list[Subscription]:
    return [
        Subscription("eligibility-intake", "RELIEF", ["relief.case.received"], service.on_cases_received,
                     takes_batches=True),
        Subscription("eligibility-case-view", "RELIEF",
                     [f"relief.{t}" for t in VIEW_EVENTS if t not in OWN_EVENTS], service.fold, takes_batches=True),
    ]
