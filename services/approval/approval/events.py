"""approval's event door: the declared consumer bound to its use case."""
from functools import partial

from approval import applications, service
from relief_shared.contract.consumers import (APPROVAL_CALCULATED, APPROVAL_CLASSIFIED, APPROVAL_DEADLINE_STOPS,
                                             APPROVAL_ESCALATIONS, APPROVAL_MEANS_VERIFIED)
from relief_shared.inbox import Subscription
from relief_shared.runtime import Runtime


def subscriptions(runtime: Runtime) -> list[Subscription]:
    handler = partial(service.on_benefit_calculated, packs=runtime.packs, calendar=runtime.calendar,
                      kin_secret=runtime.settings.kin_secret)
    return [Subscription(APPROVAL_CALCULATED, handler),
            Subscription(APPROVAL_DEADLINE_STOPS, partial(service.on_payment_paid, packs=runtime.packs,
                                                                  calendar=runtime.calendar)),
            Subscription(APPROVAL_ESCALATIONS, service.on_deadline),
            Subscription(APPROVAL_MEANS_VERIFIED, partial(service.on_means_verified, packs=runtime.packs,
                                                          calendar=runtime.calendar)),
            Subscription(APPROVAL_CLASSIFIED, partial(applications.on_case_classified, packs=runtime.packs,
                                                      calendar=runtime.calendar,
                                                      kin_secret=runtime.settings.kin_secret))]
