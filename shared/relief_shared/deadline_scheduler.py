"""The scheduler each service that owns deadlines runs: claims what the suite clock made due and
records `deadline.due_soon` / `deadline.breached` through the outbox, each exactly once.

It sleeps until the earliest `next_at` (one indexed MIN), at most `poll_seconds` (rows another
replica wrote), and wakes at once when this process opens or recounts a deadline, when the
suite clock jumps, or when a year's holiday data is loaded (then it first recounts the
`calendar_incomplete` deadlines). While nothing is due it costs one small query per poll.
It starts only once the suite clock is synced: before that, "now" could be wrong by the
whole offset and fire what is not due.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from relief_shared import deadlines
from relief_shared.calendar import WorkingCalendar
from relief_shared.clock import Clock
from relief_shared.db import Database
from relief_shared.deadlines import DeadlineTable, Deadlines

log = logging.getLogger(__name__)


class DeadlineScheduler:
    def __init__(self, db: Database, table: DeadlineTable, *, service: str, clock: Clock, calendar: WorkingCalendar,
                 poll_seconds: float = 10.0, batch: int = 500, ready: Callable[[], bool] = lambda: True,
                 on_claimed: Callable[[Any, list[tuple[str, Any]]], Awaitable[None]] | None = None):
        self.db, self.table, self.service, self.clock, self.calendar = db, table, service, clock, calendar
        self.on_claimed = on_claimed  # the owning service's own effects of a claim, in the same transaction
        self.poll_seconds, self.batch, self.ready = poll_seconds, batch, ready
        self.wake = db.signal(deadlines.SIGNAL)
        clock.on_change(self.wake.set)
        self._counted_generation: int | None = None

    async def run(self) -> None:
        await self.clock.wait_synced()
        while not self.ready():
            await asyncio.sleep(0.05)
        while True:
            next_at = None
            try:
                if self._counted_generation != self.calendar.generation:
                    generation = self.calendar.generation
                    await self.recount()
                    self._counted_generation = generation
                while await self.round() >= self.batch:
                    pass
                async with self.db.reading() as uow:
                    next_at = await Deadlines(uow.conn, self.table).next_at()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("deadline round failed; retrying")
            await self._sleep(next_at)

    async def _sleep(self, next_at) -> None:  # noqa: ANN001 - datetime | None
        timeout = self.poll_seconds
        if next_at is not None:
            timeout = min(max((next_at - self.clock.now()).total_seconds(), 0.0), self.poll_seconds)
        if timeout > 0:
            try:
                await asyncio.wait_for(self.wake.wait(), timeout)
            except TimeoutError:
                pass
        self.wake.clear()

    async def round(self) -> int:
        """Claim and record one batch; returns how many rows it changed."""
        async with self.db.uow() as uow:
            claimed = await Deadlines(uow.conn, self.table).claim(self.clock.now(), self.batch)
            uow.record(*(deadlines.envelope(kind, d, service=self.service) for kind, d in claimed))
            if claimed and self.on_claimed is not None:
                await self.on_claimed(uow, claimed)
            await uow.commit()
        if claimed:
            log.info("deadlines: %s", ", ".join(f"{kind} {d.limit_id} of {d.case_id}" for kind, d in claimed[:5]))
        return max(sum(kind == "due_soon" for kind, _ in claimed), sum(kind == "breached" for kind, _ in claimed))

    async def recount(self) -> int:
        """The calendar changed: count the incomplete deadlines again, and say so."""
        async with self.db.uow() as uow:
            changed = await Deadlines(uow.conn, self.table).recount_incomplete(self.calendar)
            uow.record(*(deadlines.envelope("rescheduled", d, service=self.service) for d in changed))
            await uow.commit()
        if changed:
            log.warning("recounted %s deadlines after holiday data changed", len(changed))
        return len(changed)
