"""The payment worker: moves payments from `scheduled` to `paid` or `failed`, never twice.

The order is what keeps money safe: a payment is marked `sent` (and committed) before the bank
is called, so a crash can only leave a payment the bank may have; such a payment is never sent
fresh, the bank is asked first (`status`), and a repeat carries the same reference, which the
bank books at most once. No answer is never taken as "not paid": it is `unknown`, asked again
with back-off, forever if need be.

A round takes up to `batch` due payments in one transaction, calls the bank for all of them
at once, and records the answers in one transaction per group that arrives together: usually
two commits a round however many payments it carries, and a call that hangs until the bank
timeout holds back no other payment's answer.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from disbursement import service
from disbursement.bank import Bank, BankReceipt
from disbursement.domain import SCHEDULED, Payment
from disbursement.policy import retry_delay
from relief_shared.clock import Clock
from relief_shared.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerTimings:
    poll_seconds: float
    batch: int
    bank_timeout_seconds: float
    lease_seconds: float
    retry_seconds: float
    retry_max_seconds: float


class PaymentWorker:
    def __init__(self, db: Database, bank: Bank, wake: asyncio.Event, timings: WorkerTimings,
                 clock: Clock | None = None):
        self.db, self.bank, self.wake, self.t = db, bank, wake, timings
        self.clock = clock or Clock()  # business time (deadlines met); leases and back-off stay real time

    async def run(self) -> None:
        restarted = True
        while True:
            try:
                if restarted:
                    await self.release_in_flight()
                    restarted = False
                while await self.round() >= self.t.batch:
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("payment round failed; retrying")
            try:
                await asyncio.wait_for(self.wake.wait(), self.t.poll_seconds)
            except TimeoutError:
                pass
            self.wake.clear()

    async def release_in_flight(self) -> None:
        released = await service.release_in_flight(self.db.uow())
        if released:
            log.warning("%s payments were in flight at restart; asking the bank about them", released)

    async def round(self) -> int:
        """One batch; returns how many payments were due, so a full batch asks for another round."""
        taken = await service.claim_due(self.db.uow(), limit=self.t.batch,
                                        lease=timedelta(seconds=self.t.lease_seconds))
        calls = {asyncio.ensure_future(self._pay(p)): p for p in taken}
        try:
            while calls:
                answered, _ = await asyncio.wait(calls, return_when=asyncio.FIRST_COMPLETED)
                await service.record_answers(self.db.uow(), [self._answer(calls.pop(call), call) for call in answered],
                                             now=self.clock.now())
        finally:  # stopped mid-round: what the bank may have is asked about at the next start
            for call in calls:
                call.cancel()
        return len(taken)

    def _answer(self, payment: Payment, call: asyncio.Future) -> service.Answer:
        error = call.exception()
        if error is None:
            return service.Answer(payment, receipt=call.result())
        # no answer, or a broken answer: the bank may have booked it
        log.warning("payment %s: no answer from the bank (%r); will ask again", payment.id, error)
        return service.Answer(payment, no_answer=repr(error), retry_in=self._backoff(payment))

    async def _pay(self, payment: Payment) -> BankReceipt:
        """Transfer a fresh payment; for one the bank may have, ask first, then repeat it."""
        if payment.status != SCHEDULED:
            receipt = await self._call(self.bank.status(payment.bank_reference))
            if receipt is not None:
                return receipt
        return await self._call(self.bank.transfer(payment.bank_reference, payment.amount,
                                                   payment.payee.name, payment.payee.id_number))

    async def _call(self, call):  # noqa: ANN001, ANN202 - any bank coroutine
        return await asyncio.wait_for(call, self.t.bank_timeout_seconds)

    def _backoff(self, payment: Payment) -> timedelta:
        return retry_delay(payment.attempts + 1, self.t.retry_seconds, self.t.retry_max_seconds)
