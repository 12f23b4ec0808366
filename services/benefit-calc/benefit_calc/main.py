"""benefit-calc's composition root: `uvicorn benefit_calc.main:app`."""
from fastapi import FastAPI

from benefit_calc import api, events
from benefit_calc.settings import Settings
from benefit_calc.store import UnitOfWork, metadata, plumbing
from relief_shared.runtime import ServiceSpec, create_app

SPEC = ServiceSpec(
    name="benefit-calc",
    title="relief benefit-calc",
    description="Temporary-assistance amounts with the rules and sources behind them (policy.md §3).",
    metadata=metadata,
    plumbing=plumbing,
    routers=[api.router],
    subscriptions=events.subscriptions,
    unit_of_work=UnitOfWork,
    problems=api.PROBLEMS,
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings or Settings())


app = build()
