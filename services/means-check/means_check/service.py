from __future__ import annotations

from means_check import store
from means_check.policy import scope_for
from relief_shared.db import UnitOfWork
from relief_shared.events import Envelope
from relief_shared.inbox import Poison

SOURCE = "means-check"
BY = {"id": "system:means-check", "name": "means-check"}


async def on_case_classified(event: Envelope, uow: UnitOfWork) -> None:
    """Record what verification the case needs; the emergency path records that it skipped."""
    try:
        classification = event.data["classification"]["type"]
        household_status = event.data["household"]["status"]
    except (KeyError, TypeError) as exc:
        raise Poison(f"case.classified without {exc}") from exc
    scope = scope_for(classification, household_status)
    await store.add_check(uow.conn, case_id=event.case_id, region=event.region, scope=scope)
    event_type = "means.skipped" if scope.status == "skipped" else "means.requested"
    uow.record(Envelope.new(event_type, case_id=event.case_id, region=event.region, source=SOURCE, cause=event,
                            data={"scope": scope.scope, "rules": list(scope.rules), "reason": scope.reason, "by": BY}))
