"""The payment worker: moves payments from `scheduled` to `paid` or `failed`, never twice.

Calls are pipelined: the worker keeps up to `max_calls` bank calls in flight, records each
call's answer as soon as it arrives, and claims more due payments whenever a call frees its
place, so one hanging call (held until the bank timeout) never holds back any other payment.
Real-time payments go one per call; the payroll's go as batch files of `bank_batch` items.
Every claim commits (`sent`) before its call starts; see `paying` for why that keeps money safe.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from disbursement import paying
from disbursement.bank import Bank, BankReceipt, TransferOrder
from disbursement.domain import PAYROLL, SCHEDULED, Payment
from disbursement.policy import retry_delay
from disbursement.terms import PaymentTerms
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
    max_calls: int = 32
    bank_batch: int = 500


class PaymentWorker:
    def __init__(self, db: Database, bank: Bank, wake: asyncio.Event, timings: WorkerTimings,
                 clock: Clock | None = None, terms: PaymentTerms | None = None):
        self.db, self.bank, self.wake, self.t = db, bank, wake, timings
        self.clock = clock or Clock()  # business time (due days, deadlines met); leases and back-off stay real time
        self.terms = terms
        self.calls: dict[asyncio.Future, list[Payment]] = {}
        self.settled = 0  # answers recorded by this worker (progress for operators and benchmarks)

    async def run(self) -> None:
        released = await paying.release_in_flight(self.db.uow())
        if released:
            log.warning("%s payments were in flight at restart; asking the bank about them", released)
        try:
            while True:
                try:
                    await self.step()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("payment step failed; retrying")
                    await asyncio.sleep(self.t.poll_seconds)
        finally:  # stopped: what the bank may have is asked about at the next start
            for call in self.calls:
                call.cancel()

    async def step(self) -> int:
        """Claim what fits in the free call places, then wait for an answer, a wake-up or the poll."""
        started = 0
        while len(self.calls) < self.t.max_calls:
            taken = await paying.claim_due(self.db.uow(), self.terms, limit=self.t.batch,
                                           lease=timedelta(seconds=self.t.lease_seconds),
                                           business_now=self.clock.now())
            for group in self._calls(taken):
                self.calls[asyncio.ensure_future(self._pay(group))] = group
            started += len(taken)
            if len(taken) < self.t.batch:
                break
        waker = asyncio.ensure_future(self.wake.wait())
        try:
            done, _ = await asyncio.wait({*self.calls, waker}, timeout=self.t.poll_seconds,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            waker.cancel()
        self.wake.clear()
        answers = []
        for call in [c for c in done if c in self.calls]:
            answers += self._answers(self.calls.pop(call), call)
        if answers:
            await paying.record_answers(self.db.uow(), answers, self.terms, now=self.clock.now())
            self.settled += sum(a.receipt is not None and a.receipt.answered for a in answers)
        return started

    async def drain(self) -> None:
        """Run until nothing is due or in flight (tests, benchmarks)."""
        while await self.step() or self.calls:
            pass

    def _calls(self, taken: list[Payment]) -> list[list[Payment]]:
        payroll = [p for p in taken if p.kind == PAYROLL]
        singles = [[p] for p in taken if p.kind != PAYROLL]
        return singles + [payroll[i:i + self.t.bank_batch] for i in range(0, len(payroll), self.t.bank_batch)]

    def _answers(self, group: list[Payment], call: asyncio.Future) -> list[paying.Answer]:
        error = call.exception()
        if error is None:
            receipts: dict[str, BankReceipt] = call.result()
            return [paying.Answer(p, receipt=receipts[p.bank_reference]) for p in group]
        # no answer, or a broken answer: the bank may have booked them
        log.warning("%s payments (%s…): no answer from the bank (%r); will ask again", len(group), group[0].id, error)
        return [paying.Answer(p, no_answer=repr(error), retry_in=self._backoff(p)) for p in group]

    async def _pay(self, group: list[Payment]) -> dict[str, BankReceipt]:
        """Transfer fresh payments; for those the bank may have, ask first, then repeat the rest
        under the same reference."""
        known: dict[str, BankReceipt] = {}
        maybe = [p.bank_reference for p in group if p.status != SCHEDULED]
        if maybe:
            known = await self._call(self.bank.status_batch(maybe))
        orders = [TransferOrder(p.bank_reference, p.amount, p.payee.name, p.payee.id_number, p.payee.bank_account)
                  for p in group if p.bank_reference not in known]
        if len(orders) == 1 and len(group) == 1:
            known[orders[0].reference] = await self._call(self.bank.transfer(
                orders[0].reference, orders[0].amount, orders[0].payee_name, orders[0].payee_id_number,
                orders[0].account))
        elif orders:
            for receipt in await self._call(self.bank.transfer_batch(orders)):
                known[receipt.reference] = receipt
        return known

    async def _call(self, call):  # noqa: ANN001, ANN202 - any bank coroutine
        return await asyncio.wait_for(call, self.t.bank_timeout_seconds)

    def _backoff(self, payment: Payment) -> timedelta:
        return retry_delay(payment.attempts + 1, self.t.retry_seconds, self.t.retry_max_seconds)
