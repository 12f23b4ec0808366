"""means-check's composition root: `uvicorn means_check.main:app`."""
from fastapi import FastAPI

from means_check import api, events
from means_check.resilience import Breaker
from means_check.settings import Settings
from means_check.sources.catalog import CODES
from means_check.sources.simulator import Fault, Simulators, Steering
from means_check.store import UnitOfWork, deadlines, metadata, plumbing
from means_check.worker import Worker
from relief_shared.runtime import Runtime, ServiceSpec, create_app


def connect_sources(runtime: Runtime) -> None:
    """The departments: simulated here (no real ones exist in this deployment), steered from settings."""
    settings: Settings = runtime.settings  # type: ignore[assignment]
    sim = settings.simulator
    steering = Steering(sources={code: Fault(mode, sim.later_days) for code, mode in sim.faults.items()})
    simulators = Simulators(seed=sim.seed, latency_ms=sim.latency_ms, now=runtime.clock.now, steering=steering)
    v = settings.verification
    runtime.extras["simulators"] = simulators
    runtime.extras["sources"] = simulators.sources
    runtime.extras["breakers"] = {code: Breaker(v.breaker_threshold, v.breaker_cool_off_seconds) for code in CODES}


async def verify_forever(runtime: Runtime) -> None:
    await Worker(runtime, runtime.extras["sources"], runtime.extras["breakers"]).run()


SPEC = ServiceSpec(
    name="means-check",
    title="relief means-check",
    description="Household economic status verification across departments (policy.md §5).",
    metadata=metadata,
    plumbing=plumbing,
    routers=[api.router],
    subscriptions=events.subscriptions,
    background=[verify_forever],
    on_start=connect_sources,
    unit_of_work=UnitOfWork,
    problems=api.PROBLEMS,
    deadlines=deadlines,
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings or Settings())


app = build()
