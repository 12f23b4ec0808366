"""means-check's composition root: `uvicorn means_check.main:app`."""
from fastapi import FastAPI

from means_check import api, events
from means_check.settings import Settings
from means_check.store import UnitOfWork, metadata, plumbing
from relief_shared.runtime import ServiceSpec, create_app

SPEC = ServiceSpec(
    name="means-check",
    title="relief means-check",
    description="Household economic status verification across departments (policy.md §5).",
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
