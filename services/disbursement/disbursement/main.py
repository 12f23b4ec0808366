"""disbursement's composition root: `uvicorn disbursement.main:app`."""
import asyncio
import contextlib
import logging

from fastapi import FastAPI

from disbursement import api, api_funds, events, payroll
from disbursement.bank import SimulatedBank
from disbursement.settings import Settings
from disbursement.store import UnitOfWork, deadlines, metadata, plumbing
from disbursement.terms import PaymentTerms
from disbursement.worker import PaymentWorker, WorkerTimings
from relief_shared.runtime import Runtime, ServiceSpec, create_app

log = logging.getLogger(__name__)


def start(runtime: Runtime) -> None:
    settings: Settings = runtime.settings  # type: ignore[assignment]
    runtime.extras["bank"] = bank = SimulatedBank(settings.bank_path, settings.bank.mode, now=runtime.clock.now)
    bank.steer(script=settings.bank.script)
    runtime.extras["payments_due"] = asyncio.Event()
    runtime.extras["payroll_due"] = asyncio.Event()


def timings(s: Settings) -> WorkerTimings:
    return WorkerTimings(poll_seconds=s.payment_poll_seconds, batch=s.payment_batch,
                         bank_timeout_seconds=s.bank.timeout_seconds, lease_seconds=s.payment_lease_seconds,
                         retry_seconds=s.payment_retry_seconds, retry_max_seconds=s.payment_retry_max_seconds,
                         max_calls=s.payment_max_calls, bank_batch=s.payment_bank_batch)


async def pay_out(runtime: Runtime) -> None:
    s: Settings = runtime.settings  # type: ignore[assignment]
    await PaymentWorker(runtime.db, runtime.extras["bank"], runtime.extras["payments_due"], timings(s),
                        runtime.clock, PaymentTerms(runtime.packs, runtime.calendar)).run()


async def produce_payrolls(runtime: Runtime) -> None:
    """Open each month's runs on its first day, produce open payroll runs chunk by chunk (resuming after a crash), wake the payer after
    each chunk, and complete runs whose payments are all settled."""
    s: Settings = runtime.settings  # type: ignore[assignment]
    due, pay = runtime.extras["payroll_due"], runtime.extras["payments_due"]
    terms = PaymentTerms(runtime.packs, runtime.calendar)
    await runtime.clock.wait_synced()  # "this month" is the suite's month, not the machine's
    while True:
        try:
            if s.payroll_opens_monthly:
                await payroll.open_this_month(runtime.db, terms, now=runtime.clock.now())
            await payroll.produce_and_complete(runtime.db, size=s.payroll_chunk, now=runtime.clock.now(),
                                               on_chunk=lambda _: pay.set())
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("payroll pass failed; retrying")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(due.wait(), s.payroll_poll_seconds)
        due.clear()


SPEC = ServiceSpec(
    name="disbursement",
    title="relief disbursement",
    description="Paying out approved assistance and the monthly payroll, exactly once (policy.md §7).",
    metadata=metadata,
    plumbing=plumbing,
    routers=[api.router, api_funds.router],
    subscriptions=events.subscriptions,
    background=[pay_out, produce_payrolls],
    on_start=start,
    unit_of_work=UnitOfWork,
    problems=api.PROBLEMS,
    deadlines=deadlines,
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings or Settings())


app = build()
