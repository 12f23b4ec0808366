"""means-check's use cases: decide what verification a classified case needs, and read it."""
from __future__ import annotations

from relief_shared.auth import Principal
from relief_shared.contract import Envelope, system
from relief_shared.contract.case import CaseClassified
from relief_shared.contract.means import MeansRequested, MeansSkipped
from relief_shared.inbox import Poison
from relief_shared.regions import RegionPacks, UnknownRegion

from means_check.policy import scope_for
from means_check.store import UnitOfWork

SOURCE = "means-check"


class NoSuchCheck(LookupError):
    """No means check of that case in the caller's region."""


async def on_case_classified(event: Envelope[CaseClassified], uow: UnitOfWork, *, packs: RegionPacks) -> None:
    """Record what verification the case needs by its region's rules; the emergency path records
    that it skipped."""
    data = event.data
    try:
        pack = packs.get(event.region)
    except UnknownRegion as exc:
        raise Poison(f"cannot scope the means check of case {event.case_id}: {exc}") from exc
    scope = scope_for(pack, data.classification.type, data.household.status)
    await uow.checks.add(case_id=event.case_id, region=event.region, scope=scope)
    payload = MeansSkipped if scope.status == "skipped" else MeansRequested
    uow.record(Envelope.new(payload(scope=scope.scope, rules=list(scope.rules), reason=scope.reason,
                                    by=system(SOURCE)),
                            case_id=event.case_id, region=event.region, source=SOURCE, cause=event))


async def recorded_check(case_id: str, reader: Principal, uow: UnitOfWork) -> dict:
    async with uow:
        check = await uow.checks.get(case_id, region=reader.region)
    if check is None:
        raise NoSuchCheck(f"no means check recorded for case {case_id} in region {reader.region}")
    return check
