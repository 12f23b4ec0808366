"""benefit-calc's composition root: `uvicorn benefit_calc.main:app`."""
from fastapi import FastAPI

from benefit_calc import api, events
from benefit_calc.ledger import Ledger
from benefit_calc.settings import Settings
from benefit_calc.store import UnitOfWork, metadata, plumbing
from relief_shared.runtime import Runtime, ServiceSpec, create_app

def start(runtime: Runtime) -> None:
    settings: Settings = runtime.settings  # type: ignore[assignment]
    runtime.extras["ledger"] = Ledger(settings.disbursement_url, settings.jwt_secret)


SPEC = ServiceSpec(
    name="benefit-calc",
    title="relief benefit-calc",
    description="Temporary-assistance amounts with the rules and sources behind them (policy.md §3).",
    metadata=metadata,
    plumbing=plumbing,
    routers=[api.router],
    subscriptions=events.subscriptions,
    on_start=start,
    unit_of_work=UnitOfWork,
    problems=api.PROBLEMS,
    fast_lanes=api.LANES,
)


def build(settings: Settings | None = None) -> FastAPI:
    return create_app(SPEC, settings or Settings())


app = build()
