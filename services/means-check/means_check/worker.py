"""The verification worker: calls the departments outside every transaction.

One loop per process: claim what is due (a short transaction), start each call as its own
task with its timeout, and write back whatever has come in every `flush_seconds` (one short
transaction for many answers), so a slow department holds up neither the others nor the
service's HTTP door; close overdue verifications; forget expired results. A process killed
with calls in flight loses nothing: their requests are claimed again when the lease runs out.
"""
from __future__ import annotations

import asyncio
import logging

from means_check import progress
from means_check.domain import PURPOSE, Call, Outcome
from means_check.privacy import mask, mask_text
from means_check.resilience import Breaker
from means_check.service import SIGNAL
from means_check.sources.base import Pending, Source, SourceError, SourceQuery
from relief_shared.runtime import Runtime

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, runtime: Runtime, sources: dict[str, Source], breakers: dict[str, Breaker]):
        self.runtime, self.sources, self.breakers = runtime, sources, breakers
        self.settings = runtime.settings.verification  # type: ignore[attr-defined]
        self.key = runtime.settings.access_log_key  # type: ignore[attr-defined]
        self.wake = runtime.db.signal(SIGNAL)
        self.outcomes: list[Outcome] = []
        self.in_flight: set[asyncio.Task] = set()
        self._last_sweep = 0.0
        runtime.clock.on_change(self.wake.set)

    async def run(self) -> None:
        await self.runtime.clock.wait_synced()
        try:
            while True:
                try:
                    await self.round()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("verification round failed; retrying")
                await self._pause()
        finally:
            for task in self.in_flight:
                task.cancel()

    async def round(self) -> None:
        now, db, s = self.runtime.clock.now(), self.runtime.db, self.settings
        waiting, self.outcomes = self.outcomes, []
        while waiting:  # in chunks: SQLite runs in the loop's thread, and HTTP must not wait long
            taken, waiting = waiting[:s.batch], waiting[s.batch:]
            finished = await progress.record(taken, db.uow(), self.runtime.packs, now=now,
                                             schedule=tuple(s.retry_seconds), max_attempts=s.max_attempts, key=self.key)
            log.info("%s answer(s) written, %s verification(s) finished", len(taken), finished)
            await asyncio.sleep(0)
        # fill up, a short transaction at a time; answers not yet written count as in flight, so a
        # backlog of writing slows the claiming instead of outliving the claims' leases
        while (room := s.max_in_flight - len(self.in_flight) - len(self.outcomes)) > 0:
            calls = await progress.claim(db.uow(), now=now, lease_seconds=s.lease_seconds, batch=min(room, s.batch),
                                         breakers=self.breakers, key=self.key)
            for call in calls:
                task = asyncio.create_task(self._call(call))
                self.in_flight.add(task)
                task.add_done_callback(self.in_flight.discard)
            if len(calls) < min(room, s.batch):
                break
            await asyncio.sleep(0)
        loop_now = asyncio.get_running_loop().time()
        if loop_now - self._last_sweep >= s.sweep_seconds:
            self._last_sweep = loop_now
            if forced := await progress.decide_overdue(db.uow, self.runtime.packs, now=now):
                log.warning("%s verification(s) closed at their deadline on partial data", forced)
            await progress.forget_expired(db.uow(), now=now, retention_days=s.retention_days)

    async def _pause(self) -> None:
        """Until answers are waiting to be written (after `flush_seconds`, to write many at
        once), a new verification or a clock change, or the poll interval."""
        s = self.settings
        timeout = s.flush_seconds if self.outcomes else s.poll_seconds
        try:
            await asyncio.wait_for(self.wake.wait(), timeout)
        except TimeoutError:
            pass
        self.wake.clear()

    async def _call(self, call: Call) -> None:
        source, breaker = self.sources[call.source], self.breakers[call.source]
        query = SourceQuery(call.source, call.id_number, PURPOSE, f"{call.verification_id[:8]}-{call.request_id}")
        breaker.in_flight += 1
        try:
            work = source.collect(call.ticket, query) if call.ticket else source.query(query)
            answer = await asyncio.wait_for(work, self.settings.timeout_seconds)
        except Pending as pending:
            breaker.succeeded()
            outcome = Outcome(call, pending=pending)
        except TimeoutError:
            breaker.failed("timeout")
            outcome = Outcome(call, error=f"{call.source}: no answer within {self.settings.timeout_seconds}s")
        except SourceError as exc:
            breaker.failed(exc.__class__.__name__)
            outcome = Outcome(call, error=str(exc))
        except Exception as exc:  # an adapter bug must not lose the request: it is retried
            breaker.failed(exc.__class__.__name__)
            log.exception("source %s: unexpected error", call.source)
            outcome = Outcome(call, error=f"{call.source}: {exc.__class__.__name__}")
        else:
            breaker.succeeded()
            outcome = Outcome(call, answer=answer)
        finally:
            breaker.in_flight -= 1
        if outcome.error:
            log.warning("source %s, member %s, case %s: %s", call.source, mask(call.id_number), call.case_id,
                        mask_text(outcome.error))
        self.outcomes.append(outcome)
        if len(self.outcomes) == 1:
            self.wake.set()
