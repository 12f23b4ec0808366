"""DT-SPOT without anyone having to remember it: when a month is over (the suite clock, Asia/
Shanghai), every region whose pack declares DT-SPOT has that month drawn, street by street and
programme by programme, exactly as `POST /v1/spot-checks` would draw it. The draw is recorded
once per month, street and programme, so a replica, a restart or a hand-run request never draws
twice; the district's review tasks follow from the draw."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from approval import spot_check
from approval.domain import DomainError
from approval.spot_check_service import RunSpotChecks, run
from relief_shared.auth import Principal
from relief_shared.calendar import SHANGHAI
from relief_shared.runtime import Runtime

log = logging.getLogger(__name__)


def previous_month(now: datetime) -> str:
    first = now.astimezone(SHANGHAI).replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def drawer(region: str) -> Principal:
    """The service itself draws, recorded as such on every draw (`drawn_by`)."""
    return Principal(sub="system:approval", name="approval (monthly DT-SPOT draw)", roles=("ops",), region=region)


async def draw_finished_months(runtime: Runtime) -> None:
    settings = runtime.settings
    if not getattr(settings, "spot_checks_monthly", True):
        return
    await runtime.clock.wait_synced()  # "last month" is the suite's, not the machine's
    moved = asyncio.Event()
    runtime.clock.on_change(moved.set)
    drawn: set[tuple[str, str]] = set()
    while True:
        now = runtime.clock.now()
        month = previous_month(now)
        for code in runtime.packs.codes():
            if spot_check.RULE not in runtime.packs.get(code).rules or (code, month) in drawn:
                continue
            try:
                reply = await run(RunSpotChecks(code, month, None, None, drawer(code)), runtime.db.uow(),
                                  packs=runtime.packs, now=now)
                if reply.status == 201:
                    log.info("DT-SPOT: %s %s drawn (%s draws)", code, month, reply.body["created"])
            except DomainError as exc:  # a pack that cannot say how much to draw: say so, do not guess
                log.error("DT-SPOT: %s %s cannot be drawn: %s", code, month, exc)
            drawn.add((code, month))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(moved.wait(), settings.spot_check_poll_seconds)
        moved.clear()
