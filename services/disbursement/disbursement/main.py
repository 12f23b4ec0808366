"""disbursement's composition root: `uvicorn disbursement.main:app`."""
import asyncio

from fastapi import FastAPI

from disbursement import api, events
from disbursement.bank import SimulatedBank
from disbursement.settings import Settings
from disbursement.store import UnitOfWork, deadlines, metadata, plumbing
from disbursement.worker import PaymentWorker, WorkerTimings
from relief_shared.runtime import Runtime, ServiceSpec, create_app


def start(runtime: Runtime) -> None:
    settings: Settings = runtime.settings  # type: ignore[assignment]
    runtime.extras["bank"] = bank = SimulatedBank(settings.bank_path, settings.bank.mode)
    bank.steer(script=settings.bank.script)
    runtime.extras["payments_due"] = asyncio.Event()


async def pay_out(runtime: Runtime) -> None:
    s: Settings = runtime.settings  # type: ignore[assignment]
    timings = WorkerTimings(poll_seconds=s.payment_poll_seconds, batch=s.payment_batch,
                            bank_timeout_seconds=s.bank.timeout_seconds, lease_seconds=s.payment_lease_seconds,
                            retry_seconds=s.payment_retry_seconds, retry_max_seconds=s.payment_retry_max_seconds)
    await PaymentWorker(runtime.db, runtime.extras["bank"], runtime.extras["payments_due"], timings,
                        runtime.clock).run()


SPEC = ServiceSpec(
    name="disbursement",
    title="relief disbursement",
    description="Paying out approved assistance through the bank, exactly once (policy.md §7).",
    metadata=metadata,
    plumbing=plumbing,
    routers=[api.router],
    subscriptions=events.subscriptions,
    background=[pay_out],
    on_start=start,
    unit_of_work=UnitOfWork,
    deadlines=deadlines,
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings or Settings())


app = build()
